// Avro integers are signed 64-bit `long`s, which cannot hold every `u64`.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: u64,
}

fn main() {}
