// Fields of an #[event_data] struct take `pii`, `default` or `default = expr`.
use events_core::prelude::*;

/// A user.
#[event_data]
pub struct UserData {
    /// The login name.
    #[event_data(private)]
    username: String,
}

fn main() {}
