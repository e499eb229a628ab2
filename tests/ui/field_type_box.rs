// A `Box` adds nothing on the wire; the value is held directly.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: Box<String>,
}

fn main() {}
