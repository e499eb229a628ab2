// Avro has no set type; a set travels as an array.
use std::collections::HashSet;

use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: HashSet<String>,
}

fn main() {}
