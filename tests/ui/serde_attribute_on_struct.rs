// The JSON shape follows the wire schema, so serde attributes cannot change it.
use events_core::prelude::*;

/// A course.
#[event_data]
#[serde(rename_all = "camelCase")]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

fn main() {}
