//! The entry layout of `edx-event-bus-redis`: one field per metadata header, then the Avro
//! payload, and the fields a dead letter adds.

use std::borrow::Cow;
use std::fmt;

use events_core::bus::{BusMessage, Delivery, Unreadable};
use events_core::datetime::parse_isoformat;
use events_core::metadata::{EventsMetadata, SourceLib, SourceLibParseError};
use uuid::Uuid;

/// The entry fields holding the metadata, in the order the Python producer writes them.
pub const HEADER_FIELDS: [&str; 7] = [
    "type",
    "id",
    "source",
    "time",
    "minorversion",
    "sourcehost",
    "sourcelib",
];

/// The entry field holding the Avro payload.
pub const DATA_FIELD: &str = "event_data";

/// The entry fields of `message`: `type`, `id`, `source`, `time` (isoformat), `minorversion`
/// (decimal), `sourcehost`, `sourcelib` (`1.2.3`) and `event_data`, as `edx-event-bus-redis`
/// writes them. The key and schema are not written: Redis entries carry neither.
pub fn to_fields(message: &BusMessage) -> [(&'static str, Cow<'_, [u8]>); 8] {
    let m = &message.metadata;
    let text = |value: String| Cow::Owned(value.into_bytes());
    [
        ("type", Cow::Borrowed(m.event_type().as_bytes())),
        ("id", text(m.id().hyphenated().to_string())),
        ("source", Cow::Borrowed(m.source().as_bytes())),
        ("time", text(m.time_isoformat().to_string())),
        ("minorversion", text(m.minorversion().to_string())),
        ("sourcehost", Cow::Borrowed(m.sourcehost().as_bytes())),
        ("sourcelib", text(m.sourcelib().to_string())),
        (DATA_FIELD, Cow::Borrowed(&message.data)),
    ]
}

/// Reads a message from entry fields. Every header and the payload must be present and
/// well-formed; anything else is an [`EntryError`] naming the field. Unknown fields are
/// ignored, as the Python consumer ignores them.
pub fn from_fields<'a, I>(fields: I) -> Result<BusMessage, EntryError>
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let mut found: [Option<&[u8]>; 8] = [None; 8];
    for (name, value) in fields {
        let slot = HEADER_FIELDS
            .iter()
            .chain([&DATA_FIELD])
            .position(|known| known.as_bytes() == name);
        if let Some(slot) = slot {
            found[slot] = Some(value);
        }
    }
    let text = |index: usize| -> Result<&str, EntryError> {
        let field = HEADER_FIELDS[index];
        let value = found[index].ok_or(EntryError::Missing { field })?;
        std::str::from_utf8(value).map_err(|_| EntryError::Invalid {
            field,
            reason: "not UTF-8 text".into(),
        })
    };
    let invalid = |field: &'static str, reason: String| EntryError::Invalid { field, reason };

    let event_type = text(0)?.to_owned();
    let id = Uuid::parse_str(text(1)?).map_err(|error| invalid("id", error.to_string()))?;
    let source = text(2)?.to_owned();
    let time = parse_isoformat(text(3)?).map_err(|error| invalid("time", error.reason().to_owned()))?;
    let minorversion = text(4)?
        .parse::<u32>()
        .map_err(|error| invalid("minorversion", format!("not a decimal integer ({error})")))?;
    let sourcehost = text(5)?.to_owned();
    let sourcelib: SourceLib = text(6)?
        .parse()
        .map_err(|error: SourceLibParseError| invalid("sourcelib", error.to_string()))?;
    let data = found[7].ok_or(EntryError::Missing { field: DATA_FIELD })?.to_vec();

    let metadata = EventsMetadata::at(event_type, minorversion, time)
        .with_id(id)
        .with_source(source)
        .with_sourcehost(sourcehost)
        .with_sourcelib(sourcelib);
    Ok(BusMessage::new(metadata, data))
}

/// An entry that is not a readable event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// A required field is absent.
    #[error("the entry has no `{field}` field")]
    Missing {
        /// The field.
        field: &'static str,
    },
    /// A field's value cannot be read.
    #[error("the entry's `{field}` field is invalid: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// An entry of a stream: its id and its fields.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id, e.g. `1700000000000-0`.
    pub id: String,
    /// The fields, in order.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl StreamEntry {
    /// The entry of `message` under `id`.
    pub fn from_message(id: impl Into<String>, message: &BusMessage) -> Self {
        StreamEntry {
            id: id.into(),
            fields: to_fields(message)
                .into_iter()
                .map(|(name, value)| (name.as_bytes().to_vec(), value.into_owned()))
                .collect(),
        }
    }

    /// Reads the event the entry holds.
    pub fn message(&self) -> Result<BusMessage, EntryError> {
        from_fields(
            self.fields
                .iter()
                .map(|(name, value)| (name.as_slice(), value.as_slice())),
        )
    }

    /// The value of the field called `name`.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(field, _)| field == name.as_bytes())
            .map(|(_, value)| value.as_slice())
    }
}

impl fmt::Display for StreamEntry {
    /// The entry id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl From<EntryError> for Unreadable {
    fn from(error: EntryError) -> Self {
        Unreadable {
            reason: error.to_string(),
        }
    }
}

/// The delivery of `entry`: the entry itself is its token, since a dead letter copies its
/// fields.
pub(crate) fn delivery(entry: StreamEntry) -> Delivery<StreamEntry> {
    let message = entry.message().map_err(Unreadable::from);
    Delivery { token: entry, message }
}

/// The fields of a dead-letter entry: the original fields, then why and where it failed.
pub fn dead_letter_fields(entry: &StreamEntry, reason: &str, group: &str, consumer: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut fields = entry.fields.clone();
    fields.push((b"dead_letter_reason".to_vec(), reason.as_bytes().to_vec()));
    fields.push((b"dead_letter_entry_id".to_vec(), entry.id.as_bytes().to_vec()));
    fields.push((b"dead_letter_group".to_vec(), group.as_bytes().to_vec()));
    fields.push((b"dead_letter_consumer".to_vec(), consumer.as_bytes().to_vec()));
    fields
}

impl fmt::Debug for StreamEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        map.entry(&"id", &self.id);
        for (name, value) in &self.fields {
            let name = String::from_utf8_lossy(name);
            if name == DATA_FIELD {
                map.entry(&name, &format_args!("<{} bytes>", value.len()));
            } else {
                map.entry(&name, &String::from_utf8_lossy(value));
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use events_core::chrono::{self, TimeZone};

    fn message() -> BusMessage {
        let metadata = EventsMetadata::at(
            "org.openedx.learning.course.enrollment.created.v1",
            2,
            chrono::Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + chrono::Duration::microseconds(5),
        )
        .with_id(Uuid::parse_str("5f1a6a4e-c0de-11ee-8a2b-0242ac120002").unwrap())
        .with_source("openedx/lms/web")
        .with_sourcehost("lms-1")
        .with_sourcelib(SourceLib::new([10, 5, 0]));
        BusMessage::new(metadata, vec![1, 2, 3])
    }

    #[test]
    fn fields_are_written_as_the_python_producer_writes_them() {
        let entry = StreamEntry::from_message("1-0", &message());
        let fields: Vec<(String, Vec<u8>)> = entry
            .fields
            .iter()
            .map(|(name, value)| (String::from_utf8(name.clone()).unwrap(), value.clone()))
            .collect();
        assert_eq!(
            fields,
            [
                (
                    "type".into(),
                    b"org.openedx.learning.course.enrollment.created.v1".to_vec()
                ),
                ("id".into(), b"5f1a6a4e-c0de-11ee-8a2b-0242ac120002".to_vec()),
                ("source".into(), b"openedx/lms/web".to_vec()),
                ("time".into(), b"2024-02-01T12:00:00.000005+00:00".to_vec()),
                ("minorversion".into(), b"2".to_vec()),
                ("sourcehost".into(), b"lms-1".to_vec()),
                ("sourcelib".into(), b"10.5.0".to_vec()),
                ("event_data".into(), vec![1, 2, 3]),
            ]
        );
        assert_eq!(entry.message().unwrap(), message());
    }

    #[test]
    fn a_missing_or_malformed_header_is_named() {
        let entry = StreamEntry::from_message("1-0", &message());
        for (field, replacement, expected) in [
            ("id", Some(&b"nope"[..]), "the entry's `id` field is invalid"),
            (
                "time",
                Some(b"yesterday"),
                "the entry's `time` field is invalid: expected a four-digit year",
            ),
            (
                "minorversion",
                Some(b"-1"),
                "the entry's `minorversion` field is invalid: not a decimal integer",
            ),
            ("sourcelib", Some(b"10.x"), "the entry's `sourcelib` field is invalid"),
            (
                "source",
                Some(&[0xff][..]),
                "the entry's `source` field is invalid: not UTF-8 text",
            ),
            ("type", None, "the entry has no `type` field"),
            ("event_data", None, "the entry has no `event_data` field"),
        ] {
            let mut broken = entry.clone();
            broken.fields.retain(|(name, _)| name != field.as_bytes());
            if let Some(value) = replacement {
                broken.fields.push((field.as_bytes().to_vec(), value.to_vec()));
            }
            let error = broken.message().unwrap_err().to_string();
            assert!(error.starts_with(expected), "{field}: {error}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut entry = StreamEntry::from_message("1-0", &message());
        entry.fields.push((b"trace".to_vec(), b"abc".to_vec()));
        assert_eq!(entry.message().unwrap(), message());
    }
}
