//! The standard Open edX events, defined with `events-core`'s macros and grouped by
//! architecture subdomain as the Python library groups them (`learning`, `content_authoring`,
//! `analytics`, `enterprise`, `authz`, each split into `data` and `signals`), and the catalog
//! built from their annotations.
//!
//! ```
//! use events_catalog::learning::COURSE_ENROLLMENT_CREATED;
//!
//! assert_eq!(COURSE_ENROLLMENT_CREATED.event_type(), "org.openedx.learning.course.enrollment.created.v1");
//! assert_eq!(events_catalog::catalog::events().len(), 75);
//! ```
//!
//! Events register themselves at link time. A program that only looks events up by type (a
//! bus consumer that never names a signal, say) must still link this crate, e.g. with
//! `use events_catalog as _;`.
//!
//! The catalog below is generated from the same registration records as the registry and the
//! `openedx-events list|show|docs` commands; a test keeps it in step with them.
//!
#![doc = include_str!("../catalog.md")]
// Input paths never unwrap: bad input is a typed error.
#![warn(clippy::unwrap_used)]

pub mod analytics;
pub mod authz;
pub mod catalog;
pub mod content_authoring;
pub mod enterprise;
pub mod learning;
pub mod schemas;
