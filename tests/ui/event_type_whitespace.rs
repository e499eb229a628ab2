// Segments are separated by dots only; whitespace is never part of an event type.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course published.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
