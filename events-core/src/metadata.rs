//! OEP-41 event metadata: what every Open edX event carries besides its payload.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::datetime::{IsoFormat, serde_isoformat};
use crate::field::{EventField, expect_normalized};
use crate::python_json::to_python_json;

/// The metadata of one Open edX event, a subset of the OEP-41 message format.
///
/// Times are kept to the microsecond, the precision of Python's `datetime`, so that metadata
/// survives a round trip through its text forms unchanged, and within the years 1 to 9999,
/// the range of Python's `datetime`, so that they always have a text form.
///
/// Like the payload it travels with, metadata is frozen: fields are read through getters and
/// changed copies are made with the `with_*` methods. [`EventsMetadata::new`] fills every field
/// as the sending service would: a fresh UUID v1 `id`, the current UTC `time`, the `source` and
/// `sourcehost` of this process and this library's version as `sourcelib`.
///
/// The JSON form ([`to_json`](Self::to_json), [`from_json`](Self::from_json)) is the one
/// Python's `EventsMetadata.to_json()` writes, down to the byte.
///
/// ```
/// use events_core::EventsMetadata;
///
/// let metadata = EventsMetadata::new("org.openedx.learning.course.enrollment.created.v1");
/// assert_eq!(metadata.id().get_version_num(), 1);
/// assert_eq!(metadata.minorversion(), 0);
///
/// let json = metadata.to_json();
/// assert!(json.starts_with(r#"{"event_type": "org.openedx.learning.course.enrollment.created.v1", "id": ""#));
/// assert_eq!(EventsMetadata::from_json(&json).unwrap(), metadata);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventsMetadata {
    event_type: Cow<'static, str>,
    id: Uuid,
    // Python's `from_json()` ignores this key; reading it when present loses nothing.
    #[serde(default)]
    minorversion: u32,
    source: Cow<'static, str>,
    sourcehost: Cow<'static, str>,
    #[serde(with = "serde_isoformat")]
    time: DateTime<Utc>,
    sourcelib: SourceLib,
}

impl EventsMetadata {
    /// Metadata for an event of `event_type` sent now by this process, with minor version 0.
    pub fn new(event_type: impl Into<Cow<'static, str>>) -> Self {
        let now = Now::read();
        Self::generate(event_type.into(), 0, now.time(), now)
    }

    /// Metadata for an event of `event_type` and `minorversion` that happened at `time`.
    ///
    /// The id is a UUID v1 made from the current clock, as Python's `uuid1()` makes it, so ids
    /// stay unique and ordered by sending even when `time` is in the past.
    ///
    /// # Panics
    ///
    /// If `time` is outside the years 1 to 9999, which Python cannot hold; check times from
    /// outside input with [`check_range`](crate::datetime::check_range) first.
    #[track_caller]
    pub fn at(event_type: impl Into<Cow<'static, str>>, minorversion: u32, time: DateTime<Utc>) -> Self {
        Self::generate(event_type.into(), minorversion, checked_time(time), Now::read())
    }

    /// The one place where metadata is generated. `time` is already at microsecond precision;
    /// `now` is passed in so that a send reads the clock once for both the time and the id.
    pub(crate) fn generate(event_type: Cow<'static, str>, minorversion: u32, time: DateTime<Utc>, now: Now) -> Self {
        EventsMetadata {
            event_type,
            id: crate::uuid_v1::generate(now.seconds, now.nanos),
            minorversion,
            source: Cow::Borrowed(default_source()),
            sourcehost: Cow::Borrowed(default_sourcehost()),
            time,
            sourcelib: SourceLib::current(),
        }
    }

    /// The event type, e.g. `org.openedx.learning.course.enrollment.created.v1`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event's unique id (a UUID v1 when generated here).
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The minor version of the event type: payload additions that keep compatibility.
    pub fn minorversion(&self) -> u32 {
        self.minorversion
    }

    /// The logical source, `openedx/{service}/web`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The physical source: the host name of the sending machine.
    pub fn sourcehost(&self) -> &str {
        &self.sourcehost
    }

    /// When the event happened, in UTC.
    pub fn time(&self) -> DateTime<Utc> {
        self.time
    }

    /// The time as Python's `isoformat()` text, as the JSON and the Redis `time` field carry it.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use events_core::EventsMetadata;
    ///
    /// let time = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap();
    /// let metadata = EventsMetadata::at("org.openedx.learning.course.enrollment.created.v1", 0, time);
    /// assert_eq!(metadata.time_isoformat().as_str(), "2024-02-01T12:00:00+00:00");
    /// ```
    pub fn time_isoformat(&self) -> IsoFormat {
        // Every way of making metadata keeps the time in the years 1 to 9999.
        IsoFormat::new(&self.time)
            .unwrap_or_else(|error| unreachable!("EventsMetadata keeps its time in range: {error}"))
    }

    /// The version of the events library of the sender.
    pub fn sourcelib(&self) -> &SourceLib {
        &self.sourcelib
    }

    /// A copy with another event type.
    pub fn with_event_type(self, event_type: impl Into<Cow<'static, str>>) -> Self {
        EventsMetadata {
            event_type: event_type.into(),
            ..self
        }
    }

    /// A copy with another id.
    pub fn with_id(self, id: Uuid) -> Self {
        EventsMetadata { id, ..self }
    }

    /// A copy with another minor version.
    pub fn with_minorversion(self, minorversion: u32) -> Self {
        EventsMetadata { minorversion, ..self }
    }

    /// A copy with another logical source.
    pub fn with_source(self, source: impl Into<Cow<'static, str>>) -> Self {
        EventsMetadata {
            source: source.into(),
            ..self
        }
    }

    /// A copy with another host name.
    pub fn with_sourcehost(self, sourcehost: impl Into<Cow<'static, str>>) -> Self {
        EventsMetadata {
            sourcehost: sourcehost.into(),
            ..self
        }
    }

    /// A copy with another time.
    ///
    /// # Panics
    ///
    /// If `time` is outside the years 1 to 9999, as [`at`](Self::at).
    #[track_caller]
    pub fn with_time(self, time: DateTime<Utc>) -> Self {
        EventsMetadata {
            time: checked_time(time),
            ..self
        }
    }

    /// A copy with another library version.
    pub fn with_sourcelib(self, sourcelib: SourceLib) -> Self {
        EventsMetadata { sourcelib, ..self }
    }

    /// The JSON text of Python's `EventsMetadata.to_json()`, byte for byte.
    pub fn to_json(&self) -> String {
        // Serializing this struct cannot fail: every field is a string, integer or list.
        to_python_json(self).unwrap_or_default()
    }

    /// The JSON value of Python's `EventsMetadata.to_json_data()`.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Reads the JSON written by [`to_json`](Self::to_json) or by Python's `to_json()`.
    ///
    /// The `time` may carry any UTC offset; it is converted to UTC, as the Python class requires a
    /// UTC time.
    pub fn from_json(json: &str) -> Result<Self, MetadataError> {
        let deserializer = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(deserializer).map_err(|error| MetadataError {
            path: error.path().to_string(),
            message: error.into_inner().to_string(),
        })
    }

    /// Reads metadata from a JSON value shaped as [`to_json_value`](Self::to_json_value) makes it.
    pub fn from_json_value(value: serde_json::Value) -> Result<Self, MetadataError> {
        serde_path_to_error::deserialize(value).map_err(|error| MetadataError {
            path: error.path().to_string(),
            message: error.into_inner().to_string(),
        })
    }
}

impl fmt::Debug for EventsMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsMetadata")
            .field("event_type", &self.event_type)
            .field("id", &self.id)
            .field("minorversion", &self.minorversion)
            .field("source", &self.source)
            .field("sourcehost", &self.sourcehost)
            .field("time", &self.time_isoformat())
            .field("sourcelib", &self.sourcelib)
            .finish()
    }
}

/// `time` at microsecond precision; a panic naming the field if it is outside the years 1 to
/// 9999.
#[track_caller]
pub(crate) fn checked_time(time: DateTime<Utc>) -> DateTime<Utc> {
    expect_normalized(time.normalize(), "EventsMetadata.time")
}

/// One reading of the system clock, as seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    seconds: u64,
    nanos: u32,
}

impl Now {
    pub(crate) fn read() -> Self {
        // A clock set before 1970 reads as the epoch rather than failing the send.
        let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Now {
            seconds: elapsed.as_secs(),
            nanos: elapsed.subsec_nanos(),
        }
    }

    /// The reading as a UTC time truncated to the microsecond, Python's precision. Built from the
    /// integers directly: truncating a `DateTime` afterwards costs as much again.
    pub(crate) fn time(self) -> DateTime<Utc> {
        let seconds = i64::try_from(self.seconds).unwrap_or(i64::MAX);
        // A clock set past the year 9999 reads as the epoch too, like one set before 1970: an
        // event time must have `isoformat()` text.
        DateTime::from_timestamp(seconds, self.nanos / 1_000 * 1_000)
            .filter(|time| crate::datetime::check_range(time).is_ok())
            .unwrap_or_default()
    }
}

/// Metadata JSON that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid event metadata at `{path}`: {message}")]
pub struct MetadataError {
    path: String,
    message: String,
}

impl MetadataError {
    /// Where in the JSON the problem is (`time`, `sourcelib[1]`, or `.` for the document).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// The version of the events library that sent an event, as integers (`[10, 5, 0]`).
///
/// Integers rather than text so that versions compare numerically (`0.10.0` > `0.9.0`), as in
/// Python's tuple. On the Redis wire it is written `10.5.0`.
///
/// ```
/// use events_core::SourceLib;
///
/// let lib: SourceLib = "10.5.0".parse().unwrap();
/// assert_eq!(lib.parts(), &[10, 5, 0]);
/// assert_eq!(lib.to_string(), "10.5.0");
/// assert!(lib > "9.12.3".parse().unwrap());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceLib(Cow<'static, [u32]>);

const CURRENT_VERSION: [u32; 3] = [
    parse_u32(env!("CARGO_PKG_VERSION_MAJOR")),
    parse_u32(env!("CARGO_PKG_VERSION_MINOR")),
    parse_u32(env!("CARGO_PKG_VERSION_PATCH")),
];

const fn parse_u32(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

impl SourceLib {
    /// The version of this crate, which senders built with it report.
    pub fn current() -> Self {
        SourceLib(Cow::Borrowed(&CURRENT_VERSION))
    }

    /// A version from its integer parts.
    pub fn new(parts: impl Into<Vec<u32>>) -> Self {
        SourceLib(Cow::Owned(parts.into()))
    }

    /// The integer parts.
    pub fn parts(&self) -> &[u32] {
        &self.0
    }
}

impl fmt::Display for SourceLib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SourceLib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceLib({self})")
    }
}

/// Text that is not a dotted version of integers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sourcelib {text:?}: expected integers separated by dots, such as 10.5.0")]
pub struct SourceLibParseError {
    text: String,
}

impl FromStr for SourceLib {
    type Err = SourceLibParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split('.')
            .map(|part| {
                part.parse::<u32>()
                    .ok()
                    .filter(|_| part.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect::<Option<Vec<u32>>>()
            .map(SourceLib::new)
            .ok_or_else(|| SourceLibParseError {
                text: text.chars().take(64).collect(),
            })
    }
}

/// The logical source of events sent by this process: `openedx/{service}/web`.
///
/// The service is `EVENTS_SERVICE_NAME` from the environment, else `SERVICE_VARIANT`, else
/// `SERVICE_NAME_UNSET`, as the Python library reads them from Django settings. It is read once,
/// on first use, and kept for the life of the process.
pub fn default_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let events_service_name = std::env::var("EVENTS_SERVICE_NAME").ok();
        let service_variant = std::env::var("SERVICE_VARIANT").ok();
        source_for_service(events_service_name.as_deref(), service_variant.as_deref())
    })
}

/// The logical source for a service, given the values of `EVENTS_SERVICE_NAME` and
/// `SERVICE_VARIANT`; an empty value counts as unset.
///
/// ```
/// use events_core::metadata::source_for_service;
///
/// assert_eq!(source_for_service(Some("cms"), Some("lms")), "openedx/cms/web");
/// assert_eq!(source_for_service(Some(""), Some("lms")), "openedx/lms/web");
/// assert_eq!(source_for_service(None, None), "openedx/SERVICE_NAME_UNSET/web");
/// ```
pub fn source_for_service(events_service_name: Option<&str>, service_variant: Option<&str>) -> String {
    let service = events_service_name
        .filter(|name| !name.is_empty())
        .or(service_variant.filter(|name| !name.is_empty()))
        .unwrap_or("SERVICE_NAME_UNSET");
    format!("openedx/{service}/web")
}

/// The host name of this machine, looked up once and kept.
pub fn default_sourcehost() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| gethostname::gethostname().to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> EventsMetadata {
        EventsMetadata::at(
            "org.openedx.learning.course.enrollment.created.v1",
            0,
            Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap(),
        )
        .with_id(Uuid::parse_str("5f1a6a4e-c0de-11ee-8a2b-0242ac120002").unwrap())
        .with_source("openedx/lms/web")
        .with_sourcehost("lms.example")
        .with_sourcelib(SourceLib::new([10, 5, 0]))
    }

    #[test]
    fn to_json_matches_python_to_json_text() {
        assert_eq!(
            sample().to_json(),
            r#"{"event_type": "org.openedx.learning.course.enrollment.created.v1", "id": "5f1a6a4e-c0de-11ee-8a2b-0242ac120002", "minorversion": 0, "source": "openedx/lms/web", "sourcehost": "lms.example", "time": "2024-02-01T12:00:00+00:00", "sourcelib": [10, 5, 0]}"#
        );
    }

    #[test]
    fn from_json_round_trips_and_converts_offsets_to_utc() {
        let metadata = sample();
        assert_eq!(EventsMetadata::from_json(&metadata.to_json()), Ok(metadata.clone()));
        let shifted = metadata.to_json().replace("12:00:00+00:00", "14:00:00+02:00");
        assert_eq!(EventsMetadata::from_json(&shifted), Ok(metadata));
    }

    #[test]
    fn from_json_without_minorversion_reads_zero_like_python() {
        let json = r#"{"event_type": "t.x.learning.a.b.v1", "id": "5f1a6a4e-c0de-11ee-8a2b-0242ac120002", "source": "s", "sourcehost": "h", "time": "2024-02-01T12:00:00+00:00", "sourcelib": [1, 2]}"#;
        let metadata = EventsMetadata::from_json(json).unwrap();
        assert_eq!(metadata.minorversion(), 0);
        assert_eq!(metadata.sourcelib().parts(), &[1, 2]);
    }

    #[test]
    fn from_json_errors_name_the_field() {
        let bad_time = sample().to_json().replace("2024-02-01T12:00:00+00:00", "yesterday");
        let error = EventsMetadata::from_json(&bad_time).unwrap_err();
        assert_eq!(error.path(), "time");
        assert!(error.to_string().contains("expected a four-digit year"), "{error}");

        let bad_lib = sample().to_json().replace("[10, 5, 0]", "[10, \"5\", 0]");
        assert_eq!(EventsMetadata::from_json(&bad_lib).unwrap_err().path(), "sourcelib[1]");

        let missing = r#"{"event_type": "x"}"#;
        assert!(
            EventsMetadata::from_json(missing)
                .unwrap_err()
                .to_string()
                .contains("missing field `id`")
        );
    }

    #[test]
    fn generated_metadata_has_a_v1_id_from_the_clock_and_this_process_defaults() {
        let time = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap();
        let before = Utc::now().timestamp();
        let metadata = EventsMetadata::at("org.openedx.learning.x.y.v1", 3, time);
        assert_eq!(metadata.id().get_version_num(), 1);
        let (seconds, _) = metadata.id().get_timestamp().unwrap().to_unix();
        assert!(seconds as i64 >= before, "the id comes from the clock, not from `time`");
        assert_eq!(metadata.time(), time);
        assert_eq!(metadata.minorversion(), 3);
        assert_eq!(metadata.source(), default_source());
        assert_eq!(metadata.sourcehost(), default_sourcehost());
        assert_eq!(metadata.sourcelib(), &SourceLib::current());
        assert_ne!(EventsMetadata::at("t", 0, time).id(), metadata.id());
    }

    #[test]
    fn sourcelib_is_this_crate_version() {
        assert_eq!(SourceLib::current().to_string(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn sourcelib_parses_dotted_integers_only() {
        assert_eq!("1.2.3".parse::<SourceLib>().unwrap().parts(), &[1, 2, 3]);
        for bad in ["", "1..2", "1.2.x", "+1.2", "1.-2", "1.2.3rc1", "99999999999"] {
            assert!(bad.parse::<SourceLib>().is_err(), "{bad}");
        }
    }
}
