//! The operator commands against a real Redis: `openedx-events status` and
//! `openedx-events dead-letters list|replay|trim`, on dead letters that `openedx-events consume`
//! wrote. Needs a redis-server (Redis 7 for `lag` and `entries_read`); without one the tests are
//! skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

use std::process::{Command, Output};

use events_bus_redis::testing::RedisServer;
use serde_json::{Value, json};

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// The Avro bytes of the first golden enrollment case.
fn golden_bytes() -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/golden/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        ENROLLMENT.replace('.', "+")
    );
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    hex::decode(golden["cases"][0]["avro_hex"].as_str().expect("hex")).expect("hex")
}

fn connection(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

/// The fields the Python producer writes, for an event of `event_type` with `event_id`.
fn event_fields(event_type: &str, event_id: &str, data: &[u8]) -> Fields {
    let text = |name: &str, value: &str| (name.as_bytes().to_vec(), value.as_bytes().to_vec());
    vec![
        text("type", event_type),
        text("id", event_id),
        text("source", "openedx/lms/web"),
        text("time", "2024-02-01T12:00:00+00:00"),
        text("minorversion", "0"),
        text("sourcehost", "lms-1"),
        text("sourcelib", "10.5.0"),
        (b"event_data".to_vec(), data.to_vec()),
    ]
}

fn add(connection: &mut redis::Connection, stream: &str, fields: &Fields) -> String {
    let mut command = redis::cmd("XADD");
    command.arg(stream).arg("*");
    for (name, value) in fields {
        command.arg(name.as_slice()).arg(value.as_slice());
    }
    command.query(connection).unwrap()
}

fn range(connection: &mut redis::Connection, stream: &str) -> Vec<(String, Fields)> {
    redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(connection)
        .unwrap()
}

fn xlen(connection: &mut redis::Connection, stream: &str) -> u64 {
    redis::cmd("XLEN").arg(stream).query(connection).unwrap()
}

/// Runs `openedx-events <args>` with none of the event bus settings of the caller's
/// environment, then `env`.
fn openedx_events(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openedx-events"));
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EVENT_BUS_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("run openedx-events")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeded(output: &Output) -> bool {
    output.status.success()
}

/// Consumes `count` entries of `enrollments` as `g`/`c1`, from the start of the stream.
fn consume(url: &str, count: usize) {
    let count = count.to_string();
    let output = openedx_events(
        &[
            "consume",
            "--redis-url",
            url,
            "--topic",
            "enrollments",
            "--group",
            "g",
            "--consumer",
            "c1",
            "--check-backlog",
            "--max-messages",
            &count,
            "--format",
            "jsonl",
        ],
        &[],
    );
    assert!(succeeded(&output), "consume: {}", stderr(&output));
}

/// The entries of `enrollments` that `consume` dead-letters, oldest first: one without any
/// header but its type, one of an event type nobody knows, and an enrollment whose payload is
/// not Avro.
struct Undeliverable {
    /// Their ids and fields in `enrollments`.
    originals: Vec<(String, Fields)>,
    /// Their ids in `enrollments-dead-letter`.
    dead_letter_ids: Vec<String>,
}

const UNKNOWN_EVENT_ID: &str = "0b5f1c3e-c0de-11ee-8a2b-0242ac120003";

/// Fills `enrollments` with a good event, the three undeliverable entries and another good
/// event, and consumes them all.
fn undeliverable_entries_consumed(url: &str) -> Undeliverable {
    let mut redis = connection(url);
    let good = event_fields(ENROLLMENT, "5f1a6a4e-c0de-11ee-8a2b-0242ac120002", &golden_bytes());
    let poison = [
        vec![(b"type".to_vec(), ENROLLMENT.as_bytes().to_vec())],
        event_fields("org.example.nobody.knows.this.v1", UNKNOWN_EVENT_ID, b"\x02ab"),
        event_fields(ENROLLMENT, "7c2d5a10-c0de-11ee-8a2b-0242ac120004", &[0xff, 0xff, 0xff]),
    ];
    add(&mut redis, "enrollments", &good);
    let originals: Vec<(String, Fields)> = poison
        .iter()
        .map(|fields| (add(&mut redis, "enrollments", fields), fields.clone()))
        .collect();
    add(&mut redis, "enrollments", &good);
    consume(url, 5);
    let dead_letters = range(&mut redis, "enrollments-dead-letter");
    assert_eq!(
        dead_letters.len(),
        3,
        "the three undeliverable entries are dead letters"
    );
    Undeliverable {
        originals,
        dead_letter_ids: dead_letters.into_iter().map(|(id, _)| id).collect(),
    }
}

fn jsonl(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

fn group<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|group| group["name"] == name)
        .unwrap_or_else(|| panic!("no group {name} in {status}"))
}

#[test]
fn status_reports_length_pending_entries_lag_and_dead_letters_before_and_after_groups_read() {
    let Some(server) = RedisServer::for_test("status_before_and_after") else {
        return;
    };
    let url = server.url();
    let mut redis = connection(&url);
    let good = event_fields(ENROLLMENT, "5f1a6a4e-c0de-11ee-8a2b-0242ac120002", &golden_bytes());
    let ids: Vec<String> = (0..3).map(|_| add(&mut redis, "enrollments", &good)).collect();
    let junk = add(&mut redis, "enrollments", &vec![(b"junk".to_vec(), b"1".to_vec())]);
    let status_json = || {
        let output = openedx_events(
            &[
                "status",
                "--redis-url",
                &url,
                "--topic",
                "enrollments",
                "--format",
                "json",
            ],
            &[],
        );
        assert!(succeeded(&output), "{}", stderr(&output));
        serde_json::from_str::<Value>(&stdout(&output)).expect("one JSON document")
    };

    assert_eq!(
        status_json(),
        json!({
            "stream": "enrollments",
            "exists": true,
            "length": 4,
            "dead_letter_stream": "enrollments-dead-letter",
            "dead_letters": 0,
            "groups": [],
        })
    );

    // `g` reads and acknowledges everything (the junk entry as a dead letter); `slow` reads one
    // entry and does not acknowledge it.
    consume(&url, 4);
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg("enrollments")
        .arg("slow")
        .arg("0")
        .query::<()>(&mut redis)
        .unwrap();
    redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("slow")
        .arg("c9")
        .arg("COUNT")
        .arg(1)
        .arg("STREAMS")
        .arg("enrollments")
        .arg(">")
        .query::<redis::Value>(&mut redis)
        .unwrap();

    let status = status_json();
    assert_eq!(
        (status["length"].clone(), status["dead_letters"].clone()),
        (json!(4), json!(1))
    );
    let g = group(&status, "g");
    assert_eq!(
        (&g["pending"], &g["lag"], &g["entries_read"], &g["last_delivered_id"]),
        (&json!(0), &json!(0), &json!(4), &json!(junk))
    );
    assert_eq!(g["consumers"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&g["consumers"][0]["name"], &g["consumers"][0]["pending"]),
        (&json!("c1"), &json!(0))
    );
    assert!(g["consumers"][0]["idle_ms"].is_u64(), "{g}");
    let slow = group(&status, "slow");
    assert_eq!(
        (
            &slow["pending"],
            &slow["lag"],
            &slow["entries_read"],
            &slow["last_delivered_id"]
        ),
        (&json!(1), &json!(3), &json!(1), &json!(ids[0]))
    );
    assert_eq!(
        (&slow["consumers"][0]["name"], &slow["consumers"][0]["pending"]),
        (&json!("c9"), &json!(1))
    );

    let output = openedx_events(&["status", "--redis-url", &url, "--topic", "enrollments"], &[]);
    assert!(succeeded(&output), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        format!("stream `enrollments` on {url}: 4 entries\n"),
        "dead letters: 1 in `enrollments-dead-letter`\n".to_owned(),
        format!("group `g`: 0 pending, lag 0, 4 entries read, last delivered {junk}\n"),
        format!(
            "group `slow`: 1 pending, lag 3, 1 entries read, last delivered {}\n",
            ids[0]
        ),
        "    consumer `c9`: 1 pending, idle ".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn status_reads_the_stream_that_the_topic_prefix_names() {
    let Some(server) = RedisServer::for_test("status_prefix") else {
        return;
    };
    let url = server.url();
    let mut redis = connection(&url);
    add(&mut redis, "dev-enrollments", &vec![(b"n".to_vec(), b"1".to_vec())]);
    let output = openedx_events(
        &["status", "--topic", "enrollments", "--format", "json"],
        &[
            ("EVENT_BUS_TOPIC_PREFIX", "dev"),
            ("EVENT_BUS_REDIS_CONNECTION_URL", &url),
        ],
    );
    assert!(succeeded(&output), "{}", stderr(&output));
    let status: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (&status["stream"], &status["length"]),
        (&json!("dev-enrollments"), &json!(1))
    );
}

#[test]
fn a_stream_that_does_not_exist_is_an_error_naming_the_stream_and_the_prefix() {
    let Some(server) = RedisServer::for_test("missing_stream") else {
        return;
    };
    let url = server.url();
    let expected = format!(
        "openedx-events: no stream `dev-nothing` (nor `dev-nothing-dead-letter`) on {url}; check --topic, \
         given without the prefix (EVENT_BUS_TOPIC_PREFIX made topic `nothing` the stream `dev-nothing`)\n"
    );
    for command in [
        &["status"][..],
        &["dead-letters", "list"],
        &["dead-letters", "replay", "--all"],
        &["dead-letters", "trim"],
    ] {
        let mut args = command.to_vec();
        args.extend(["--redis-url", &url, "--topic", "nothing"]);
        let output = openedx_events(&args, &[("EVENT_BUS_TOPIC_PREFIX", "dev")]);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        assert_eq!(stderr(&output), expected, "{command:?}");
        assert_eq!(stdout(&output), "", "{command:?}");
    }
}

#[test]
fn an_unreachable_server_is_an_error_naming_the_address_with_exit_status_1() {
    for command in [
        &["status"][..],
        &["dead-letters", "list"],
        &["dead-letters", "replay", "--id", "1-0"],
        &["dead-letters", "trim", "--keep", "3"],
    ] {
        let mut args = command.to_vec();
        args.extend(["--redis-url", "redis://127.0.0.1:1/0", "--topic", "enrollments"]);
        let output = openedx_events(&args, &[]);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        let stderr = stderr(&output);
        assert!(
            stderr.starts_with("openedx-events: XLEN on `enrollments` at redis://127.0.0.1:1/0: "),
            "{command:?}: {stderr}"
        );
        assert!(stderr.contains("refused"), "{command:?}: {stderr}");
    }
}

#[test]
fn replay_needs_all_or_ids_and_refuses_both_and_malformed_ids() {
    let base = [
        "dead-letters",
        "replay",
        "--redis-url",
        "redis://127.0.0.1:1/0",
        "--topic",
        "t",
    ];
    for (extra, expected) in [
        (&[][..], "the following required arguments were not provided"),
        (&["--all", "--id", "1-0"], "cannot be used with"),
        (&["--id", "yesterday"], "invalid stream entry id `yesterday`"),
    ] {
        let mut args = base.to_vec();
        args.extend(extra);
        let output = openedx_events(&args, &[]);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: a usage error");
        assert!(stderr(&output).contains(expected), "{extra:?}: {}", stderr(&output));
    }
}

#[test]
fn dead_letters_list_shows_each_dead_letter_with_its_origin_reason_fields_and_event() {
    let Some(server) = RedisServer::for_test("dead_letters_list") else {
        return;
    };
    let url = server.url();
    let undeliverable = undeliverable_entries_consumed(&url);
    let list = |extra: &[&str]| {
        let mut args = vec!["dead-letters", "list", "--redis-url", &url, "--topic", "enrollments"];
        args.extend(extra);
        let output = openedx_events(&args, &[]);
        assert!(succeeded(&output), "{}", stderr(&output));
        output
    };

    let lines = jsonl(&list(&["--format", "jsonl"]));
    assert_eq!(lines.len(), 3);
    for ((line, id), (entry_id, _)) in lines
        .iter()
        .zip(&undeliverable.dead_letter_ids)
        .zip(&undeliverable.originals)
    {
        assert_eq!(
            (&line["id"], &line["entry_id"], &line["group"], &line["consumer"]),
            (&json!(id), &json!(entry_id), &json!("g"), &json!("c1"))
        );
        assert!(
            line["reason"].as_str().is_some_and(|reason| !reason.is_empty()),
            "{line}"
        );
    }
    // The entry with nothing but its type: not an event.
    assert_eq!(lines[0]["fields"], json!({"type": ENROLLMENT}));
    assert_eq!(lines[0]["unreadable"], "the entry has no `id` field");
    assert!(lines[0].get("metadata").is_none(), "{}", lines[0]);
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .contains("the entry has no `id` field"),
        "{}",
        lines[0]
    );
    // The event nobody knows: its metadata reads, its payload is shown in hex.
    assert_eq!(lines[1]["metadata"]["id"], UNKNOWN_EVENT_ID);
    assert_eq!(lines[1]["metadata"]["event_type"], "org.example.nobody.knows.this.v1");
    assert_eq!(lines[1]["fields"]["sourcehost"], "lms-1");
    assert_eq!(lines[1]["fields"]["event_data"], json!({"hex": "026162"}));
    assert_eq!(lines[2]["fields"]["event_data"], json!({"hex": "ffffff"}));

    let oldest = jsonl(&list(&["--format", "jsonl", "--count", "2"]));
    assert_eq!(oldest, lines[..2]);

    let output = list(&[]);
    let text = stdout(&output);
    let first = format!(
        "{}: entry {} of group `g`, consumer `c1`\n",
        undeliverable.dead_letter_ids[0], undeliverable.originals[0].0
    );
    assert!(text.starts_with(&first), "{text}");
    assert!(
        text.contains(&format!(
            "    event: org.example.nobody.knows.this.v1 {UNKNOWN_EVENT_ID} 2024-02-01T12:00:00+00:00 from openedx/lms/web\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("    not an event (the entry has no `id` field); fields: type\n"),
        "{text}"
    );
    assert_eq!(
        stderr(&output),
        "3 of 3 dead letters of `enrollments`, in `enrollments-dead-letter`\n"
    );
}

#[test]
fn replay_all_adds_every_dead_letter_back_with_exactly_its_original_fields_and_removes_it() {
    let Some(server) = RedisServer::for_test("replay_all") else {
        return;
    };
    let url = server.url();
    let undeliverable = undeliverable_entries_consumed(&url);
    let mut redis = connection(&url);
    let before = range(&mut redis, "enrollments").len();

    let output = openedx_events(
        &[
            "dead-letters",
            "replay",
            "--redis-url",
            &url,
            "--topic",
            "enrollments",
            "--all",
        ],
        &[],
    );
    assert!(succeeded(&output), "{}", stderr(&output));

    let stream = range(&mut redis, "enrollments");
    let replayed = &stream[before..];
    assert_eq!(replayed.len(), 3, "three entries added back");
    let expected_report: String = undeliverable
        .dead_letter_ids
        .iter()
        .zip(&undeliverable.originals)
        .zip(replayed)
        .map(|((dead_letter_id, (entry_id, _)), (new_id, _))| {
            format!("replayed {dead_letter_id} (entry {entry_id}) as {new_id}\n")
        })
        .collect();
    assert_eq!(stdout(&output), expected_report);
    for ((_, fields), (_, original)) in replayed.iter().zip(&undeliverable.originals) {
        assert_eq!(fields, original, "the original fields, in order, without dead_letter_*");
    }
    assert_eq!(
        xlen(&mut redis, "enrollments-dead-letter"),
        0,
        "the dead letters are gone"
    );
    assert_eq!(
        stderr(&output),
        "replayed 3 dead letters of `enrollments-dead-letter` to `enrollments`; 0 failed\n"
    );

    // The group reads the replayed entries as new ones; still undeliverable, they are
    // dead-lettered again, now under their new entry ids.
    consume(&url, 3);
    let again = jsonl(&openedx_events(
        &[
            "dead-letters",
            "list",
            "--redis-url",
            &url,
            "--topic",
            "enrollments",
            "--format",
            "jsonl",
        ],
        &[],
    ));
    let entry_ids: Vec<&Value> = again.iter().map(|line| &line["entry_id"]).collect();
    let new_ids: Vec<Value> = replayed.iter().map(|(id, _)| json!(id)).collect();
    assert_eq!(entry_ids, new_ids.iter().collect::<Vec<_>>());
}

#[test]
fn replay_of_one_id_adds_back_that_dead_letter_only() {
    let Some(server) = RedisServer::for_test("replay_one") else {
        return;
    };
    let url = server.url();
    let undeliverable = undeliverable_entries_consumed(&url);
    let mut redis = connection(&url);
    let before = range(&mut redis, "enrollments").len();
    let chosen = &undeliverable.dead_letter_ids[1];

    let output = openedx_events(
        &[
            "dead-letters",
            "replay",
            "--redis-url",
            &url,
            "--topic",
            "enrollments",
            "--id",
            chosen,
        ],
        &[],
    );
    assert!(succeeded(&output), "{}", stderr(&output));

    let stream = range(&mut redis, "enrollments");
    assert_eq!(stream.len(), before + 1);
    let (new_id, fields) = stream.last().unwrap();
    assert_eq!(fields, &undeliverable.originals[1].1);
    assert_eq!(
        stdout(&output),
        format!(
            "replayed {chosen} (entry {}) as {new_id}\n",
            undeliverable.originals[1].0
        )
    );
    let left: Vec<String> = range(&mut redis, "enrollments-dead-letter")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        left,
        [
            undeliverable.dead_letter_ids[0].clone(),
            undeliverable.dead_letter_ids[2].clone()
        ]
    );
}

#[test]
fn replay_of_an_id_that_is_no_dead_letter_fails_naming_it_and_changes_nothing() {
    let Some(server) = RedisServer::for_test("replay_unknown_id") else {
        return;
    };
    let url = server.url();
    undeliverable_entries_consumed(&url);
    let mut redis = connection(&url);
    let before = range(&mut redis, "enrollments");

    let output = openedx_events(
        &[
            "dead-letters",
            "replay",
            "--redis-url",
            &url,
            "--topic",
            "enrollments",
            "--id",
            "1-0",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "openedx-events: dead letter 1-0 not replayed: `enrollments-dead-letter` has no dead letter 1-0\n\
         replayed 0 dead letters of `enrollments-dead-letter` to `enrollments`; 1 failed\n\
         openedx-events: 1 dead letters were not replayed\n"
    );
    assert_eq!(range(&mut redis, "enrollments"), before);
    assert_eq!(xlen(&mut redis, "enrollments-dead-letter"), 3);
}

#[test]
fn trim_keeps_the_newest_n_dead_letters_and_by_default_removes_them_all() {
    let Some(server) = RedisServer::for_test("trim_dead_letters") else {
        return;
    };
    let url = server.url();
    let undeliverable = undeliverable_entries_consumed(&url);
    let mut redis = connection(&url);
    let trim = |extra: &[&str]| {
        let mut args = vec!["dead-letters", "trim", "--redis-url", &url, "--topic", "enrollments"];
        args.extend(extra);
        let output = openedx_events(&args, &[]);
        assert!(succeeded(&output), "{}", stderr(&output));
        stdout(&output)
    };

    assert_eq!(
        trim(&["--keep", "1"]),
        "removed 2 dead letters from `enrollments-dead-letter`; 1 left\n"
    );
    let left: Vec<String> = range(&mut redis, "enrollments-dead-letter")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(left, [undeliverable.dead_letter_ids[2].clone()], "the newest is kept");

    assert_eq!(
        trim(&["--keep", "5"]),
        "removed 0 dead letters from `enrollments-dead-letter`; 1 left\n"
    );
    assert_eq!(
        trim(&[]),
        "removed 1 dead letters from `enrollments-dead-letter`; 0 left\n"
    );
    assert_eq!(xlen(&mut redis, "enrollments"), 5, "the source stream is untouched");
}
