// A major version has no leading zero: `v01` must be written `v1`.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v01")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
