// Container element types are checked too: a `Vec<u64>` has the same problem as a `u64`.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: Vec<u64>,
}

fn main() {}
