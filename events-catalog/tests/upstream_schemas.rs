//! The Avro schemas of the standard events, held against three references:
//!
//! - `schemas/current/`: what we generate is committed, byte for byte, one file per
//!   serializable event (regenerate with
//!   `cargo run -p events-catalog --bin openedx-events -- schemas --out events-catalog/schemas/current`);
//! - the schemas openedx-events 11.2 generates (`../shared/reference`, or
//!   `$OPENEDX_EVENTS_REFERENCE`): the committed files are JSON-equal to them, checked when the
//!   reference is present. Without it these checks print a note and pass, unless
//!   `OPENEDX_EVENTS_REQUIRE_INTEROP=1`, which makes them fail; setting `OPENEDX_EVENTS_REFERENCE`
//!   to the empty string says there is no reference on purpose (`scripts/test` does so in a
//!   checkout without one), and they are skipped with a note even then;
//! - `schemas/baselines/`: the evolution baselines openedx-events keeps upstream (imported with
//!   `scripts/import-schema-baselines`); every current schema stays compatible with its baseline
//!   in both directions, and the guard notices when one does not.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use events_bus_redis::testing::{REQUIRE_INTEROP_ENV, interop_required};
use events_catalog::schemas::{Verdict, check_compat, current_schemas, file_name};
use serde_json::Value;

/// The variable naming the reference folder; set but empty, it says there is none.
const REFERENCE_ENV: &str = "OPENEDX_EVENTS_REFERENCE";

/// The standard catalog: 75 events, of which these cannot travel on the event bus.
const UNSERIALIZABLE: [&str; 3] = [
    "org.openedx.content_authoring.course.certificate_config.changed.v1",
    "org.openedx.content_authoring.course.certificate_config.deleted.v1",
    "org.openedx.learning.external_grader.score.submitted.v1",
];
const SERIALIZABLE_EVENTS: usize = 72;

/// The baselines that differ from today's schema on purpose (compatible changes since).
const EVOLVED_SINCE_BASELINE: [&str; 6] = [
    "org.openedx.content_authoring.xblock.created.v1",
    "org.openedx.content_authoring.xblock.deleted.v1",
    "org.openedx.content_authoring.xblock.duplicated.v1",
    "org.openedx.content_authoring.xblock.published.v1",
    "org.openedx.content_authoring.xblock.updated.v1",
    "org.openedx.learning.discussions.configuration.changed.v1",
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed_current_dir() -> PathBuf {
    crate_dir().join("schemas").join("current")
}

fn baselines_dir() -> PathBuf {
    crate_dir().join("schemas").join("baselines")
}

/// Where the upstream reference folder is, if anywhere.
enum Reference {
    /// Found (`$OPENEDX_EVENTS_REFERENCE`, else `../shared/reference`).
    At(PathBuf),
    /// `OPENEDX_EVENTS_REFERENCE` is set to the empty string: there is none, on purpose.
    DeclaredAbsent,
    /// Not configured, and not next to the workspace.
    NotFound,
}

fn locate_reference() -> Reference {
    if let Some(dir) = std::env::var_os(REFERENCE_ENV) {
        if dir.is_empty() {
            return Reference::DeclaredAbsent;
        }
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "{REFERENCE_ENV} is set to {}, which is not a directory",
            dir.display()
        );
        return Reference::At(dir);
    }
    let beside_workspace = crate_dir().join("../../shared/reference");
    if beside_workspace.is_dir() {
        Reference::At(beside_workspace)
    } else {
        Reference::NotFound
    }
}

/// The upstream reference folder; without one, prints a note and returns `None` (the test is
/// skipped), or fails under `OPENEDX_EVENTS_REQUIRE_INTEROP=1` unless `OPENEDX_EVENTS_REFERENCE`
/// is set to the empty string.
fn reference_dir(test: &str) -> Option<PathBuf> {
    match locate_reference() {
        Reference::At(dir) => Some(dir),
        Reference::DeclaredAbsent => {
            eprintln!("{test}: skipped: {REFERENCE_ENV} is empty: no upstream reference folder to compare with");
            None
        }
        Reference::NotFound => {
            let why = format!(
                "no upstream reference folder (../shared/reference next to the workspace; set {REFERENCE_ENV} \
                 to check against one elsewhere, or to the empty string to skip on purpose)"
            );
            assert!(
                !interop_required(),
                "{test}: {why}, and {REQUIRE_INTEROP_ENV}=1 requires this test to run"
            );
            eprintln!("{test}: skipped: {why}");
            None
        }
    }
}

/// The `*_schema.avsc` files of `dir`, by file name.
fn schema_files(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.to_string_lossy().ends_with("_schema.avsc"))
        .map(|path| {
            let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
            let text =
                fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            (name, text)
        })
        .collect()
}

fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{name} is not JSON: {error}"))
}

/// Asserts that two folders hold the same file names with JSON-equal contents.
fn assert_json_equal_folders(ours: &Path, theirs: &Path) -> usize {
    let ours_files = schema_files(ours);
    let theirs_files = schema_files(theirs);
    let ours_names: BTreeSet<_> = ours_files.keys().collect();
    let theirs_names: BTreeSet<_> = theirs_files.keys().collect();
    assert_eq!(
        ours_names,
        theirs_names,
        "{} and {} hold different schema files",
        ours.display(),
        theirs.display()
    );
    let different: Vec<&String> = ours_files
        .iter()
        .filter(|(name, text)| parse(name, text) != parse(name, &theirs_files[*name]))
        .map(|(name, _)| name)
        .collect();
    assert!(
        different.is_empty(),
        "these files of {} are not JSON-equal to those of {}: {different:#?}",
        ours.display(),
        theirs.display()
    );
    ours_files.len()
}

#[test]
fn every_serializable_event_has_its_generated_schema_committed() {
    let generated = current_schemas();
    assert_eq!(
        generated.len(),
        SERIALIZABLE_EVENTS,
        "serializable events in the registry"
    );
    for event_type in UNSERIALIZABLE {
        assert!(
            generated
                .iter()
                .all(|(generated_type, _)| *generated_type != event_type),
            "{event_type} is unserializable and must have no schema"
        );
    }

    let committed = schema_files(&committed_current_dir());
    let mut stale = Vec::new();
    for (event_type, text) in &generated {
        let name = file_name(event_type);
        match committed.get(&name) {
            Some(committed_text) if committed_text == text => {}
            Some(_) => stale.push(format!("{name}: differs from the generated schema")),
            None => stale.push(format!("{name}: missing")),
        }
    }
    let expected: BTreeSet<String> = generated.iter().map(|(event_type, _)| file_name(event_type)).collect();
    stale.extend(
        committed
            .keys()
            .filter(|name| !expected.contains(*name))
            .map(|name| format!("{name}: no serializable event has this schema")),
    );
    assert!(
        stale.is_empty(),
        "schemas/current is out of date; regenerate it with `cargo run -p events-catalog --bin openedx-events -- \
         schemas --out events-catalog/schemas/current`:\n{}",
        stale.join("\n")
    );
    assert_eq!(committed.len(), SERIALIZABLE_EVENTS);
}

#[test]
fn committed_schemas_are_json_equal_to_what_openedx_events_generates() {
    let Some(reference) = reference_dir("committed_schemas_are_json_equal_to_what_openedx_events_generates") else {
        return;
    };
    let compared = assert_json_equal_folders(&committed_current_dir(), &reference.join("avro-schemas/current"));
    assert_eq!(compared, SERIALIZABLE_EVENTS);
    println!("{compared} committed schemas are JSON-equal to the upstream ones");
}

#[test]
fn committed_baselines_are_json_equal_to_the_upstream_baselines() {
    let Some(reference) = reference_dir("committed_baselines_are_json_equal_to_the_upstream_baselines") else {
        return;
    };
    let compared = assert_json_equal_folders(&baselines_dir(), &reference.join("avro-schemas/stored"));
    assert_eq!(compared, SERIALIZABLE_EVENTS);
}

#[test]
fn baselines_cover_every_serializable_event_and_some_have_evolved() {
    let baselines = schema_files(&baselines_dir());
    let current = schema_files(&committed_current_dir());
    assert_eq!(
        baselines.keys().collect::<Vec<_>>(),
        current.keys().collect::<Vec<_>>(),
        "one baseline per serializable event"
    );
    let evolved: Vec<String> = baselines
        .iter()
        .filter(|(name, text)| parse(name, text) != parse(name, &current[*name]))
        .map(|(name, _)| name.trim_end_matches("_schema.avsc").replace('+', "."))
        .collect();
    assert_eq!(evolved, EVOLVED_SINCE_BASELINE);
}

#[test]
fn every_current_schema_is_compatible_with_its_baseline() {
    let report = check_compat(&baselines_dir()).unwrap_or_else(|error| panic!("the check could not run: {error}"));
    assert_eq!(report.verdicts.len(), SERIALIZABLE_EVENTS);
    let failures: Vec<String> = report
        .failures()
        .map(|(event_type, verdict)| format!("{event_type}: {verdict}"))
        .collect();
    assert!(
        failures.is_empty(),
        "incompatible with the baselines:\n{}",
        failures.join("\n")
    );
}

/// A copy of the baselines in a fresh temporary folder, removed when dropped.
struct BaselineCopy(PathBuf);

impl BaselineCopy {
    fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("events-catalog-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a temporary folder");
        for (name, text) in schema_files(&baselines_dir()) {
            fs::write(dir.join(name), text).expect("a writable temporary folder");
        }
        BaselineCopy(dir)
    }

    fn edit(&self, event_type: &str, change: impl FnOnce(&mut Value)) {
        let path = self.0.join(file_name(event_type));
        let mut schema = parse(event_type, &fs::read_to_string(&path).expect("the baseline"));
        change(&mut schema);
        fs::write(&path, serde_json::to_string_pretty(&schema).expect("JSON")).expect("a writable baseline");
    }
}

impl Drop for BaselineCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn verdicts(dir: &Path) -> BTreeMap<String, Verdict> {
    check_compat(dir)
        .unwrap_or_else(|error| panic!("the check could not run: {error}"))
        .verdicts
        .into_iter()
        .collect()
}

/// The first field of the data key's record, e.g. `tracking_log.name`.
fn first_payload_field(schema: &mut Value) -> &mut Value {
    &mut schema["fields"][0]["type"]["fields"][0]
}

#[test]
fn a_baseline_whose_field_changed_type_is_caught() {
    let copy = BaselineCopy::new("changed-type");
    let tracking = "org.openedx.analytics.tracking.event.emitted.v1";
    copy.edit(tracking, |schema| {
        let field = first_payload_field(schema);
        assert_eq!(field["name"], "name");
        field["type"] = Value::from("long");
    });

    let verdicts = verdicts(&copy.0);
    assert!(
        matches!(
            verdicts[tracking],
            Verdict::NotBackwardCompatible(_) | Verdict::NotForwardCompatible(_)
        ),
        "a string field that was a long in the baseline must fail, got {:?}",
        verdicts[tracking]
    );
    let others_ok = verdicts
        .iter()
        .filter(|(event_type, _)| event_type.as_str() != tracking)
        .all(|(_, verdict)| verdict.is_ok());
    assert!(others_ok, "only the edited baseline fails");
}

#[test]
fn a_baseline_without_a_field_that_is_now_required_is_caught() {
    // Data written by an old producer lacks the field and has no default to fall back on.
    let copy = BaselineCopy::new("new-required-field");
    let enrollment = "org.openedx.learning.course.enrollment.created.v1";
    copy.edit(enrollment, |schema| {
        let fields = schema["fields"][0]["type"]["fields"]
            .as_array_mut()
            .expect("record fields");
        let mode = fields
            .iter()
            .position(|field| field["name"] == "mode")
            .expect("a mode field");
        fields.remove(mode);
    });
    assert!(matches!(
        verdicts(&copy.0)[enrollment],
        Verdict::NotBackwardCompatible(_)
    ));
}

#[test]
fn missing_and_orphan_baselines_are_reported() {
    let copy = BaselineCopy::new("missing-orphan");
    let badge = "org.openedx.learning.badge.awarded.v1";
    fs::remove_file(copy.0.join(file_name(badge))).expect("the baseline exists");
    let retired = "org.openedx.learning.retired.thing.happened.v1";
    fs::copy(
        copy.0.join(file_name("org.openedx.learning.badge.revoked.v1")),
        copy.0.join(file_name(retired)),
    )
    .expect("a writable temporary folder");

    let verdicts = verdicts(&copy.0);
    assert_eq!(verdicts[badge], Verdict::MissingBaseline);
    assert_eq!(verdicts[retired], Verdict::EventRemoved);
    assert_eq!(verdicts.values().filter(|verdict| !verdict.is_ok()).count(), 2);
}
