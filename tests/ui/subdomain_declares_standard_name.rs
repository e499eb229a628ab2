// `subdomain = ...` declares a subdomain outside the standard list; `learning` is in it.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", subdomain = "learning")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
