// Integers on the wire are `long`s; unsigned and narrow Rust integers are not accepted.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: u32,
}

fn main() {}
