//! Wire equality with the Python library, case by case: the golden Avro vectors of
//! `tests/fixtures/golden/` decode with our codecs to exactly the payload Python serialized, and
//! that payload encodes to exactly Python's bytes.
//!
//! Two generators wrote them (see the READMEs there): openedx-events 10.5.0 itself for its 63
//! serializable events (`golden_vectors.py`), and fastavro with the Avro schemas of
//! openedx-events 11.2 for the 9 serializable events 10.5.0 cannot write
//! (`golden_vectors_fastavro.py`). Together they cover every serializable event.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

// The tests read the events through the registry alone, so nothing else names this crate: without
// this line it would not be linked into the test binary and the registry would be empty.
use events_catalog as _;
use events_core::registry::{all_events, get_signal_by_type};
use serde_json::Value;

/// Serializable in openedx-events 10.5.0, so it has vectors, but the 11.2 catalog keeps it off
/// the event bus: it has no codec here.
const UNSERIALIZABLE_WITH_VECTORS: &str = "org.openedx.learning.external_grader.score.submitted.v1";

/// The `generator.script` of each generator, and how many serializable event types it covers.
const GENERATORS: [(&str, usize); 2] = [
    ("tests/interop/golden_vectors.py", 63),
    ("tests/interop/golden_vectors_fastavro.py", 9),
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/golden")
}

fn golden_files() -> Vec<(String, Value)> {
    let dir = golden_dir();
    let mut files: Vec<(String, Value)> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
        .map(|path| {
            let text =
                fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let value =
                serde_json::from_str(&text).unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
            (
                path.file_name().expect("a file name").to_string_lossy().into_owned(),
                value,
            )
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[test]
fn golden_vectors_decode_and_reencode_byte_for_byte() {
    let mut failures = Vec::new();
    let (mut event_types, mut skipped, mut cases_seen, mut decoded, mut encoded) = (0, 0, 0, 0, 0);
    let mut covered = BTreeSet::new();
    let mut per_generator = [(0, 0); GENERATORS.len()];

    for (file, golden) in golden_files() {
        let event_type = golden["event_type"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}: no event_type"));
        let info = get_signal_by_type(event_type)
            .unwrap_or_else(|error| panic!("{file}: the registry does not know the event: {error}"))
            .info();
        let Some(codec) = info.codec else {
            assert_eq!(
                event_type, UNSERIALIZABLE_WITH_VECTORS,
                "{file}: only one vector file has no codec"
            );
            skipped += 1;
            continue;
        };
        event_types += 1;
        covered.insert(event_type.to_owned());
        let script = golden["generator"]["script"].as_str().unwrap_or_default();
        let generator = GENERATORS
            .iter()
            .position(|(known, _)| *known == script)
            .unwrap_or_else(|| panic!("{file}: unknown generator.script {script:?}"));
        if script.ends_with("_fastavro.py") {
            let source = golden["generator"]["source"].as_str().unwrap_or_default();
            assert!(
                source.contains("fastavro") && source.contains("11.2"),
                "{file}: generator.source must say fastavro and the 11.2 schema, got {source:?}"
            );
        }
        per_generator[generator].0 += 1;

        if (codec.schema)() != golden["schema"] {
            failures.push(format!(
                "{event_type}: our schema differs from the one Python generated"
            ));
        }

        let cases = golden["cases"].as_array().unwrap_or_else(|| panic!("{file}: no cases"));
        per_generator[generator].1 += cases.len();
        for case in cases {
            cases_seen += 1;
            let name = case["name"].as_str().unwrap_or("?");
            let bytes = hex::decode(case["avro_hex"].as_str().unwrap_or_default())
                .unwrap_or_else(|error| panic!("{file} {name}: avro_hex is not hex: {error}"));
            let data = &case["data"];

            match (codec.avro_to_json)(&bytes) {
                Ok(json) if json == *data => decoded += 1,
                Ok(json) => failures.push(format!("{event_type} {name}: decoded to {json}, expected {data}")),
                Err(error) => failures.push(format!("{event_type} {name}: cannot decode: {error}")),
            }
            match (codec.json_to_avro)(data.clone()) {
                Ok(ours) if ours == bytes => encoded += 1,
                Ok(ours) => failures.push(format!(
                    "{event_type} {name}: encoded to {}, expected {}",
                    hex::encode(ours),
                    hex::encode(&bytes)
                )),
                Err(error) => failures.push(format!("{event_type} {name}: cannot encode: {error}")),
            }
        }
    }

    println!(
        "{event_types} event types: {decoded} cases decoded to Python's payload, {encoded} re-encoded to Python's \
         bytes; {skipped} unserializable event type skipped"
    );
    for ((script, _), (types, cases)) in GENERATORS.iter().zip(per_generator) {
        println!("  {script}: {types} event types, {cases} cases");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(skipped, 1);
    assert_eq!(event_types, 72, "every serializable event of openedx-events 11.2");
    for ((script, expected), (types, cases)) in GENERATORS.iter().zip(per_generator) {
        assert_eq!(types, *expected, "event types with vectors from {script}");
        assert!(
            cases >= 7 * types,
            "{script}: at least 7 cases per event type, got {cases}"
        );
    }
    let serializable: BTreeSet<String> = all_events()
        .iter()
        .filter(|signal| signal.info().codec.is_some())
        .map(|signal| signal.event_type().to_owned())
        .collect();
    assert_eq!(serializable.len(), 72);
    assert_eq!(covered, serializable, "every serializable event has golden vectors");
    assert!(cases_seen > 0, "no cases found in {}", golden_dir().display());
    assert_eq!(
        (decoded, encoded),
        (cases_seen, cases_seen),
        "every case decodes and re-encodes"
    );
}
