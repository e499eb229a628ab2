//! Only datetimes of the years 1 to 9999 (Python's `datetime`) get into a payload or metadata,
//! whichever way they come: text that leaves that range once converted to UTC is refused where
//! it is read, and a `DateTime<Utc>` outside it is refused where it is given, so nothing that
//! Python and our own decoder would refuse is ever written.

use std::panic::{UnwindSafe, catch_unwind};

use chrono::{Duration, TimeZone};
use events_core::EventsMetadata;
use events_core::prelude::*;

fn year_10000() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 23, 0, 0).unwrap() + Duration::hours(1)
}

fn year_0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap() - Duration::hours(2)
}

/// A scheduled session.
#[event_data]
pub struct SlotData {
    /// When it starts.
    starts: DateTime<Utc>,
    /// When it was moved, if it was.
    moved: Option<DateTime<Utc>>,
    /// Reminders.
    #[event_data(default)]
    reminders: Vec<DateTime<Utc>>,
}

/// Emitted when a session is booked.
#[open_edx_event(type = "com.example.learning.slot.booked.v1")]
pub struct SlotBooked {
    /// The session.
    slot: SlotData,
    /// When it was booked.
    at: DateTime<Utc>,
}

fn slot() -> SlotData {
    SlotData::builder().starts(Utc::now()).build()
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce() + UnwindSafe) -> String {
    let payload = catch_unwind(f).expect_err("should panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|text| (*text).to_owned()))
        .unwrap_or_default()
}

#[test]
fn json_with_a_time_that_leaves_the_range_in_utc_is_refused_naming_the_field() {
    let json = serde_json::json!({
        "slot": {"starts": "0001-01-01T00:00:00+02:00", "moved": null, "reminders": []},
        "at": "2024-02-01T12:00:00+00:00",
    });
    let error = SlotBooked::from_json_value(json).unwrap_err();
    assert_eq!(error.path(), "slot.starts");
    assert!(error.to_string().contains("outside the years 1 to 9999"), "{error}");

    let json = serde_json::json!({
        "slot": {"starts": "2024-02-01T12:00:00Z", "moved": null, "reminders": ["9999-12-31T23:00:00-02:00"]},
        "at": "2024-02-01T12:00:00+00:00",
    });
    assert_eq!(
        SlotBooked::from_json_value(json).unwrap_err().path(),
        "slot.reminders[0]"
    );
}

#[test]
fn builders_copies_and_new_refuse_a_time_outside_the_range_naming_the_field() {
    let message = panic_message(|| drop(SlotData::builder().starts(year_10000())));
    assert!(message.contains("SlotData.starts: "), "{message}");
    assert!(message.contains("outside the years 1 to 9999"), "{message}");

    let message = panic_message(|| drop(SlotData::builder().moved(year_0())));
    assert!(message.contains("SlotData.moved: "), "{message}");

    let message = panic_message(|| drop(slot().with_reminders(vec![Utc::now(), year_0()])));
    assert!(message.contains("SlotData.reminders: "), "{message}");

    let message = panic_message(|| drop(SlotBooked::new(slot(), year_10000())));
    assert!(message.contains("SlotBooked.at: "), "{message}");
}

#[test]
fn the_first_and_last_microseconds_python_holds_are_accepted_and_round_trip() {
    let first = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap();
    let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + Duration::nanoseconds(999_999_999);
    let event = SlotBooked::new(SlotData::builder().starts(first).reminders(vec![last]).build(), last);
    assert_eq!(event.slot().reminders()[0], year_10000() - Duration::microseconds(1));
    assert_eq!(SlotBooked::from_avro(&event.to_avro()).unwrap(), event);
    assert_eq!(SlotBooked::from_json_value(event.to_json_value()).unwrap(), event);
}

#[test]
fn sending_at_a_time_outside_the_range_is_an_error_naming_the_event_type() {
    let error = SLOT_BOOKED
        .send_event_at(year_10000(), SlotBooked::new(slot(), Utc::now()))
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("com.example.learning.slot.booked.v1"), "{message}");
    assert!(message.contains("outside the years 1 to 9999"), "{message}");
}

#[test]
fn metadata_refuses_a_time_outside_the_range_from_json_and_from_code() {
    let metadata = EventsMetadata::new("com.example.learning.slot.booked.v1");
    let time = metadata.to_json_value()["time"].as_str().unwrap().to_owned();
    let json = metadata.to_json().replace(&time, "0001-01-01T00:00:00+00:01");
    let error = EventsMetadata::from_json(&json).unwrap_err();
    assert_eq!(error.path(), "time");
    assert!(error.to_string().contains("outside the years 1 to 9999"), "{error}");

    let message = panic_message(|| drop(metadata.clone().with_time(year_0())));
    assert!(message.contains("EventsMetadata.time: "), "{message}");
    let message = panic_message(|| {
        drop(EventsMetadata::at(
            "com.example.learning.slot.booked.v1",
            0,
            year_10000(),
        ))
    });
    assert!(message.contains("EventsMetadata.time: "), "{message}");
}
