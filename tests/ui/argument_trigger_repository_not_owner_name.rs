// `trigger_repository` names GitHub repositories as `owner/name`.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(
    type = "org.openedx.learning.course.published.v1",
    trigger_repository = "edx-platform"
)]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
