//! `openedx-events avro encode|decode` against payloads the Python library wrote.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const ENROLLMENT: &str = "org.openedx.learning.course.enrollment.created.v1";

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openedx-events");
    // The command may fail and exit before reading its input.
    if let Err(error) = child.stdin.take().expect("stdin").write_all(stdin) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().expect("wait")
}

fn golden(event_type: &str) -> Vec<(String, Value, String)> {
    let path = format!(
        "{}/../tests/fixtures/golden/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        event_type.replace('.', "+")
    );
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    fixture["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| {
            (
                case["name"].as_str().unwrap_or_default().to_owned(),
                case["data"].clone(),
                case["avro_hex"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn encode_writes_the_bytes_python_wrote_and_decode_reads_them_back() {
    for event_type in [ENROLLMENT, "org.openedx.content_authoring.xblock.published.v1"] {
        for (name, data, hex) in golden(event_type) {
            let encoded = run(&["avro", "encode", "--hex", event_type], data.to_string().as_bytes());
            assert!(
                encoded.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&encoded.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&encoded.stdout).trim(),
                hex,
                "{event_type} {name}"
            );

            let decoded = run(&["avro", "decode", "--hex", event_type], hex.as_bytes());
            assert!(
                decoded.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&decoded.stderr)
            );
            let json: Value = serde_json::from_slice(&decoded.stdout).expect("JSON");
            assert_eq!(json, data, "{event_type} {name}");
        }
    }
}

#[test]
fn raw_bytes_round_trip_without_hex() {
    let (_, data, _) = golden(ENROLLMENT).remove(0);
    let encoded = run(&["avro", "encode", ENROLLMENT], data.to_string().as_bytes());
    assert!(encoded.status.success());
    let decoded = run(&["avro", "decode", ENROLLMENT], &encoded.stdout);
    assert_eq!(serde_json::from_slice::<Value>(&decoded.stdout).expect("JSON"), data);
}

fn failure(args: &[&str], stdin: &[u8]) -> String {
    let output = run(args, stdin);
    assert!(!output.status.success(), "{args:?} should fail");
    assert!(output.stdout.is_empty(), "nothing on stdout on failure");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_input_is_an_error_naming_the_event_type_and_field() {
    let (_, mut data, hex) = golden(ENROLLMENT).remove(0);
    data["enrollment"]["user"]["id"] = Value::String("seven".into());
    let stderr = failure(&["avro", "encode", ENROLLMENT], data.to_string().as_bytes());
    assert!(
        stderr.contains(&format!(
            "{ENROLLMENT}: enrollment.user.id: invalid type: string \"seven\""
        )),
        "{stderr}"
    );

    let stderr = failure(&["avro", "encode", ENROLLMENT], b"{not json");
    assert!(stderr.contains("the payload is not JSON"), "{stderr}");

    let stderr = failure(&["avro", "decode", "--hex", ENROLLMENT], format!("{hex}00").as_bytes());
    assert!(
        stderr.contains(&format!("{ENROLLMENT}: 1 unexpected bytes after the message")),
        "{stderr}"
    );

    let stderr = failure(&["avro", "decode", "--hex", ENROLLMENT], b"zz");
    assert!(stderr.contains("the input is not hexadecimal"), "{stderr}");

    let stderr = failure(&["avro", "decode", "--hex", ENROLLMENT], &hex.as_bytes()[..20]);
    assert!(stderr.contains(&format!("{ENROLLMENT}: enrollment.")), "{stderr}");
}

#[test]
fn unserializable_and_unknown_events_are_refused() {
    let stderr = failure(
        &[
            "avro",
            "encode",
            "org.openedx.learning.external_grader.score.submitted.v1",
        ],
        b"{}",
    );
    assert!(stderr.contains("it is not serializable"), "{stderr}");
    let stderr = failure(&["avro", "decode", "org.openedx.learning.nothing.v1"], b"");
    assert!(stderr.contains("unknown event type"), "{stderr}");
    let stderr = failure(
        &[
            "schema",
            "org.openedx.content_authoring.course.certificate_config.changed.v1",
        ],
        b"",
    );
    assert!(stderr.contains("has no Avro schema"), "{stderr}");
}

#[test]
fn encode_refuses_datetimes_that_leave_python_s_years_once_in_utc_and_writes_nothing() {
    const TRACKING: &str = "org.openedx.analytics.tracking.event.emitted.v1";
    for timestamp in ["0001-01-01T00:00:00+02:00", "9999-12-31T23:00:00-02:00"] {
        let payload = serde_json::json!({
            "tracking_log": {"context": "x", "data": "x", "name": "x", "timestamp": timestamp}
        });
        let stderr = failure(&["avro", "encode", "--hex", TRACKING], payload.to_string().as_bytes());
        assert!(
            stderr.contains(&format!("{TRACKING}: tracking_log.timestamp: ")),
            "{timestamp}: {stderr}"
        );
        assert!(stderr.contains("outside the years 1 to 9999"), "{timestamp}: {stderr}");
    }
}

#[test]
fn non_finite_doubles_decode_to_strings_that_encode_back_instead_of_null() {
    const GRADE: &str = "org.openedx.learning.course.persistent_grade_summary.changed.v1";
    let (_, _, minimal) = golden(GRADE).remove(0);
    // `grade.percent_grade` is the eight bytes after the user id, the course, the edit time and
    // two empty strings; the case holds 0.0 there.
    let (before, rest) = minimal.split_at(96);
    let (zero, after) = rest.split_at(16);
    assert_eq!(zero, "0000000000000000");
    for (bits, text, written) in [
        ("01000000f4ffffff", "NaN", "000000000000f87f"),
        ("000000000000f07f", "Infinity", "000000000000f07f"),
        ("000000000000f0ff", "-Infinity", "000000000000f0ff"),
    ] {
        let hex = format!("{before}{bits}{after}");
        let decoded = run(&["avro", "decode", "--hex", GRADE], hex.as_bytes());
        assert!(decoded.status.success(), "{}", String::from_utf8_lossy(&decoded.stderr));
        let json: Value = serde_json::from_slice(&decoded.stdout).expect("JSON");
        assert_eq!(json["grade"]["percent_grade"], text, "{bits}");

        let encoded = run(&["avro", "encode", "--hex", GRADE], &decoded.stdout);
        assert!(encoded.status.success(), "{}", String::from_utf8_lossy(&encoded.stderr));
        assert_eq!(
            String::from_utf8_lossy(&encoded.stdout).trim(),
            format!("{before}{written}{after}"),
            "{bits}"
        );
    }
}
