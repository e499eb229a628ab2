// `legacy_unversioned` exists only for the two upstream authz types published before
// versioning; a new type must carry `.v1`.
use events_core::prelude::*;

/// Emitted when a role is created.
#[open_edx_event(type = "org.openedx.authz.role.created", legacy_unversioned)]
pub struct RoleCreated {
    /// The role's name.
    role: String,
}

fn main() {}
