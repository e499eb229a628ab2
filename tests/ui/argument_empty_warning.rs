// A warning without text tells the reader nothing.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", warning = " ")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
