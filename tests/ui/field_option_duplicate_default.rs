// A field has one default.
use events_core::prelude::*;

/// A user.
#[event_data]
pub struct UserData {
    /// Whether the account is active.
    #[event_data(default = true)]
    #[event_data(default)]
    is_active: bool,
}

fn main() {}
