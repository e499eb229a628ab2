// A payload's doc comment is its record description in the catalog.
use events_core::prelude::*;

#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

fn main() {}
