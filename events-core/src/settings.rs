//! Reading settings from the environment as the Python event buses name them: the parsing
//! that every backend's `from_env` shares, and the error that names the variable.

use std::time::Duration;

/// A setting whose value does not parse.
///
/// ```
/// use events_core::settings::seconds;
///
/// let error = seconds("EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT", "soon").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT=\"soon\" is not a number of seconds (0 or more, e.g. 60 or 0.5)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is not {expected}")]
pub struct SettingsError {
    /// The environment variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What it should be.
    pub expected: &'static str,
}

/// A whole number, 0 or more.
pub fn count(variable: &'static str, text: &str) -> Result<usize, SettingsError> {
    text.trim().parse().map_err(|_| SettingsError {
        variable,
        value: text.to_owned(),
        expected: "a whole number (0 or more)",
    })
}

/// A count that fits in a `u32`, 0 or more.
pub fn count_u32(variable: &'static str, text: &str) -> Result<u32, SettingsError> {
    let value = count(variable, text)?;
    u32::try_from(value).map_err(|_| SettingsError {
        variable,
        value: text.to_owned(),
        expected: "a count of at most 4294967295",
    })
}

/// A duration in seconds, with a fraction if need be (`0.5`).
pub fn seconds(variable: &'static str, text: &str) -> Result<Duration, SettingsError> {
    let invalid = || SettingsError {
        variable,
        value: text.to_owned(),
        expected: "a number of seconds (0 or more, e.g. 60 or 0.5)",
    };
    let seconds: f64 = text.trim().parse().map_err(|_| invalid())?;
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

/// A boolean: `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, in any case.
pub fn boolean(variable: &'static str, text: &str) -> Result<bool, SettingsError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(SettingsError {
            variable,
            value: text.to_owned(),
            expected: "a boolean (true/false, 1/0, yes/no, on/off)",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_the_python_settings_give_them() {
        assert_eq!(count("X", " 10000 ").unwrap(), 10_000);
        assert_eq!(seconds("X", "0.25").unwrap(), Duration::from_millis(250));
        assert!(boolean("X", "Yes").unwrap());
        assert!(!boolean("X", "off").unwrap());
    }

    #[test]
    fn invalid_values_name_the_variable_and_what_is_expected() {
        assert_eq!(count("X", "-1").unwrap_err().expected, "a whole number (0 or more)");
        assert_eq!(
            count_u32("X", "4294967296").unwrap_err().expected,
            "a count of at most 4294967295"
        );
        assert_eq!(seconds("X", "-2").unwrap_err().variable, "X");
        assert_eq!(boolean("X", "maybe").unwrap_err().value, "maybe");
    }
}
