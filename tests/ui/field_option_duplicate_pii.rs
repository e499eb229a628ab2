// Each field option is given once.
use events_core::prelude::*;

/// A user.
#[event_data]
pub struct UserData {
    /// The email address.
    #[event_data(pii, pii)]
    email: String,
}

fn main() {}
