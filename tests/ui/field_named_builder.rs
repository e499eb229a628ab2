// The generated `builder()` constructor would collide with a getter named `builder`.
use events_core::prelude::*;

/// A course run.
#[event_data]
pub struct CourseRunData {
    /// The person who built the course run.
    builder: String,
}

fn main() {}
