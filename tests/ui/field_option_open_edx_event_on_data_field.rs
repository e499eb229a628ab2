// #[open_edx_event(...)] field options belong on event definitions, not on payload structs.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    #[open_edx_event(legacy_data_key)]
    course_key_data: String,
}

fn main() {}
