// Map value types are checked too.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: BTreeMap<String, f32>,
}

fn main() {}
