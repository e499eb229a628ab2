// HashMap iterates in random order, so its Avro bytes would not be deterministic.
use std::collections::HashMap;

use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
    /// The field under test.
    value: HashMap<String, String>,
}

fn main() {}
