// `minor_version` is an integer literal, not a string.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", minor_version = "1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
