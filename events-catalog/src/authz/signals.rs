//! Events of the `authz` subdomain.
//!
//! Both types were published upstream without the `.v1` suffix that the naming rules ask for;
//! they keep their exact names (`legacy_unversioned`) so that consumers of the Python stack
//! recognise them.

use events_core::prelude::*;

use super::data::RoleAssignmentData;

/// Sent by openedx-authz when a role is assigned to a subject within a scope.
// Upstream annotates the key field as `user.pii.username`, copied from the user events; the
// payload has no `user`. The subject of the assignment (`role_assignment.subject`, e.g.
// `user^john_doe`) is what identifies whose permissions changed, so it keys the event and keeps
// the changes to one subject in order.
#[open_edx_event(
    type = "org.openedx.authz.role_assignment.created",
    legacy_unversioned,
    key_field = "role_assignment.subject",
    trigger_repository = "openedx/openedx-authz"
)]
pub struct RoleAssignmentCreated {
    /// The assignment that was made.
    role_assignment: RoleAssignmentData,
}

/// Sent by openedx-authz when a subject's role within a scope is taken away.
// Upstream annotates the key field as `user.pii.username`, copied from the user events; the
// payload has no `user`. The subject of the assignment (`role_assignment.subject`) is what
// identifies whose permissions changed, so it keys the event, like ROLE_ASSIGNMENT_CREATED.
#[open_edx_event(
    type = "org.openedx.authz.role_assignment.deleted",
    legacy_unversioned,
    key_field = "role_assignment.subject",
    trigger_repository = "openedx/openedx-authz"
)]
pub struct RoleAssignmentDeleted {
    /// The assignment that was removed.
    role_assignment: RoleAssignmentData,
}
