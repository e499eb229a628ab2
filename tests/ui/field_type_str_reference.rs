// Payloads own their data; `&str` is written `String`.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: &'static str,
}

fn main() {}
