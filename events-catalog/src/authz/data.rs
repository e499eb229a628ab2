//! Payload classes of the `authz` subdomain.

use events_core::prelude::*;

/// A role given to a subject within a scope, the unit of permission in openedx-authz.
#[event_data]
pub struct RoleAssignmentData {
    /// What happened to the assignment, e.g. `created` or `deleted`.
    operation: String,
    /// Who holds the role, namespaced by kind, e.g. `user^john_doe`; may name a person.
    #[event_data(pii)]
    subject: String,
    /// The name of the role that is assigned.
    role: String,
    /// Where the role applies: the key of a content library, a course or another scope the
    /// framework knows.
    scope: String,
    /// The id of the user who made the change; `None` when it was the system or is unknown.
    actor_id: Option<i64>,
}
