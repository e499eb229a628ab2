// Event times are UTC on the wire; a local time zone would be lost.
use events_core::chrono::Local;
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: DateTime<Local>,
}

fn main() {}
