// The generated constructor is `new(..)`, so no data key can be called `new`.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1")]
pub struct CoursePublished {
    /// Whether the course is new.
    new: bool,
}

fn main() {}
