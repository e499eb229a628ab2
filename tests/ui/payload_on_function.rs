// The macros go on structs only.
use events_core::prelude::*;

/// Makes a course.
#[event_data]
pub fn course_data() {}

fn main() {}
