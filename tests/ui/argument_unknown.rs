// Unknown arguments are refused, with the closest known one suggested.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", key_feild = "course_key")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
