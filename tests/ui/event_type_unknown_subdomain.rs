// The type must name an architecture subdomain (or declare its own with `subdomain = ...`).
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.teaching.course.published.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
