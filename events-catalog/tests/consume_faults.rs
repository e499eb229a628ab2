//! `openedx-events consume` against entries and streams that go wrong: an event of a newer minor
//! version, a dead-letter stream that cannot be written, and a dead-letter stream that would grow
//! without end. Needs a redis-server; without one the tests are skipped, unless
//! `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use serde_json::Value;

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";

fn golden_case() -> (Value, Vec<u8>) {
    let path = format!(
        "{}/../tests/fixtures/golden/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        ENROLLMENT.replace('.', "+")
    );
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let case = &golden["cases"][0];
    let bytes = hex::decode(case["avro_hex"].as_str().expect("hex")).expect("hex");
    (case["data"].clone(), bytes)
}

fn connection(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

/// Adds an entry with the fields the Python producer writes, with `minorversion` and `data`.
fn add_event(connection: &mut redis::Connection, stream: &str, minorversion: u32, data: &[u8]) -> String {
    redis::cmd("XADD")
        .arg(stream)
        .arg("*")
        .arg("type")
        .arg(ENROLLMENT)
        .arg("id")
        .arg("5f1a6a4e-c0de-11ee-8a2b-0242ac120002")
        .arg("source")
        .arg("openedx/lms/web")
        .arg("time")
        .arg("2024-02-01T12:00:00+00:00")
        .arg("minorversion")
        .arg(minorversion)
        .arg("sourcehost")
        .arg("lms-1")
        .arg("sourcelib")
        .arg("10.5.0")
        .arg("event_data")
        .arg(data)
        .query(connection)
        .unwrap()
}

fn consume(url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["consume", "--redis-url", url, "--topic", "enrollments", "--group", "g"])
        .args(["--consumer", "c1", "--check-backlog", "--format", "jsonl"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run consume")
}

/// Waits for `child` to exit within `limit`; kills it and fails otherwise.
fn finish(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).ok();
            panic!("consume did not finish within {limit:?}; stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn pending_count(connection: &mut redis::Connection) -> i64 {
    let summary: Vec<redis::Value> = redis::cmd("XPENDING")
        .arg("enrollments")
        .arg("g")
        .query(connection)
        .unwrap();
    match &summary[0] {
        redis::Value::Int(count) => *count,
        other => panic!("XPENDING count: {other:?}"),
    }
}

#[test]
fn an_event_of_a_newer_minor_version_is_printed_as_delivered() {
    let Some(server) = RedisServer::for_test("newer_minor_version_is_printed") else {
        return;
    };
    let url = server.url();
    let (data, mut bytes) = golden_case();
    // Fields appended by a newer minor version: five bytes this build does not know.
    bytes.extend([2, 4, 0, 0, 0]);
    let mut redis = connection(&url);
    add_event(&mut redis, "enrollments", 99, &bytes);

    let output = finish(
        consume(&url, &["--max-messages", "1", "--show-pii"]),
        Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line: Value = serde_json::from_str(stdout.lines().next().expect("one event printed")).unwrap();
    assert_eq!(line["data"], data);
    assert_eq!(line["metadata"]["minorversion"], 99);
    assert_eq!(pending_count(&mut redis), 0, "acknowledged");
}

#[test]
fn personal_fields_are_redacted_in_the_output_unless_asked_for() {
    let Some(server) = RedisServer::for_test("personal_fields_are_redacted") else {
        return;
    };
    let url = server.url();
    let (data, bytes) = golden_case();
    let mut redis = connection(&url);
    add_event(&mut redis, "enrollments", 0, &bytes);
    let output = finish(consume(&url, &["--max-messages", "1"]), Duration::from_secs(30));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line: Value = serde_json::from_str(stdout.lines().next().expect("one event printed")).unwrap();
    let mut expected = data.clone();
    for field in ["username", "email", "name"] {
        expected["enrollment"]["user"]["pii"][field] = Value::from("<redacted>");
    }
    assert_eq!(line["data"], expected);
    assert_eq!(
        line["data"]["enrollment"]["course"], data["enrollment"]["course"],
        "the rest as it is"
    );
}

#[test]
fn an_entry_that_cannot_be_dead_lettered_is_left_pending_and_the_good_entries_behind_it_are_consumed() {
    let Some(server) = RedisServer::for_test("dead_letter_unwritable") else {
        return;
    };
    let url = server.url();
    let (_, bytes) = golden_case();
    let mut redis = connection(&url);
    // The dead-letter stream's key holds a string: every XADD to it fails with WRONGTYPE.
    redis::cmd("SET")
        .arg("enrollments-dead-letter")
        .arg("not a stream")
        .query::<()>(&mut redis)
        .unwrap();
    let poison: String = redis::cmd("XADD")
        .arg("enrollments")
        .arg("*")
        .arg("type")
        .arg(ENROLLMENT)
        .query(&mut redis)
        .unwrap();
    add_event(&mut redis, "enrollments", 0, &bytes);
    add_event(&mut redis, "enrollments", 0, &bytes);

    let output = finish(consume(&url, &["--max-messages", "3"]), Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().count(),
        2,
        "both good events"
    );
    assert!(
        stderr.contains(&format!("entry {poison} left pending (not acknowledged")),
        "{stderr}"
    );
    assert!(stderr.contains("WRONGTYPE"), "{stderr}");
    assert_eq!(
        pending_count(&mut redis),
        1,
        "only the entry that could not be dead-lettered"
    );
}

#[test]
fn the_dead_letter_stream_is_trimmed_to_its_limit() {
    let Some(server) = RedisServer::for_test("dead_letter_trimmed") else {
        return;
    };
    let url = server.url();
    let mut redis = connection(&url);
    let mut pipe = redis::pipe();
    for index in 0..300 {
        pipe.cmd("XADD")
            .arg("enrollments")
            .arg("*")
            .arg("junk")
            .arg(index)
            .ignore();
    }
    pipe.query::<()>(&mut redis).unwrap();

    let output = finish(
        consume(&url, &["--max-messages", "300", "--dead-letter-max-len", "10"]),
        Duration::from_secs(60),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let len: u64 = redis::cmd("XLEN")
        .arg("enrollments-dead-letter")
        .query(&mut redis)
        .unwrap();
    // `MAXLEN ~` trims whole nodes (100 entries by default): about the limit, never all 300.
    assert!((10..=200).contains(&len), "{len} dead letters kept");
    assert_eq!(pending_count(&mut redis), 0);
}

#[test]
fn losing_and_regaining_redis_is_told_once_each_and_consuming_goes_on() {
    let Some(mut server) = RedisServer::persistent_for_test("losing_and_regaining_redis") else {
        return;
    };
    let url = server.url();
    let (_, bytes) = golden_case();
    let first = add_event(&mut connection(&url), "enrollments", 0, &bytes);
    let mut child = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["consume", "--redis-url", &url, "--topic", "enrollments", "--group", "g"])
        .args(["--consumer", "c1", "--check-backlog", "--max-messages", "2", "-v"])
        .env("EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT", "0.2")
        .env_remove("RUST_LOG")
        .env_remove("EVENT_BUS_TOPIC_PREFIX")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run consume");
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).expect("the first event");
    assert!(line.starts_with(&first), "{line}");

    server.kill();
    // A few polls fail while Redis is away.
    std::thread::sleep(Duration::from_millis(1500));
    server.restart().expect("restart redis-server");
    let second = add_event(&mut connection(&url), "enrollments", 0, &bytes);

    let output = finish(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(
        rest.lines().any(|line| line.starts_with(&second)),
        "the event sent after the outage: {rest}"
    );
    let told = |text: &str| stderr.lines().filter(|line| line.contains(text)).count();
    assert_eq!(told(&format!("openedx-events: lost Redis at {url}: ")), 1, "{stderr}");
    assert_eq!(
        told(&format!("openedx-events: Redis at {url} is back after ")),
        1,
        "{stderr}"
    );
    // `-v` shows the library's logs too.
    assert!(
        told("consumer started") == 1 && told("lost the event bus") == 1,
        "{stderr}"
    );
}
