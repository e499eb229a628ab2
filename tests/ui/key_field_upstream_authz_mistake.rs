// Upstream declares `user.pii.username` as the key field of the authz role assignment events,
// but their only data key is `role_assignment`; the first segment of a key field must be a
// data key, so this definition is refused.
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
#[open_edx_event(
    type = "org.openedx.authz.role_assignment.created",
    legacy_unversioned,
    key_field = "user.pii.username"
)]
pub struct RoleAssignmentCreated {
    /// The assignment.
    role_assignment: RoleAssignmentData,
}

fn main() {}
