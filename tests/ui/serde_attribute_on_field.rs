// Field names are wire names; serde cannot rename them.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    #[serde(rename = "id")]
    course_key: String,
}

fn main() {}
