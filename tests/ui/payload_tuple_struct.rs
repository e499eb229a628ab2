// Field names are the wire names, so a tuple struct cannot be a payload.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData(String);

fn main() {}
