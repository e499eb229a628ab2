// The macro implements Clone, Debug, PartialEq, Eq, Hash and serde itself; deriving them again
// would conflict. Other derives (here `Default`) are kept.
use events_core::prelude::*;

/// A course.
#[event_data]
#[derive(Clone, Debug, Default)]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

fn main() {}
