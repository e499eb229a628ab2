//! The `openedx-events` command.

fn main() {}
