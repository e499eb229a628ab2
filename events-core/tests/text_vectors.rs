//! Datetime and metadata text, against vectors the Python stack wrote
//! (`tests/interop/text_vectors.py`, committed as `tests/fixtures/text_vectors.json`).

use events_core::EventsMetadata;
use events_core::chrono::{DateTime, Utc};
use events_core::datetime::{parse_isoformat, to_isoformat};
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/text_vectors.json"))
        .expect("the committed vectors");
    serde_json::from_str(&text).expect("JSON")
}

fn instant(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("in range")
}

#[test]
fn isoformat_writes_what_python_writes_and_reads_it_back() {
    let vectors = vectors();
    let cases = vectors["isoformat"].as_array().expect("a list");
    assert!(cases.len() > 300);
    for case in cases {
        let time = instant(case["timestamp_micros"].as_i64().expect("micros"));
        let text = case["isoformat"].as_str().expect("text");
        assert_eq!(to_isoformat(&time).as_deref(), Ok(text), "{case}");
        assert_eq!(parse_isoformat(text), Ok(time), "{case}");
    }
}

#[test]
fn parsing_accepts_what_fromisoformat_accepts_from_isoformat_and_agrees_on_the_instant() {
    let vectors = vectors();
    let cases = vectors["fromisoformat"].as_array().expect("a list");
    let mut mismatches = Vec::new();
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let ours = parse_isoformat(text);
        match (case["python_accepts"].as_bool(), case["utc_micros"].as_i64(), &ours) {
            (Some(true), Some(micros), Ok(parsed)) if *parsed == instant(micros) => {}
            (Some(true), None, _) => {} // Python accepted it but the instant overflows its range.
            (Some(false), _, Err(_)) => {}
            _ => mismatches.push(format!("{text:?}: python {case}, ours {ours:?}")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn metadata_to_json_is_byte_identical_and_from_json_reads_it_back() {
    let vectors = vectors();
    let cases = vectors["metadata"].as_array().expect("a list");
    assert_eq!(cases.len(), 40);
    for case in cases {
        let python = case["to_json"].as_str().expect("text");
        let metadata = EventsMetadata::from_json(python).expect("Python's to_json() reads");
        assert_eq!(metadata.to_json(), python);
    }
}
