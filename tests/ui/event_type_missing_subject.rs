// After the subdomain come a subject and an action; `published` alone names no subject.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.published.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
