//! A crate outside the workspace core that defines its own events.
