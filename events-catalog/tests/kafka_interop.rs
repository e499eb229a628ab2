//! The Kafka event bus against the Python reference implementation (edx-event-bus-kafka 6.1
//! with confluent-kafka 2.16 and openedx-events 10.5.0), in both directions, on a broker
//! (tansu) and a schema registry (tests/schema-registry) started for the test:
//!
//! - events produced by Python's `KafkaEventProducer` are consumed by `openedx-events consume
//!   --kafka-bootstrap-servers` with the same metadata, data and key;
//! - events produced by `openedx-events produce --kafka-bootstrap-servers` are received by
//!   Python's `KafkaEventConsumer` (its deserializer, header parser and registry client) with
//!   the same metadata and data.
//!
//! The payloads are the golden cases the Python library wrote (tests/fixtures/golden), for
//! event types with text keys of several kinds (course keys, usage keys, library keys). Needs
//! `OPENEDX_EVENTS_PYTHON` (the python of `scripts/python-env`) and tansu; without them the
//! test is skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

mod support;

use std::path::PathBuf;
use std::process::Command;

use events_bus_kafka::testing::{KafkaBroker, skip};
use schema_registry_stub::SchemaRegistry as RegistryServer;
use serde_json::{Value, json};
use support::{json_lines, payloads, root, run};

/// `(event type, key field)`.
const EVENT_TYPES: [(&str, &str); 6] = [
    (
        "org.openedx.learning.course.enrollment.created.v1",
        "enrollment.course.course_key",
    ),
    (
        "org.openedx.learning.course.enrollment.changed.v1",
        "enrollment.course.course_key",
    ),
    (
        "org.openedx.content_authoring.xblock.published.v1",
        "xblock_info.usage_key",
    ),
    ("org.openedx.learning.xblock.skill.verified.v1", "xblock_info.usage_key"),
    (
        "org.openedx.content_authoring.library_block.created.v1",
        "library_block.library_key",
    ),
    (
        "org.openedx.learning.exam.attempt.submitted.v1",
        "exam_attempt.course_key",
    ),
];

struct Setup {
    python: PathBuf,
    broker: KafkaBroker,
    registry: RegistryServer,
}

fn setup(test: &str, topics: &[&str]) -> Option<Setup> {
    let python = match std::env::var_os("OPENEDX_EVENTS_PYTHON").filter(|python| !python.is_empty()) {
        Some(python) => PathBuf::from(python),
        None => return skip(test, "OPENEDX_EVENTS_PYTHON is not set (see scripts/python-env)"),
    };
    let broker = KafkaBroker::for_test(test)?;
    for topic in topics {
        broker.create_topic(topic, 3).unwrap();
    }
    let registry = RegistryServer::start().unwrap();
    Some(Setup {
        python,
        broker,
        registry,
    })
}

fn key_at(data: &Value, path: &str) -> String {
    let value = path.split('.').fold(data, |node, name| &node[name]);
    value
        .as_str()
        .unwrap_or_else(|| panic!("no text key at {path} in {data}"))
        .to_owned()
}

fn cli(setup: &Setup) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openedx-events"));
    command
        .env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", setup.broker.bootstrap_servers())
        .env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL", setup.registry.url())
        .env_remove("EVENT_BUS_REDIS_CONNECTION_URL")
        .env("EVENT_BUS_TOPIC_PREFIX", "interop");
    command
}

fn python_script(setup: &Setup, script: &str) -> Command {
    let mut command = Command::new(&setup.python);
    command
        .arg(root().join("tests/interop").join(script))
        .args(["--bootstrap-servers", &setup.broker.bootstrap_servers()])
        .args(["--schema-registry-url", &setup.registry.url()])
        .env("EVENT_BUS_TOPIC_PREFIX", "interop");
    command
}

/// The events of `received` are those of `sent`, by event id, with equal metadata and data.
fn assert_same_events(sent: &[Value], received: &[Value]) {
    assert_eq!(received.len(), sent.len(), "as many events received as sent");
    for event in sent {
        let id = &event["metadata"]["id"];
        let got = received
            .iter()
            .find(|got| &got["metadata"]["id"] == id)
            .unwrap_or_else(|| panic!("event {id} not received"));
        assert_eq!(got["metadata"], event["metadata"], "metadata of {id}");
        assert_eq!(got["data"], event["data"], "data of {id}");
    }
}

#[test]
fn events_produced_by_python_are_consumed_by_rust_with_equal_data_metadata_and_key() {
    let Some(setup) = setup(
        "events_produced_by_python_are_consumed_by_rust",
        &["interop-from-python"],
    ) else {
        return;
    };
    let mut input = String::new();
    for (event_type, key_field) in EVENT_TYPES {
        for data in payloads(event_type) {
            input.push_str(&json!({"event_type": event_type, "data": data, "event_key_field": key_field}).to_string());
            input.push('\n');
        }
    }
    let mut producer = python_script(&setup, "kafka_produce.py");
    producer.args(["--topic", "from-python"]);
    let sent = json_lines(&run(producer, &input));
    assert_eq!(sent.len(), input.lines().count());

    let mut consumer = cli(&setup);
    consumer
        .args(["consume", "--topic", "from-python", "--group", "rust"])
        .args(["--check-backlog", "--format", "jsonl", "--show-pii"])
        .args(["--max-messages", &sent.len().to_string()]);
    let output = run(consumer, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("dead-lettered"), "{stderr}");
    let received = json_lines(&output);
    assert_same_events(&sent, &received);
    for event in &sent {
        let got = received
            .iter()
            .find(|got| got["metadata"]["id"] == event["metadata"]["id"])
            .unwrap();
        assert_eq!(got["key"], event["key"], "the key Python wrote, decoded by its schema");
    }
}

#[test]
fn events_produced_by_rust_are_consumed_by_python_with_equal_data_and_metadata() {
    let Some(setup) = setup("events_produced_by_rust_are_consumed_by_python", &["interop-from-rust"]) else {
        return;
    };
    let mut sent = Vec::new();
    for (event_type, key_field) in EVENT_TYPES {
        let payloads = payloads(event_type);
        let input: String = payloads.iter().map(|data| format!("{data}\n")).collect();
        let mut producer = cli(&setup);
        producer
            .args([
                "produce",
                "--topic",
                "from-rust",
                "--format",
                "jsonl",
                "--key-field",
                key_field,
            ])
            .arg(event_type);
        let reports = json_lines(&run(producer, &input));
        assert_eq!(reports.len(), payloads.len(), "{event_type}: one report per line");
        for (report, data) in reports.into_iter().zip(payloads) {
            assert_eq!(report["stream"], "interop-from-rust");
            assert!(report["partition"].is_i64() && report["offset"].is_i64(), "{report}");
            sent.push(json!({"metadata": report["metadata"], "key": key_at(&data, key_field), "data": data}));
        }
    }
    let requests = setup.registry.requests();
    assert!(
        requests
            .iter()
            .any(|request| request.starts_with("POST /subjects/interop-from-rust-string/versions")),
        "the text keys' schema registered as Python registers it: {requests:?}"
    );

    let mut consumer = python_script(&setup, "kafka_consume.py");
    consumer.args([
        "--topic",
        "from-rust",
        "--group",
        "python",
        "--count",
        &sent.len().to_string(),
    ]);
    let received = json_lines(&run(consumer, ""));
    assert_same_events(&sent, &received);
}

#[test]
fn values_python_wrote_with_a_newer_or_older_schema_are_resolved_and_an_incompatible_one_dead_lettered() {
    let Some(setup) = setup(
        "values_python_wrote_with_other_schemas",
        &["interop-evolved", "interop-evolved-dead-letter"],
    ) else {
        return;
    };
    let input: String = payloads("org.openedx.learning.course.enrollment.created.v1")
        .iter()
        .map(|data| format!("{data}\n"))
        .collect();
    let mut producer = python_script(&setup, "kafka_produce_evolved.py");
    producer.args(["--topic", "evolved"]);
    let sent = json_lines(&run(producer, &input));
    let readable: Vec<Value> = sent
        .iter()
        .filter(|event| event["variant"] != "incompatible")
        .cloned()
        .collect();
    let incompatible = sent.len() - readable.len();
    assert!(readable.len() >= 2 && incompatible >= 1, "{sent:?}");

    let mut consumer = cli(&setup);
    consumer
        .args(["consume", "--topic", "evolved", "--group", "rust"])
        .args(["--check-backlog", "--format", "jsonl", "--show-pii"])
        .args(["--max-messages", &sent.len().to_string()]);
    let output = run(consumer, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let received: Vec<Value> = json_lines(&output)
        .into_iter()
        .map(|event| json!({"metadata": event["metadata"], "data": event["data"]}))
        .collect();
    let expected: Vec<Value> = readable
        .iter()
        .map(|event| json!({"metadata": event["metadata"], "data": event["data"]}))
        .collect();
    assert_same_events(&expected, &received);
    let dead_lettered: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("dead-lettered to `interop-evolved-dead-letter`"))
        .collect();
    assert_eq!(dead_lettered.len(), incompatible, "{stderr}");
    assert!(
        dead_lettered
            .iter()
            .all(|line| line.contains("the writer's schema (registry id") && line.contains("cannot read")),
        "{stderr}"
    );
}
