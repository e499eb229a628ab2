// Every payload field is documented: the text is the field's description in the catalog.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    display_name: String,
}

fn main() {}
