//! How the command treats its arguments and its output stream.

use std::process::Command;

#[test]
fn consume_refuses_a_malformed_last_read_msg_id_naming_the_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args([
            "consume",
            "--redis-url",
            "redis://127.0.0.1:1/0",
            "--topic",
            "t",
            "--group",
            "g",
            "--last-read-msg-id",
            "yesterday",
        ])
        .output()
        .expect("run openedx-events");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "invalid value 'yesterday' for '--last-read-msg-id <ID>': invalid stream entry id `yesterday`: \
             expected `<milliseconds>-<sequence>` or `<milliseconds>`"
        ),
        "{stderr}"
    );
}

#[test]
fn empty_names_for_topics_groups_and_consumers_are_refused() {
    for (flag, args) in [
        ("--topic", ["--topic", "", "--group", "g", "--consumer", "c"]),
        ("--group", ["--topic", "t", "--group", "", "--consumer", "c"]),
        ("--consumer", ["--topic", "t", "--group", "g", "--consumer", " "]),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
            .args(["consume", "--redis-url", "redis://127.0.0.1:1/0"])
            .args(args)
            .output()
            .expect("run openedx-events");
        assert_eq!(output.status.code(), Some(2), "{flag}: a usage error");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains("must not be empty"),
            "{stderr}"
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["produce", "--redis-url", "redis://127.0.0.1:1/0", "--topic", ""])
        .arg("org.openedx.learning.course.enrollment.created.v1")
        .output()
        .expect("run openedx-events");
    assert_eq!(output.status.code(), Some(2), "produce --topic '': a usage error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("must not be empty"));
}

#[test]
fn produce_refuses_a_retry_timeout_that_is_not_a_number_of_seconds() {
    for bad in ["soon", "-1", "NaN", ""] {
        let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
            .args([
                "produce",
                "--redis-url",
                "redis://127.0.0.1:1/0",
                "--topic",
                "t",
                &format!("--retry-timeout={bad}"),
                "org.openedx.learning.course.enrollment.created.v1",
            ])
            .output()
            .expect("run openedx-events");
        assert_eq!(output.status.code(), Some(2), "{bad:?}: a usage error");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "invalid value '{bad}' for '--retry-timeout <SECONDS>': expected a number of seconds, such as 30 or 0.5"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Write;
    use std::process::Stdio;

    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/golden/org+openedx+learning+course+enrollment+created+v1.json"
        ))
        .expect("fixture"),
    )
    .expect("JSON");
    let mut payload = golden["cases"][0]["data"].clone();
    // Far more output than a pipe buffers, so the command is still writing when the reader has
    // gone away, as with `openedx-events … | head`.
    payload["enrollment"]["mode"] = "m".repeat(200_000).into();

    let mut child = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args([
            "avro",
            "encode",
            "--hex",
            "org.openedx.learning.course.enrollment.created.v1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openedx-events");
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(payload.to_string().as_bytes())
        .expect("write the payload");
    drop(stdin);
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

fn consume_with_env(name: &str, value: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args([
            "consume",
            "--redis-url",
            "redis://127.0.0.1:1/0",
            "--topic",
            "t",
            "--group",
            "g",
        ])
        .env(name, value)
        .output()
        .expect("run openedx-events")
}

#[test]
fn consume_exits_at_once_without_error_when_consumers_are_disabled() {
    // Port 1 has no server: nothing is connected when the kill switch is off.
    let output = consume_with_env("EVENT_BUS_REDIS_CONSUMERS_ENABLED", "false");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "openedx-events: consumers are disabled (EVENT_BUS_REDIS_CONSUMERS_ENABLED=false); not consuming `t`\n"
    );
}

#[test]
fn an_invalid_setting_in_the_environment_is_an_error_naming_the_variable() {
    let output = consume_with_env("EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT", "soon");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT=\"soon\" is not a number of seconds"),
        "{stderr}"
    );
}

#[test]
fn consume_on_kafka_exits_at_once_without_error_when_kafka_consumers_are_disabled() {
    // Port 1 has no broker: nothing is connected when the kill switch is off.
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["consume", "--kafka-bootstrap-servers", "127.0.0.1:1"])
        .args([
            "--schema-registry-url",
            "http://127.0.0.1:1",
            "--topic",
            "t",
            "--group",
            "g",
        ])
        .env_remove("EVENT_BUS_TOPIC_PREFIX")
        .env("EVENT_BUS_KAFKA_CONSUMERS_ENABLED", "false")
        .output()
        .expect("run openedx-events");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "openedx-events: consumers are disabled (EVENT_BUS_KAFKA_CONSUMERS_ENABLED=false); not consuming `t`\n"
    );
}

#[test]
fn kafka_without_a_schema_registry_or_with_a_redis_replay_position_is_refused() {
    let consume = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_openedx-events"))
            .args([
                "consume",
                "--kafka-bootstrap-servers",
                "127.0.0.1:1",
                "--topic",
                "t",
                "--group",
                "g",
            ])
            .args(extra)
            .env_remove("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL")
            .output()
            .expect("run openedx-events")
    };
    let output = consume(&[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("the Kafka bus needs a schema registry: give --schema-registry-url"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = consume(&[
        "--schema-registry-url",
        "http://127.0.0.1:1",
        "--last-read-msg-id",
        "1-0",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--last-read-msg-id is a Redis entry id; on Kafka, replay with --offset-time"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
