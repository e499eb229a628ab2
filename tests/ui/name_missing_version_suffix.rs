// From v2 on, the name carries `_V{major}` so that both versions can coexist.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v2", name = "COURSE_PUBLISHED")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
