// Segments hold lowercase ASCII letters, digits, `_` and `-` only.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.publi$hed.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
