// Upstream data keys that end in `_data` are kept for wire compatibility with
// `#[open_edx_event(legacy_data_key)]`.
use events_core::prelude::*;

/// A role a user holds in a course.
#[event_data]
pub struct CourseAccessRoleData {
    /// The role.
    role: String,
}

/// Emitted when a course access role is added.
#[open_edx_event(type = "org.openedx.learning.user.course_access_role.added.v1")]
pub struct CourseAccessRoleAdded {
    /// The added role.
    #[open_edx_event(legacy_data_key)]
    course_access_role_data: CourseAccessRoleData,
}

fn main() {
    let role = CourseAccessRoleData::builder().role("staff").build();
    let event = CourseAccessRoleAdded::new(role);
    assert_eq!(event.course_access_role_data().role(), "staff");
    assert_eq!(
        USER_COURSE_ACCESS_ROLE_ADDED.info().data[0].name,
        "course_access_role_data"
    );
}
