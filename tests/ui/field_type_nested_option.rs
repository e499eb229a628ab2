// Avro unions cannot nest, so `None` and `Some(None)` would be the same on the wire.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: Option<Option<String>>,
}

fn main() {}
