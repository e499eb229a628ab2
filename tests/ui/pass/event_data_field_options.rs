// Field options of #[event_data]: `default`, `default = expr` and `pii`. Optional and defaulted
// fields may be left out of the builder; `pii` fields print as `<redacted>` in `Debug`.
use events_core::prelude::*;

/// A user.
#[event_data]
pub struct UserData {
    /// The login name.
    username: String,
    /// The email address.
    #[event_data(pii)]
    email: String,
    /// Whether the account is active.
    #[event_data(default = true)]
    is_active: bool,
    /// Number of failed logins.
    #[event_data(default)]
    failed_logins: i64,
    /// Preferred language, from a `default` expression that is not a literal.
    #[event_data(default = String::from("en"))]
    language: String,
    /// The full name, when known.
    #[event_data(pii)]
    name: Option<String>,
}

fn main() {
    let user = UserData::builder().username("ada").email("ada@example.com").build();
    assert_eq!(user.username(), "ada");
    assert!(user.is_active());
    assert_eq!(user.failed_logins(), 0);
    assert_eq!(user.language(), "en");
    assert_eq!(user.name(), None);

    let debug = format!("{user:?}");
    assert!(debug.contains("email: <redacted>"), "{debug}");
    assert!(!debug.contains("ada@example.com"), "{debug}");
    assert!(debug.contains("username: \"ada\""), "{debug}");

    let renamed = user
        .clone()
        .with_name(Some("Ada Lovelace".to_owned()))
        .with_is_active(false);
    assert_eq!(renamed.name(), Some("Ada Lovelace"));
    assert!(!renamed.is_active());
    assert_ne!(renamed, user);
}
