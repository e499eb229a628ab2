// Independent mistakes in one definition are reported together, each at its own token, so a
// single build shows everything to fix.
use events_core::prelude::*;

#[open_edx_event(
    type = "org.openedx.learning.Course.published.v1",
    name = "coursePublished",
    trigger_repository = "edx-platform",
    minor_verison = 1
)]
pub struct CoursePublished {
    /// The course's id.
    pub course_key: String,
    course_data: std::collections::HashMap<String, String>,
    /// The number of published blocks.
    block_count: u64,
}

fn main() {}
