//! The rustdoc catalog, the guide's catalog page, the registry, the command line and the
//! reference catalog agree event by event.
//!
//! The Markdown pages are generated; when events change, regenerate them with
//! `UPDATE_CATALOG=1 cargo test -p events-catalog --test catalog_docs`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use events_catalog::catalog::{Links, markdown};
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
