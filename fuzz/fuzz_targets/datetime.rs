//! Fuzz target `datetime`: see `checks::datetime` for the input format and the properties checked.
#![no_main]

// Each target calls one of the checks.
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::datetime(data));
