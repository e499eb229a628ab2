// Data keys are always required, and `pii` belongs on the fields of the payload struct.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1")]
pub struct CoursePublished {
    /// The published course.
    #[event_data(default)]
    course: CourseData,
}

fn main() {}
