// Each argument but `warning` is given once.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(
    type = "org.openedx.learning.course.published.v1",
    trigger_repository = "openedx/edx-platform",
    trigger_repository = "openedx/frontend-app-authoring"
)]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
