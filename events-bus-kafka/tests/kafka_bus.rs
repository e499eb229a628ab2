//! The event bus on Kafka: what the producer writes (framing, subjects, headers, keys), the
//! consumer group's commits, dead letters, replay from a time, and values written with another
//! version of the schema. Each test starts its own broker (tansu) and schema registry on
//! loopback; without tansu the tests are skipped (they fail instead under
//! `OPENEDX_EVENTS_REQUIRE_INTEROP=1`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use events_bus_kafka::framing::{frame, unframe};
use events_bus_kafka::testing::KafkaBroker;
use events_bus_kafka::{KafkaConsumer, KafkaOptions, KafkaProducer, KafkaStart, SchemaRegistry};
use events_core::bus::{BusMessage, Consumer, ConsumerOptions, EventBusProducer, Outcome};
use events_core::prelude::*;
use events_core::testing::isolate_events;
use rdkafka::Message as _;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::Headers as _;
use schema_registry_stub::SchemaRegistry as RegistryServer;

/// A course run.
#[event_data]
pub struct RunData {
    /// The run's id.
    run_id: String,
    /// Seats left.
    seats: i64,
    /// Its mentor, if any.
    mentor: Option<String>,
}

/// Defines one event type per test: signals are process-wide and tests run in parallel.
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
run_event!(Refused, "com.example.learning.run.refused.v1");
run_event!(Replayed, "com.example.learning.run.replayed.v1");
run_event!(Evolved, "com.example.learning.run.evolved.v1");
run_event!(Committed, "com.example.learning.run.committed.v1");

fn run(id: &str, seats: i64) -> RunData {
    RunData::builder().run_id(id).seats(seats).build()
}

struct Setup {
    broker: KafkaBroker,
    registry_server: RegistryServer,
    registry: Arc<SchemaRegistry>,
}

impl Setup {
    fn options(&self) -> KafkaOptions {
        KafkaOptions::new(&self.broker.bootstrap_servers())
    }

    fn producer(&self) -> KafkaProducer {
        KafkaProducer::new(&self.options(), Arc::clone(&self.registry)).unwrap()
    }

    fn consumer(&self, topic: &str, group: &str, start: KafkaStart) -> KafkaConsumer {
        KafkaConsumer::new(&self.options(), Arc::clone(&self.registry), topic, group, start).unwrap()
    }
}

fn setup(test: &str, topics: &[(&str, u32)]) -> Option<Setup> {
    let broker = KafkaBroker::for_test(test)?;
    for (topic, partitions) in topics {
        broker.create_topic(topic, *partitions).unwrap();
    }
    let registry_server = RegistryServer::start().unwrap();
    let registry = Arc::new(SchemaRegistry::new(&registry_server.url()).unwrap());
    Some(Setup {
        broker,
        registry_server,
        registry,
    })
}

fn options() -> ConsumerOptions {
    ConsumerOptions {
        poll_timeout: Duration::from_millis(500),
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        ..ConsumerOptions::default()
    }
}

/// Runs `consumer` until it handled `count` messages (or 60 s passed), returning the outcomes.
fn consume(consumer: KafkaConsumer, count: u64) -> Vec<Outcome> {
    run_consumer(consumer, Some(count), Duration::from_secs(60))
}

/// Runs `consumer` until it handled `max` messages or `limit` passed; the outcomes.
fn run_consumer(consumer: KafkaConsumer, max: Option<u64>, limit: Duration) -> Vec<Outcome> {
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let mut consumer = Consumer::new(
        consumer,
        ConsumerOptions {
            max_messages: max,
            ..options()
        },
    )
    .observe(move |handled| sink.lock().unwrap().push(handled.outcome.clone()));
    let shutdown = consumer.shutdown_handle();
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        shutdown.shutdown();
    });
    consumer.run().unwrap();
    outcomes.lock().unwrap().clone()
}

/// Every record of `topic` from the start, read by a throw-away group.
fn read_all(setup: &Setup, topic: &str, count: usize) -> Vec<rdkafka::message::OwnedMessage> {
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", setup.broker.bootstrap_servers())
        .set("group.id", format!("reader-{}", uuid::Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut records = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while records.len() < count && std::time::Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            records.push(message.detach());
        }
    }
    records
}

fn header<'a>(message: &'a rdkafka::message::OwnedMessage, name: &str) -> Option<&'a str> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|header| header.key == name)
        .and_then(|header| header.value)
        .map(|value| std::str::from_utf8(value).unwrap())
}

#[test]
fn produced_events_are_framed_keyed_and_headed_as_edx_event_bus_kafka_writes_them() {
    let Some(setup) = setup("produced_events_are_framed", &[("runs", 3)]) else {
        return;
    };
    let producer = setup.producer();
    let event = Published::new(run("run-1", 3));
    let message = BusMessage::new(EventsMetadata::new(Published::INFO.event_type), event.to_avro())
        .with_key(event.key_text().unwrap());
    producer.send("runs", &message).unwrap();

    let records = read_all(&setup, "runs", 1);
    let record = &records[0];
    let (value_id, value) = unframe(record.payload().unwrap()).unwrap();
    assert_eq!(value, message.data.as_slice());
    let (key_id, key) = unframe(record.key().unwrap()).unwrap();
    assert_eq!(key, b"\x0arun-1", "the key field's Avro string");
    let requests = setup.registry_server.requests();
    for subject in ["runs-com.example.learning.run.published.v1.CloudEvent", "runs-string"] {
        assert!(
            requests
                .iter()
                .any(|request| request.starts_with(&format!("POST /subjects/{subject}/versions"))),
            "registered under {subject} (topic_record_subject_name_strategy): {requests:?}"
        );
    }
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&setup.registry.schema(key_id).unwrap()).unwrap(),
        serde_json::json!({"name": "run_id", "type": "string"})
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&setup.registry.schema(value_id).unwrap()).unwrap(),
        Published::avro_schema()
    );
    let metadata = &message.metadata;
    let expected = [
        ("ce_specversion", "1.0".to_owned()),
        ("content-type", "application/avro".to_owned()),
        ("ce_datacontenttype", "application/avro".to_owned()),
        ("ce_type", metadata.event_type().to_owned()),
        ("ce_id", metadata.id().to_string()),
        ("ce_source", metadata.source().to_owned()),
        ("ce_time", metadata.time_isoformat().to_string()),
        ("ce_minorversion", "0".to_owned()),
        ("sourcehost", metadata.sourcehost().to_owned()),
        ("sourcelib", metadata.sourcelib().to_string()),
    ];
    for (name, value) in expected {
        assert_eq!(header(record, name), Some(value.as_str()), "{name}");
    }
}

#[test]
fn events_are_consumed_once_in_order_per_key_with_their_metadata_and_committed() {
    let Some(setup) = setup("events_are_consumed_once", &[("runs", 3), ("runs-dead-letter", 1)]) else {
        return;
    };
    let producer = setup.producer();
    let sent: Vec<BusMessage> = (0..30)
        .map(|index| {
            let event = Committed::new(run(&format!("run-{}", index % 3), index));
            BusMessage::new(EventsMetadata::new(Committed::INFO.event_type), event.to_avro())
                .with_key(event.key_text().unwrap())
        })
        .collect();
    producer.send_batch("runs", &sent).unwrap();

    let events = isolate_events().enable(&RUN_COMMITTED).start();
    let outcomes = consume(setup.consumer("runs", "lms", KafkaStart::Earliest), 30);
    assert_eq!(outcomes, vec![Outcome::Delivered; 30]);
    let received = events.sent::<Committed>();
    assert_eq!(received.len(), 30);
    let mut by_key: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for event in &received {
        by_key
            .entry(event.data().run.run_id().to_owned())
            .or_default()
            .push(event.data().run.seats());
        let original = sent
            .iter()
            .find(|message| message.metadata.id() == event.metadata().id())
            .unwrap();
        assert_eq!(event.metadata(), &original.metadata, "the producer's metadata");
        assert!(event.from_event_bus());
    }
    for (key, seats) in &by_key {
        let mut sorted = seats.clone();
        sorted.sort_unstable();
        assert_eq!(seats, &sorted, "the events of {key} in the order they were sent");
    }

    // The group committed what it handled: a new consumer of the group gets only what comes next.
    events.clear();
    let later = Committed::new(run("run-9", 99));
    producer
        .send(
            "runs",
            &BusMessage::new(EventsMetadata::new(Committed::INFO.event_type), later.to_avro()).with_key("run-9"),
        )
        .unwrap();
    let outcomes = consume(setup.consumer("runs", "lms", KafkaStart::Earliest), 1);
    assert_eq!(outcomes, [Outcome::Delivered]);
    assert_eq!(events.sent::<Committed>()[0].data().run.seats(), 99);
}

#[test]
fn poison_messages_are_dead_lettered_with_the_reason_in_headers_and_passed() {
    let Some(setup) = setup(
        "poison_messages_are_dead_lettered",
        &[("runs", 1), ("runs-dead-letter", 1)],
    ) else {
        return;
    };
    let raw: rdkafka::producer::BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", setup.broker.bootstrap_servers())
        .create()
        .unwrap();
    let good = Refused::new(run("ok", 1));
    let producer = setup.producer();
    let message = BusMessage::new(EventsMetadata::new(Refused::INFO.event_type), good.to_avro()).with_key("ok");
    // Not framed, then framed with an id the registry never gave.
    let headers = rdkafka::message::OwnedHeaders::new()
        .insert(rdkafka::message::Header {
            key: "ce_type",
            value: Some(Refused::INFO.event_type),
        })
        .insert(rdkafka::message::Header {
            key: "ce_id",
            value: Some("5f1a6a4e-c0de-11ee-8a2b-0242ac120002"),
        });
    raw.send(
        rdkafka::producer::BaseRecord::<(), [u8]>::to("runs")
            .payload(b"{\"json\": true}")
            .headers(headers.clone()),
    )
    .unwrap();
    let unknown_id = frame(999, &message.data);
    raw.send(
        rdkafka::producer::BaseRecord::<(), [u8]>::to("runs")
            .payload(&unknown_id)
            .headers(headers),
    )
    .unwrap();
    rdkafka::producer::Producer::flush(&raw, Duration::from_secs(10)).unwrap();
    producer.send("runs", &message).unwrap();

    let events = isolate_events().enable(&RUN_REFUSED).robust().start();
    events.connect(&RUN_REFUSED, "picky", |_| Err("downstream service unavailable".into()));
    let outcomes = consume(setup.consumer("runs", "lms", KafkaStart::Earliest), 3);
    let reasons: Vec<String> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::DeadLettered(reason) => reason.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        reasons[0],
        "unreadable message: com.example.learning.run.refused.v1: the value is starts with byte 0x7b, not the magic byte 0 of the Confluent framing"
    );
    assert!(reasons[1].contains("registry id 999"), "{}", reasons[1]);
    assert_eq!(
        reasons[2],
        "1 of 1 receivers failed: picky: downstream service unavailable"
    );

    let dead = read_all(&setup, "runs-dead-letter", 3);
    assert_eq!(dead.len(), 3);
    for (index, (record, reason)) in dead.iter().zip(&reasons).enumerate() {
        assert_eq!(header(record, "dead_letter_reason"), Some(reason.as_str()));
        assert_eq!(header(record, "dead_letter_topic"), Some("runs"));
        assert_eq!(header(record, "dead_letter_offset"), Some(index.to_string().as_str()));
        assert_eq!(header(record, "dead_letter_group"), Some("lms"));
        assert_eq!(
            header(record, "ce_type"),
            Some(Refused::INFO.event_type),
            "original headers kept"
        );
    }
    assert_eq!(
        unframe(dead[2].payload().unwrap()).unwrap().1,
        message.data.as_slice(),
        "original value kept"
    );

    // Committed past them: the group has nothing left to read.
    let events_after = events.sent::<Refused>().len();
    let outcomes = run_consumer(
        setup.consumer("runs", "lms", KafkaStart::Earliest),
        None,
        Duration::from_secs(3),
    );
    assert!(outcomes.is_empty(), "{outcomes:?}");
    assert_eq!(events.sent::<Refused>().len(), events_after);
}

#[test]
fn a_replay_from_a_time_starts_at_the_first_message_at_or_after_it() {
    // One partition: tansu 0.6 answers a lookup by time on some partitions of a topic of
    // several with offset 0, wherever the time falls.
    let Some(setup) = setup("a_replay_from_a_time", &[("runs", 1), ("runs-dead-letter", 1)]) else {
        return;
    };
    let producer = setup.producer();
    let send = |index: i64| {
        let event = Replayed::new(run(&format!("run-{index}"), index));
        let message = BusMessage::new(EventsMetadata::new(Replayed::INFO.event_type), event.to_avro())
            .with_key(event.key_text().unwrap());
        producer.send("runs", &message).unwrap();
    };
    for index in 0..4 {
        send(index);
    }
    std::thread::sleep(Duration::from_millis(50));
    let from = chrono::Utc::now();
    std::thread::sleep(Duration::from_millis(50));
    for index in 4..8 {
        send(index);
    }
    // The group has read everything already.
    let events = isolate_events().enable(&RUN_REPLAYED).start();
    consume(setup.consumer("runs", "lms", KafkaStart::Earliest), 8);
    events.clear();

    let outcomes = consume(setup.consumer("runs", "lms", KafkaStart::Time(from)), 4);
    assert_eq!(outcomes.len(), 4);
    let mut seats: Vec<i64> = events
        .sent::<Replayed>()
        .iter()
        .map(|event| event.data().run.seats())
        .collect();
    seats.sort_unstable();
    assert_eq!(seats, [4, 5, 6, 7]);
}

/// `RunData` as a newer producer writes it: a field added in the middle, with a default.
fn newer_schema() -> serde_json::Value {
    let mut schema = Evolved::avro_schema();
    let fields = schema["fields"][0]["type"]["fields"].as_array_mut().unwrap();
    fields.insert(
        1,
        serde_json::json!({"name": "room", "type": "string", "default": "main hall"}),
    );
    schema
}

#[test]
fn values_written_with_a_newer_compatible_schema_are_resolved_and_incompatible_ones_dead_lettered() {
    let Some(setup) = setup(
        "values_written_with_a_newer_schema",
        &[("runs", 1), ("runs-dead-letter", 1)],
    ) else {
        return;
    };
    let newer = newer_schema();
    let newer_id = setup
        .registry
        .register(
            "runs-com.example.learning.run.evolved.v1.CloudEvent",
            &newer.to_string(),
        )
        .unwrap();
    let writer = apache_avro::Schema::parse(&newer).unwrap();
    let record = apache_avro::types::Value::Record(vec![(
        "run".into(),
        apache_avro::types::Value::Record(vec![
            ("run_id".into(), apache_avro::types::Value::String("run-7".into())),
            ("room".into(), apache_avro::types::Value::String("lab".into())),
            ("seats".into(), apache_avro::types::Value::Long(12)),
            (
                "mentor".into(),
                apache_avro::types::Value::Union(1, Box::new(apache_avro::types::Value::String("ada".into()))),
            ),
        ]),
    )]);
    let written = apache_avro::writer::datum::GenericDatumWriter::builder(&writer)
        .build()
        .unwrap()
        .write_value_to_vec(record)
        .unwrap();
    // An incompatible change: `seats` became a string.
    let mut incompatible = Evolved::avro_schema();
    incompatible["fields"][0]["type"]["fields"][1]["type"] = serde_json::json!("string");
    let incompatible_id = setup
        .registry
        .register(
            "runs-com.example.learning.run.evolved.v1.CloudEvent",
            &incompatible.to_string(),
        )
        .unwrap();

    let raw: rdkafka::producer::BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", setup.broker.bootstrap_servers())
        .create()
        .unwrap();
    let headers = events_bus_kafka::headers::to_headers(&EventsMetadata::new(Evolved::INFO.event_type));
    let mut owned = rdkafka::message::OwnedHeaders::new();
    for (name, value) in &headers {
        owned = owned.insert(rdkafka::message::Header {
            key: name,
            value: Some(value.as_slice()),
        });
    }
    for payload in [
        frame(newer_id, &written),
        frame(incompatible_id, b"\x0arun-8\x0412\x00"),
    ] {
        raw.send(
            rdkafka::producer::BaseRecord::<(), [u8]>::to("runs")
                .payload(&payload)
                .headers(owned.clone()),
        )
        .unwrap();
    }
    rdkafka::producer::Producer::flush(&raw, Duration::from_secs(10)).unwrap();

    let events = isolate_events().enable(&RUN_EVOLVED).robust().start();
    let outcomes = consume(setup.consumer("runs", "lms", KafkaStart::Earliest), 2);
    assert_eq!(outcomes[0], Outcome::Delivered);
    let received = events.sent::<Evolved>();
    assert_eq!(
        received[0].data().run,
        RunData::builder()
            .run_id("run-7")
            .seats(12)
            .mentor(Some("ada".into()))
            .build()
    );
    let Outcome::DeadLettered(reason) = &outcomes[1] else {
        panic!("{:?}", outcomes[1])
    };
    assert!(
        reason.contains(&format!("the writer's schema (registry id {incompatible_id})"))
            && reason.contains("cannot read"),
        "{reason}"
    );
}

#[test]
fn a_send_the_brokers_do_not_acknowledge_in_time_fails_with_the_event_id_and_the_next_goes_through() {
    let Some(mut setup) = setup("a_send_the_brokers_do_not_acknowledge", &[("runs", 1)]) else {
        return;
    };
    let options = setup.options().set("message.timeout.ms", "1500");
    let producer = KafkaProducer::new(&options, Arc::clone(&setup.registry)).unwrap();
    let message = |seats| {
        let event = Published::new(run("run-1", seats));
        BusMessage::new(EventsMetadata::new(Published::INFO.event_type), event.to_avro()).with_key("run-1")
    };
    producer.send_one("runs", &message(1)).unwrap();

    setup.broker.pause().unwrap();
    let lost = message(2);
    let started = std::time::Instant::now();
    let error = producer.send_one("runs", &lost).unwrap_err();
    assert_eq!(error.event_id, lost.metadata.id().to_string());
    assert_eq!(error.stream, "runs");
    assert!(error.source.to_string().contains("timed out"), "{}", error.source);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());

    setup.broker.resume().unwrap();
    let (_, offset) = producer.send_one("runs", &message(3)).unwrap();
    assert!(offset >= 1, "written after the first: {offset}");
}

run_event!(Shared, "com.example.learning.run.shared.v1");
run_event!(Crashed, "com.example.learning.run.crashed.v1");

#[test]
fn a_consumer_joining_its_group_mid_stream_takes_partitions_and_no_event_is_lost() {
    let Some(setup) = setup("a_consumer_joining_its_group", &[("runs", 4), ("runs-dead-letter", 1)]) else {
        return;
    };
    let producer = setup.producer();
    let message = |index: i64| {
        let event = Shared::new(run(&format!("run-{}", index % 20), index));
        BusMessage::new(EventsMetadata::new(Shared::INFO.event_type), event.to_avro())
            .with_key(event.key_text().unwrap())
    };
    let events = isolate_events().enable(&RUN_SHARED).start();
    let handle = events.handle();
    let start_worker = || {
        let backend = setup.consumer("runs", "lms", KafkaStart::Earliest);
        let handle = handle.clone();
        let mut consumer = Consumer::new(backend, options());
        let shutdown = consumer.shutdown_handle();
        let worker = std::thread::spawn(move || {
            let _in = handle.enter();
            consumer.run().unwrap()
        });
        (worker, shutdown)
    };
    let wait_for = |count: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while events.sent::<Shared>().len() < count && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    let mut sent: Vec<BusMessage> = (0..100).map(message).collect();
    producer.send_batch("runs", &sent).unwrap();
    let first = start_worker();
    wait_for(50);
    // The second joins while the first is consuming: the group rebalances under it.
    let second = start_worker();
    for index in 100..300 {
        let next = message(index);
        producer.send("runs", &next).unwrap();
        sent.push(next);
        // Over about eight seconds: the rebalance waits for the first consumer to rejoin.
        if index % 5 == 0 {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    wait_for(sent.len());
    let mut delivered = Vec::new();
    for (worker, shutdown) in [first, second] {
        shutdown.shutdown();
        delivered.push(worker.join().unwrap().delivered);
    }
    let received = events.sent::<Shared>();
    let ids: std::collections::HashSet<_> = received.iter().map(|event| event.metadata().id()).collect();
    for message in &sent {
        assert!(
            ids.contains(&message.metadata.id()),
            "event {} lost",
            message.metadata.id()
        );
    }
    assert_eq!(delivered.iter().sum::<u64>(), received.len() as u64);
    assert!(
        delivered[1] > 0,
        "the consumer that joined took partitions: {delivered:?}"
    );
}

#[test]
fn a_consumer_that_dies_before_committing_leaves_its_batch_to_the_next() {
    let Some(setup) = setup(
        "a_consumer_that_dies_before_committing",
        &[("runs", 1), ("runs-dead-letter", 1)],
    ) else {
        return;
    };
    let producer = setup.producer();
    let sent: Vec<BusMessage> = (0..5)
        .map(|index| {
            let event = Crashed::new(run("run-1", index));
            BusMessage::new(EventsMetadata::new(Crashed::INFO.event_type), event.to_avro()).with_key("run-1")
        })
        .collect();
    producer.send_batch("runs", &sent).unwrap();

    // Received and acknowledged, but the process dies before the batch's commit.
    let mut doomed = setup.consumer("runs", "lms", KafkaStart::Earliest);
    let mut received = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while received.len() < 5 && std::time::Instant::now() < deadline {
        received
            .extend(events_core::bus::ConsumerBackend::receive(&mut doomed, 5, Duration::from_millis(500)).unwrap());
    }
    assert_eq!(received.len(), 5);
    for delivery in &received {
        events_core::bus::ConsumerBackend::ack(&mut doomed, &delivery.token).unwrap();
    }
    drop(doomed);

    let events = isolate_events().enable(&RUN_CRASHED).start();
    let outcomes = consume(setup.consumer("runs", "lms", KafkaStart::Earliest), 5);
    assert_eq!(outcomes, vec![Outcome::Delivered; 5], "delivered again: at least once");
    let seats: Vec<i64> = events
        .sent::<Crashed>()
        .iter()
        .map(|event| event.data().run.seats())
        .collect();
    assert_eq!(seats, [0, 1, 2, 3, 4]);
}
