// Major versions start at 1 (OEP-41): `v0` is refused.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v0")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
