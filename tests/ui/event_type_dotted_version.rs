// Event types carry only a major version; `v1.0` is not one (minor versions are `minor_version`).
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1.0")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
