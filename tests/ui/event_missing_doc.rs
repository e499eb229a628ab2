// An event's doc comment is its `event_description` in the catalog.
use events_core::prelude::*;

#[open_edx_event(type = "org.openedx.learning.course.published.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
