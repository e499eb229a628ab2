// The event type cannot be empty.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
