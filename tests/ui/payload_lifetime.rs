// Payloads own their data: they are cloned, stored and sent across threads.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData<'a> {
    /// The course's id.
    course_key: &'a str,
}

fn main() {}
