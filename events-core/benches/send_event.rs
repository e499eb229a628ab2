//! Benchmarks of sending events.

fn main() {}
