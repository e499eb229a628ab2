//! The rustdoc catalog, the guide's catalog page, the registry, the command line and the
//! reference catalog agree event by event.
//!
//! The Markdown pages are generated; when events change, regenerate them with
//! `UPDATE_CATALOG=1 cargo test -p events-catalog --test catalog_docs`.
//!
//! The command line is run on every event: `show` (text and JSON) for all 75, `schema` for the 72
//! serializable ones (JSON-equal to the committed `schemas/current` file) and for the 3
//! unserializable ones (refused with their reason), and `docs --format markdown` against both
//! committed pages. One process per call.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use events_catalog::catalog::{Links, event_json, markdown};
use events_catalog::schemas::file_name;
use events_core::registry::all_events;
use serde_json::Value;

fn workspace_file(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// Compares a committed generated page with what the registry gives now, or rewrites it when
/// `UPDATE_CATALOG` is set.
fn assert_page_is_current(relative: &str, generated: &str) {
    let path = workspace_file(relative);
    if std::env::var_os("UPDATE_CATALOG").is_some() {
        std::fs::write(&path, generated).expect("write the page");
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("the committed page");
    assert!(
        committed == generated,
        "{relative} is out of date with the registry; regenerate it with \
         `UPDATE_CATALOG=1 cargo test -p events-catalog --test catalog_docs`"
    );
}

#[test]
fn the_rustdoc_catalog_page_is_generated_from_the_registry() {
    assert_page_is_current("events-catalog/catalog.md", &markdown(Links::Rustdoc));
}

#[test]
fn the_guide_catalog_page_is_generated_from_the_registry() {
    assert_page_is_current("docs/reference/catalog.md", &markdown(Links::Plain));
}

/// `(event type, signal name)` pairs listed by a generated catalog page.
fn listed_in_page(page: &str) -> BTreeSet<(String, String)> {
    let mut listed = BTreeSet::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        if let Some(rest) = line.strip_prefix("### `") {
            current = Some(rest.trim_end_matches('`').to_owned());
        } else if let Some(rest) = line.strip_prefix("| Signal | ") {
            let name: String = rest
                .chars()
                .skip_while(|c| *c != '`')
                .skip(1)
                .take_while(|c| *c != '`')
                .collect();
            listed.insert((current.take().expect("a signal row follows its heading"), name));
        }
    }
    listed
}

fn in_registry() -> BTreeSet<(String, String)> {
    all_events()
        .iter()
        .map(|signal| (signal.event_type().to_owned(), signal.info().name.to_owned()))
        .collect()
}

fn in_reference() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/catalog_events.json"))
        .expect("the reference catalog snapshot");
    let json: Value = serde_json::from_str(&text).expect("JSON");
    json["events"]
        .as_array()
        .expect("an event list")
        .iter()
        .map(|event| {
            (
                event["event_type"].as_str().unwrap_or_default().to_owned(),
                event["event_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_rustdoc_catalog_the_registry_and_the_reference_catalog_list_the_same_events() {
    let page = std::fs::read_to_string(workspace_file("events-catalog/catalog.md")).expect("the page");
    let documented = listed_in_page(&page);
    let registered = in_registry();
    let reference = in_reference();
    assert_eq!(registered.len(), 75);
    assert_eq!(documented, registered, "rustdoc catalog vs registry");
    assert_eq!(registered, reference, "registry vs catalog.json");
}

fn cli_json(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(args)
        .output()
        .expect("run openedx-events");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn types_in(events: &Value) -> BTreeSet<String> {
    events
        .as_array()
        .expect("an event list")
        .iter()
        .map(|event| event["event_type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_command_line_reports_exactly_the_registry() {
    let registered: BTreeSet<String> = in_registry().into_iter().map(|(event_type, _)| event_type).collect();
    assert_eq!(types_in(&cli_json(&["list", "--format", "json"])), registered);
    let docs = cli_json(&["docs", "--format", "json"]);
    assert_eq!(types_in(&docs["events"]), registered);
    assert_eq!(
        docs["subdomains"],
        serde_json::json!({"analytics": 1, "authz": 2, "content_authoring": 27, "enterprise": 8, "learning": 37})
    );
    let shown = cli_json(&[
        "show",
        "org.openedx.learning.course.enrollment.created.v1",
        "--format",
        "json",
    ]);
    assert_eq!(shown["event_name"], "COURSE_ENROLLMENT_CREATED");
    assert_eq!(
        shown["avro_schema"]["namespace"],
        "org.openedx.learning.course.enrollment.created.v1"
    );
}

#[test]
fn the_schemas_command_writes_one_file_per_serializable_event() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["schemas", "--out"])
        .arg(dir.path())
        .output()
        .expect("run openedx-events");
    assert!(output.status.success());
    assert_eq!(std::fs::read_dir(dir.path()).expect("the directory").count(), 72);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/current");
    let check = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .arg("check-compat")
        .arg(&committed)
        .output()
        .expect("run openedx-events");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn unknown_types_fail_with_a_suggestion_on_stderr() {
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(["show", "org.openedx.learning.course.enrolment.created.v1"])
        .output()
        .expect("run openedx-events");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("did you mean one of: `org.openedx.learning.course.enrollment.created.v1`"),
        "{stderr}"
    );
}

/// Runs `openedx-events` with `args`.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run openedx-events {args:?}: {error}"))
}

/// The stdout of a successful run.
fn stdout_of(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "openedx-events {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap_or_else(|error| panic!("openedx-events {args:?}: not UTF-8: {error}"))
}

/// The committed `schemas/current` file of a serializable event, parsed.
fn committed_schema(event_type: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas/current")
        .join(file_name(event_type));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

#[test]
fn show_describes_every_event_in_text_and_json() {
    let (mut serializable, mut unserializable) = (0, 0);
    for signal in all_events() {
        let info = signal.info();
        let event_type = info.event_type;

        let json: Value = serde_json::from_str(&stdout_of(&["show", event_type, "--format", "json"]))
            .unwrap_or_else(|error| panic!("show {event_type} --format json: not JSON: {error}"));
        let mut expected = event_json(info);
        expected["avro_schema"] = if info.is_serializable() {
            committed_schema(event_type)
        } else {
            Value::Null
        };
        assert_eq!(json, expected, "show {event_type} --format json");

        let text = stdout_of(&["show", event_type]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(format!("event_type        {event_type}").as_str()),
            "show {event_type}"
        );
        for line in [
            format!("event_name        {}", info.name),
            format!("subdomain         {}", info.subdomain),
            format!("payload           {}", info.payload_type),
            format!("key_field         {}", info.key_field.unwrap_or("-")),
            format!("trigger           {}", info.trigger_repository.unwrap_or("-")),
            format!("minor_version     {}", info.minor_version),
        ]
        .into_iter()
        .chain(
            info.data
                .iter()
                .map(|key| format!("  data key        {}: {}  (", key.name, key.rust_type)),
        )
        .chain(
            info.warnings
                .iter()
                .map(|warning| format!("warning           {warning}")),
        ) {
            assert!(
                text.lines().any(|shown| shown.starts_with(&line)),
                "show {event_type}: no line `{line}` in\n{text}"
            );
        }
        match (info.codec, info.unserializable) {
            (Some(_), None) => {
                let (_, schema) = text
                    .split_once("\navro schema\n")
                    .unwrap_or_else(|| panic!("show {event_type}: no `avro schema` section in\n{text}"));
                let schema: Value = serde_json::from_str(schema)
                    .unwrap_or_else(|error| panic!("show {event_type}: the schema is not JSON: {error}"));
                assert_eq!(schema, committed_schema(event_type), "show {event_type}: the schema");
                assert!(!text.contains("not serializable"), "show {event_type}");
                serializable += 1;
            }
            (None, Some(reason)) => {
                assert!(!reason.is_empty(), "{event_type}: an empty reason");
                assert!(
                    text.lines().any(|line| line == format!("not serializable  {reason}")),
                    "show {event_type}: no `not serializable  {reason}` line in\n{text}"
                );
                assert!(!text.contains("avro schema"), "show {event_type}");
                unserializable += 1;
            }
            (codec, reason) => panic!(
                "{event_type}: a codec ({}) and a reason to be unserializable ({reason:?}) disagree",
                codec.is_some()
            ),
        }
    }
    assert_eq!((serializable, unserializable), (72, 3));
}

#[test]
fn schema_prints_the_committed_schema_of_every_serializable_event_and_refuses_the_others() {
    let (mut printed, mut refused) = (0, 0);
    for signal in all_events() {
        let info = signal.info();
        let event_type = info.event_type;
        if let Some(reason) = info.unserializable {
            let output = run(&["schema", event_type]);
            assert!(!output.status.success(), "schema {event_type} must fail");
            assert!(
                output.stdout.is_empty(),
                "schema {event_type} must print nothing on stdout"
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            let expected = format!("{event_type} has no Avro schema: it is not serializable ({reason})");
            assert!(
                stderr.contains(&expected),
                "schema {event_type}: stderr is {stderr:?}, expected {expected:?}"
            );
            refused += 1;
        } else {
            let text = stdout_of(&["schema", event_type]);
            let schema: Value =
                serde_json::from_str(&text).unwrap_or_else(|error| panic!("schema {event_type}: not JSON: {error}"));
            assert_eq!(schema, committed_schema(event_type), "schema {event_type}");
            printed += 1;
        }
    }
    assert_eq!((printed, refused), (72, 3));
}

#[test]
fn docs_through_the_command_line_is_the_committed_catalog_page() {
    for (args, page) in [
        (&["docs", "--format", "markdown"][..], "docs/reference/catalog.md"),
        (
            &["docs", "--format", "markdown", "--links", "rustdoc"][..],
            "events-catalog/catalog.md",
        ),
    ] {
        let committed = std::fs::read_to_string(workspace_file(page)).expect("the committed page");
        assert!(
            stdout_of(args) == committed,
            "openedx-events {args:?} differs from {page}; regenerate the page with \
             `UPDATE_CATALOG=1 cargo test -p events-catalog --test catalog_docs`"
        );
    }
}
