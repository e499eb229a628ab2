// Every field `x` gets a `with_x(..)` method returning a changed copy, so a field cannot be
// named `with_` followed by the name of another field.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The display name.
    name: String,
    /// The display name with the run appended.
    with_name: String,
}

fn main() {}
