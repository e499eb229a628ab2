//! `openedx-events produce` rides out a short Redis outage: a line whose `XADD` cannot reach
//! Redis is retried with backoff until it goes through or its deadline (`--retry-timeout`)
//! passes, the wait is reported once per outage, and errors Redis answers with are not retried.
//! Needs a redis-server; without one the tests are skipped, unless
//! `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use serde_json::Value;

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";
const STREAM: &str = "enrollments";

fn payload() -> String {
    let path = format!(
        "{}/../tests/fixtures/golden/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        ENROLLMENT.replace('.', "+")
    );
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    golden["cases"][0]["data"].to_string()
}

fn start_produce(url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["produce", "--redis-url", url, "--topic", STREAM, "--format", "jsonl"])
        .args(extra)
        .arg(ENROLLMENT)
        .env_remove("EVENT_BUS_TOPIC_PREFIX")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run produce")
}

/// Writes `count` payload lines.
fn write_lines(stdin: &mut ChildStdin, count: usize) {
    for _ in 0..count {
        writeln!(stdin, "{}", payload()).expect("write a line");
    }
    stdin.flush().expect("flush");
}

/// The next report on stdout: `(line, event id)`.
fn next_report(stdout: &mut BufReader<ChildStdout>) -> (u64, String) {
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read a report");
    let report: Value = serde_json::from_str(&line).unwrap_or_else(|error| panic!("{line:?}: {error}"));
    (
        report["line"].as_u64().expect("line"),
        report["metadata"]["id"].as_str().expect("id").to_owned(),
    )
}

struct Finished {
    success: bool,
    reports: Vec<(u64, String)>,
    stderr: String,
    elapsed: Duration,
}

/// Closes stdin, then collects the reports (after any already read) and the exit status.
fn finish(
    mut child: Child,
    mut stdout: BufReader<ChildStdout>,
    mut reports: Vec<(u64, String)>,
    started: Instant,
) -> Finished {
    drop(child.stdin.take());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("stdout");
    for line in rest.lines() {
        let report: Value = serde_json::from_str(line).unwrap_or_else(|error| panic!("{line:?}: {error}"));
        reports.push((
            report["line"].as_u64().expect("line"),
            report["metadata"]["id"].as_str().expect("id").to_owned(),
        ));
    }
    let output = child.wait_with_output().expect("wait");
    Finished {
        success: output.status.success(),
        reports,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// How many entries of the stream carry each event id (the `id` field).
fn entries_by_event_id(url: &str) -> BTreeMap<String, usize> {
    let mut connection = redis::Client::open(url).unwrap().get_connection().unwrap();
    let entries: Vec<(String, Vec<Vec<u8>>)> = redis::cmd("XRANGE")
        .arg(STREAM)
        .arg("-")
        .arg("+")
        .query(&mut connection)
        .unwrap();
    let mut counts = BTreeMap::new();
    for (entry_id, fields) in entries {
        let id = fields
            .chunks(2)
            .find(|pair| pair[0] == b"id")
            .map(|pair| String::from_utf8(pair[1].clone()).unwrap())
            .unwrap_or_else(|| panic!("entry {entry_id} has no id field"));
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

/// The lines of `stderr` that announce a retry wait.
fn retry_notices(stderr: &str) -> usize {
    stderr.lines().filter(|line| line.contains("retrying")).count()
}

#[test]
fn lines_given_while_redis_is_down_are_all_published_once_it_is_back() {
    let Some(mut server) = RedisServer::persistent_for_test("produce_rides_out_an_outage") else {
        return;
    };
    let url = server.url();
    server.kill();

    let started = Instant::now();
    let mut child = start_produce(&url, &[]);
    write_lines(child.stdin.as_mut().expect("stdin"), 5);
    std::thread::sleep(Duration::from_secs(1));
    server.restart().expect("restart redis-server");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let done = finish(child, stdout, Vec::new(), started);

    assert!(done.success, "{}", done.stderr);
    let lines: Vec<u64> = done.reports.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5], "{}", done.stderr);
    let expected: BTreeMap<String, usize> = done.reports.iter().map(|(_, id)| (id.clone(), 1)).collect();
    assert_eq!(
        entries_by_event_id(&url),
        expected,
        "every line once, under its event id"
    );
    assert_eq!(
        retry_notices(&done.stderr),
        1,
        "one notice for the outage:\n{}",
        done.stderr
    );
    assert!(done.stderr.contains("reachable again"), "{}", done.stderr);
}

#[test]
fn an_outage_between_lines_delays_the_remaining_lines_instead_of_failing_them() {
    let Some(mut server) = RedisServer::persistent_for_test("produce_outage_between_lines") else {
        return;
    };
    let url = server.url();
    let started = Instant::now();
    let mut child = start_produce(&url, &["--retry-timeout", "20"]);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    write_lines(child.stdin.as_mut().expect("stdin"), 1);
    let first = next_report(&mut stdout);
    assert_eq!(first.0, 1);

    server.kill();
    write_lines(child.stdin.as_mut().expect("stdin"), 4);
    std::thread::sleep(Duration::from_secs(1));
    server.restart().expect("restart redis-server");
    let done = finish(child, stdout, vec![first], started);

    assert!(done.success, "{}", done.stderr);
    let lines: Vec<u64> = done.reports.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5], "{}", done.stderr);
    let expected: BTreeMap<String, usize> = done.reports.iter().map(|(_, id)| (id.clone(), 1)).collect();
    assert_eq!(entries_by_event_id(&url), expected);
    assert_eq!(retry_notices(&done.stderr), 1, "{}", done.stderr);
}

#[test]
fn a_line_fails_when_its_retry_deadline_passes_and_the_outage_is_reported_once() {
    let Some(mut server) = RedisServer::persistent_for_test("produce_retry_deadline") else {
        return;
    };
    let url = server.url();
    let started = Instant::now();
    let mut child = start_produce(&url, &["--retry-timeout", "1"]);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    write_lines(child.stdin.as_mut().expect("stdin"), 1);
    let first = next_report(&mut stdout);

    server.kill();
    let killed = Instant::now();
    write_lines(child.stdin.as_mut().expect("stdin"), 2);
    let done = finish(child, stdout, vec![first], started);

    assert!(!done.success);
    assert_eq!(done.reports.len(), 1, "{}", done.stderr);
    assert!(
        killed.elapsed() >= Duration::from_secs(2),
        "each line waited out its own deadline"
    );
    for line in [2, 3] {
        assert!(
            done.stderr
                .lines()
                .any(|text| text.starts_with(&format!("openedx-events: line {line}: "))
                    && text.contains("gave up after 1s")),
            "line {line}:\n{}",
            done.stderr
        );
    }
    assert_eq!(retry_notices(&done.stderr), 1, "the same outage:\n{}", done.stderr);
    assert!(
        done.stderr.contains("2 of 3 lines could not be published"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_retry_timeout_of_zero_fails_a_line_at_once() {
    let Some(mut server) = RedisServer::persistent_for_test("produce_no_retry") else {
        return;
    };
    let url = server.url();
    let started = Instant::now();
    let mut child = start_produce(&url, &["--retry-timeout", "0"]);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    write_lines(child.stdin.as_mut().expect("stdin"), 1);
    let first = next_report(&mut stdout);

    server.kill();
    let killed = Instant::now();
    write_lines(child.stdin.as_mut().expect("stdin"), 1);
    let done = finish(child, stdout, vec![first], started);

    assert!(!done.success);
    assert!(
        killed.elapsed() < Duration::from_secs(5),
        "no waiting: {:?}",
        done.elapsed
    );
    assert!(done.stderr.contains("openedx-events: line 2: "), "{}", done.stderr);
    assert_eq!(retry_notices(&done.stderr), 0, "{}", done.stderr);
}

#[test]
fn errors_redis_answers_with_are_not_retried() {
    let Some(server) = RedisServer::for_test("produce_server_errors") else {
        return;
    };
    let url = server.url();
    let mut connection = redis::Client::open(url.as_str()).unwrap().get_connection().unwrap();
    let () = redis::cmd("SET")
        .arg(STREAM)
        .arg("not a stream")
        .query(&mut connection)
        .unwrap();

    let started = Instant::now();
    let mut child = start_produce(&url, &["--retry-timeout", "30"]);
    write_lines(child.stdin.as_mut().expect("stdin"), 2);
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let done = finish(child, stdout, Vec::new(), started);

    assert!(!done.success);
    assert!(
        done.elapsed < Duration::from_secs(10),
        "not retried for 30 s: {:?}",
        done.elapsed
    );
    assert_eq!(
        done.stderr.lines().filter(|line| line.contains("WRONGTYPE")).count(),
        2,
        "{}",
        done.stderr
    );
    assert_eq!(retry_notices(&done.stderr), 0, "{}", done.stderr);
}
