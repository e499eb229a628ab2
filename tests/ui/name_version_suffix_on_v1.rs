// Names of v1 types carry no version suffix.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", name = "COURSE_PUBLISHED_V1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
