//! `openedx-events`: the catalog, Avro tools and event bus client for Open edX events.

// Input paths never unwrap: bad input is a typed error.
#![warn(clippy::unwrap_used)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
