// An action that looks like a version (`….v1.v2`) means the type has two versions.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1.v2")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
