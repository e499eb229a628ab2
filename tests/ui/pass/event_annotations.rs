// Every annotation of an event reaches its registration record: several trigger repositories,
// repeated warnings, the minor version, the description and the data keys in order.
use events_core::prelude::*;

/// A course.
#[event_data]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

/// Emitted when a course's catalog information changes.
///
/// Sent after the change is committed.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.catalog_info.changed.v1",
    key_field = "catalog_info.course_key",
    minor_version = 2,
    trigger_repository = "openedx/edx-platform openedx/frontend-app-authoring",
    warning = "Sent for every save, even when nothing visible changed.",
    warning = "Deprecated in favour of COURSE_UPDATED."
)]
pub struct CatalogInfoChanged {
    /// The course whose catalog information changed.
    catalog_info: CourseData,
    /// Who made the change.
    editor: String,
}

fn main() {
    let info = COURSE_CATALOG_INFO_CHANGED.info();
    assert_eq!(info.subdomain, "content_authoring");
    assert_eq!(info.minor_version, 2);
    assert_eq!(
        info.trigger_repository,
        Some("openedx/edx-platform openedx/frontend-app-authoring")
    );
    assert_eq!(info.warnings.len(), 2);
    assert!(
        info.description
            .starts_with("Emitted when a course's catalog information changes.")
    );
    let keys: Vec<&str> = info.data.iter().map(|key| key.name).collect();
    assert_eq!(keys, ["catalog_info", "editor"]);
    assert_eq!(info.data[0].rust_type, "CourseData");
}
