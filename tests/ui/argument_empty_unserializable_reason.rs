// `unserializable` says why the event cannot travel on the event bus; the reason is required.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", unserializable = "")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
