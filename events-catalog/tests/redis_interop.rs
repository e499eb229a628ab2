//! The Redis event bus against the Python reference implementation (edx-event-bus-redis 0.6.1
//! with openedx-events 10.5.0), in both directions, on a redis-server started for the test:
//!
//! - events produced by Python's `RedisEventProducer` are consumed by `openedx-events consume`
//!   with the same metadata and data;
//! - events produced by `openedx-events produce`, and events sent on a Rust signal with a producer
//!   bound to it, are received by Python's `RedisEventConsumer` with the same metadata and data.
//!
//! The payloads are the golden cases the Python library wrote (tests/fixtures/golden) for event
//! types that cover optional fields left empty, opaque keys of content authoring, maps and
//! lists. Needs `OPENEDX_EVENTS_PYTHON` (the python of `scripts/python-env`) and a
//! redis-server; without them the test is skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use events_bus_redis::RedisProducer;
use events_bus_redis::testing::{RedisServer, skip};
use events_catalog::learning::{COURSE_ENROLLMENT_CREATED, CourseEnrollmentCreated};
use events_core::AvroEvent;
use events_core::bus::{ProducerConfig, TopicPrefix, connect_producer};
use events_core::testing::isolate_events;
use serde_json::{Value, json};
use support::{json_lines, payloads, root, run};

/// `(event type, what it covers)`.
const EVENT_TYPES: [(&str, &str); 8] = [
    (
        "org.openedx.learning.course.enrollment.created.v1",
        "the enrollment event",
    ),
    (
        "org.openedx.learning.course.enrollment.changed.v1",
        "optional records left None",
    ),
    (
        "org.openedx.learning.exam.attempt.submitted.v1",
        "optional users and datetimes left None",
    ),
    (
        "org.openedx.content_authoring.xblock.published.v1",
        "usage keys of courses",
    ),
    (
        "org.openedx.content_authoring.library_block.created.v1",
        "library locators and library usage keys",
    ),
    (
        "org.openedx.content_authoring.content.object.associations.changed.v1",
        "a list of strings",
    ),
    ("org.openedx.learning.xblock.skill.verified.v1", "a list of records"),
    ("org.openedx.learning.lti_provider.launch.success.v1", "a map"),
];

struct Setup {
    python: PathBuf,
    server: RedisServer,
}

fn setup(test: &str) -> Option<Setup> {
    let python = match std::env::var_os("OPENEDX_EVENTS_PYTHON").filter(|python| !python.is_empty()) {
        Some(python) => PathBuf::from(python),
        None => return skip(test, "OPENEDX_EVENTS_PYTHON is not set (see scripts/python-env)"),
    };
    let server = RedisServer::for_test(test)?;
    Some(Setup { python, server })
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openedx-events"))
}

fn python_script(setup: &Setup, script: &str) -> Command {
    let mut command = Command::new(&setup.python);
    command.arg(root().join("tests/interop").join(script));
    command
}

/// Compares what one side sent with what the other received, event by event.
fn assert_same_events(sent: &[Value], received: &[Value]) {
    assert_eq!(received.len(), sent.len(), "as many events received as sent");
    for (index, (sent, received)) in sent.iter().zip(received).enumerate() {
        let event_type = sent["metadata"]["event_type"].as_str().unwrap_or("?");
        assert_eq!(
            received["metadata"], sent["metadata"],
            "event {index} ({event_type}): metadata"
        );
        assert_eq!(received["data"], sent["data"], "event {index} ({event_type}): data");
    }
}

#[test]
fn events_produced_by_python_are_consumed_by_rust_with_equal_data_and_metadata() {
    let Some(setup) = setup("events_produced_by_python_are_consumed_by_rust") else {
        return;
    };
    let url = setup.server.url();
    let mut input = String::new();
    let mut expected_data = Vec::new();
    for (event_type, _) in EVENT_TYPES {
        for data in payloads(event_type) {
            input.push_str(&json!({"event_type": event_type, "data": data}).to_string());
            input.push('\n');
            expected_data.push(data);
        }
    }

    // Both sides apply the topic prefix of the environment.
    let mut producer = python_script(&setup, "redis_produce.py");
    producer
        .args(["--url", &url, "--topic", "from-python"])
        .env("EVENT_BUS_TOPIC_PREFIX", "interop");
    let sent = json_lines(&run(producer, &input));
    assert_eq!(sent.len(), expected_data.len());
    for (sent, data) in sent.iter().zip(&expected_data) {
        assert_eq!(&sent["data"], data, "Python sent the golden payload");
    }

    let mut consumer = cli();
    consumer
        .args([
            "consume",
            "--redis-url",
            &url,
            "--topic",
            "from-python",
            "--group",
            "rust",
        ])
        .args(["--check-backlog", "--format", "jsonl", "--show-pii"])
        .args(["--max-messages", &sent.len().to_string()])
        .env("EVENT_BUS_TOPIC_PREFIX", "interop");
    let output = run(consumer, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("dead-lettered"), "{stderr}");
    assert_same_events(&sent, &json_lines(&output));
}

#[test]
fn events_produced_by_rust_are_consumed_by_python_with_equal_data_and_metadata() {
    let Some(setup) = setup("events_produced_by_rust_are_consumed_by_python") else {
        return;
    };
    let url = setup.server.url();
    let mut sent = Vec::new();
    for (event_type, _) in EVENT_TYPES {
        let payloads = payloads(event_type);
        let input: String = payloads.iter().map(|data| format!("{data}\n")).collect();
        let mut producer = cli();
        producer
            .args([
                "produce",
                "--redis-url",
                &url,
                "--topic",
                "from-rust",
                "--format",
                "jsonl",
            ])
            .arg(event_type)
            .env("EVENT_BUS_TOPIC_PREFIX", "interop");
        let reports = json_lines(&run(producer, &input));
        assert_eq!(reports.len(), payloads.len(), "{event_type}: one report per line");
        for (report, data) in reports.into_iter().zip(payloads) {
            assert_eq!(report["stream"], "interop-from-rust");
            sent.push(json!({"metadata": report["metadata"], "data": data}));
        }
    }

    let mut consumer = python_script(&setup, "redis_consume.py");
    consumer
        .args(["--url", &url, "--topic", "from-rust", "--group", "python"])
        .args(["--check-backlog", "--count", &sent.len().to_string()])
        .env("EVENT_BUS_TOPIC_PREFIX", "interop");
    let received = json_lines(&run(consumer, ""));
    assert_same_events(&sent, &received);
}

#[test]
fn events_sent_on_a_rust_signal_with_a_bound_producer_reach_the_python_consumer() {
    let Some(setup) = setup("events_sent_on_a_rust_signal_reach_python") else {
        return;
    };
    let url = setup.server.url();
    let event_type = "org.openedx.learning.course.enrollment.created.v1";
    // The service's wiring: its producer configuration, bound to its signals.
    let config = ProducerConfig::default()
        .publish(
            event_type,
            "course-enrollment-lifecycle",
            "enrollment.course.course_key",
        )
        .unwrap();
    let producer = Arc::new(RedisProducer::from_url(&url).unwrap());
    let binding = connect_producer(&config, producer, &TopicPrefix::new("interop")).unwrap();

    // The isolation records what was sent; the bound producer, a global receiver, still runs.
    let events = isolate_events().enable(&COURSE_ENROLLMENT_CREATED).start();
    let payloads = payloads(event_type);
    for data in &payloads {
        let event = CourseEnrollmentCreated::from_json_value(data.clone()).unwrap();
        let responses = COURSE_ENROLLMENT_CREATED.send_event(event).unwrap();
        assert_eq!(responses.failures().count(), 0);
    }
    binding.unbind();
    let sent: Vec<Value> = events
        .sent::<CourseEnrollmentCreated>()
        .iter()
        .zip(&payloads)
        .map(|(event, data)| json!({"metadata": event.metadata().to_json_value(), "data": data}))
        .collect();
    assert_eq!(sent.len(), payloads.len());

    let mut consumer = python_script(&setup, "redis_consume.py");
    consumer
        .args([
            "--url",
            &url,
            "--topic",
            "course-enrollment-lifecycle",
            "--group",
            "python",
        ])
        .args(["--check-backlog", "--count", &sent.len().to_string()])
        .env("EVENT_BUS_TOPIC_PREFIX", "interop");
    let received = json_lines(&run(consumer, ""));
    assert_same_events(&sent, &received);
}

#[test]
fn an_unreadable_entry_is_dead_lettered_and_reported_by_the_consume_command() {
    let Some(server) = RedisServer::for_test("an_unreadable_entry_is_dead_lettered") else {
        return;
    };
    let url = server.url();
    let mut connection = redis_client(&url);
    let _: String = redis_cmd(&mut connection, &["XADD", "broken", "*", "type", "nonsense"]);

    let mut consumer = cli();
    consumer.args([
        "consume",
        "--redis-url",
        &url,
        "--topic",
        "broken",
        "--group",
        "g",
        "--check-backlog",
        "--max-messages",
        "1",
        "--format",
        "jsonl",
    ]);
    let output = run(consumer, "");
    assert!(json_lines(&output).is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("dead-lettered to `broken-dead-letter`: unreadable message: the entry has no `id` field"),
        "{stderr}"
    );
    let dead: u64 = redis_cmd(&mut connection, &["XLEN", "broken-dead-letter"]);
    assert_eq!(dead, 1);
}

#[test]
fn a_line_that_cannot_be_published_is_reported_with_its_number_and_fails_the_command() {
    let Some(server) = RedisServer::for_test("a_line_that_cannot_be_published") else {
        return;
    };
    let url = server.url();
    let good = payloads("org.openedx.learning.course.enrollment.created.v1")[0].to_string();
    let input = format!("{good}\nnot json\n\n{{\"enrollment\": {{}}}}\n{good}\n");
    let output = cli()
        .args(["produce", "--redis-url", &url, "--topic", "t"])
        .arg("org.openedx.learning.course.enrollment.created.v1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 2: org.openedx.learning.course.enrollment.created.v1: the payload is not JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4: org.openedx.learning.course.enrollment.created.v1: enrollment: missing field `user`"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 4 lines could not be published"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("line 1: ") && stdout.contains("\nline 5: "),
        "{stdout}"
    );
    let mut connection = redis_client(&url);
    let len: u64 = redis_cmd(&mut connection, &["XLEN", "t"]);
    assert_eq!(len, 2);
}

/// Runs `produce` of `lines` copies of an enrollment payload to stream `t` of `url`, with
/// `EVENT_BUS_REDIS_STREAM_MAX_LEN` set to `max_len_setting` and the extra arguments.
fn produce_copies(url: &str, lines: usize, max_len_setting: &str, extra: &[&str]) -> Output {
    let good = payloads("org.openedx.learning.course.enrollment.created.v1")[0].to_string();
    let input = format!("{good}\n").repeat(lines);
    let mut command = cli();
    command
        .args(["produce", "--redis-url", url, "--topic", "t"])
        .args(extra)
        .arg("org.openedx.learning.course.enrollment.created.v1")
        .env("EVENT_BUS_REDIS_STREAM_MAX_LEN", max_len_setting)
        .env_remove("EVENT_BUS_TOPIC_PREFIX");
    run(command, &input)
}

#[test]
fn produce_trims_the_stream_at_the_stream_max_len_setting_unless_told_otherwise() {
    let Some(server) = RedisServer::for_test("produce_trims_at_the_setting") else {
        return;
    };
    let url = server.url();
    let mut connection = redis_client(&url);
    // `MAXLEN ~` trims whole nodes of the stream (100 entries each by default): 600 entries
    // kept at about 150 leave one or two nodes.
    produce_copies(&url, 600, "150", &[]);
    let trimmed: u64 = redis_cmd(&mut connection, &["XLEN", "t"]);
    assert!((150..=250).contains(&trimmed), "XLEN {trimmed}");
    // `--max-len 0` overrides the setting: nothing is trimmed.
    redis_cmd::<u64>(&mut connection, &["DEL", "t"]);
    produce_copies(&url, 600, "150", &["--max-len", "0"]);
    let kept: u64 = redis_cmd(&mut connection, &["XLEN", "t"]);
    assert_eq!(kept, 600);
}

#[test]
fn produce_refuses_an_invalid_stream_max_len_setting_naming_the_variable() {
    // Refused before anything is connected: port 1 has no server.
    let output = cli()
        .args(["produce", "--redis-url", "redis://127.0.0.1:1/0", "--topic", "t"])
        .arg("org.openedx.learning.course.enrollment.created.v1")
        .env("EVENT_BUS_REDIS_STREAM_MAX_LEN", "lots")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("EVENT_BUS_REDIS_STREAM_MAX_LEN=\"lots\""), "{stderr}");
}

#[test]
fn the_demo_runs_over_redis() {
    // On the Redis that scripts/test starts for the run when there is one, else on our own.
    let own;
    let url = match std::env::var("OPENEDX_EVENTS_REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            let Some(server) = RedisServer::for_test("the_demo_runs_over_redis") else {
                return;
            };
            own = server;
            own.url()
        }
    };
    // A stream of its own, whatever ran on that server before.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mut demo = cli();
    demo.args(["demo", "--redis-url", &url]).env(
        "EVENT_BUS_TOPIC_PREFIX",
        format!("demo-test-{}-{nanos}", std::process::id()),
    );
    let output = run(demo, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("on Redis at {url}")), "{stdout}");
    assert!(
        stdout.contains("consumer handled 1 entry: 1 delivered, 0 dead-lettered"),
        "{stdout}"
    );
    assert!(stdout.contains("as audit; event"), "{stdout}");
    assert!(stdout.contains(", received from the event bus"), "{stdout}");
    assert!(stdout.contains("still holds 1 entry"), "{stdout}");
}

fn redis_client(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

fn redis_cmd<T: redis::FromRedisValue>(connection: &mut redis::Connection, args: &[&str]) -> T {
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query(connection).unwrap()
}

#[test]
fn entries_written_by_python_with_an_appended_field_are_delivered_with_a_warning_or_refused_on_request() {
    let Some(setup) = setup("entries_written_by_python_with_an_appended_field") else {
        return;
    };
    let url = setup.server.url();
    // The Python producer with XBlockData given one more field, appended, at minorversion 0.
    let mut producer = python_script(&setup, "redis_produce_appended.py");
    producer.args(["--url", &url, "--topic", "skew", "--count", "3"]);
    let sent = json_lines(&run(producer, ""));
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0]["data"]["xblock_info"]["revision_note"], "revision 0");

    let consume = |group: &str, extra: &[&str]| {
        let mut consumer = cli();
        consumer
            .args(["consume", "--redis-url", &url, "--topic", "skew", "--group", group])
            .args(["--check-backlog", "--max-messages", "3"])
            .args(extra);
        run(consumer, "")
    };
    let delivered = consume("lenient", &["--format", "jsonl"]);
    let received = json_lines(&delivered);
    assert_eq!(received.len(), 3, "all delivered");
    for (sent, received) in sent.iter().zip(&received) {
        assert_eq!(received["metadata"], sent["metadata"]);
        let mut known = sent["data"].clone();
        known["xblock_info"].as_object_mut().unwrap().remove("revision_note");
        assert_eq!(received["data"], known, "the fields this build knows");
    }
    let stderr = String::from_utf8_lossy(&delivered.stderr);
    assert_eq!(
        stderr.matches("bytes after the fields of org.openedx.content_authoring.xblock.published.v1 this build knows were skipped").count(),
        3,
        "{stderr}"
    );

    let refused = consume("strict", &["--refuse-unknown-fields"]);
    assert!(json_lines(&refused).is_empty() || refused.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("0 delivered (0 with unknown fields skipped), 3 dead-lettered"),
        "{stderr}"
    );
    let mut client = redis_client(&url);
    let dead: u64 = redis_cmd(&mut client, &["XLEN", "skew-dead-letter"]);
    assert_eq!(dead, 3);
}
