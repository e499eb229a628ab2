// The wire has no character type; a single character travels as a string.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: char,
}

fn main() {}
