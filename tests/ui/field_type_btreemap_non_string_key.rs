// Avro map keys are strings.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: BTreeMap<i64, String>,
}

fn main() {}
