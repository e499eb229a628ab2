//! Shared by the interop tests: the golden payloads, running commands, and comparing what one
//! side sent with what the other received.

#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The golden case whose payload Python's own decoder changes (falsy optionals become None).
pub const SKIPPED_CASE: &str = "falsy_optionals";

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The golden payloads of `event_type`, in order.
pub fn payloads(event_type: &str) -> Vec<Value> {
    let path = root()
        .join("tests/fixtures/golden")
        .join(format!("{}.json", event_type.replace('.', "+")));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let golden: Value = serde_json::from_str(&text).unwrap();
    golden["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["name"] != SKIPPED_CASE)
        .map(|case| case["data"].clone())
        .collect()
}

/// Runs `command` with `stdin`; fails the test, with its stderr, if it fails.
pub fn run(mut command: Command, stdin: &str) -> Output {
    let description = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{description}: {error}"));
    // Written from a thread of its own: a command that prints as it reads would otherwise fill
    // its stdout pipe while this thread is still writing stdin, and both would wait forever.
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_owned();
    let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "{description} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The JSON lines of a command's stdout.
pub fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{line}: {error}")))
        .collect()
}
