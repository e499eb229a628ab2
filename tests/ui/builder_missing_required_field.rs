// The builder tracks required fields in its type: `build()` without `email` does not compile,
// and the error names the missing field.
use events_core::prelude::*;

/// Personal information of a user.
#[event_data]
pub struct UserPersonalData {
    /// The login name.
    username: String,
    /// The email address.
    email: String,
    /// The full name, when known.
    name: Option<String>,
}

fn main() {
    let _pii = UserPersonalData::builder().username("ada").build();
}
