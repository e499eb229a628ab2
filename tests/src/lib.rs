//! Workspace integration tests.

mod docs;
