// A struct of the user's that is not annotated with #[event_data] has no wire form; the
// compiler reports it through the `EventField` trait, pointing at the field's type.
use events_core::prelude::*;

/// A grade, but not a payload type.
#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    percent: f64,
}

/// A course grade.
#[event_data]
pub struct CourseGradeData {
    /// The course's id.
    course_key: String,
    /// The grade.
    grade: Grade,
}

fn main() {}
