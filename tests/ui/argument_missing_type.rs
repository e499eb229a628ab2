// `type` is the one required argument.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(trigger_repository = "openedx/edx-platform")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
