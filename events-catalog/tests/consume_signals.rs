//! `openedx-events consume` stops cleanly on SIGTERM and SIGINT: the entries it handled are
//! acknowledged, so nothing is redelivered to the group. Needs a redis-server; without one the
//! test is skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use serde_json::Value;

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";

fn payload() -> String {
    let path = format!(
        "{}/../tests/fixtures/golden/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        ENROLLMENT.replace('.', "+")
    );
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    golden["cases"][0]["data"].to_string()
}

fn produce(url: &str, lines: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["produce", "--redis-url", url, "--topic", "enrollments", ENROLLMENT])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run produce");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
}

fn pending(url: &str) -> i64 {
    let mut connection = redis::Client::open(url).unwrap().get_connection().unwrap();
    let summary: Vec<redis::Value> = redis::cmd("XPENDING")
        .arg("enrollments")
        .arg("g")
        .query(&mut connection)
        .unwrap();
    match &summary[0] {
        redis::Value::Int(count) => *count,
        other => panic!("XPENDING count: {other:?}"),
    }
}

fn stops_cleanly_on(signal: &str) {
    let Some(server) = RedisServer::for_test(&format!("consume_stops_on_{signal}")) else {
        return;
    };
    let url = server.url();
    produce(&url, &format!("{}\n{}\n", payload(), payload()));

    let mut consumer = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args([
            "consume",
            "--redis-url",
            &url,
            "--topic",
            "enrollments",
            "--group",
            "g",
            "--check-backlog",
            "--format",
            "jsonl",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run consume");
    // Both events are printed once handled; the consumer then waits for more.
    let mut lines = BufReader::new(consumer.stdout.take().expect("stdout")).lines();
    for _ in 0..2 {
        let line = lines.next().expect("an event line").expect("text");
        assert!(line.contains(ENROLLMENT), "{line}");
    }

    let status = Command::new("kill")
        .args([&format!("-{signal}"), &consumer.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = consumer.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "consume did not stop after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut consumer.stderr.take().expect("stderr"), &mut stderr).expect("stderr");

    assert!(status.success(), "exit status {status}: {stderr}");
    assert_eq!(pending(&url), 0, "every handled entry was acknowledged");
}

#[test]
fn consume_stops_cleanly_on_sigterm_with_every_handled_entry_acknowledged() {
    stops_cleanly_on("TERM");
}

#[test]
fn consume_stops_cleanly_on_sigint_with_every_handled_entry_acknowledged() {
    stops_cleanly_on("INT");
}

/// A server that answers the first command (`XGROUP CREATE`) with `+OK` and then never again.
fn silent_after_first_reply() -> u16 {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buffer = [0; 4096];
                let mut answered = false;
                while let Ok(n @ 1..) = stream.read(&mut buffer) {
                    let _ = n;
                    if !answered {
                        answered = true;
                        let _ = stream.write_all(b"+OK\r\n");
                    }
                }
            });
        }
    });
    port
}

#[test]
fn sigterm_interrupts_a_consumer_waiting_for_a_reply_that_never_comes() {
    let port = silent_after_first_reply();
    let mut consumer = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["consume", "--redis-url", &format!("redis://127.0.0.1:{port}/0")])
        .args(["--topic", "enrollments", "--group", "g", "--check-backlog"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run consume");
    // Time to connect, create the group and start waiting for the pending entries.
    std::thread::sleep(Duration::from_millis(500));
    assert!(consumer.try_wait().expect("wait").is_none(), "still waiting");
    let status = Command::new("kill")
        .args(["-TERM", &consumer.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let started = Instant::now();
    while consumer.try_wait().expect("wait").is_none() {
        // The reply timeout is 5 seconds: a consumer that waited for it would take that long.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "consume waited for the read after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
