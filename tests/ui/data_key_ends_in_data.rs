// Data keys name the thing the event is about, not its payload class: `course`, not `course_data`.
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
    course_data: CourseData,
}

fn main() {}
