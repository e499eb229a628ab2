//! The event's metadata in Kafka headers, as edx-event-bus-kafka writes and reads them:
//! CloudEvents names (`ce_type`, `ce_id`, `ce_source`, `ce_specversion`, `ce_time`,
//! `ce_minorversion`), `sourcehost` and `sourcelib`, and the content type twice.

use events_core::datetime::parse_isoformat;
use events_core::metadata::SourceLibParseError;
use events_core::{EventsMetadata, SourceLib};
use uuid::Uuid;

/// `ce_type`: the event type.
pub const TYPE: &str = "ce_type";
/// `ce_id`: the event id, a UUID; the one header a message cannot do without.
pub const ID: &str = "ce_id";
/// `ce_source`: the producing service.
pub const SOURCE: &str = "ce_source";
/// `ce_specversion`: always `1.0`.
pub const SPEC_VERSION: &str = "ce_specversion";
/// `ce_time`: when the event happened, in Python's `isoformat()`.
pub const TIME: &str = "ce_time";
/// `ce_minorversion`: the payload's minor version, in decimal.
pub const MINOR_VERSION: &str = "ce_minorversion";
/// `sourcehost`: the producing host.
pub const SOURCE_HOST: &str = "sourcehost";
/// `sourcelib`: the openedx-events version of the producer, `a.b.c`.
pub const SOURCE_LIB: &str = "sourcelib";
/// `content-type`: `application/avro`.
pub const CONTENT_TYPE: &str = "content-type";
/// `ce_datacontenttype`: `application/avro`.
pub const DATA_CONTENT_TYPE: &str = "ce_datacontenttype";

/// The content type of every value.
pub const AVRO: &str = "application/avro";

/// The headers of a message with `metadata`, in the order the Python producer writes them.
///
/// ```
/// use events_bus_kafka::headers::{metadata_from_headers, to_headers};
/// use events_core::EventsMetadata;
///
/// let metadata = EventsMetadata::new("org.openedx.learning.course.enrollment.created.v1");
/// let headers = to_headers(&metadata);
/// assert_eq!(headers[0], ("ce_specversion", b"1.0".to_vec()));
/// let read = metadata_from_headers(headers.iter().map(|(name, value)| (*name, Some(value.as_slice())))).unwrap();
/// assert_eq!(read, metadata);
/// ```
pub fn to_headers(metadata: &EventsMetadata) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (SPEC_VERSION, b"1.0".to_vec()),
        (CONTENT_TYPE, AVRO.as_bytes().to_vec()),
        (DATA_CONTENT_TYPE, AVRO.as_bytes().to_vec()),
        (TYPE, metadata.event_type().as_bytes().to_vec()),
        (ID, metadata.id().to_string().into_bytes()),
        (SOURCE, metadata.source().as_bytes().to_vec()),
        (TIME, metadata.time_isoformat().to_string().into_bytes()),
        (MINOR_VERSION, metadata.minorversion().to_string().into_bytes()),
        (SOURCE_HOST, metadata.sourcehost().as_bytes().to_vec()),
        (SOURCE_LIB, metadata.sourcelib().to_string().into_bytes()),
    ]
}

/// The metadata in `headers` (name and value; a header without a value counts as absent).
///
/// As upstream: `ce_id` is required and `ce_type` too (nothing can be done with a message of
/// no type); the others take the metadata defaults when absent; a metadata header given twice
/// is an error, since which one is meant cannot be told.
pub fn metadata_from_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, Option<&'a [u8]>)>,
) -> Result<EventsMetadata, HeaderError> {
    const NAMES: [&str; 7] = [TYPE, ID, SOURCE, TIME, MINOR_VERSION, SOURCE_HOST, SOURCE_LIB];
    let mut found: [Option<&[u8]>; 7] = [None; 7];
    for (name, value) in headers {
        let (Some(slot), Some(value)) = (NAMES.iter().position(|known| *known == name), value) else {
            continue;
        };
        if found[slot].replace(value).is_some() {
            return Err(HeaderError::Repeated { header: NAMES[slot] });
        }
    }
    let text = |slot: usize| -> Result<Option<&str>, HeaderError> {
        found[slot]
            .map(|value| {
                std::str::from_utf8(value).map_err(|_| HeaderError::Invalid {
                    header: NAMES[slot],
                    reason: "not UTF-8 text".into(),
                })
            })
            .transpose()
    };
    let invalid = |header: &'static str, reason: String| HeaderError::Invalid { header, reason };

    let event_type = text(0)?.ok_or(HeaderError::Missing { header: TYPE })?;
    let id = text(1)?.ok_or(HeaderError::Missing { header: ID })?;
    let id = Uuid::parse_str(id).map_err(|error| invalid(ID, error.to_string()))?;
    let mut metadata = EventsMetadata::new(event_type.to_owned()).with_id(id);
    if let Some(source) = text(2)? {
        metadata = metadata.with_source(source.to_owned());
    }
    if let Some(time) = text(3)? {
        let time = parse_isoformat(time).map_err(|error| invalid(TIME, error.reason().to_owned()))?;
        metadata = metadata.with_time(time);
    }
    if let Some(minorversion) = text(4)? {
        let minorversion = minorversion
            .parse::<u32>()
            .map_err(|error| invalid(MINOR_VERSION, format!("not a decimal integer ({error})")))?;
        metadata = metadata.with_minorversion(minorversion);
    }
    if let Some(sourcehost) = text(5)? {
        metadata = metadata.with_sourcehost(sourcehost.to_owned());
    }
    if let Some(sourcelib) = text(6)? {
        let sourcelib: SourceLib = sourcelib
            .parse()
            .map_err(|error: SourceLibParseError| invalid(SOURCE_LIB, error.to_string()))?;
        metadata = metadata.with_sourcelib(sourcelib);
    }
    Ok(metadata)
}

/// Headers that do not give an event's metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A required header is absent.
    #[error("the message has no `{header}` header")]
    Missing {
        /// The header.
        header: &'static str,
    },
    /// A metadata header appears more than once.
    #[error("the message has more than one `{header}` header")]
    Repeated {
        /// The header.
        header: &'static str,
    },
    /// A header's value cannot be read.
    #[error("the message's `{header}` header is invalid: {reason}")]
    Invalid {
        /// The header.
        header: &'static str,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(headers: &[(&str, &[u8])]) -> Result<EventsMetadata, HeaderError> {
        metadata_from_headers(headers.iter().map(|(name, value)| (*name, Some(*value))))
    }

    #[test]
    fn headers_are_written_as_the_python_producer_writes_them() {
        let metadata = EventsMetadata::new("org.openedx.learning.course.enrollment.created.v1")
            .with_id(Uuid::parse_str("5f1a6a4e-c0de-11ee-8a2b-0242ac120002").unwrap())
            .with_time(parse_isoformat("2024-02-01T12:00:00.5+00:00").unwrap())
            .with_minorversion(1)
            .with_source("openedx/lms/web")
            .with_sourcehost("lms-1")
            .with_sourcelib(SourceLib::new([10, 5, 0]));
        let headers: Vec<(&str, String)> = to_headers(&metadata)
            .into_iter()
            .map(|(name, value)| (name, String::from_utf8(value).unwrap()))
            .collect();
        let expected = [
            ("ce_specversion", "1.0"),
            ("content-type", "application/avro"),
            ("ce_datacontenttype", "application/avro"),
            ("ce_type", "org.openedx.learning.course.enrollment.created.v1"),
            ("ce_id", "5f1a6a4e-c0de-11ee-8a2b-0242ac120002"),
            ("ce_source", "openedx/lms/web"),
            ("ce_time", "2024-02-01T12:00:00.500000+00:00"),
            ("ce_minorversion", "1"),
            ("sourcehost", "lms-1"),
            ("sourcelib", "10.5.0"),
        ];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
        assert_eq!(headers, expected);
    }

    #[test]
    fn missing_headers_other_than_the_type_and_id_take_the_defaults() {
        let metadata = read(&[
            ("ce_type", b"a.b.c.v1"),
            ("ce_id", b"5f1a6a4e-c0de-11ee-8a2b-0242ac120002"),
        ])
        .unwrap();
        assert_eq!(metadata.event_type(), "a.b.c.v1");
        assert_eq!(metadata.minorversion(), 0);
        assert_eq!(metadata.sourcelib(), &SourceLib::current());
    }

    #[test]
    fn unreadable_headers_are_errors_naming_the_header() {
        let id: &[u8] = b"5f1a6a4e-c0de-11ee-8a2b-0242ac120002";
        assert_eq!(
            read(&[("ce_type", b"t")]),
            Err(HeaderError::Missing { header: "ce_id" })
        );
        assert_eq!(read(&[("ce_id", id)]), Err(HeaderError::Missing { header: "ce_type" }));
        assert_eq!(
            read(&[("ce_type", b"t"), ("ce_id", id), ("ce_id", id)]),
            Err(HeaderError::Repeated { header: "ce_id" })
        );
        let error = read(&[("ce_type", b"t"), ("ce_id", id), ("ce_minorversion", b"one")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the message's `ce_minorversion` header is invalid: not a decimal integer (invalid digit found in string)"
        );
        let error = read(&[("ce_type", b"t"), ("ce_id", b"nope")]).unwrap_err();
        assert!(matches!(error, HeaderError::Invalid { header: "ce_id", .. }), "{error}");
        let error = read(&[("ce_type", &[0xff]), ("ce_id", id)]).unwrap_err();
        assert!(
            matches!(error, HeaderError::Invalid { header: "ce_type", .. }),
            "{error}"
        );
    }
}
