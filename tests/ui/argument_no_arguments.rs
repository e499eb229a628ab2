// A bare #[open_edx_event] lacks the event type.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
