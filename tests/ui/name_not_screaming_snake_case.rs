// Signal names are SCREAMING_SNAKE_CASE statics.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", name = "CoursePublished")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
