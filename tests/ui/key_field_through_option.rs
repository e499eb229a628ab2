// An optional field may be absent, so a key field cannot go through it.
use events_core::prelude::*;

/// Personal information of a user.
#[event_data]
pub struct UserPersonalData {
    /// The login name.
    username: String,
    /// The email address.
    email: String,
}

/// A user of the platform.
#[event_data]
pub struct UserData {
    /// The user id.
    id: i64,
    /// Personal information.
    pii: UserPersonalData,
    /// Who manages the account, when someone does.
    manager: Option<UserPersonalData>,
    /// Group names.
    groups: Vec<String>,
}

/// Emitted when a user registers.
#[open_edx_event(
    type = "org.openedx.learning.student.registration.completed.v1",
    key_field = "user.manager.username"
)]
pub struct StudentRegistrationCompleted {
    /// The user who registered.
    user: UserData,
}

fn main() {}
