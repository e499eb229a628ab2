// Two dots in a row leave an empty segment.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning..course.published.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
