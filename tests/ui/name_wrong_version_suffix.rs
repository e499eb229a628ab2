// The name's `_V{major}` must match the type's version.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v2", name = "COURSE_PUBLISHED_V3")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
