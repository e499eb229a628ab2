// A type that goes straight from the subdomain to the version has neither subject nor action.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
