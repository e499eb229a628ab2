//! The background publisher behind a bound producer: sends return without waiting for the
//! broker; a full queue waits or refuses, as configured, and a refusal is in the send's
//! responses; what the broker does not take is retried, in order, and reported with its event
//! id; what is given up is reported too.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use events_core::bus::{
    BatchError, BusMessage, EventBusProducer, ProduceError, ProducerConfig, PublishMode, PublishReport,
    PublisherOptions, TopicPrefix, WhenFull, connect_producer_with,
};
use events_core::prelude::*;

/// A note.
#[event_data]
pub struct NoteData {
    /// Its text.
    text: String,
}

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

// One event type per test: signals are process-wide and tests run in parallel threads.
note_event!(Queued, "com.example.learning.note.queued.v1");
note_event!(Refused, "com.example.learning.note.refused.v1");
note_event!(Waited, "com.example.learning.note.waited.v1");
note_event!(Retried, "com.example.learning.note.retried.v1");
note_event!(Abandoned, "com.example.learning.note.abandoned.v1");
note_event!(Expired, "com.example.learning.note.expired.v1");

const FLUSH: Duration = Duration::from_secs(10);

fn note(text: &str) -> NoteData {
    NoteData::builder().text(text).build()
}

/// A broker that holds every call until it is opened, fails the first `failures` attempts of
/// each message, and records what it took.
#[derive(Default)]
struct Broker {
    open: Mutex<bool>,
    opened: Condvar,
    failures: AtomicU32,
    fail_always: bool,
    /// Calls made, held or not.
    entered: AtomicU32,
    attempts: Mutex<Vec<String>>,
    taken: Mutex<Vec<(String, String)>>,
}

impl Broker {
    fn opened() -> Arc<Self> {
        Arc::new(Broker {
            open: Mutex::new(true),
            ..Broker::default()
        })
    }

    fn closed() -> Arc<Self> {
        Arc::new(Broker::default())
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }

    /// Waits until the publisher has handed the broker its first message.
    fn wait_until_called(&self) {
        while self.entered.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn taken_ids(&self) -> Vec<String> {
        self.taken.lock().unwrap().iter().map(|(_, id)| id.clone()).collect()
    }
}

impl EventBusProducer for Broker {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError> {
        self.entered.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        drop(open);
        let id = message.metadata.id().to_string();
        self.attempts.lock().unwrap().push(id.clone());
        if self.fail_always
            || self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1))
                .is_ok()
        {
            return Err(ProduceError::new(stream, message, "connection refused"));
        }
        self.taken.lock().unwrap().push((stream.to_owned(), id));
        Ok(())
    }

    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), BatchError> {
        for (index, message) in messages.iter().enumerate() {
            if let Err(error) = self.send(stream, message) {
                return Err(BatchError::from_first_failure(stream, messages, index, error));
            }
        }
        Ok(())
    }
}

fn config(event_type: &str) -> ProducerConfig {
    ProducerConfig::default()
        .publish(event_type, "notes", "note.text")
        .unwrap()
}

fn options() -> PublisherOptions {
    PublisherOptions {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(10),
        ..PublisherOptions::default()
    }
}

#[test]
fn a_send_returns_before_the_broker_takes_the_event_and_flush_waits_until_it_did() {
    let broker = Broker::closed();
    let binding = connect_producer_with(
        &config("com.example.learning.note.queued.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(options()),
    )
    .unwrap();
    let responses = NOTE_QUEUED.send_event(Queued::new(note("a"))).unwrap();
    assert!(responses.all_ok());
    assert!(broker.taken_ids().is_empty(), "the broker has not taken it yet");
    assert!(binding.flush(Duration::from_millis(50)).is_err(), "not published yet");

    broker.open();
    binding.flush(FLUSH).unwrap();
    assert_eq!(broker.taken_ids().len(), 1);
    let stats = binding.stats().unwrap();
    assert_eq!((stats.accepted, stats.published, stats.refused), (1, 1, 0));
    binding.unbind();
}

#[test]
fn a_full_queue_refuses_sends_with_an_error_in_their_responses() {
    let broker = Broker::closed();
    let binding = connect_producer_with(
        &config("com.example.learning.note.refused.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(PublisherOptions {
            capacity: 2,
            when_full: WhenFull::Refuse,
            max_batch: 1,
            ..options()
        }),
    )
    .unwrap();
    let mut accepted = BTreeSet::new();
    let mut refused = 0;
    assert!(NOTE_REFUSED.send_event(Refused::new(note("held"))).unwrap().all_ok());
    accepted.insert("held".to_owned());
    broker.wait_until_called();
    for index in 0..9 {
        let responses = NOTE_REFUSED.send_event(Refused::new(note(&index.to_string()))).unwrap();
        match responses.failures().next() {
            None => {
                accepted.insert(index.to_string());
            }
            Some(failure) => {
                let error = failure.outcome().unwrap_err().to_string();
                assert!(error.contains("the publisher's queue of 2 messages is full"), "{error}");
                assert!(error.contains("com.example.learning.note.refused.v1 event "), "{error}");
                refused += 1;
            }
        }
    }
    // One in the broker's hands, two in the queue.
    assert_eq!(accepted.len(), 3);
    assert_eq!(refused, 7);
    broker.open();
    binding.flush(FLUSH).unwrap();
    let stats = binding.stats().unwrap();
    assert_eq!((stats.accepted, stats.published, stats.refused), (3, 3, 7));
    assert_eq!(broker.taken_ids().len(), 3);
    binding.unbind();
}

#[test]
fn a_full_queue_makes_a_send_wait_for_room_up_to_its_timeout() {
    let broker = Broker::closed();
    let binding = connect_producer_with(
        &config("com.example.learning.note.waited.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(PublisherOptions {
            capacity: 1,
            when_full: WhenFull::Wait(Duration::from_millis(30)),
            max_batch: 1,
            ..options()
        }),
    )
    .unwrap();
    // The first goes to the broker (held), the second fills the queue.
    assert!(NOTE_WAITED.send_event(Waited::new(note("held"))).unwrap().all_ok());
    broker.wait_until_called();
    assert!(NOTE_WAITED.send_event(Waited::new(note("queued"))).unwrap().all_ok());
    let responses = NOTE_WAITED.send_event(Waited::new(note("no room"))).unwrap();
    let error = responses
        .failures()
        .next()
        .expect("refused after waiting")
        .outcome()
        .unwrap_err()
        .to_string();
    assert!(error.contains("is full"), "{error}");

    // Room made while a send waits: it goes through.
    let opener = {
        let broker = broker.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            broker.open();
        })
    };
    let binding_waits = NOTE_WAITED.send_event(Waited::new(note("room made"))).unwrap();
    opener.join().unwrap();
    assert!(binding_waits.all_ok());
    binding.flush(FLUSH).unwrap();
    assert_eq!(broker.taken_ids().len(), 3);
    binding.unbind();
}

#[test]
fn what_the_broker_does_not_take_is_retried_in_order_and_reported_with_the_event_id() {
    let broker = Broker::opened();
    broker.failures.store(3, Ordering::SeqCst);
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let binding = connect_producer_with(
        &config("com.example.learning.note.retried.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(PublisherOptions {
            observer: Some(Arc::new(move |report: &PublishReport<'_>| {
                if let PublishReport::Retrying { message, attempts, .. } = report {
                    seen.lock()
                        .unwrap()
                        .push((message.metadata.id().to_string(), *attempts));
                }
            })),
            ..options()
        }),
    )
    .unwrap();
    let captured = Arc::new(Mutex::new(Vec::new()));
    let sent = captured.clone();
    NOTE_RETRIED.connect("ids", move |event| {
        sent.lock().unwrap().push(event.metadata().id().to_string());
        Ok(())
    });
    for text in ["1", "2", "3"] {
        NOTE_RETRIED.send_event(Retried::new(note(text))).unwrap();
    }
    binding.flush(FLUSH).unwrap();
    let sent = captured.lock().unwrap().clone();
    assert_eq!(broker.taken_ids(), sent, "each once, in the order sent");
    let reports = reports.lock().unwrap().clone();
    assert!(!reports.is_empty());
    assert!(reports.iter().all(|(id, _)| sent.contains(id)), "{reports:?}");
    assert_eq!(binding.stats().unwrap().retries, reports.len() as u64);
    binding.unbind();
}

#[test]
fn a_message_still_refused_when_its_retry_time_is_over_is_given_up_and_reported() {
    let broker = Arc::new(Broker {
        open: Mutex::new(true),
        fail_always: true,
        ..Broker::default()
    });
    let given_up = Arc::new(Mutex::new(Vec::new()));
    let seen = given_up.clone();
    let binding = connect_producer_with(
        &config("com.example.learning.note.expired.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(PublisherOptions {
            retry_for: Some(Duration::from_millis(50)),
            observer: Some(Arc::new(move |report: &PublishReport<'_>| {
                if let PublishReport::GaveUp { message, reason, .. } = report {
                    seen.lock()
                        .unwrap()
                        .push((message.metadata.id().to_string(), reason.to_string()));
                }
            })),
            ..options()
        }),
    )
    .unwrap();
    let captured = Arc::new(Mutex::new(None));
    let slot = captured.clone();
    NOTE_EXPIRED.connect("id", move |event| {
        *slot.lock().unwrap() = Some(event.metadata().id().to_string());
        Ok(())
    });
    NOTE_EXPIRED.send_event(Expired::new(note("x"))).unwrap();
    binding.flush(FLUSH).unwrap();
    let given_up = given_up.lock().unwrap().clone();
    assert_eq!(given_up.len(), 1);
    assert_eq!(Some(&given_up[0].0), captured.lock().unwrap().as_ref());
    assert!(given_up[0].1.contains("still not published after"), "{}", given_up[0].1);
    assert!(given_up[0].1.contains("connection refused"), "{}", given_up[0].1);
    let stats = binding.stats().unwrap();
    assert_eq!((stats.published, stats.given_up), (0, 1));
    binding.unbind();
}

#[test]
fn a_shutdown_that_runs_out_of_time_gives_up_what_is_left_and_reports_it() {
    let broker = Arc::new(Broker {
        open: Mutex::new(true),
        fail_always: true,
        ..Broker::default()
    });
    let given_up = Arc::new(AtomicU32::new(0));
    let counter = given_up.clone();
    let binding = connect_producer_with(
        &config("com.example.learning.note.abandoned.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(PublisherOptions {
            retry_for: None,
            observer: Some(Arc::new(move |report: &PublishReport<'_>| {
                if let PublishReport::GaveUp { reason, .. } = report {
                    assert!(reason.contains("shut down before the broker took it"), "{reason}");
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })),
            ..options()
        }),
    )
    .unwrap();
    for text in ["1", "2", "3"] {
        NOTE_ABANDONED.send_event(Abandoned::new(note(text))).unwrap();
    }
    let error = binding.shutdown(Duration::from_millis(50)).unwrap_err();
    assert_eq!(error.unsettled, 3);
    assert_eq!(given_up.load(Ordering::SeqCst), 3, "every message reported");
    // Unbound: sends no longer reach the publisher.
    assert!(NOTE_ABANDONED.send_event(Abandoned::new(note("4"))).unwrap().all_ok());
}

note_event!(Dropped, "com.example.learning.note.dropped.v1");

#[test]
fn dropping_the_binding_waits_until_what_was_sent_is_published() {
    let broker = Broker::closed();
    let binding = connect_producer_with(
        &config("com.example.learning.note.dropped.v1"),
        broker.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(options()),
    )
    .unwrap();
    NOTE_DROPPED.send_event(Dropped::new(note("last words"))).unwrap();
    let opener = {
        let broker = broker.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            broker.open();
        })
    };
    drop(binding);
    assert_eq!(broker.taken_ids().len(), 1, "published before the drop returned");
    opener.join().unwrap();
    // Dropping leaves the producer connected.
    NOTE_DROPPED.send_event(Dropped::new(note("after"))).unwrap();
}
