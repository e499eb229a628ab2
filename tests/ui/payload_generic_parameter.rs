// An event's wire schema is fixed, so payloads have no type parameters.
use events_core::prelude::*;

/// A value with a label.
#[event_data]
pub struct Labelled<T> {
    /// The label.
    label: String,
    /// The value.
    value: T,
}

fn main() {}
