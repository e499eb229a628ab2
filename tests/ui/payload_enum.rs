// Payloads are records with named fields, which an enum is not.
use events_core::prelude::*;

/// A course mode.
#[event_data]
pub enum CourseMode {
    Audit,
    Verified,
}

fn main() {}
