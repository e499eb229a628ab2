// A naive date-time has no time zone; event times are UTC.
use events_core::chrono::NaiveDateTime;
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: NaiveDateTime,
}

fn main() {}
