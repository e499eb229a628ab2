// The data keys of an event are payload fields too, with the same type rules.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1")]
pub struct CoursePublished {
    /// The number of published blocks.
    block_count: u64,
}

fn main() {}
