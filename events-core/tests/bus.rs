//! The event bus: producer configuration, publishing wired to signals, and the consumer loop on
//! the in-memory bus.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use events_core::bus::{
    BusMessage, ConfigError, Consumer, ConsumerBackend, ConsumerError, ConsumerOptions, EventBusProducer, InMemoryBus,
    Offset, Outcome, ProducerConfig, ProducerConfigLayer, PublishMode, StartFrom, TopicPrefix, connect_producer,
    connect_producer_with,
};
use events_core::prelude::*;
use events_core::testing::isolate_events;

/// How long a test waits for a background publisher to publish what was sent.
const FLUSH: Duration = Duration::from_secs(10);

/// A course run.
#[event_data]
pub struct RunData {
    /// The run's id.
    run_id: String,
    /// Seats left.
    seats: i64,
    /// Whether the run is open.
    open: bool,
    /// Its mentor, if any.
    mentor: Option<String>,
}

// One event type per test: signals and their producer receivers are process-wide, and tests run
// in parallel threads.
macro_rules! run_event {
    ($name:ident, $type:literal) => {
        /// Emitted in a test.
        #[open_edx_event(type = $type, key_field = "run.run_id")]
        pub struct $name {
            /// The run.
            run: RunData,
        }
    };
}

run_event!(Published, "com.example.learning.run.published.v1");
run_event!(Relayed, "com.example.learning.run.relayed.v1");
run_event!(Consumed, "com.example.learning.run.consumed.v1");
run_event!(Redelivered, "com.example.learning.run.redelivered.v1");
run_event!(Claimed, "com.example.learning.run.claimed.v1");
run_event!(Refused, "com.example.learning.run.refused.v1");
run_event!(Limited, "com.example.learning.run.limited.v1");
run_event!(Positioned, "com.example.learning.run.positioned.v1");
run_event!(Unconfigured, "com.example.learning.run.unconfigured.v1");
run_event!(Fanned, "com.example.learning.run.fanned.v1");

/// A live connection, with no wire form.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSession;

/// Emitted with a live session, so it never travels on the bus.
#[open_edx_event(
    type = "com.example.learning.run.attached.v1",
    unserializable = "the payload holds a live session"
)]
pub struct Attached {
    /// The session.
    session: LiveSession,
}

fn run(id: &str) -> RunData {
    RunData::builder().run_id(id).seats(3).open(true).build()
}

fn options() -> ConsumerOptions {
    ConsumerOptions {
        poll_timeout: Duration::ZERO,
        ..ConsumerOptions::default()
    }
}

// --- configuration --------------------------------------------------------------------------

#[test]
fn a_json_config_is_read_and_validated_against_the_registry() {
    let config = ProducerConfig::from_json(
        r#"{"com.example.learning.run.published.v1": {
            "runs": {"event_key_field": "run.run_id", "enabled": true},
            "archive": {"event_key_field": "run.seats", "enabled": false}
        }}"#,
    )
    .unwrap();
    let topics: Vec<_> = config
        .topics("com.example.learning.run.published.v1")
        .map(|(t, c)| (t, c.enabled))
        .collect();
    assert_eq!(topics, [("archive", false), ("runs", true)]);
    assert_eq!(
        config.enabled_topics("com.example.learning.run.published.v1").count(),
        1
    );
}

#[test]
fn a_toml_config_reads_the_same_as_json() {
    let toml = ProducerConfig::from_toml(
        r#"
        ["com.example.learning.run.published.v1".runs]
        event_key_field = "run.run_id"
        enabled = true
        "#,
    )
    .unwrap();
    let json = ProducerConfig::from_json(
        r#"{"com.example.learning.run.published.v1": {"runs": {"event_key_field": "run.run_id", "enabled": true}}}"#,
    )
    .unwrap();
    assert_eq!(toml, json);
}

#[test]
fn configuration_errors_name_the_event_topic_and_problem() {
    let cases = [
        (
            r#"{"com.example.learning.run.publishd.v1": {"runs": {"event_key_field": "run.run_id", "enabled": true}}}"#,
            "invalid producer configuration for `com.example.learning.run.publishd.v1`: unknown event type \
             `com.example.learning.run.publishd.v1`; did you mean",
        ),
        (
            r#"{"com.example.learning.run.published.v1": {"runs": {"event_key_field": "run.id", "enabled": true}}}"#,
            "invalid producer configuration for `com.example.learning.run.published.v1`, topic `runs`: key_field \
             `run.id` of `com.example.learning.run.published.v1` does not resolve: `RunData` (at `run`) has no field `id`",
        ),
        (
            r#"{"com.example.learning.run.published.v1": {"runs": {"event_key_field": "run.run_id", "enabled": "yes"}}}"#,
            "invalid producer configuration at `com.example.learning.run.published.v1.runs.enabled`: invalid type: \
             string \"yes\", expected a boolean",
        ),
        (
            r#"{"com.example.learning.run.published.v1": {"runs": {"enabled": true}}}"#,
            "invalid producer configuration for `com.example.learning.run.published.v1`, topic `runs`: \
             `event_key_field` is missing",
        ),
        (
            r#"{"com.example.learning.run.published.v1": {"runs": {"event_key_field": "run.run_id", "enabled": true, "extra": 1}}}"#,
            "invalid producer configuration at `com.example.learning.run.published.v1.runs.extra`: unknown field `extra`",
        ),
        (
            r#"["not", "a", "map"]"#,
            "invalid producer configuration at `.`: invalid type: sequence, expected a map",
        ),
    ];
    for (json, expected) in cases {
        let error = ProducerConfig::from_json(json).unwrap_err().to_string();
        assert!(error.starts_with(expected), "\n{error}\n{expected}");
    }
}

#[test]
fn config_files_are_read_by_extension_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("producer.toml");
    std::fs::write(
        &good,
        "[\"com.example.learning.run.published.v1\".runs]\nevent_key_field = \"run.run_id\"\nenabled = true\n",
    )
    .unwrap();
    assert!(ProducerConfig::from_file(&good).is_ok());

    let bad = dir.path().join("producer.json");
    std::fs::write(
        &bad,
        r#"{"com.example.learning.run.published.v1": {"runs": {"enabled": true}}}"#,
    )
    .unwrap();
    let error = ProducerConfig::from_file(&bad).unwrap_err();
    assert!(matches!(error, ConfigError::InFile { .. }));
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: invalid producer configuration", bad.display()))
    );

    let unknown = dir.path().join("producer.yaml");
    std::fs::write(&unknown, "").unwrap();
    assert!(
        ProducerConfig::from_file(&unknown)
            .unwrap_err()
            .to_string()
            .contains("expected a .toml or .json file")
    );
}

#[test]
fn merging_adds_topics_and_lets_overrides_win_setting_by_setting() {
    let base = ProducerConfigLayer::from_json(
        r#"{"com.example.learning.run.published.v1": {
            "runs": {"event_key_field": "run.run_id", "enabled": true},
            "archive": {"event_key_field": "run.run_id", "enabled": true}
        }}"#,
    )
    .unwrap();
    let overrides = ProducerConfigLayer::from_json(
        r#"{"com.example.learning.run.published.v1": {
            "archive": {"enabled": false},
            "audit": {"event_key_field": "run.seats", "enabled": true}
        }}"#,
    )
    .unwrap();
    let merged = base.merge(&overrides).build().unwrap();
    let topics: Vec<_> = merged
        .topics("com.example.learning.run.published.v1")
        .map(|(topic, config)| (topic, config.enabled, config.event_key_field.as_str()))
        .collect();
    assert_eq!(
        topics,
        [
            ("archive", false, "run.run_id"),
            ("audit", true, "run.seats"),
            ("runs", true, "run.run_id")
        ]
    );
}

// --- publishing -----------------------------------------------------------------------------

#[test]
fn sending_an_event_publishes_it_to_each_enabled_topic_with_its_metadata_and_key() {
    let bus = InMemoryBus::new();
    let config = ProducerConfig::from_json(
        r#"{"com.example.learning.run.published.v1": {
            "runs": {"event_key_field": "run.run_id", "enabled": true},
            "seats": {"event_key_field": "run.seats", "enabled": true},
            "off": {"event_key_field": "run.run_id", "enabled": false}
        }}"#,
    )
    .unwrap();
    let binding = connect_producer(&config, Arc::new(bus.clone()), &TopicPrefix::new("stage")).unwrap();
    assert_eq!(
        binding.event_types().collect::<Vec<_>>(),
        ["com.example.learning.run.published.v1"]
    );

    let event = Published::new(run("run-1"));
    let captured = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&captured);
    RUN_PUBLISHED.connect("capture", move |e| {
        *slot.lock().unwrap() = Some(e.metadata().clone());
        Ok(())
    });
    RUN_PUBLISHED.send_event(event.clone()).unwrap();
    binding.flush(FLUSH).unwrap();
    let metadata = captured.lock().unwrap().clone().unwrap();

    for stream in ["stage-runs", "stage-seats"] {
        let messages = bus.messages(stream);
        assert_eq!(messages.len(), 1, "{stream}");
        let message = &messages[0];
        assert_eq!(message.metadata, metadata);
        assert_eq!(
            message.key.as_deref(),
            Some(if stream == "stage-runs" { "run-1" } else { "3" })
        );
        assert_eq!(
            message.schema.map(|schema| schema.event_type()),
            Some("com.example.learning.run.published.v1"),
            "the message carries its schema"
        );
        assert_eq!(Published::from_avro(&message.data).unwrap(), event);
    }
    assert!(bus.is_empty("stage-off"));
    binding.unbind();
    RUN_PUBLISHED.send_event(event).unwrap();
    assert_eq!(bus.len("stage-runs"), 1, "unbound: no longer published");
}

/// A producer recording keys, to see what the wiring computes.
#[derive(Default)]
struct KeyRecorder(Mutex<Vec<Option<String>>>);

impl events_core::bus::EventBusProducer for KeyRecorder {
    fn send(&self, _stream: &str, message: &BusMessage) -> Result<(), events_core::bus::ProduceError> {
        self.0.lock().unwrap().push(message.key.clone());
        Ok(())
    }
}

#[test]
fn the_message_key_is_the_text_of_the_key_field() {
    let recorder = Arc::new(KeyRecorder::default());
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.relayed.v1", "by-id", "run.run_id")
        .unwrap()
        .publish("com.example.learning.run.relayed.v1", "by-seats", "run.seats")
        .unwrap()
        .publish("com.example.learning.run.relayed.v1", "by-open", "run.open")
        .unwrap();
    let binding = connect_producer(&config, recorder.clone(), &TopicPrefix::none()).unwrap();
    RUN_RELAYED.send_event(Relayed::new(run("run-9"))).unwrap();
    binding.flush(FLUSH).unwrap();
    let mut keys = recorder.0.lock().unwrap().clone();
    keys.sort();
    assert_eq!(
        keys,
        [Some("3".to_owned()), Some("True".to_owned()), Some("run-9".to_owned())]
    );
    binding.unbind();
}

#[test]
fn an_event_type_without_a_codec_or_unknown_cannot_be_configured() {
    let error = ProducerConfig::default()
        .publish("com.example.learning.run.unknown.v1", "t", "run.run_id")
        .unwrap_err();
    assert!(error.to_string().contains("unknown event type"));
    let _ = &RUN_UNCONFIGURED;

    let error = ProducerConfig::default()
        .publish("com.example.learning.run.attached.v1", "t", "session")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid producer configuration for `com.example.learning.run.attached.v1`: the event cannot travel on the \
         event bus: the payload holds a live session"
    );
    let _ = &RUN_ATTACHED;
}

/// A broker that refuses one stream and records what it accepts.
struct PartlyDown {
    down: &'static str,
    accepted: Mutex<Vec<String>>,
}

impl events_core::bus::EventBusProducer for PartlyDown {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), events_core::bus::ProduceError> {
        if stream == self.down {
            return Err(events_core::bus::ProduceError::new(
                stream,
                message,
                "connection refused",
            ));
        }
        self.accepted.lock().unwrap().push(stream.to_owned());
        Ok(())
    }
}

#[test]
fn a_topic_that_fails_does_not_keep_the_event_from_the_other_topics() {
    let broker = Arc::new(PartlyDown {
        down: "first",
        accepted: Mutex::new(Vec::new()),
    });
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.fanned.v1", "first", "run.run_id")
        .unwrap()
        .publish("com.example.learning.run.fanned.v1", "second", "run.run_id")
        .unwrap()
        .publish("com.example.learning.run.fanned.v1", "third", "run.run_id")
        .unwrap();
    // Published on the sender's thread, so that the send's responses carry the broker's answer.
    let binding = connect_producer_with(&config, broker.clone(), &TopicPrefix::none(), PublishMode::Direct).unwrap();

    let responses = RUN_FANNED.send_event(Fanned::new(run("run-1"))).unwrap();

    let mut accepted = broker.accepted.lock().unwrap().clone();
    accepted.sort();
    assert_eq!(accepted, ["second", "third"]);
    let failure = responses
        .failures()
        .next()
        .expect("the producer receiver reports the failure");
    let error = failure.outcome().unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("published to 2 of 3 topics; cannot publish com.example.learning.run.fanned.v1 event ")
            && message.ends_with(" to `first`: connection refused"),
        "{message}"
    );
    binding.unbind();
}

// --- consuming ------------------------------------------------------------------------------

#[test]
fn a_consumer_resends_events_with_the_producer_metadata_and_does_not_republish_them() {
    let bus = InMemoryBus::new();
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.consumed.v1", "runs", "run.run_id")
        .unwrap();
    let binding = connect_producer(&config, Arc::new(bus.clone()), &TopicPrefix::none()).unwrap();
    let mut consumer = Consumer::new(bus.consumer("runs", "lms", "c1", StartFrom::Backlog), options());

    let events = isolate_events().enable(&RUN_CONSUMED).start();
    RUN_CONSUMED.send_event(Consumed::new(run("run-2"))).unwrap();
    binding.flush(FLUSH).unwrap();
    let produced = events.sent::<Consumed>()[0].clone();
    events.clear();

    assert_eq!(consumer.poll().unwrap(), 1);
    let received = events.sent::<Consumed>();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].metadata(), produced.metadata());
    assert_eq!(received[0].data(), produced.data());
    assert!(received[0].from_event_bus());
    assert_eq!(bus.len("runs"), 1, "an event from the bus is not published again");
    assert!(bus.pending("runs", "lms").is_empty(), "acknowledged");
    binding.unbind();
}

#[test]
fn unacknowledged_entries_are_redelivered_to_the_same_consumer_after_a_restart() {
    let bus = InMemoryBus::new();
    let message = BusMessage::new(
        EventsMetadata::new("com.example.learning.run.redelivered.v1"),
        Redelivered::new(run("run-3")).to_avro(),
    );
    bus.send("runs", &message).unwrap();

    // A first process reads the entry and dies before acknowledging it.
    let mut crashed = bus.consumer("runs", "lms", "worker", StartFrom::Backlog);
    assert_eq!(crashed.receive(10, Duration::ZERO).unwrap().len(), 1);
    assert_eq!(bus.pending("runs", "lms")[0].1, "worker");

    // The restarted process reads its pending entry before new ones.
    let events = isolate_events().enable(&RUN_REDELIVERED).start();
    let mut restarted = Consumer::new(bus.consumer("runs", "lms", "worker", StartFrom::Latest), options());
    assert_eq!(restarted.poll().unwrap(), 1);
    assert_eq!(events.sent::<Redelivered>().len(), 1);
    assert!(bus.pending("runs", "lms").is_empty());
}

#[test]
fn entries_left_pending_by_a_dead_consumer_are_claimed_by_another() {
    let bus = InMemoryBus::new();
    for id in ["a", "b"] {
        let message = BusMessage::new(
            EventsMetadata::new("com.example.learning.run.claimed.v1"),
            Claimed::new(run(id)).to_avro(),
        );
        bus.send("runs", &message).unwrap();
    }
    let mut dead = bus.consumer("runs", "lms", "dead", StartFrom::Backlog);
    assert_eq!(dead.receive(10, Duration::ZERO).unwrap().len(), 2);

    let events = isolate_events().enable(&RUN_CLAIMED).start();
    let mut survivor = Consumer::new(
        bus.consumer("runs", "lms", "survivor", StartFrom::Backlog)
            .claim_idle(Duration::ZERO),
        options(),
    );
    assert_eq!(survivor.poll().unwrap(), 2);
    let ids: Vec<String> = events
        .sent::<Claimed>()
        .iter()
        .map(|e| e.data().run().run_id().to_owned())
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert!(bus.pending("runs", "lms").is_empty());
}

#[test]
fn undeliverable_messages_are_dead_lettered_with_the_reason_and_acknowledged() {
    let bus = InMemoryBus::new();
    let good = BusMessage::new(
        EventsMetadata::new("com.example.learning.run.refused.v1"),
        Refused::new(run("ok")).to_avro(),
    );
    let mut unknown_type = good.clone();
    unknown_type.metadata = EventsMetadata::new("com.example.learning.run.nonexistent.v1");
    let mut bad_avro = good.clone();
    bad_avro.data = vec![0xff];
    for message in [&unknown_type, &bad_avro, &good] {
        bus.send("runs", message).unwrap();
    }

    let events = isolate_events().enable(&RUN_REFUSED).robust().start();
    events.connect(&RUN_REFUSED, "picky", |event| {
        if event.data().run().run_id() == "ok" {
            Err("downstream service unavailable".into())
        } else {
            Ok(())
        }
    });
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let mut consumer =
        Consumer::new(bus.consumer("runs", "lms", "c1", StartFrom::Backlog), options()).observe(move |handled| {
            sink.lock()
                .unwrap()
                .push((handled.position.to_string(), handled.outcome.clone()))
        });
    assert_eq!(consumer.poll().unwrap(), 3);

    let reasons: Vec<(String, String)> = outcomes
        .lock()
        .unwrap()
        .iter()
        .map(|(position, outcome)| match outcome {
            Outcome::DeadLettered(reason) => (position.clone(), reason.clone()),
            other => (position.clone(), format!("{other:?}")),
        })
        .collect();
    assert_eq!(reasons[0].0, "1");
    assert!(
        reasons[0]
            .1
            .starts_with("unknown event type `com.example.learning.run.nonexistent.v1`"),
        "{}",
        reasons[0].1
    );
    assert!(
        reasons[1]
            .1
            .starts_with("com.example.learning.run.refused.v1: run.run_id: "),
        "{}",
        reasons[1].1
    );
    assert_eq!(
        reasons[2],
        (
            "3".to_owned(),
            "1 of 1 receivers failed: picky: downstream service unavailable".to_owned()
        )
    );

    let dead = bus.dead_letters("runs");
    assert_eq!(dead.len(), 3);
    for (index, (dead, original)) in dead.iter().zip([&unknown_type, &bad_avro, &good]).enumerate() {
        assert_eq!(&dead.message, original, "the message is kept as received");
        assert_eq!(dead.offset, Offset(index as u64 + 1));
        assert_eq!((dead.group.as_str(), dead.consumer.as_str()), ("lms", "c1"));
        assert_eq!(dead.reason, reasons[index].1);
    }
    assert!(bus.pending("runs", "lms").is_empty(), "everything read is acknowledged");
    assert_eq!(consumer.stats().dead_lettered, 3);
}

#[test]
fn consuming_dead_letters_leaves_what_still_fails_where_it_is_instead_of_dead_lettering_it_again() {
    let bus = InMemoryBus::new();
    let undeliverable = BusMessage::new(
        EventsMetadata::new("com.example.learning.run.nonexistent.v1"),
        Vec::new(),
    );
    bus.send("runs", &undeliverable).unwrap();
    let mut first = Consumer::new(bus.consumer("runs", "lms", "c1", StartFrom::Backlog), options());
    assert_eq!(first.poll().unwrap(), 1);
    assert_eq!(bus.dead_letters("runs").len(), 1);

    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let mut replayer = Consumer::new(
        bus.consumer("runs-dead-letter", "replay", "r1", StartFrom::Backlog),
        options(),
    )
    .observe(move |handled| sink.lock().unwrap().push(handled.outcome.clone()));
    assert_eq!(replayer.poll().unwrap(), 1);
    match &outcomes.lock().unwrap()[0] {
        Outcome::LeftPending(reason) => assert!(
            reason.ends_with("left where it is: these are dead letters already"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bus.len("runs-dead-letter-dead-letter"),
        0,
        "no dead letters of dead letters"
    );
    assert_eq!(
        bus.pending("runs-dead-letter", "replay").len(),
        1,
        "kept, unacknowledged"
    );
    assert_eq!(replayer.stats().broker_errors, 0);
}

#[test]
fn the_consecutive_error_limit_stops_the_consumer() {
    let bus = InMemoryBus::new();
    // No payload at all: undecodable.
    let empty = BusMessage::new(EventsMetadata::new("com.example.learning.run.limited.v1"), Vec::new());
    for _ in 0..3 {
        bus.send("runs", &empty).unwrap();
    }
    let observed = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&observed);
    let mut consumer = Consumer::new(
        bus.consumer("runs", "lms", "c1", StartFrom::Backlog),
        ConsumerOptions {
            consecutive_error_limit: Some(2),
            ..options()
        },
    )
    .observe(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let error = consumer.run().unwrap_err();
    assert!(
        matches!(&error, ConsumerError::TooManyErrors { count: 2, .. }),
        "{error}"
    );
    assert_eq!(bus.dead_letters("runs").len(), 2);
    assert_eq!(
        observed.load(Ordering::SeqCst),
        2,
        "the observer saw the entry that reached the limit too"
    );
    let pending: Vec<Offset> = bus
        .pending("runs", "lms")
        .into_iter()
        .map(|(offset, _, _)| offset)
        .collect();
    assert_eq!(
        pending,
        [Offset(3)],
        "both dead-lettered entries were acknowledged; the unhandled third stays pending for a restart"
    );
    let _ = &RUN_LIMITED;
}

#[test]
fn start_positions_follow_edx_event_bus_redis() {
    let bus = InMemoryBus::new();
    for id in ["before", "second"] {
        let message = BusMessage::new(
            EventsMetadata::new("com.example.learning.run.positioned.v1"),
            Positioned::new(run(id)).to_avro(),
        );
        bus.send("runs", &message).unwrap();
    }
    let offsets = |start: StartFrom, group: &str| -> Vec<Offset> {
        let mut consumer = bus.consumer("runs", group, "c", start);
        let deliveries = consumer.receive(10, Duration::ZERO).unwrap();
        deliveries.iter().map(|delivery| delivery.token).collect()
    };
    assert_eq!(
        offsets(StartFrom::Backlog, "backlog"),
        [Offset(1), Offset(2)],
        "a new group with check_backlog reads the whole topic"
    );
    assert!(
        offsets(StartFrom::Latest, "latest").is_empty(),
        "by default only new messages are read"
    );
}

#[test]
fn shutdown_stops_a_running_consumer() {
    let bus = InMemoryBus::new();
    let mut consumer = Consumer::new(
        bus.consumer("idle", "lms", "c1", StartFrom::Latest),
        ConsumerOptions {
            poll_timeout: Duration::from_millis(20),
            ..ConsumerOptions::default()
        },
    );
    let handle = consumer.shutdown_handle();
    let polls = Arc::new(AtomicUsize::new(0));
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.shutdown();
    });
    let stats = consumer.run().unwrap();
    stopper.join().unwrap();
    assert_eq!(stats.handled(), 0);
    let _ = polls.load(Ordering::SeqCst);
}

run_event!(TwiceBound, "com.example.learning.run.twice_bound.v1");

#[test]
fn two_producers_bound_to_one_event_each_publish_and_unbind_their_own() {
    let (first_bus, second_bus) = (InMemoryBus::new(), InMemoryBus::new());
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.twice_bound.v1", "runs", "run.run_id")
        .unwrap();
    let first = connect_producer(&config, Arc::new(first_bus.clone()), &TopicPrefix::none()).unwrap();
    let second = connect_producer(&config, Arc::new(second_bus.clone()), &TopicPrefix::none()).unwrap();
    assert_ne!(first.receiver_id(), second.receiver_id());

    RUN_TWICE_BOUND.send_event(TwiceBound::new(run("r"))).unwrap();
    first.flush(FLUSH).unwrap();
    second.flush(FLUSH).unwrap();
    assert_eq!((first_bus.len("runs"), second_bus.len("runs")), (1, 1));

    first.unbind();
    RUN_TWICE_BOUND.send_event(TwiceBound::new(run("r"))).unwrap();
    second.flush(FLUSH).unwrap();
    assert_eq!((first_bus.len("runs"), second_bus.len("runs")), (1, 2));
    second.unbind();
}

#[test]
fn fields_appended_by_a_newer_minor_version_are_skipped_only_for_newer_messages() {
    let current = Versioned::new(run("r1"));
    // A producer one minor version ahead appended an optional string field after the known ones.
    let mut newer = current.to_avro();
    newer.extend_from_slice(&[0x02, 0x06, b'n', b'e', b'w']);
    assert_eq!(Versioned::from_avro_minor_version(&newer, 1).unwrap(), current);
    let error = Versioned::from_avro_minor_version(&newer, 0).unwrap_err();
    assert_eq!(
        error.kind(),
        &events_core::avro::DecodeErrorKind::TrailingBytes { count: 5 }
    );
}

run_event!(Versioned, "com.example.learning.run.versioned.v1");
run_event!(Appended, "com.example.learning.run.appended.v1");

/// The payload of `run` with a string field appended after the known ones, as a newer producer
/// writes it when it adds an optional field without raising `minorversion`.
fn appended_payload(id: &str) -> Vec<u8> {
    let mut data = Appended::new(run(id)).to_avro();
    data.extend_from_slice(&[0x06, b'n', b'e', b'w']);
    data
}

#[test]
fn bytes_after_the_known_fields_are_skipped_by_default_with_a_count() {
    let bus = InMemoryBus::new();
    let message = BusMessage::new(
        EventsMetadata::new("com.example.learning.run.appended.v1"),
        appended_payload("r1"),
    );
    bus.send("runs", &message).unwrap();
    let events = isolate_events().enable(&RUN_APPENDED).start();
    let skipped = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&skipped);
    let mut consumer = Consumer::new(bus.consumer("runs", "lms", "c1", StartFrom::Backlog), options())
        .observe(move |handled| sink.lock().unwrap().push(handled.unknown_bytes));
    assert_eq!(consumer.poll().unwrap(), 1);
    let stats = consumer.stats();
    assert_eq!((stats.delivered, stats.unknown_fields_skipped), (1, 1));
    assert_eq!(*skipped.lock().unwrap(), [4]);
    assert_eq!(events.sent::<Appended>()[0].data().run().run_id(), "r1");
}

#[test]
fn the_strict_option_dead_letters_bytes_after_the_known_fields_unless_the_minor_version_is_newer() {
    let bus = InMemoryBus::new();
    let same = BusMessage::new(
        EventsMetadata::new("com.example.learning.run.appended.v1"),
        appended_payload("same"),
    );
    let mut newer = same.clone();
    newer.metadata = newer.metadata.with_minorversion(1);
    bus.send("runs", &same).unwrap();
    bus.send("runs", &newer).unwrap();
    let _events = isolate_events().enable(&RUN_APPENDED).start();
    let mut consumer = Consumer::new(
        bus.consumer("runs", "lms", "c1", StartFrom::Backlog),
        ConsumerOptions {
            trailing_bytes: events_core::bus::TrailingBytes::Refuse,
            ..options()
        },
    );
    assert_eq!(consumer.poll().unwrap(), 2);
    let stats = consumer.stats();
    assert_eq!(
        (stats.delivered, stats.dead_lettered, stats.unknown_fields_skipped),
        (1, 1, 1)
    );
    let dead = bus.dead_letters("runs");
    assert_eq!(dead[0].message, same);
    assert!(
        dead[0].reason.contains("com.example.learning.run.appended.v1"),
        "{}",
        dead[0].reason
    );
}

#[test]
fn payload_times_keep_the_wire_precision_so_round_trips_are_exact() {
    /// A timed run.
    #[event_data]
    pub struct TimedRunData {
        /// When it started.
        started: DateTime<Utc>,
        /// When it may end.
        deadlines: Vec<Option<DateTime<Utc>>>,
    }
    let now = Utc::now();
    let timed = TimedRunData::builder()
        .started(now)
        .deadlines(vec![Some(now), None])
        .build();
    assert_eq!(timed.started().timestamp_subsec_nanos() % 1_000, 0);
    let json = serde_json::to_value(&timed).unwrap();
    assert_eq!(serde_json::from_value::<TimedRunData>(json).unwrap(), timed);
    assert_eq!(timed.clone().with_started(now), timed);
}
