// Payloads are frozen: fields are private and read through the generated getters.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    pub course_key: String,
    /// The display name.
    pub(crate) display_name: String,
}

fn main() {}
