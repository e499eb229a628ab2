// A payload record carries at least one field: an empty one tells consumers nothing.
use events_core::prelude::*;

/// A marker with nothing in it.
#[event_data]
pub struct MarkerData {}

fn main() {}
