//! The registry lists every event of the linked crates.

use events_core::RegistryError;
use events_core::prelude::*;
use events_core::registry::{all_events, duplicates, get_signal_by_type};

/// A grade.
#[event_data]
pub struct GradeData {
    /// The learner's user name.
    username: String,
    /// The grade, from 0 to 1.
    percent: f64,
}

/// Emitted when a grade changes.
#[open_edx_event(
    type = "com.example.learning.grade.changed.v2",
    key_field = "grade.username",
    minor_version = 3,
    trigger_repository = "example/gradebook example/lms",
    warning = "Not sent for archived courses.",
    warning = "Sent twice during regrading."
)]
pub struct GradeChanged {
    /// The new grade.
    grade: GradeData,
}

/// Emitted when a grade is deleted; kept in process only.
#[open_edx_event(
    type = "com.example.learning.grade.deleted.v1",
    unserializable = "carries a database handle"
)]
pub struct GradeDeleted {
    /// The deleted grade's id.
    grade: std::sync::Arc<String>,
}

#[test]
fn a_registered_event_carries_its_annotations() {
    let signal = get_signal_by_type("com.example.learning.grade.changed.v2").unwrap();
    let info = signal.info();
    assert_eq!(info.name, "GRADE_CHANGED_V2");
    assert_eq!(info.description, "Emitted when a grade changes.");
    assert_eq!(info.subdomain, "learning");
    assert_eq!((info.major_version, info.minor_version), (Some(2), 3));
    assert_eq!(info.key_field, Some("grade.username"));
    assert_eq!(info.trigger_repository, Some("example/gradebook example/lms"));
    assert_eq!(
        info.warnings,
        ["Not sent for archived courses.", "Sent twice during regrading."]
    );
    assert_eq!(info.payload_type, "GradeChanged");
    assert_eq!(info.data.len(), 1);
    assert_eq!(
        (info.data[0].name, info.data[0].rust_type, info.data[0].doc),
        ("grade", "GradeData", "The new grade.")
    );
    assert!(info.file.ends_with("registry.rs"));
    assert!(info.is_serializable());
    assert!(info.codec.is_some());
    assert!(signal.downcast::<GradeChanged>().is_some());
    assert!(signal.downcast::<GradeDeleted>().is_none());
}

#[test]
fn unserializable_events_register_without_a_codec() {
    let info = GRADE_DELETED.info();
    assert_eq!(info.unserializable, Some("carries a database handle"));
    assert!(info.codec.is_none() && info.data[0].schema.is_none());
}

#[test]
fn all_events_is_sorted_and_has_no_duplicates_here() {
    let types: Vec<&str> = all_events().iter().map(|signal| signal.event_type()).collect();
    assert_eq!(
        types,
        [
            "com.example.learning.grade.changed.v2",
            "com.example.learning.grade.deleted.v1"
        ]
    );
    assert!(duplicates().is_empty());
}

#[test]
fn an_unknown_type_suggests_the_closest_known_ones() {
    let error = get_signal_by_type("com.example.learning.grade.changed.v1").unwrap_err();
    assert_eq!(
        error,
        RegistryError::UnknownEventType {
            event_type: "com.example.learning.grade.changed.v1".into(),
            suggestions: vec![
                "com.example.learning.grade.changed.v2",
                "com.example.learning.grade.deleted.v1"
            ],
        }
    );
    let far = get_signal_by_type("nothing.like.it").unwrap_err();
    assert_eq!(far.to_string(), "unknown event type `nothing.like.it`");
}

#[test]
fn the_registry_toggles_signals_without_knowing_their_types() {
    let signal = get_signal_by_type("com.example.learning.grade.deleted.v1").unwrap();
    signal.disable();
    assert!(!GRADE_DELETED.is_enabled());
    signal.enable();
    assert!(GRADE_DELETED.is_enabled());
}
