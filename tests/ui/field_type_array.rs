// Fixed-size arrays have no Avro form; a `Vec` is an Avro array.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: [i64; 3],
}

fn main() {}
