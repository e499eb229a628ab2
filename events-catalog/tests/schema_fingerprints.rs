//! The schema every message carries (`EventSchema`): its Parsing Canonical Form and CRC-64-AVRO
//! fingerprint are those fastavro computes from the schemas openedx-events 11.2 generates
//! (`fixtures/schema_fingerprints.json`, written by `tests/interop/schema_fingerprints.py`), for
//! every serializable event of the catalog.

use std::collections::BTreeMap;

use events_core::registry;
use serde_json::Value;

// The catalog's events must be linked for the registry to see them.
use events_catalog as _;

#[test]
fn every_event_schema_has_the_canonical_form_and_fingerprint_fastavro_computes() {
    let fixture: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("fixtures/schema_fingerprints.json")).expect("the fixture");
    let mut compared = 0;
    for signal in registry::all_events() {
        let info = signal.info();
        let Some(codec) = info.codec else { continue };
        let Some(expected) = fixture.get(info.event_type) else {
            continue;
        };
        let schema = (codec.event_schema)();
        assert_eq!(schema.event_type(), info.event_type);
        assert_eq!(
            schema.canonical(),
            expected["canonical"].as_str().expect("a canonical form"),
            "{}",
            info.event_type
        );
        assert_eq!(
            hex::encode(schema.fingerprint_bytes()),
            expected["crc64_avro"].as_str().expect("a fingerprint"),
            "{}",
            info.event_type
        );
        compared += 1;
    }
    assert_eq!(compared, fixture.len(), "every fingerprinted schema is a catalog event");
}
