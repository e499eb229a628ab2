//! The outbox on SQLite, against real database files: what a rollback publishes (nothing), the
//! order the relay publishes in, a broker that refuses messages for a while, one relay at a
//! time, and the purge of sent rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use events_core::bus::{
    BatchError, BusMessage, EventBusProducer, InMemoryBus, ProduceError, ProducerConfig, TopicPrefix,
};
use events_core::prelude::*;
use events_outbox::{Outbox, OutboxError, Relay, RelayOptions, migrate, status};
use rusqlite::Connection;

/// A course run.
#[event_data]
pub struct RunData {
    /// The run's id.
    run_id: String,
    /// Seats left.
    seats: i64,
}

/// Emitted when a run is scheduled.
#[open_edx_event(type = "com.example.learning.run.scheduled.v1", key_field = "run.run_id")]
pub struct RunScheduled {
    /// The run.
    run: RunData,
}

fn scheduled(id: &str, seats: i64) -> RunScheduled {
    RunScheduled::new(RunData::builder().run_id(id).seats(seats).build())
}

struct Database {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

fn database() -> Database {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("service.sqlite");
    let connection = Connection::open(&path).unwrap();
    migrate(&connection).unwrap();
    connection
        .execute_batch("CREATE TABLE runs (id TEXT PRIMARY KEY, seats INTEGER NOT NULL)")
        .unwrap();
    Database { _dir: dir, path }
}

fn outbox() -> Outbox {
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.scheduled.v1", "runs", "run.run_id")
        .unwrap()
        .publish("com.example.learning.run.scheduled.v1", "audit", "run.run_id")
        .unwrap();
    Outbox::new(&config, &TopicPrefix::new("dev"))
}

fn options() -> RelayOptions {
    RelayOptions {
        initial_backoff: Duration::from_millis(1),
        ..RelayOptions::default()
    }
}

/// Relays until the outbox is empty (or 100 passes), returning the reports' sums.
fn drain(relay: &mut Relay) -> (usize, usize) {
    let (mut published, mut failed) = (0, 0);
    for _ in 0..100 {
        let report = relay.relay_once().unwrap();
        published += report.published;
        failed += report.failed;
        if report.published == 0 && report.failed == 0 {
            break;
        }
    }
    (published, failed)
}

#[test]
fn a_committed_event_is_published_to_every_topic_and_a_rolled_back_one_nowhere() {
    let db = database();
    let mut connection = Connection::open(&db.path).unwrap();
    let outbox = outbox();

    let tx = connection.transaction().unwrap();
    tx.execute("INSERT INTO runs VALUES ('run-1', 3)", []).unwrap();
    let committed = outbox.send(&tx, &scheduled("run-1", 3)).unwrap();
    tx.commit().unwrap();
    let tx = connection.transaction().unwrap();
    tx.execute("INSERT INTO runs VALUES ('run-2', 5)", []).unwrap();
    outbox.send(&tx, &scheduled("run-2", 5)).unwrap();
    tx.rollback().unwrap();
    assert_eq!(
        status(&connection).unwrap().pending,
        2,
        "one committed event, two topics"
    );

    let bus = InMemoryBus::new();
    let mut relay = Relay::open(&db.path, Arc::new(bus.clone()), options()).unwrap();
    assert_eq!(drain(&mut relay), (2, 0));
    for topic in ["dev-runs", "dev-audit"] {
        let messages = bus.messages(topic);
        assert_eq!(messages.len(), 1, "{topic}");
        assert_eq!(messages[0].metadata, committed);
        assert_eq!(messages[0].key.as_deref(), Some("run-1"));
        assert_eq!(messages[0].key_field.as_deref(), Some("run.run_id"));
        assert_eq!(messages[0].data, scheduled("run-1", 3).to_avro());
        assert_eq!(
            messages[0].schema,
            Some(events_core::avro::EventSchema::of::<RunScheduled>())
        );
    }
    let after = status(&connection).unwrap();
    assert_eq!((after.pending, after.sent), (0, 2));
}

#[test]
fn events_are_published_in_commit_order() {
    let db = database();
    let outbox = outbox();
    // Two writers, their transactions interleaved: the order is that of the commits.
    let mut first = Connection::open(&db.path).unwrap();
    let mut second = Connection::open(&db.path).unwrap();
    first.busy_timeout(Duration::from_secs(5)).unwrap();
    second.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut expected = Vec::new();
    for round in 0..100 {
        let (a, b) = if round % 2 == 0 {
            (&mut first, &mut second)
        } else {
            (&mut second, &mut first)
        };
        let tx = a.transaction().unwrap();
        expected.push(
            outbox
                .send(&tx, &scheduled(&format!("run-{}", round % 7), round))
                .unwrap()
                .id(),
        );
        tx.commit().unwrap();
        let tx = b.transaction().unwrap();
        expected.push(
            outbox
                .send(&tx, &scheduled(&format!("run-{}", round % 7), 1000 + round))
                .unwrap()
                .id(),
        );
        tx.commit().unwrap();
    }
    let bus = InMemoryBus::new();
    let mut relay = Relay::open(
        &db.path,
        Arc::new(bus.clone()),
        RelayOptions {
            batch_size: 37,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(drain(&mut relay), (400, 0));
    let published: Vec<_> = bus
        .messages("dev-runs")
        .iter()
        .map(|message| message.metadata.id())
        .collect();
    assert_eq!(published, expected);
}

/// Refuses every message while `refusals` is above zero, counting down one per refused batch.
struct Flaky {
    bus: InMemoryBus,
    refusals: AtomicUsize,
}

impl EventBusProducer for Flaky {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError> {
        self.send_batch(stream, std::slice::from_ref(message))
            .map_err(|mut error| error.failures.remove(0).1)
    }

    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), BatchError> {
        if self.refusals.load(Ordering::SeqCst) > 0 {
            self.refusals.fetch_sub(1, Ordering::SeqCst);
            let error = ProduceError::new(stream, &messages[0], "broker unavailable");
            return Err(BatchError::from_first_failure(stream, messages, 0, error));
        }
        self.bus.send_batch(stream, messages)
    }
}

#[test]
fn while_the_broker_refuses_messages_they_stay_and_go_out_in_order_once_it_takes_them() {
    let db = database();
    let mut connection = Connection::open(&db.path).unwrap();
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.scheduled.v1", "runs", "run.run_id")
        .unwrap();
    let outbox = Outbox::new(&config, &TopicPrefix::none());
    let mut expected = Vec::new();
    for index in 0..50 {
        let tx = connection.transaction().unwrap();
        expected.push(outbox.send(&tx, &scheduled("run-1", index)).unwrap().id());
        tx.commit().unwrap();
    }
    let bus = InMemoryBus::new();
    let flaky = Arc::new(Flaky {
        bus: bus.clone(),
        refusals: AtomicUsize::new(3),
    });
    let mut relay = Relay::open(
        &db.path,
        flaky,
        RelayOptions {
            batch_size: 20,
            ..options()
        },
    )
    .unwrap();
    for _ in 0..3 {
        let report = relay.relay_once().unwrap();
        assert_eq!((report.published, report.failed), (0, 20), "refused, kept");
    }
    let failing = status(&connection).unwrap();
    assert_eq!((failing.pending, failing.failing), (50, 20));
    assert_eq!(drain(&mut relay), (50, 0));
    let published: Vec<_> = bus
        .messages("runs")
        .iter()
        .map(|message| message.metadata.id())
        .collect();
    assert_eq!(published, expected, "every event once, in order");
    let error: Option<String> = connection
        .query_row(
            "SELECT last_error FROM openedx_events_outbox ORDER BY id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(error.unwrap().contains("broker unavailable"));
}

#[test]
fn one_relay_at_a_time_holds_an_outbox() {
    let db = database();
    let bus = InMemoryBus::new();
    let relay = Relay::open(&db.path, Arc::new(bus.clone()), options()).unwrap();
    let error = Relay::open(&db.path, Arc::new(bus.clone()), options()).unwrap_err();
    assert!(matches!(error, OutboxError::Locked { .. }), "{error}");
    drop(relay);
    Relay::open(&db.path, Arc::new(bus), options()).unwrap();
}

#[test]
fn sent_rows_are_purged_after_the_retention_and_pending_ones_never() {
    let db = database();
    let mut connection = Connection::open(&db.path).unwrap();
    let outbox = outbox();
    let tx = connection.transaction().unwrap();
    outbox.send(&tx, &scheduled("run-1", 1)).unwrap();
    tx.commit().unwrap();
    let bus = InMemoryBus::new();
    let mut relay = Relay::open(
        &db.path,
        Arc::new(bus.clone()),
        RelayOptions {
            retention: Duration::ZERO,
            ..options()
        },
    )
    .unwrap();
    drain(&mut relay);
    let tx = connection.transaction().unwrap();
    outbox.send(&tx, &scheduled("run-2", 1)).unwrap();
    tx.commit().unwrap();
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(relay.purge().unwrap(), 2, "the two sent rows");
    let left = status(&connection).unwrap();
    assert_eq!((left.pending, left.sent), (2, 0));
}

#[test]
fn an_event_without_an_enabled_topic_is_refused_naming_it() {
    let db = database();
    let mut connection = Connection::open(&db.path).unwrap();
    let outbox = Outbox::new(&ProducerConfig::default(), &TopicPrefix::none());
    let tx = connection.transaction().unwrap();
    let error = outbox.send(&tx, &scheduled("run-1", 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "com.example.learning.run.scheduled.v1: no enabled topic for it in the producer configuration"
    );
}
