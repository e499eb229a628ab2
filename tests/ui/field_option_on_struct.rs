// `pii` and `default` are field options; on the struct #[event_data] takes only `crate = path`.
use events_core::prelude::*;

/// A user.
#[event_data(pii)]
pub struct UserData {
    /// The login name.
    username: String,
}

fn main() {}
