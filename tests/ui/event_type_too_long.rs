// Event types are at most 255 characters long (the length of a CloudEvents `type` the
// event bus backends accept).
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(
    type = "org.openedx.learning.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.course.published.v1"
)]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
