//! Fuzz target `redis_replies`: see `checks::redis_replies` for the input format and the properties checked.
#![no_main]

// Each target calls one of the checks.
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::redis_replies(data));
