//! The outbox from the command line, against a real SQLite file and a real redis-server: lines
//! written through `produce --outbox`, and `outbox relay` killed with SIGKILL at random points
//! while it publishes them. Nothing is lost, and what is published twice is at most the batch
//! each killed relay had in flight. Needs a redis-server; without one the test is skipped,
//! unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use events_bus_redis::testing::RedisServer;
use serde_json::Value;
use support::{json_lines, payloads, run};

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";
const EVENTS: usize = 2000;
const BATCH: usize = 50;
const KILLS: usize = 6;

fn cli() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openedx-events"));
    command
        .env_remove("EVENT_BUS_TOPIC_PREFIX")
        .env_remove("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS");
    command
}

/// A stream entry as `XRANGE` gives it: its id and its fields.
type Entry = (String, Vec<(String, Vec<u8>)>);

/// The `id` field of every entry of `stream`, oldest first.
fn entry_ids(url: &str, stream: &str) -> Vec<String> {
    let mut connection = redis::Client::open(url).unwrap().get_connection().unwrap();
    let entries: Vec<Entry> = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(&mut connection)
        .unwrap();
    entries
        .into_iter()
        .map(|(_, fields)| {
            let (_, id) = fields.into_iter().find(|(name, _)| name == "id").expect("an id field");
            String::from_utf8(id).unwrap()
        })
        .collect()
}

#[test]
fn a_relay_killed_at_random_points_loses_nothing_and_repeats_at_most_its_batch_in_flight() {
    let Some(server) = RedisServer::for_test("a_relay_killed_at_random_points") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("service.sqlite").display());
    let mut migrate = cli();
    migrate.args(["outbox", "migrate", "--database", &database]);
    run(migrate, "");

    let payload = payloads(ENROLLMENT)[0].to_string();
    let mut produce = cli();
    produce.args([
        "produce",
        "--outbox",
        &database,
        "--topic",
        "enrollments",
        "--format",
        "jsonl",
        ENROLLMENT,
    ]);
    let written = json_lines(&run(produce, &format!("{payload}\n").repeat(EVENTS)));
    assert_eq!(written.len(), EVENTS);
    let written: Vec<String> = written
        .iter()
        .map(|line| line["metadata"]["id"].as_str().unwrap().to_owned())
        .collect();

    // A relay killed a few times while it publishes (deterministic pauses from 20 to 200 ms).
    let mut seed: u64 = 0x5eed;
    for _ in 0..KILLS {
        let mut relay = cli()
            .args(["outbox", "relay", "--database", &database, "--redis-url", &server.url()])
            .args(["--batch-size", &BATCH.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        std::thread::sleep(Duration::from_millis(20 + (seed >> 33) % 180));
        relay.kill().unwrap(); // SIGKILL
        relay.wait().unwrap();
    }
    let mut last = cli();
    last.args([
        "outbox",
        "relay",
        "--database",
        &database,
        "--redis-url",
        &server.url(),
        "--until-empty",
    ]);
    let output = run(last, "");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("relayed "),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let published = entry_ids(&server.url(), "enrollments");
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &published {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    for id in &written {
        assert!(counts.contains_key(id.as_str()), "event {id} lost");
    }
    let repeats = published.len() - counts.len();
    assert!(
        repeats <= KILLS * BATCH,
        "{repeats} repeats for {KILLS} kills of batches of {BATCH}"
    );
    // Commit order: the first publication of each event follows the order they were written.
    let mut first_seen = Vec::new();
    for id in &published {
        if !first_seen.contains(id) {
            first_seen.push(id.clone());
        }
    }
    assert_eq!(first_seen, written, "published in commit order");

    let mut status = cli();
    status.args(["outbox", "status", "--database", &database, "--format", "json"]);
    let status: Value = serde_json::from_slice(&run(status, "").stdout).unwrap();
    assert_eq!(status["pending"], 0);
    assert_eq!(status["sent"], EVENTS as u64);
    assert_eq!(status["oldest_pending_ms"], Value::Null);
}

#[test]
fn lines_written_to_a_postgres_outbox_are_relayed_to_redis_once_each() {
    let Some(server) = RedisServer::for_test("lines_written_to_a_postgres_outbox") else {
        return;
    };
    let Some(postgres) = events_outbox::testing::PostgresServer::for_test("lines_written_to_a_postgres_outbox") else {
        return;
    };
    let database = postgres.create_database("service").unwrap();
    let payload = payloads(ENROLLMENT)[0].to_string();
    let mut produce = cli();
    produce.args([
        "produce",
        "--outbox",
        &database,
        "--topic",
        "enrollments",
        "--format",
        "jsonl",
        ENROLLMENT,
    ]);
    let written = json_lines(&run(produce, &format!("{payload}\n").repeat(30)));
    assert!(written.iter().all(|line| line["outbox_row"].is_i64()), "{written:?}");
    let written: Vec<String> = written
        .iter()
        .map(|line| line["metadata"]["id"].as_str().unwrap().to_owned())
        .collect();

    let mut relay = cli();
    relay.args([
        "outbox",
        "relay",
        "--database",
        &database,
        "--redis-url",
        &server.url(),
        "--until-empty",
    ]);
    let output = run(relay, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("relayed 30 messages"), "{stderr}");
    assert!(
        !stderr.contains("postgres@"),
        "no credentials in the messages: {stderr}"
    );
    assert_eq!(entry_ids(&server.url(), "enrollments"), written);

    let mut status = cli();
    status.args(["outbox", "status", "--database", &database, "--format", "json"]);
    let status: Value = serde_json::from_slice(&run(status, "").stdout).unwrap();
    assert_eq!(
        (status["pending"].as_u64(), status["sent"].as_u64()),
        (Some(0), Some(30))
    );
}

#[test]
fn the_demo_runs_through_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = cli();
    demo.args([
        "demo",
        "--outbox",
        &format!("sqlite:{}", dir.path().join("demo.sqlite").display()),
    ]);
    let stdout = String::from_utf8(run(demo, "").stdout).unwrap();
    assert!(
        stdout.contains("a second enrollment rolled back took its event with it: 1 pending"),
        "{stdout}"
    );
    assert!(
        stdout.contains("relayed 1 entry to `course-enrollment-lifecycle`"),
        "{stdout}"
    );
    assert!(stdout.contains("consumer handled 1 entry: 1 delivered"), "{stdout}");
    assert!(stdout.contains("received from the event bus"), "{stdout}");
}

#[test]
fn a_relay_waits_out_a_stalled_broker_and_catches_up() {
    let Some(mut server) = RedisServer::for_test("a_relay_waits_out_a_stalled_broker") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("service.sqlite").display());
    let payload = payloads(ENROLLMENT)[0].to_string();
    let produce_lines = |count: usize| {
        let mut produce = cli();
        produce.args([
            "produce",
            "--outbox",
            &database,
            "--topic",
            "enrollments",
            "--format",
            "jsonl",
            ENROLLMENT,
        ]);
        json_lines(&run(produce, &format!("{payload}\n").repeat(count)))
            .iter()
            .map(|line| line["metadata"]["id"].as_str().unwrap().to_owned())
            .collect::<Vec<String>>()
    };
    let mut written = produce_lines(100);
    let mut relay = cli()
        .args(["outbox", "relay", "--database", &database, "--redis-url", &server.url()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = server.url();
    let wait_for = |count: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let published = entry_ids(&url, "enrollments");
            let mut unique = published.clone();
            unique.sort();
            unique.dedup();
            if unique.len() >= count || std::time::Instant::now() > deadline {
                return published;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    assert_eq!(wait_for(100).len(), 100);

    // The broker stalls (SIGSTOP) while more events are committed, then comes back.
    server.pause().unwrap();
    written.extend(produce_lines(100));
    std::thread::sleep(Duration::from_secs(3));
    server.resume().unwrap();
    let published = wait_for(200);
    relay.kill().unwrap();
    relay.wait().unwrap();
    for id in &written {
        assert!(published.contains(id), "event {id} lost");
    }
}
