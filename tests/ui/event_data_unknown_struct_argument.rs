// On the struct, #[event_data] takes only `crate = path`.
use events_core::prelude::*;

/// A course.
#[event_data(krate = ::events_core)]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

fn main() {}
