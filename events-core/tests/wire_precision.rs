//! Payload datetimes hold what the wire can carry (microseconds), however they were given, so a
//! payload equals itself after a round trip through Avro or JSON.

use chrono::{Duration, TimeZone};
use events_core::prelude::*;

fn with_nanoseconds() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + Duration::nanoseconds(123_456_789)
}

fn truncated() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + Duration::microseconds(123_456)
}

/// A scheduled session.
#[event_data]
pub struct SessionData {
    /// When it starts.
    starts: DateTime<Utc>,
    /// When it was planned, unless given.
    #[event_data(default = with_nanoseconds())]
    planned: DateTime<Utc>,
    /// When it was moved, if it was.
    moved: Option<DateTime<Utc>>,
    /// Reminders.
    reminders: Vec<DateTime<Utc>>,
}

/// Emitted when a session is scheduled.
#[open_edx_event(type = "com.example.learning.session.scheduled.v1")]
pub struct SessionScheduled {
    /// The session.
    session: SessionData,
}

#[test]
fn setters_defaults_and_copies_truncate_datetimes_to_microseconds() {
    let session = SessionData::builder()
        .starts(with_nanoseconds())
        .moved(with_nanoseconds())
        .reminders(vec![with_nanoseconds()])
        .build();
    assert_eq!(session.starts(), truncated());
    assert_eq!(
        session.planned(),
        truncated(),
        "a `default = expr` value is truncated too"
    );
    assert_eq!(session.moved(), Some(truncated()));
    assert_eq!(session.reminders(), [truncated()]);
    assert_eq!(session.clone().with_starts(with_nanoseconds()).starts(), truncated());
}

#[test]
fn a_payload_built_from_nanosecond_times_survives_the_wire_unchanged() {
    let event = SessionScheduled::new(
        SessionData::builder()
            .starts(with_nanoseconds())
            .reminders(vec![with_nanoseconds(), with_nanoseconds()])
            .build(),
    );
    assert_eq!(SessionScheduled::from_avro(&event.to_avro()).unwrap(), event);
    assert_eq!(SessionScheduled::from_json_value(event.to_json_value()).unwrap(), event);
}
