// Python floats are doubles, so payloads use `f64`.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: f32,
}

fn main() {}
