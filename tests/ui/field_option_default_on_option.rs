// An `Option` field already defaults to `None`.
use events_core::prelude::*;

/// A user.
#[event_data]
pub struct UserData {
    /// The login name.
    username: String,
    /// The email address, when known.
    #[event_data(default)]
    email: Option<String>,
}

fn main() {}
