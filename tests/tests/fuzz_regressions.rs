//! The inputs the fuzz targets keep in the repository hold every property of their target: the
//! crashes, timeouts and memory blow-ups a fuzzer found (`fuzz/regressions/<target>/`, each
//! kept once fixed, so it stays fixed) and the seed corpus (`fuzz/corpus/<target>/`).
//!
//! Each file goes through its target's check, the same function the fuzz target binary calls
//! (`fuzz/src/checks.rs`), so a normal `cargo test` replays what the fuzzers found without
//! cargo-fuzz or libFuzzer. See `fuzz/README.md`.

use std::any::Any;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/checks.rs"]
mod checks;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|text| (*text).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// The files under `fuzz/<kind>/<target>/`, sorted, for every target with such a directory.
fn inputs(kind: &str) -> Vec<(&'static str, PathBuf)> {
    let root = fuzz_dir().join(kind);
    let mut dirs: Vec<PathBuf> = match fs::read_dir(&root) {
        Ok(entries) => entries
            .map(|entry| entry.expect("a readable directory entry").path())
            .collect(),
        Err(_) => return Vec::new(),
    };
    dirs.sort();
    let mut inputs = Vec::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .expect("a directory name")
            .to_string_lossy()
            .into_owned();
        let target = checks::TARGETS
            .into_iter()
            .find(|target| *target == name)
            .unwrap_or_else(|| panic!("{}: not the name of a fuzz target {:?}", dir.display(), checks::TARGETS));
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
            .map(|entry| entry.expect("a readable directory entry").path())
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        inputs.extend(files.into_iter().map(|file| (target, file)));
    }
    inputs
}

/// Why `file` fails its target's check, if it does.
fn replay_one(target: &str, file: &Path) -> Option<String> {
    let data = fs::read(file).unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
    // Files of the event targets named `<event type>--…` were written for that event: the
    // first byte must still select it (it is an index into the registry's sorted events).
    let name = file.file_name().expect("a file name").to_string_lossy();
    if let (true, Some((event_type, _))) = (matches!(target, "avro" | "json"), name.split_once("--")) {
        let expected = checks::selector_of(event_type);
        let found = data.first().map(|byte| byte & 0x7f);
        if expected.is_none() || expected != found {
            return Some(format!(
                "the first byte {found:?} no longer selects {event_type} ({expected:?}): the registry's events changed; rewrite the byte"
            ));
        }
    }
    catch_unwind(AssertUnwindSafe(|| checks::run(target, &data)))
        .err()
        .map(|payload| panic_message(&*payload))
}

fn replay(kind: &str) -> usize {
    let inputs = inputs(kind);
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|(target, file)| replay_one(target, file).map(|why| format!("{}: {why}", file.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} inputs under fuzz/{kind}/ fail their target's check:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
    inputs.len()
}

#[test]
fn every_regression_input_holds_its_targets_properties() {
    replay("regressions");
}

#[test]
fn every_seed_input_holds_its_targets_properties() {
    let replayed = replay("corpus");
    assert!(replayed > 0, "fuzz/corpus/ has no seed inputs");
}

#[test]
fn the_avro_seeds_decode_as_the_event_they_are_named_after() {
    let mut decoded = 0;
    for (target, file) in inputs("corpus") {
        if target != "avro" {
            continue;
        }
        let data = fs::read(&file).expect("a seed");
        let (event, newer) = checks::select(data[0]);
        if let Err(error) = event.reencode(&data[1..], newer) {
            panic!(
                "{}: does not decode as {}: {error}",
                file.display(),
                event.info.event_type
            );
        }
        decoded += 1;
    }
    assert!(decoded >= checks::targets().len(), "{decoded} Avro seeds");
}

#[test]
fn every_target_has_seeds() {
    for target in checks::TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        let count = fs::read_dir(&dir).map(Iterator::count).unwrap_or(0);
        assert!(count > 0, "{} has no seed inputs", dir.display());
    }
}

#[test]
fn every_serializable_event_can_be_selected_by_one_byte() {
    let serializable = events_core::registry::all_events()
        .iter()
        .filter(|signal| signal.info().codec.is_some())
        .count();
    assert_eq!(checks::targets().len(), serializable);
    assert!(serializable > 70 && serializable <= 0x80, "{serializable} events");
    for target in checks::targets() {
        let selector = checks::selector_of(target.info.event_type).expect("a selector");
        assert_eq!(checks::select(selector).0.info.event_type, target.info.event_type);
    }
}

/// Writes the seed corpus, `fuzz/corpus/<target>/`, from the golden vectors, the key corpus and
/// hand-written inputs. Run it when the registry's events change (the first byte of the event
/// targets' inputs is an index into them):
/// `cargo test -p events-tests --test fuzz_regressions -- --ignored write_seed_corpus`.
#[test]
#[ignore = "writes fuzz/corpus/; run by hand"]
fn write_seed_corpus() {
    seeds::write_all(&fuzz_dir().join("corpus"));
}

mod seeds {
    use std::fs;
    use std::path::Path;

    use events_bus_redis::StreamEntry;
    use events_core::EventsMetadata;
    use events_core::SourceLib;
    use events_core::bus::BusMessage;
    use events_core::chrono::DateTime;
    use events_core::uuid::Uuid;
    use serde_json::Value;

    use super::checks;

    /// Inputs longer than this are left out: the fuzzers' `-max_len` is 4096 or more.
    const MAX_LEN: usize = 4096;

    fn write(dir: &Path, name: &str, data: &[u8]) {
        if data.len() <= MAX_LEN {
            fs::write(dir.join(name), data).unwrap_or_else(|error| panic!("cannot write {name}: {error}"));
        }
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex"))
            .collect()
    }

    fn golden() -> Vec<Value> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden");
        let mut paths: Vec<_> = fs::read_dir(&dir)
            .expect("the golden vectors")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| serde_json::from_str(&fs::read_to_string(path).expect("a vector file")).expect("JSON"))
            .collect()
    }

    fn dir(root: &Path, target: &str) -> std::path::PathBuf {
        let dir = root.join(target);
        if dir.exists() {
            fs::remove_dir_all(&dir).expect("remove the old seeds");
        }
        fs::create_dir_all(&dir).expect("a seed directory");
        dir
    }

    fn message(event_type: &str, data: Vec<u8>) -> BusMessage {
        let time = DateTime::from_timestamp(1_706_788_800, 123_456_000).expect("a time");
        let metadata = EventsMetadata::at(event_type.to_owned(), 0, time)
            .with_id(Uuid::parse_str("5f1a6a4e-c0de-11ee-8a2b-0242ac120002").expect("a UUID"))
            .with_source("openedx/lms/web")
            .with_sourcehost("lms-1")
            .with_sourcelib(SourceLib::new([10, 5, 0]));
        BusMessage::new(metadata, data)
    }

    fn bulk(out: &mut Vec<u8>, value: &[u8]) {
        out.extend_from_slice(format!("${}\r\n", value.len()).as_bytes());
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }

    /// An entry as Redis replies with it: `[id, [name, value, …]]`.
    fn resp_entry(out: &mut Vec<u8>, entry: &StreamEntry) {
        out.extend_from_slice(b"*2\r\n");
        bulk(out, entry.id.as_bytes());
        out.extend_from_slice(format!("*{}\r\n", entry.fields.len() * 2).as_bytes());
        for (name, value) in &entry.fields {
            bulk(out, name);
            bulk(out, value);
        }
    }

    pub(super) fn write_all(root: &Path) {
        let golden = golden();
        let case = |file: &Value, name: &str| -> Option<Value> {
            file["cases"]
                .as_array()?
                .iter()
                .find(|case| case["name"] == name)
                .cloned()
        };

        // Avro and JSON payloads of every serializable event.
        let (avro, json) = (dir(root, "avro"), dir(root, "json"));
        let mut enrollment = None;
        for file in &golden {
            let event_type = file["event_type"].as_str().expect("an event type");
            let Some(selector) = checks::selector_of(event_type) else {
                continue;
            };
            for name in ["minimal", "full"] {
                let Some(case) = case(file, name) else { continue };
                let mut input = vec![selector];
                input.extend(unhex(case["avro_hex"].as_str().expect("avro_hex")));
                write(&avro, &format!("{event_type}--{name}"), &input);
                if name == "full" {
                    // The same bytes sent by a newer minor version, with a field appended.
                    if event_type == "org.openedx.learning.course.enrollment.created.v1" {
                        let mut newer = input.clone();
                        newer[0] |= 0x80;
                        newer.extend_from_slice(b"\x02\x0anewer");
                        write(&avro, &format!("{event_type}--newer-minor-version"), &newer);
                        enrollment = Some(input[1..].to_vec());
                    }
                    let mut input = vec![selector];
                    input.extend(serde_json::to_vec(&case["data"]).expect("JSON"));
                    write(&json, &format!("{event_type}--{name}"), &input);
                }
            }
        }

        // Opaque keys: a spread of the valid and invalid texts of each type in the key corpus.
        let keys = dir(root, "keys");
        let corpus: Value = serde_json::from_str(
            &fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../events-core/tests/fixtures/keys_corpus.json"),
            )
            .expect("the key corpus"),
        )
        .expect("JSON");
        let entries = corpus["entries"].as_array().expect("entries");
        for key_type in [
            "CourseKey",
            "UsageKey",
            "CCXLocator",
            "LibraryLocatorV2",
            "LibraryUsageLocatorV2",
            "LibraryContainerLocator",
            "LibraryCollectionLocator",
        ] {
            for (valid, wanted) in [(true, 10), (false, 3)] {
                let texts: Vec<&str> = entries
                    .iter()
                    .filter(|entry| entry[0] == key_type && entry[2].is_null() != valid)
                    .filter_map(|entry| entry[1].as_str())
                    .collect();
                let step = (texts.len() / wanted).max(1);
                for (n, text) in texts.iter().step_by(step).take(wanted).enumerate() {
                    let kind = if valid { "valid" } else { "invalid" };
                    write(&keys, &format!("{key_type}-{kind}-{n}"), text.as_bytes());
                }
            }
        }

        // Datetimes as Python writes them, and the other forms fromisoformat reads.
        let datetime = dir(root, "datetime");
        for (n, text) in [
            "2024-02-01T12:00:00+00:00",
            "2024-02-01T12:00:00.123000+00:00",
            "1970-01-01T00:00:00+00:00",
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59.999999+00:00",
            "2024-02-01T14:00:00.5+02:00",
            "2024-02-01T12:00:00Z",
            "2024-02-01 12:00",
            "2024-02-01T12",
            "2024-02-01",
            "2024-02-29T23:59:59.123456789-05:30",
            "2024-02-01T12:00:00,5+0100",
            "2024-02-01T12:00:00+01:30:15.000001",
            "2023-02-29T00:00:00",
        ]
        .iter()
        .enumerate()
        {
            write(&datetime, &format!("seed-{n}"), text.as_bytes());
        }

        // Metadata JSON as Python's to_json() writes it, and variants from_json reads.
        let metadata = dir(root, "metadata");
        let sample = message("org.openedx.learning.course.enrollment.created.v1", Vec::new()).metadata;
        let json = sample.to_json();
        for (name, text) in [
            ("python-to-json", json.clone()),
            ("compact", serde_json::to_string(&sample.to_json_value()).expect("JSON")),
            ("offset", json.replace("12:00:00.123456+00:00", "14:00:00.123456+02:00")),
            ("no-minorversion", json.replace("\"minorversion\": 0, ", "")),
            ("long-sourcelib", json.replace("[10, 5, 0]", "[1, 2, 3, 4, 4294967295]")),
        ] {
            write(&metadata, name, text.as_bytes());
        }

        // Bus entries: the fields edx-event-bus-redis writes, and broken variants.
        let bus = dir(root, "bus_entry");
        let enrollment = enrollment.expect("the enrollment vector");
        let good = StreamEntry::from_message(
            "1706788800123-0",
            &message("org.openedx.learning.course.enrollment.created.v1", enrollment.clone()),
        );
        let fields = |entry: &StreamEntry| -> Vec<(Vec<u8>, Vec<u8>)> { entry.fields.clone() };
        let input = |id: &str, fields: &[(Vec<u8>, Vec<u8>)]| {
            let borrowed: Vec<(&[u8], &[u8])> = fields
                .iter()
                .map(|(name, value)| (name.as_slice(), value.as_slice()))
                .collect();
            checks::bus_entry_input(id, &borrowed)
        };
        write(&bus, "enrollment-created", &input(&good.id, &fields(&good)));
        let mut reversed = fields(&good);
        reversed.reverse();
        reversed.push((b"extra".to_vec(), b"ignored".to_vec()));
        write(&bus, "reordered-with-extra-field", &input("1706788800123", &reversed));
        let mut missing = fields(&good);
        missing.remove(3);
        write(&bus, "missing-time", &input("0-1", &missing));
        let mut bad = fields(&good);
        bad[4].1 = b"-1".to_vec();
        bad[6].1 = b"1..2".to_vec();
        write(
            &bus,
            "bad-minorversion",
            &input("18446744073709551615-18446744073709551615", &bad),
        );

        // Producer configuration, JSON (EVENT_BUS_PRODUCER_CONFIG) and TOML.
        let config = dir(root, "producer_config");
        for (name, text) in [
            (
                "json",
                r#"{"org.openedx.content_authoring.xblock.published.v1": {"content-authoring-xblock-lifecycle": {"event_key_field": "xblock_info.usage_key", "enabled": true}}}"#,
            ),
            (
                "json-two-topics",
                r#"{"org.openedx.learning.course.enrollment.created.v1": {"course-enrollment-lifecycle": {"event_key_field": "enrollment.course.course_key", "enabled": true}, "other": {"event_key_field": "enrollment.user.pii.username", "enabled": false}}}"#,
            ),
            (
                "json-partial-layer",
                r#"{"org.openedx.learning.course.enrollment.created.v1": {"course-enrollment-lifecycle": {"enabled": false}}}"#,
            ),
            (
                "json-unknown-event",
                r#"{"org.openedx.learning.course.enrolment.created.v1": {"t": {"event_key_field": "enrollment.user.id", "enabled": true}}}"#,
            ),
            (
                "toml",
                "[\"org.openedx.learning.course.enrollment.created.v1\".course-enrollments]\nevent_key_field = \"enrollment.course.course_key\"\nenabled = true\n",
            ),
            (
                "toml-inline",
                "\"org.openedx.learning.auth.session.login.completed.v1\" = { logins = { event_key_field = \"user.pii.username\", enabled = false } }\n",
            ),
            (
                "toml-bad-key-field",
                "[\"org.openedx.learning.course.enrollment.created.v1\".t]\nevent_key_field = \"enrollment.course\"\nenabled = true\n",
            ),
        ] {
            write(&config, name, text.as_bytes());
        }

        // Redis replies: what XREADGROUP and XAUTOCLAIM return, and the other reply types.
        let redis = dir(root, "redis_replies");
        let mut read_group = b"*1\r\n*2\r\n".to_vec();
        bulk(&mut read_group, b"course-enrollment-lifecycle");
        read_group.extend_from_slice(b"*2\r\n");
        resp_entry(&mut read_group, &good);
        resp_entry(
            &mut read_group,
            &StreamEntry::from_message("1706788800123-1", &message("x.y", vec![0, b'\r', b'\n'])),
        );
        let mut autoclaim = b"*3\r\n".to_vec();
        bulk(&mut autoclaim, b"0-0");
        autoclaim.extend_from_slice(b"*2\r\n");
        resp_entry(&mut autoclaim, &good);
        autoclaim.extend_from_slice(b"*2\r\n$11\r\n1700000000000-0\r\n*-1\r\n");
        autoclaim.extend_from_slice(b"*1\r\n$4\r\n12-0\r\n");
        let others = b"+OK\r\n:-42\r\n$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n-NOGROUP No such key 'x' or consumer group 'g'\r\n*2\r\n*1\r\n+s\r\n:7\r\n".to_vec();
        for (name, chunk, reply) in [
            ("xreadgroup-at-once", 0, &read_group),
            ("xreadgroup-1-byte-chunks", 1, &read_group),
            ("xreadgroup-7-byte-chunks", 7, &read_group),
            ("xautoclaim-at-once", 0, &autoclaim),
            ("xautoclaim-3-byte-chunks", 3, &autoclaim),
            ("other-replies", 2, &others),
            ("nil", 0, &b"*-1\r\n".to_vec()),
            ("truncated", 5, &read_group[..read_group.len() / 2].to_vec()),
        ] {
            let mut input = vec![chunk];
            input.extend_from_slice(reply);
            write(&redis, name, &input);
        }
    }
}
