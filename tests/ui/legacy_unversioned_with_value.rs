// `legacy_unversioned` is a flag; it takes no value.
use events_core::prelude::*;

/// Emitted when a role assignment is created.
#[open_edx_event(type = "org.openedx.authz.role_assignment.created", legacy_unversioned = true)]
pub struct RoleAssignmentCreated {
    /// The assigned role.
    role: String,
}

fn main() {}
