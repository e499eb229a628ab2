//! The `analytics` subdomain: events about the platform's own tracking and measurement.

pub mod data;
pub mod signals;

pub use data::*;
pub use signals::*;
