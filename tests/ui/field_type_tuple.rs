// Tuples have no Avro form; their parts need names.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: (String, i64),
}

fn main() {}
