//! The properties the fuzz targets check, one function per target, written once for the fuzz
//! target binaries (`fuzz/fuzz_targets/*.rs`) and for the replay test of the main workspace
//! (`tests/tests/fuzz_regressions.rs`), which both include this file with `#[path]`.
//!
//! Each function takes one raw fuzz input. Input that a decoder refuses is fine (it must only
//! be refused with an error, never a panic); input it accepts must satisfy the target's
//! round-trip properties, and a violation panics with a message saying which one.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use events_bus_redis::{EntryId, StreamEntry, from_fields, to_fields};
use events_core::bus::{ConfigError, ProducerConfig, ProducerConfigLayer, TrailingBytes};
use events_core::chrono::{DateTime, Datelike, Utc};
use events_core::datetime::{IsoFormat, parse_isoformat, to_isoformat};
use events_core::keys::{
    CcxLocator, CourseKey, CourseKeyKind, InvalidKeyError, LibraryCollectionLocator, LibraryContainerLocator,
    LibraryLocatorV2, LibraryUsageLocatorV2, UsageKey, UsageKeyKind,
};
use events_core::registry::{ErasedEvent, EventInfo, all_events};
use events_core::{BoxError, CustomType, EventCodec, EventsMetadata};
use serde_json::Value;

// The events register themselves at link time: nothing else here names the catalog, and
// without this line the registry would be empty.
use events_catalog as _;

/// The fuzz targets, each the name of a function of this module, of its fuzz target binary and
/// of its directories under `fuzz/corpus/` and `fuzz/regressions/`.
pub(crate) const TARGETS: [&str; 8] = [
    "avro",
    "json",
    "keys",
    "datetime",
    "metadata",
    "bus_entry",
    "producer_config",
    "redis_replies",
];

/// Runs the check of `target` on `data`; `false` if there is no such target.
pub(crate) fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "avro" => avro(data),
        "json" => json(data),
        "keys" => keys(data),
        "datetime" => datetime(data),
        "metadata" => metadata(data),
        "bus_entry" => bus_entry(data),
        "producer_config" => producer_config(data),
        "redis_replies" => redis_replies(data),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Events: Avro and JSON payloads.

/// A serializable event of the registry, ready to decode and re-encode payloads.
pub(crate) struct Target {
    /// The event's registration record.
    pub(crate) info: &'static EventInfo,
    codec: &'static EventCodec,
    /// Metadata for the event at its own minor version.
    metadata: EventsMetadata,
}

thread_local! {
    /// What the re-encoding receiver wrote for the last event sent on this thread.
    static REENCODED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// The id of the receiver that re-encodes the payloads the targets send.
const REENCODER: &str = "fuzz-reencode";

/// The serializable events, in the registry's order (sorted by event type), each with a
/// receiver connected that re-encodes what is sent on its signal.
///
/// The payloads are decoded and re-encoded through the paths the event bus uses, without the
/// events' Rust types: a consumer decodes with `EventCodec::send_avro`, which sends the decoded
/// event on its signal, and a producer encodes what it receives with `EventCodec::encode_any`.
pub(crate) fn targets() -> &'static [Target] {
    static TARGETS: OnceLock<Vec<Target>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        all_events()
            .iter()
            .filter_map(|signal| {
                let info = signal.info();
                let codec = info.codec?;
                signal.connect_erased(
                    REENCODER.into(),
                    Arc::new(move |event: &ErasedEvent<'_>| -> Result<(), BoxError> {
                        let mut out = Vec::new();
                        if !(codec.encode_any)(event.data, &mut out) {
                            return Err(format!("{}: encode_any refused the payload", info.event_type).into());
                        }
                        REENCODED.with(|slot| *slot.borrow_mut() = Some(out));
                        Ok(())
                    }),
                );
                let metadata = EventsMetadata::at(info.event_type, info.minor_version, epoch);
                Some(Target { info, codec, metadata })
            })
            .collect()
    })
}

/// The event an Avro or JSON input is for, from its first byte (the low seven bits, modulo the
/// number of events), and whether the high bit asks for decoding as a newer minor version.
pub(crate) fn select(selector: u8) -> (&'static Target, bool) {
    let targets = targets();
    assert!(!targets.is_empty(), "the registry has no serializable event");
    (
        &targets[usize::from(selector & 0x7f) % targets.len()],
        selector & 0x80 != 0,
    )
}

/// The first byte that selects `event_type` (see [`select`]), if it is a serializable event.
pub(crate) fn selector_of(event_type: &str) -> Option<u8> {
    let index = targets()
        .iter()
        .position(|target| target.info.event_type == event_type)?;
    u8::try_from(index).ok().filter(|&index| index < 0x80)
}

impl Target {
    /// Decodes `bytes` as a strict event bus consumer does (`TrailingBytes::Refuse`) and
    /// re-encodes the decoded payload as the producer does. `newer`: the bytes claim a newer
    /// minor version of the event, so bytes left after the payload are skipped rather than
    /// refused.
    pub(crate) fn reencode(&self, bytes: &[u8], newer: bool) -> Result<Vec<u8>, String> {
        let metadata = if newer {
            self.metadata.clone().with_minorversion(self.info.minor_version + 1)
        } else {
            self.metadata.clone()
        };
        REENCODED.with(|slot| slot.borrow_mut().take());
        let resent =
            (self.codec.send_avro)(metadata, bytes, TrailingBytes::Refuse).map_err(|error| error.to_string())?;
        let failure = resent.responses.failures().next();
        assert!(
            failure.is_none(),
            "{}: the re-encoding receiver failed: {failure:?}",
            self.info.event_type
        );
        let reencoded = REENCODED.with(|slot| slot.borrow_mut().take());
        Ok(reencoded.unwrap_or_else(|| panic!("{}: the decoded event reached no receiver", self.info.event_type)))
    }

    fn avro_to_json(&self, bytes: &[u8]) -> Result<Value, String> {
        (self.codec.avro_to_json)(bytes).map_err(|error| error.to_string())
    }

    fn json_to_avro(&self, value: Value) -> Result<Vec<u8>, String> {
        (self.codec.json_to_avro)(value).map_err(|error| error.to_string())
    }
}

/// The first bytes of `bytes`, in hex, for messages.
fn hex(bytes: &[u8]) -> String {
    let mut text: String = bytes.iter().take(96).map(|byte| format!("{byte:02x}")).collect();
    if bytes.len() > 96 {
        text.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    text
}

/// Target `avro`: byte 0 selects the event (see [`select`]), the rest is its Avro payload.
///
/// If the payload decodes, its re-encoding is a fixed point: it decodes again, to the same value
/// (the same `to_dict` JSON), and re-encodes to the same bytes. The decoded value's JSON encodes
/// to those bytes too (`avro decode | avro encode` on the command line), but for the bits of NaNs,
/// which JSON does not carry (`"NaN"` reads back as Python's NaN). The input itself need
/// not be canonical (negative block counts, several blocks, unsorted or repeated map keys), so
/// it is not compared with its re-encoding.
pub(crate) fn avro(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (target, newer) = select(selector);
    let event_type = target.info.event_type;
    let Ok(first) = target.reencode(bytes, newer) else {
        return;
    };
    let again = target.reencode(&first, false).unwrap_or_else(|error| {
        panic!(
            "{event_type}: the re-encoding {} of a decoded payload does not decode: {error}",
            hex(&first)
        )
    });
    assert!(
        again == first,
        "{event_type}: re-encoding is not a fixed point: {} re-encodes to {}",
        hex(&first),
        hex(&again)
    );

    let json = target
        .avro_to_json(&first)
        .unwrap_or_else(|error| panic!("{event_type}: the re-encoding decodes to an event but not to JSON: {error}"));
    if !newer {
        let original = target
            .avro_to_json(bytes)
            .unwrap_or_else(|error| panic!("{event_type}: the payload decodes to an event but not to JSON: {error}"));
        assert_eq!(original, json, "{event_type}: the re-encoding decodes to another value");
    }
    let from_json = target
        .json_to_avro(json.clone())
        .unwrap_or_else(|error| panic!("{event_type}: the decoded payload's JSON {json} does not encode: {error}"));
    if from_json != first {
        // JSON has one NaN, `"NaN"`, read back as the bits of Python's `float('nan')`, so a NaN
        // with other bits (a sign, a payload) comes back from JSON as another double
        // (docs/decisions/0009): the bytes may differ there, and only there.
        let again = target.avro_to_json(&from_json);
        assert!(
            json.to_string().contains("\"NaN\"") && again.as_ref() == Ok(&json),
            "{event_type}: the decoded payload's JSON {json} encodes to {}, not {}",
            hex(&from_json),
            hex(&first)
        );
    }
}

/// Target `json`: byte 0 selects the event (see [`select`]; the high bit is ignored), the rest
/// is a payload as JSON text, the shape of Python's `to_dict` that `avro encode` reads.
///
/// If the payload encodes, the bytes decode to JSON that encodes to the same bytes, and those
/// bytes are an Avro fixed point (decode and re-encode to themselves).
pub(crate) fn json(data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let (target, _) = select(selector);
    let event_type = target.info.event_type;
    let Ok(value) = serde_json::from_slice::<Value>(text) else {
        return;
    };
    let Ok(bytes) = target.json_to_avro(value) else {
        return;
    };
    let json = target.avro_to_json(&bytes).unwrap_or_else(|error| {
        panic!(
            "{event_type}: the encoding {} of a JSON payload does not decode: {error}",
            hex(&bytes)
        )
    });
    let again = target
        .json_to_avro(json.clone())
        .unwrap_or_else(|error| panic!("{event_type}: the decoded JSON {json} does not encode: {error}"));
    assert!(
        again == bytes,
        "{event_type}: the decoded JSON {json} encodes to {}, not {}",
        hex(&again),
        hex(&bytes)
    );
    let reencoded = target
        .reencode(&bytes, false)
        .unwrap_or_else(|error| panic!("{event_type}: the bus decoder refuses {}: {error}", hex(&bytes)));
    assert!(
        reencoded == bytes,
        "{event_type}: encoded JSON is not an Avro fixed point: {} re-encodes to {}",
        hex(&bytes),
        hex(&reencoded)
    );
}

// ---------------------------------------------------------------------------------------------
// Opaque keys.

/// What a key type offers beyond its text, for comparing a key with its reparsed text.
trait Key: FromStr<Err = InvalidKeyError> + CustomType + Display + Eq {
    /// Every accessor's value.
    fn parts(&self) -> String;
    /// Checks the keys derived from this one.
    fn check_derived(&self) {}
}

impl Key for CourseKey {
    fn parts(&self) -> String {
        format!(
            "{:?}",
            (
                self.kind(),
                self.is_deprecated(),
                self.namespace(),
                self.org(),
                self.course(),
                self.run(),
                self.library(),
                self.branch(),
                self.version_guid(),
                self.ccx(),
            )
        )
    }

    fn check_derived(&self) {
        if self.kind() == CourseKeyKind::Ccx {
            let ccx = CcxLocator::try_from(self.clone())
                .unwrap_or_else(|error| panic!("CCX course key {self} is not a CcxLocator: {error:?}"));
            assert_eq!(ccx.as_str(), self.as_str(), "CcxLocator::try_from changed the text");
        }
        if let Ok(block) = self.make_usage_key("html", "fuzz") {
            check_reparsed(&block, "make_usage_key");
            if self.kind() != CourseKeyKind::DeprecatedCourse {
                assert_eq!(
                    block.course_key().as_ref(),
                    Some(self),
                    "the course key of {block}, made from {self}"
                );
            }
        }
    }
}

impl Key for UsageKey {
    fn parts(&self) -> String {
        format!(
            "{:?}",
            (
                (
                    self.kind(),
                    self.is_deprecated(),
                    self.namespace(),
                    self.block_type(),
                    self.block_id(),
                    self.org(),
                    self.course(),
                    self.run(),
                ),
                (
                    self.library(),
                    self.branch(),
                    self.version_guid(),
                    self.ccx(),
                    self.aside_type(),
                    self.decorated_usage_key().map(Key::parts),
                    self.course_key().as_ref().map(Key::parts),
                    self.library_key().as_ref().map(Key::parts),
                ),
            )
        )
    }

    fn check_derived(&self) {
        if let Some(decorated) = self.decorated_usage_key() {
            check_reparsed(decorated, "decorated_usage_key");
        }
        if let Some(course) = self.course_key() {
            check_reparsed(&course, "course_key");
        }
        if let Some(library) = self.library_key() {
            check_reparsed(&library, "library_key");
        }
        if self.kind() == UsageKeyKind::LibraryBlockV2 {
            let block = LibraryUsageLocatorV2::try_from(self.clone())
                .unwrap_or_else(|error| panic!("lb: usage key {self} is not a LibraryUsageLocatorV2: {error:?}"));
            assert_eq!(
                block.as_str(),
                self.as_str(),
                "LibraryUsageLocatorV2::try_from changed the text"
            );
        }
    }
}

impl Key for CcxLocator {
    fn parts(&self) -> String {
        format!(
            "{:?}",
            (
                self.org(),
                self.course(),
                self.run(),
                self.branch(),
                self.version_guid(),
                self.ccx(),
                self.to_course_key().parts(),
            )
        )
    }

    fn check_derived(&self) {
        check_reparsed(&self.to_course_key(), "to_course_key");
        // CourseKey reads `ccx-v1:` texts as CCX keys.
        let course = parse_as::<CourseKey>(self.as_str(), "a CcxLocator as a CourseKey");
        assert_eq!(CourseKey::from(self.clone()), course, "CourseKey::from(CcxLocator)");
        assert_eq!(course.kind(), CourseKeyKind::Ccx, "the kind of {course}");
        assert_eq!(
            course.parts(),
            CourseKey::from(self.clone()).parts(),
            "the parts of {course}"
        );
    }
}

impl Key for LibraryLocatorV2 {
    fn parts(&self) -> String {
        format!("{:?}", (self.org(), self.slug()))
    }
}

impl Key for LibraryUsageLocatorV2 {
    fn parts(&self) -> String {
        format!(
            "{:?}",
            (
                self.org(),
                self.slug(),
                self.block_type(),
                self.usage_id(),
                self.lib_key().parts()
            )
        )
    }

    fn check_derived(&self) {
        check_reparsed(&self.lib_key(), "lib_key");
        // UsageKey reads `lb:` texts as v2 library blocks.
        let usage = parse_as::<UsageKey>(self.as_str(), "a LibraryUsageLocatorV2 as a UsageKey");
        assert_eq!(
            UsageKey::from(self.clone()),
            usage,
            "UsageKey::from(LibraryUsageLocatorV2)"
        );
        assert_eq!(usage.kind(), UsageKeyKind::LibraryBlockV2, "the kind of {usage}");
        assert_eq!(
            usage.parts(),
            UsageKey::from(self.clone()).parts(),
            "the parts of {usage}"
        );
    }
}

impl Key for LibraryContainerLocator {
    fn parts(&self) -> String {
        format!(
            "{:?}",
            (
                self.org(),
                self.slug(),
                self.container_type(),
                self.container_id(),
                self.lib_key().parts()
            )
        )
    }

    fn check_derived(&self) {
        check_reparsed(&self.lib_key(), "lib_key");
    }
}

impl Key for LibraryCollectionLocator {
    fn parts(&self) -> String {
        format!(
            "{:?}",
            (self.org(), self.slug(), self.collection_id(), self.lib_key().parts())
        )
    }

    fn check_derived(&self) {
        check_reparsed(&self.lib_key(), "lib_key");
    }
}

/// Parses `text`, which must be a valid `K`.
fn parse_as<K: Key>(text: &str, what: &str) -> K {
    text.parse()
        .unwrap_or_else(|error| panic!("{what}: {text:?} does not parse as a {}: {error}", K::TYPE_NAME))
}

/// A key's canonical text parses to an equal key with the same text and the same parts.
fn check_reparsed<K: Key>(key: &K, origin: &str) {
    let canonical = key.to_string();
    assert_eq!(
        key.to_text(),
        canonical,
        "{}: to_text differs from Display",
        K::TYPE_NAME
    );
    let again: K = parse_as(&canonical, &format!("the canonical text ({origin})"));
    assert!(again == *key, "{}: {canonical:?} parses to another key", K::TYPE_NAME);
    assert_eq!(
        again.to_string(),
        canonical,
        "{}: {canonical:?} is not a fixed point",
        K::TYPE_NAME
    );
    assert_eq!(
        again.parts(),
        key.parts(),
        "{}: the parts of {canonical:?} ({origin})",
        K::TYPE_NAME
    );
}

/// One key type's parser on `text`.
fn key<K: Key>(text: &str) {
    match text.parse::<K>() {
        Ok(key) => {
            assert!(
                K::from_text(text).ok() == Some(key.clone()),
                "{}: from_text disagrees with FromStr",
                K::TYPE_NAME
            );
            check_reparsed(&key, "parsed");
            key.check_derived();
        }
        Err(error) => {
            assert_eq!(
                error.key_type(),
                K::TYPE_NAME,
                "the error of {text:?} names another type"
            );
            let _ = error.to_string();
            assert!(
                K::from_text(text).is_err(),
                "{}: from_text accepts what FromStr refuses",
                K::TYPE_NAME
            );
        }
    }
}

/// Target `keys`: the input, as UTF-8 (invalid sequences replaced), through each of the seven
/// opaque-key parsers.
///
/// A parsed key's text (`str(key)`) parses to an equal key with the same text and the same
/// parts, as do the keys derived from it (course key of a block, library of a block, course of a
/// CCX, the block `make_usage_key` makes); texts the specific locators accept, the general
/// `CourseKey` and `UsageKey` accept as the same key.
pub(crate) fn keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    key::<CourseKey>(&text);
    key::<UsageKey>(&text);
    key::<CcxLocator>(&text);
    key::<LibraryLocatorV2>(&text);
    key::<LibraryUsageLocatorV2>(&text);
    key::<LibraryContainerLocator>(&text);
    key::<LibraryCollectionLocator>(&text);
}

// ---------------------------------------------------------------------------------------------
// Datetimes, metadata, bus entries.

/// `time` is a datetime Python can hold (years 1 to 9999, whole microseconds) and its
/// `isoformat()` text parses back to it.
fn check_time(time: DateTime<Utc>, origin: &str) {
    assert!(
        (1..=9999).contains(&time.year()),
        "{origin}: {time:?} is outside the years Python's datetime can hold"
    );
    let text =
        to_isoformat(&time).unwrap_or_else(|error| panic!("{origin}: an accepted datetime does not format: {error}"));
    assert_eq!(
        time.timestamp_subsec_nanos() % 1_000,
        0,
        "{origin}: {text} has sub-microsecond precision"
    );
    let iso = IsoFormat::new(&time).unwrap_or_else(|error| panic!("{origin}: IsoFormat refuses {text}: {error}"));
    assert_eq!(iso.as_str(), text, "{origin}: IsoFormat and to_isoformat differ");
    let again = parse_isoformat(&text)
        .unwrap_or_else(|error| panic!("{origin}: isoformat text {text:?} does not parse: {error}"));
    assert_eq!(again, time, "{origin}: {text:?} parses to another instant");
    assert_eq!(
        to_isoformat(&again).ok().as_deref(),
        Some(text.as_str()),
        "{origin}: {text:?} is not a fixed point"
    );
}

/// Target `datetime`: the input, as UTF-8 (invalid sequences replaced), through
/// `parse_isoformat`; what it accepts formats (`isoformat()`) to text that parses to the same
/// instant.
pub(crate) fn datetime(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_isoformat(&text) {
        Ok(time) => check_time(time, &format!("parse_isoformat({text:?})")),
        Err(error) => {
            let _ = error.to_string();
        }
    }
}

/// Target `metadata`: the input through `EventsMetadata::from_json`; what it accepts writes
/// (`to_json`, Python's text) JSON that reads back to equal metadata and is a fixed point, and
/// its JSON value reads back too.
pub(crate) fn metadata(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(metadata) = EventsMetadata::from_json(&text) else {
        return;
    };
    check_time(metadata.time(), "the metadata's time");
    let json = metadata.to_json();
    let again = EventsMetadata::from_json(&json)
        .unwrap_or_else(|error| panic!("to_json wrote {json} that does not read: {error}"));
    assert_eq!(again, metadata, "{json} reads to other metadata");
    assert_eq!(again.to_json(), json, "to_json is not a fixed point");
    let value = metadata.to_json_value();
    let from_value = EventsMetadata::from_json_value(value.clone())
        .unwrap_or_else(|error| panic!("to_json_value gave {value} that does not read: {error}"));
    assert_eq!(from_value, metadata, "{value} reads to other metadata");
}

/// Splits a `bus_entry` input into its items: each is a length byte and that many bytes (fewer
/// at the end of the input).
fn items(mut data: &[u8]) -> Vec<&[u8]> {
    let mut items = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        let (item, rest) = rest.split_at(usize::from(len).min(rest.len()));
        items.push(item);
        data = rest;
    }
    items
}

/// The `bus_entry` input of an entry id and its fields, the inverse of how [`bus_entry`] reads
/// its input; items longer than 255 bytes are cut.
pub(crate) fn bus_entry_input(id: &str, fields: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in std::iter::once(id.as_bytes()).chain(fields.iter().flat_map(|(name, value)| [*name, *value])) {
        let item = &item[..item.len().min(255)];
        out.push(item.len() as u8);
        out.extend_from_slice(item);
    }
    out
}

/// Target `bus_entry`: the input is a stream entry, as items that are a length byte and that
/// many bytes: the entry id, then field names and values alternately.
///
/// The entry id, if it parses as an `EntryId`, displays to text that parses to the same id. If
/// the entry reads as a `BusMessage`, the message written as an entry (`to_fields`, what `XADD`
/// sends) reads back to the same message, and writing that is a fixed point.
pub(crate) fn bus_entry(data: &[u8]) {
    let items = items(data);
    let Some((id, fields)) = items.split_first() else {
        return;
    };
    let id = String::from_utf8_lossy(id).into_owned();
    if let Ok(entry_id) = id.parse::<EntryId>() {
        let text = entry_id.to_string();
        assert_eq!(
            text.parse::<EntryId>().ok(),
            Some(entry_id),
            "entry id {text:?} does not parse back"
        );
    }
    let entry = StreamEntry {
        id,
        fields: fields
            .chunks_exact(2)
            .map(|pair| (pair[0].to_vec(), pair[1].to_vec()))
            .collect(),
    };
    let _ = format!("{entry:?}");
    let Ok(message) = entry.message() else {
        return;
    };
    check_time(message.metadata.time(), "the entry's time");
    let written = StreamEntry::from_message(entry.id.clone(), &message);
    let again = written.message().unwrap_or_else(|error| {
        panic!("the entry written for a message read from an entry does not read: {error}; {written:?}")
    });
    assert_eq!(
        again, message,
        "the written entry reads to another message: {written:?}"
    );
    assert_eq!(
        StreamEntry::from_message(entry.id.clone(), &again),
        written,
        "writing the entry is not a fixed point"
    );
    let fields = from_fields(
        to_fields(&message)
            .iter()
            .map(|(name, value)| (name.as_bytes(), &value[..])),
    )
    .unwrap_or_else(|error| panic!("to_fields wrote fields that do not read: {error}"));
    assert_eq!(fields, message, "to_fields reads to another message");
}

// ---------------------------------------------------------------------------------------------
// Producer configuration.

/// A layer read from a file writes JSON that reads back to the same layer; a layer that builds
/// to a configuration builds again after a round trip to a layer and to JSON.
fn check_layer(layer: &ProducerConfigLayer, built: Option<ProducerConfig>, format: &str) {
    let json = layer.to_json();
    let again = ProducerConfigLayer::from_json(&json)
        .unwrap_or_else(|error| panic!("{format}: the layer's JSON {json} does not read: {error}"));
    assert_eq!(
        &again, layer,
        "{format}: the layer's JSON {json} reads to another layer"
    );
    assert_eq!(again.to_json(), json, "{format}: the layer's JSON is not a fixed point");
    let merged = layer.clone().merge(layer);
    assert_eq!(&merged, layer, "{format}: merging a layer with itself changed it");
    if let Some(config) = built {
        let rebuilt = config
            .clone()
            .into_layer()
            .build()
            .unwrap_or_else(|error| panic!("{format}: a built configuration does not build again: {error}"));
        assert_eq!(rebuilt, config, "{format}: building again gives another configuration");
        let json = config.clone().into_layer().to_json();
        let from_json = ProducerConfig::from_json(&json)
            .unwrap_or_else(|error| panic!("{format}: the configuration's JSON {json} does not build: {error}"));
        assert_eq!(
            from_json, config,
            "{format}: the configuration's JSON {json} builds to another one"
        );
        for event_type in config.event_types() {
            assert!(config.topics(event_type).count() >= config.enabled_topics(event_type).count());
        }
    }
}

/// Whether every event type of `layer` is one of the registry's.
fn only_known_event_types(layer: &ProducerConfigLayer) -> bool {
    static KNOWN: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| all_events().iter().map(|signal| signal.event_type()).collect());
    serde_json::from_str::<BTreeMap<String, Value>>(&layer.to_json())
        .is_ok_and(|events| events.keys().all(|event_type| known.contains(event_type.as_str())))
}

/// Target `producer_config`: the input, as UTF-8 (invalid sequences replaced), read both as JSON
/// (`EVENT_BUS_PRODUCER_CONFIG`) and as TOML, as a layer and as a validated configuration.
///
/// A layer's JSON reads back to the same layer; a configuration (`ProducerConfig::from_json`/
/// `from_toml`) survives a round trip through a layer and JSON and builds again from its layer.
pub(crate) fn producer_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    type Read<T> = fn(&str) -> Result<T, ConfigError>;
    let formats: [(&str, Read<ProducerConfigLayer>, Read<ProducerConfig>); 2] = [
        ("JSON", ProducerConfigLayer::from_json, ProducerConfig::from_json),
        ("TOML", ProducerConfigLayer::from_toml, ProducerConfig::from_toml),
    ];
    for (format, read_layer, read_config) in formats {
        match read_layer(&text) {
            Ok(layer) => {
                // `ProducerConfig::from_*` reads the layer again and builds it. Building looks
                // every event type up in the registry, which for an unknown type ranks all
                // known types by edit distance: most of the time of a run, as the fuzzer makes
                // up event types. Layers with unknown types are built only from short texts.
                if text.len() > 64 && !only_known_event_types(&layer) {
                    check_layer(&layer, None, format);
                    continue;
                }
                let config = read_config(&text);
                if let Err(error) = &config {
                    let _ = error.to_string();
                }
                check_layer(&layer, config.ok(), format);
            }
            Err(error) => {
                let _ = error.to_string();
                // `ProducerConfig::from_*` reads the layer first, so it refuses the text too:
                // checked only for short texts, to keep the target fast.
                if text.len() < 64 {
                    assert!(
                        read_config(&text).is_err(),
                        "{format}: the configuration reads but not as a layer"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Redis replies.

/// Target `redis_replies`: byte 0 is the chunk size (0: the whole input at once), the rest is
/// what a Redis server sends, handed to the RESP reader that many bytes at a time, each reply
/// read as `XREADGROUP` and `XAUTOCLAIM` replies are read.
///
/// Nothing panics, and the replies read do not depend on how the bytes arrive: as many are read
/// in chunks as at once.
pub(crate) fn redis_replies(data: &[u8]) {
    let Some((&chunk, bytes)) = data.split_first() else {
        return;
    };
    let chunk = if chunk == 0 { usize::MAX } else { usize::from(chunk) };
    let read = events_bus_redis::fuzzing::read_replies(bytes, chunk);
    if chunk != usize::MAX {
        let at_once = events_bus_redis::fuzzing::read_replies(bytes, usize::MAX);
        assert_eq!(
            read, at_once,
            "{read} replies read {chunk} bytes at a time, {at_once} at once"
        );
    }
}
