//! The standard catalog agrees with upstream's: every event of openedx-events 11.2, with the
//! same type, name, subdomain, data keys and payload classes, trigger repository, warnings,
//! minor version and serializability, and the same key field except where upstream's is wrong.
//!
//! Upstream's list is committed as `schemas/catalog_events.json` (imported with
//! `scripts/import-schema-baselines`), so this runs without the reference folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

// The tests read the events through the registry alone, so nothing else names this crate: without
// this line it would not be linked into the test binary and the registry would be empty.
use events_catalog as _;
use events_core::registry::{self, AnySignal, EventInfo};
use serde_json::Value;

const SUBDOMAINS: [(&str, usize); 5] = [
    ("analytics", 1),
    ("authz", 2),
    ("content_authoring", 27),
    ("enterprise", 8),
    ("learning", 37),
];

/// Upstream key fields that name a field the payload does not have, and the field we key on
/// instead: `(event type, upstream key field, ours)`.
const KEY_FIELD_DEVIATIONS: [(&str, &str, &str); 4] = [
    // Copied from the user events; the payload is a role assignment, whose subject is whose
    // permissions changed.
    (
        "org.openedx.authz.role_assignment.created",
        "user.pii.username",
        "role_assignment.subject",
    ),
    (
        "org.openedx.authz.role_assignment.deleted",
        "user.pii.username",
        "role_assignment.subject",
    ),
    // Copied from COURSE_CATALOG_INFO_CHANGED; the data key of these events is `course`.
    (
        "org.openedx.content_authoring.course.import.completed.v1",
        "catalog_info.course_key",
        "course.course_key",
    ),
    (
        "org.openedx.content_authoring.course.rerun.completed.v1",
        "catalog_info.course_key",
        "course.course_key",
    ),
];

/// Upstream's event list.
fn upstream_events() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/catalog_events.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let snapshot: Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    snapshot["events"].as_array().expect("an `events` list").clone()
}

fn text(value: &Value) -> Option<&str> {
    value.as_str()
}

/// `COURSE_ENROLLMENT_CREATED` → `CourseEnrollmentCreated`.
fn upper_camel(screaming_snake: &str) -> String {
    screaming_snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

/// Records that `what` differs from upstream.
fn differ(
    problems: &mut Vec<String>,
    event_type: &str,
    what: &str,
    ours: &dyn std::fmt::Debug,
    theirs: &dyn std::fmt::Debug,
) {
    problems.push(format!("{event_type}: {what} is {ours:?}, upstream {theirs:?}"));
}

/// The subdomain module an event is defined in: `events_catalog::learning::signals` → `learning`.
fn defining_module(info: &EventInfo) -> &str {
    info.module_path.split("::").nth(1).unwrap_or_default()
}

#[test]
fn the_registry_holds_the_75_standard_events_in_5_subdomains() {
    let events = registry::all_events();
    assert_eq!(events.len(), 75);
    assert!(registry::duplicates().is_empty(), "{:?}", registry::duplicates());
    let mut by_subdomain: BTreeMap<&str, usize> = BTreeMap::new();
    for signal in events {
        *by_subdomain.entry(signal.info().subdomain).or_default() += 1;
    }
    assert_eq!(by_subdomain, BTreeMap::from(SUBDOMAINS));
}

#[test]
fn every_event_agrees_with_upstream() {
    let upstream = upstream_events();
    assert_eq!(upstream.len(), 75);
    let deviations: BTreeMap<&str, (&str, &str)> = KEY_FIELD_DEVIATIONS
        .iter()
        .map(|&(event_type, theirs, ours)| (event_type, (theirs, ours)))
        .collect();

    let mut problems: Vec<String> = Vec::new();

    for event in &upstream {
        let event_type = text(&event["event_type"]).expect("an event type");
        let info = match registry::get_signal_by_type(event_type) {
            Ok(signal) => signal.info(),
            Err(error) => {
                problems.push(format!("{event_type}: {error}"));
                continue;
            }
        };

        let name = text(&event["event_name"]);
        if Some(info.name) != name {
            differ(&mut problems, event_type, "the name", &info.name, &name);
        }
        if info.payload_type != upper_camel(info.name) {
            differ(
                &mut problems,
                event_type,
                "the struct name",
                &info.payload_type,
                &upper_camel(info.name),
            );
        }
        let subdomain = text(&event["subdomain"]);
        if Some(info.subdomain) != subdomain || Some(defining_module(info)) != subdomain {
            differ(
                &mut problems,
                event_type,
                "the subdomain (and module)",
                &(info.subdomain, defining_module(info)),
                &subdomain,
            );
        }

        // Data keys in order, each with its payload class, qualified by subdomain module as
        // upstream's list qualifies it.
        let ours: Vec<(String, String)> = info
            .data
            .iter()
            .map(|key| {
                (
                    key.name.to_owned(),
                    format!("{}.{}", defining_module(info), key.rust_type),
                )
            })
            .collect();
        let theirs: Vec<(String, String)> = event["data"]
            .as_object()
            .expect("a data map")
            .iter()
            .map(|(key, class)| (key.clone(), text(class).unwrap_or_default().to_owned()))
            .collect();
        if ours != theirs {
            differ(&mut problems, event_type, "the data", &ours, &theirs);
        }

        let upstream_key_field = text(&event["key_field"]);
        let expected_key_field = match deviations.get(event_type) {
            Some(&(theirs, ours)) => {
                if upstream_key_field != Some(theirs) {
                    differ(
                        &mut problems,
                        event_type,
                        "the upstream key field listed as a deviation",
                        &theirs,
                        &upstream_key_field,
                    );
                }
                Some(ours)
            }
            None => upstream_key_field,
        };
        if info.key_field != expected_key_field {
            differ(
                &mut problems,
                event_type,
                "the key field",
                &info.key_field,
                &expected_key_field,
            );
        }

        let trigger_repository = text(&event["trigger_repository"]);
        if info.trigger_repository != trigger_repository {
            differ(
                &mut problems,
                event_type,
                "the trigger repository",
                &info.trigger_repository,
                &trigger_repository,
            );
        }
        let has_warnings = !event["warnings"].is_null();
        if info.warnings.is_empty() == has_warnings {
            differ(
                &mut problems,
                event_type,
                "having warnings",
                &!info.warnings.is_empty(),
                &has_warnings,
            );
        }
        let minor_version = event["minor_version"].as_u64();
        if Some(u64::from(info.minor_version)) != minor_version {
            differ(
                &mut problems,
                event_type,
                "the minor version",
                &info.minor_version,
                &minor_version,
            );
        }
        let serializable = event["serializable"].as_bool();
        if Some(info.is_serializable()) != serializable {
            differ(
                &mut problems,
                event_type,
                "serializable",
                &info.is_serializable(),
                &serializable,
            );
        }
        if info.is_serializable() != info.codec.is_some() {
            differ(
                &mut problems,
                event_type,
                "having a codec",
                &info.codec.is_some(),
                &info.is_serializable(),
            );
        }
        if info.description.trim().is_empty() {
            problems.push(format!("{event_type}: no description"));
        }
    }

    let listed: BTreeSet<&str> = upstream.iter().filter_map(|event| text(&event["event_type"])).collect();
    let extra: Vec<&str> = registry::all_events()
        .iter()
        .map(|signal: &&'static dyn AnySignal| signal.event_type())
        .filter(|event_type| !listed.contains(event_type))
        .collect();
    if !extra.is_empty() {
        problems.push(format!("events upstream does not have: {extra:?}"));
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_only_unversioned_types_are_the_two_legacy_authz_ones() {
    let unversioned: Vec<&str> = registry::all_events()
        .iter()
        .filter(|signal| signal.info().major_version.is_none())
        .map(|signal| signal.event_type())
        .collect();
    assert_eq!(
        unversioned,
        [
            "org.openedx.authz.role_assignment.created",
            "org.openedx.authz.role_assignment.deleted"
        ]
    );
}

#[test]
fn unserializable_events_say_why() {
    let reasons: BTreeMap<&str, &str> = registry::all_events()
        .iter()
        .filter_map(|signal| Some((signal.event_type(), signal.info().unserializable?)))
        .collect();
    assert_eq!(
        reasons.keys().copied().collect::<Vec<_>>(),
        [
            "org.openedx.content_authoring.course.certificate_config.changed.v1",
            "org.openedx.content_authoring.course.certificate_config.deleted.v1",
            "org.openedx.learning.external_grader.score.submitted.v1",
        ]
    );
    assert!(reasons.values().all(|reason| reason.len() > 40), "{reasons:#?}");
}
