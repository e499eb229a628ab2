//! How a signal sends events to its receivers.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::TimeZone;
use events_core::prelude::*;
use events_core::{ReceiverError, SendError};

/// A message.
#[event_data]
pub struct NoteData {
    /// The text.
    text: String,
}

// Each test uses its own event type: signals are process-wide statics and tests run in
// parallel threads.
macro_rules! note_event {
    ($name:ident, $type:literal) => {
        /// Emitted in a test.
        #[open_edx_event(type = $type)]
        pub struct $name {
            /// The note.
            note: NoteData,
        }
    };
}

note_event!(RobustErr, "com.example.learning.robust.err.v1");
note_event!(RobustPanic, "com.example.learning.robust.panic.v1");
note_event!(FailFastErr, "com.example.learning.failfast.err.v1");
note_event!(FailFastPanic, "com.example.learning.failfast.panic.v1");
note_event!(Dedup, "com.example.learning.dedup.sent.v1");
note_event!(Disabled, "com.example.learning.disabled.sent.v1");
note_event!(Timed, "com.example.learning.timed.sent.v1");
note_event!(Custom, "com.example.learning.custom.sent.v1");
note_event!(Reentrant, "com.example.learning.reentrant.sent.v1");
note_event!(Ordered, "com.example.learning.ordered.sent.v1");

fn note(text: &str) -> NoteData {
    NoteData::builder().text(text).build()
}

#[test]
fn receivers_are_called_in_connection_order_with_the_payload_and_fresh_metadata() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    for id in ["first", "second", "third"] {
        let calls = Arc::clone(&calls);
        ORDERED_SENT.connect(id, move |event: &Event<Ordered>| {
            calls
                .lock()
                .unwrap()
                .push((id, event.data().note().text().to_owned(), event.metadata().clone()));
            Ok(())
        });
    }
    let responses = ORDERED_SENT.send_event(Ordered::new(note("hello"))).unwrap();

    let receivers: Vec<&str> = responses.receivers().map(|id| id.as_str()).collect();
    assert_eq!(receivers, ["first", "second", "third"]);
    let calls = calls.lock().unwrap();
    assert_eq!(
        calls
            .iter()
            .map(|(id, text, _)| (*id, text.as_str()))
            .collect::<Vec<_>>(),
        [("first", "hello"), ("second", "hello"), ("third", "hello")]
    );
    let metadata = &calls[0].2;
    assert_eq!(metadata.event_type(), "com.example.learning.ordered.sent.v1");
    assert_eq!(metadata.id().get_version_num(), 1);
    assert!((Utc::now() - metadata.time()).num_seconds().abs() < 60);
    assert!(
        calls.iter().all(|(_, _, m)| m == metadata),
        "every receiver sees the same metadata"
    );
}

#[test]
fn a_failing_receiver_is_reported_by_name_and_later_receivers_still_run() {
    ROBUST_ERR.connect("ok_before", |_| Ok(()));
    ROBUST_ERR.connect("fails", |_| Err("database unavailable".into()));
    let after = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&after);
    ROBUST_ERR.connect("ok_after", move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });

    let responses = ROBUST_ERR.send_event(RobustErr::new(note("x"))).unwrap();

    assert_eq!(after.load(Ordering::SeqCst), 1);
    assert_eq!(responses.len(), 3);
    let failures: Vec<_> = responses.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].receiver().as_str(), "fails");
    assert!(matches!(failures[0].outcome(), Err(ReceiverError::Failed(e)) if e.to_string() == "database unavailable"));
    assert!(!responses.all_ok());
}

#[test]
fn a_panicking_receiver_is_caught_in_robust_mode() {
    ROBUST_PANIC.connect("boom", |_| panic!("receiver bug"));
    ROBUST_PANIC.connect("fine", |_| Ok(()));

    let responses = ROBUST_PANIC.send_event(RobustPanic::new(note("x"))).unwrap();

    assert!(matches!(responses[0].outcome(), Err(ReceiverError::Panicked(message)) if message == "receiver bug"));
    assert!(responses[1].is_ok());
}

#[test]
fn fail_fast_returns_the_first_error_and_skips_the_rest() {
    FAILFAST_ERR.allow_send_event_failure();
    let later = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&later);
    FAILFAST_ERR.connect("fails", |_| Err("nope".into()));
    FAILFAST_ERR.connect("later", move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });

    let error = FAILFAST_ERR.send_event(FailFastErr::new(note("x"))).unwrap_err();

    match &error {
        SendError::ReceiverFailed {
            event_type,
            receiver,
            source,
            ..
        } => {
            assert_eq!(*event_type, "com.example.learning.failfast.err.v1");
            assert_eq!(receiver.as_str(), "fails");
            assert_eq!(source.to_string(), "nope");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("receiver `fails` of `com.example.learning.failfast.err.v1` failed on event ")
    );
    assert_eq!(later.load(Ordering::SeqCst), 0);
}

#[test]
fn fail_fast_lets_a_panic_reach_the_sender() {
    FAILFAST_PANIC.allow_send_event_failure();
    FAILFAST_PANIC.connect("boom", |_| panic!("receiver bug"));

    let outcome = std::panic::catch_unwind(|| FAILFAST_PANIC.send_event(FailFastPanic::new(note("x"))));

    let panic = outcome.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"receiver bug"));
}

#[test]
fn connecting_the_same_id_twice_keeps_one_receiver_and_disconnect_removes_it() {
    let calls = Arc::new(AtomicUsize::new(0));
    let (a, b) = (Arc::clone(&calls), Arc::clone(&calls));
    let first = DEDUP_SENT.connect("only_once", move |_| {
        a.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let second = DEDUP_SENT.connect("only_once", move |_| {
        b.fetch_add(100, Ordering::SeqCst);
        Ok(())
    });
    assert!(first.is_new());
    assert!(!second.is_new());
    assert_eq!(DEDUP_SENT.receivers(), vec!["only_once".into()]);

    DEDUP_SENT.send_event(Dedup::new(note("x"))).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the first receiver is kept");

    assert!(second.disconnect());
    assert!(!DEDUP_SENT.disconnect("only_once"), "already gone");
    assert!(DEDUP_SENT.send_event(Dedup::new(note("x"))).unwrap().is_empty());
}

#[test]
fn a_disabled_signal_sends_nothing_until_enabled() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    DISABLED_SENT.connect("counter", move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });

    DISABLED_SENT.disable();
    assert!(!DISABLED_SENT.is_enabled());
    assert!(DISABLED_SENT.send_event(Disabled::new(note("x"))).unwrap().is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    DISABLED_SENT.enable();
    assert_eq!(DISABLED_SENT.send_event(Disabled::new(note("x"))).unwrap().len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn send_event_at_uses_the_given_time_truncated_to_microseconds() {
    let seen = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&seen);
    TIMED_SENT.connect("clock", move |event| {
        *slot.lock().unwrap() = Some(event.metadata().time());
        Ok(())
    });
    let at = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789);

    TIMED_SENT.send_event_at(at, Timed::new(note("x"))).unwrap();

    let expected = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + chrono::Duration::microseconds(123_456);
    assert_eq!(*seen.lock().unwrap(), Some(expected));
}

#[test]
fn custom_metadata_is_passed_through_and_marks_the_event_as_from_the_bus() {
    let seen = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&seen);
    CUSTOM_SENT.connect("consumer", move |event| {
        *slot.lock().unwrap() = Some((event.metadata().clone(), event.from_event_bus()));
        Ok(())
    });
    let produced = EventsMetadata::new("com.example.learning.custom.sent.v1").with_source("openedx/lms/web");

    CUSTOM_SENT
        .send_event_with_custom_metadata(produced.clone(), Custom::new(note("x")))
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), Some((produced, true)));

    CUSTOM_SENT.send_event(Custom::new(note("x"))).unwrap();
    assert!(
        !seen.lock().unwrap().as_ref().unwrap().1,
        "a local send is not from the bus"
    );
}

#[test]
fn custom_metadata_of_another_event_type_is_refused() {
    let other = EventsMetadata::new("com.example.learning.other.sent.v1");
    let error = CUSTOM_SENT
        .send_event_with_custom_metadata(other, Custom::new(note("x")))
        .unwrap_err();
    assert!(
        matches!(error, SendError::MetadataMismatch { found, .. } if found == "com.example.learning.other.sent.v1")
    );
}

#[test]
fn a_receiver_may_connect_another_receiver_while_the_event_is_being_sent() {
    REENTRANT_SENT.connect("connector", |_| {
        REENTRANT_SENT.connect("late", |_| Ok(()));
        Ok(())
    });
    let first = REENTRANT_SENT.send_event(Reentrant::new(note("x"))).unwrap();
    assert_eq!(
        first.len(),
        1,
        "the receiver list is a snapshot taken when the send starts"
    );
    let second = REENTRANT_SENT.send_event(Reentrant::new(note("x"))).unwrap();
    assert_eq!(
        second.receivers().map(|id| id.as_str()).collect::<Vec<_>>(),
        ["connector", "late"]
    );
}

#[test]
fn the_signal_displays_like_the_python_repr() {
    assert_eq!(
        format!("{:?}", ORDERED_SENT),
        "<OpenEdxPublicSignal: com.example.learning.ordered.sent.v1>"
    );
}
