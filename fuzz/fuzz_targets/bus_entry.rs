//! Fuzz target `bus_entry`: see `checks::bus_entry` for the input format and the properties checked.
#![no_main]

// Each target calls one of the checks.
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::bus_entry(data));
