// `legacy_unversioned` on a type that has a version is contradictory.
use events_core::prelude::*;

/// Emitted when a role assignment is created.
#[open_edx_event(type = "org.openedx.authz.role_assignment.created.v1", legacy_unversioned)]
pub struct RoleAssignmentCreated {
    /// The assigned role.
    role: String,
}

fn main() {}
