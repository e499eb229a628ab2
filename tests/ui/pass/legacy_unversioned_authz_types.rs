// The two upstream authz types were published without a version suffix; `legacy_unversioned`
// accepts exactly those two.
use events_core::prelude::*;

/// A role given to a user in a scope.
#[event_data]
pub struct RoleAssignmentData {
    /// The role.
    role: String,
    /// The scope the role applies in.
    scope: String,
}

/// Emitted when a role is assigned.
#[open_edx_event(type = "org.openedx.authz.role_assignment.created", legacy_unversioned)]
pub struct RoleAssignmentCreated {
    /// The assignment.
    role_assignment: RoleAssignmentData,
}

/// Emitted when a role assignment is removed.
#[open_edx_event(type = "org.openedx.authz.role_assignment.deleted", legacy_unversioned)]
pub struct RoleAssignmentDeleted {
    /// The removed assignment.
    role_assignment: RoleAssignmentData,
}

fn main() {
    for (info, name) in [
        (ROLE_ASSIGNMENT_CREATED.info(), "ROLE_ASSIGNMENT_CREATED"),
        (ROLE_ASSIGNMENT_DELETED.info(), "ROLE_ASSIGNMENT_DELETED"),
    ] {
        assert_eq!((info.name, info.subdomain, info.major_version), (name, "authz", None));
    }
}
