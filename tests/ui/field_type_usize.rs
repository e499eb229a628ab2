// The width of `usize` depends on the platform; the wire has `long`.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: usize,
}

fn main() {}
