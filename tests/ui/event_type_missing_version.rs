// Every event type ends in `.v{major}`; only the two upstream authz types are exempt.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
