//! The operator's view of Kafka from the command line: `status` of a topic and a group, and the
//! demo over Kafka, on a tansu broker and the registry of tests/schema-registry started for the
//! test. Without tansu the tests are skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

mod support;

use std::process::Command;

use events_bus_kafka::testing::KafkaBroker;
use schema_registry_stub::SchemaRegistry as RegistryServer;
use serde_json::Value;
use support::{json_lines, payloads, run};

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";

fn cli(broker: &KafkaBroker, registry: &RegistryServer) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openedx-events"));
    command
        .env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers())
        .env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL", registry.url())
        .env_remove("EVENT_BUS_REDIS_CONNECTION_URL")
        .env_remove("EVENT_BUS_TOPIC_PREFIX");
    command
}

#[test]
fn status_shows_a_topics_partitions_a_groups_lag_on_each_and_the_dead_letters() {
    let Some(broker) = KafkaBroker::for_test("status_on_kafka") else {
        return;
    };
    broker.create_topic("enrollments", 2).unwrap();
    broker.create_topic("enrollments-dead-letter", 1).unwrap();
    let registry = RegistryServer::start().unwrap();
    let payload = payloads(ENROLLMENT)[0].to_string();
    let mut produce = cli(&broker, &registry);
    produce.args(["produce", "--topic", "enrollments", "--format", "jsonl", ENROLLMENT]);
    let produced = json_lines(&run(produce, &format!("{payload}\n").repeat(5)));
    assert_eq!(produced.len(), 5);
    let mut consume = cli(&broker, &registry);
    consume.args(["consume", "--topic", "enrollments", "--group", "g", "--check-backlog"]);
    consume.args(["--max-messages", "3", "--format", "jsonl"]);
    assert_eq!(json_lines(&run(consume, "")).len(), 3);

    let mut status = cli(&broker, &registry);
    status.args(["status", "--topic", "enrollments", "--group", "g", "--format", "json"]);
    let output = run(status, "");
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["topic"], "enrollments");
    assert_eq!(status["exists"], true);
    assert_eq!(status["messages"], 5);
    assert_eq!(status["dead_letters"], 0);
    assert_eq!(status["group"]["name"], "g");
    assert_eq!(
        status["group"]["lag"], 2,
        "5 produced, 3 handled and committed: {status}"
    );
    let partitions = status["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 2);
    let high: i64 = partitions
        .iter()
        .map(|partition| partition["high"].as_i64().unwrap())
        .sum();
    assert_eq!(high, 5);
    for partition in partitions {
        let lag = partition["lag"].as_i64().unwrap();
        let committed = partition["committed"].as_i64().unwrap_or(0);
        assert_eq!(lag, partition["high"].as_i64().unwrap() - committed, "{partition}");
    }

    let mut text = cli(&broker, &registry);
    text.args(["status", "--topic", "enrollments", "--group", "g"]);
    let text = String::from_utf8(run(text, "").stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "topic `enrollments` on {}: 5 messages in 2 partitions\ndead letters: 0 in `enrollments-dead-letter`\ngroup `g`: ",
            broker.bootstrap_servers()
        )),
        "{text}"
    );
    assert!(text.contains(", lag 2\n"), "{text}");

    let mut missing = cli(&broker, &registry);
    missing.args(["status", "--topic", "nothing"]);
    let output = missing.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no topic `nothing` (nor `nothing-dead-letter`)"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_demo_runs_over_kafka() {
    let Some(broker) = KafkaBroker::for_test("the_demo_runs_over_kafka") else {
        return;
    };
    broker.create_topic("course-enrollment-lifecycle", 1).unwrap();
    let registry = RegistryServer::start().unwrap();
    let mut demo = cli(&broker, &registry);
    demo.args(["demo", "--kafka-bootstrap-servers", &broker.bootstrap_servers()])
        .args(["--schema-registry-url", &registry.url()]);
    let stdout = String::from_utf8(run(demo, "").stdout).unwrap();
    assert!(
        stdout.contains(&format!("on Kafka at {}", broker.bootstrap_servers())),
        "{stdout}"
    );
    assert!(stdout.contains("now holds 1 entry"), "{stdout}");
    assert!(stdout.contains("consumer handled 1 entry: 1 delivered"), "{stdout}");
    assert!(stdout.contains("received from the event bus"), "{stdout}");
    assert!(stdout.contains("still holds 1 entry"), "{stdout}");
}
