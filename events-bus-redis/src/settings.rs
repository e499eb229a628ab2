//! The settings Python services already have for `edx-event-bus-redis`, read under the same
//! names from the environment.

use std::fmt;
use std::time::Duration;

use events_core::bus::{ConsumerOptions, TopicPrefix};
pub use events_core::settings::SettingsError;
use events_core::settings::{boolean, count, count_u32, seconds};

use crate::error::RedisBusError;
use crate::options::RedisOptions;
use crate::producer::RedisProducer;

/// `EVENT_BUS_REDIS_CONNECTION_URL`: the Redis server.
pub const CONNECTION_URL: &str = "EVENT_BUS_REDIS_CONNECTION_URL";
/// `EVENT_BUS_REDIS_STREAM_MAX_LEN`: about how many entries a stream keeps.
pub const STREAM_MAX_LEN: &str = "EVENT_BUS_REDIS_STREAM_MAX_LEN";
/// `EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT`: how long a read waits for new entries, in seconds.
pub const CONSUMER_POLL_TIMEOUT: &str = "EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT";
/// `EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP`: the pause after a failed read, in seconds.
pub const CONSUMER_POLL_FAILURE_SLEEP: &str = "EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP";
/// `EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT`: stop after this many errors in a row.
pub const CONSUMER_CONSECUTIVE_ERRORS_LIMIT: &str = "EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT";
/// `EVENT_BUS_REDIS_CONSUMERS_ENABLED`: the kill switch of every consumer.
pub const CONSUMERS_ENABLED: &str = "EVENT_BUS_REDIS_CONSUMERS_ENABLED";
/// `EVENT_BUS_TOPIC_PREFIX`: put before every topic, `{prefix}-{topic}`.
pub const TOPIC_PREFIX: &str = "EVENT_BUS_TOPIC_PREFIX";
/// `EVENTS_SERVICE_NAME`: the service, which names the `source` of the events it produces.
pub const SERVICE_NAME: &str = "EVENTS_SERVICE_NAME";

/// The settings of `edx-event-bus-redis` and `openedx-events` that concern the Redis bus, with
/// the upstream defaults:
///
/// | Variable | Field | Default |
/// |---|---|---|
/// | `EVENT_BUS_REDIS_CONNECTION_URL` | [`connection_url`](Self::connection_url) | none |
/// | `EVENT_BUS_REDIS_STREAM_MAX_LEN` | [`stream_max_len`](Self::stream_max_len) | 10,000 |
/// | `EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT` | [`consumer_poll_timeout`](Self::consumer_poll_timeout) | 60 s |
/// | `EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP` | [`consumer_poll_failure_sleep`](Self::consumer_poll_failure_sleep) | 1 s |
/// | `EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT` | [`consumer_consecutive_errors_limit`](Self::consumer_consecutive_errors_limit) | none |
/// | `EVENT_BUS_REDIS_CONSUMERS_ENABLED` | [`consumers_enabled`](Self::consumers_enabled) | true |
/// | `EVENT_BUS_TOPIC_PREFIX` | [`topic_prefix`](Self::topic_prefix) | none |
/// | `EVENTS_SERVICE_NAME` | [`service_name`](Self::service_name) | none |
///
/// Durations are seconds, with a fraction if need be (`0.5`); booleans are `true`/`false`,
/// `1`/`0`, `yes`/`no` or `on`/`off`. A variable that is unset or empty takes the default; any
/// other value that does not parse is a [`SettingsError`] naming the variable.
///
/// ```
/// use std::time::Duration;
/// use events_bus_redis::RedisSettings;
///
/// let settings = RedisSettings::from_lookup(|name| match name {
///     "EVENT_BUS_REDIS_CONNECTION_URL" => Some("redis://127.0.0.1:6379/0".into()),
///     "EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT" => Some("2.5".into()),
///     "EVENT_BUS_TOPIC_PREFIX" => Some("stage".into()),
///     _ => None,
/// })?;
/// assert_eq!(settings.consumer_poll_timeout, Duration::from_millis(2500));
/// assert_eq!(settings.stream_max_len, Some(10_000));
/// assert_eq!(settings.topic_prefix.full_topic("user-logins"), "stage-user-logins");
/// assert_eq!(settings.consumer_options().poll_timeout, Duration::from_millis(2500));
///
/// let error = RedisSettings::from_lookup(|name| {
///     (name == "EVENT_BUS_REDIS_CONSUMERS_ENABLED").then(|| "maybe".to_owned())
/// })
/// .unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "EVENT_BUS_REDIS_CONSUMERS_ENABLED=\"maybe\" is not a boolean (true/false, 1/0, yes/no, on/off)"
/// );
/// # Ok::<(), events_bus_redis::SettingsError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RedisSettings {
    /// The Redis server's URL.
    pub connection_url: Option<String>,
    /// About how many entries each stream keeps (`XADD … MAXLEN ~`); `None` (the value 0)
    /// never trims.
    pub stream_max_len: Option<usize>,
    /// How long a consumer's read waits for new entries.
    pub consumer_poll_timeout: Duration,
    /// How long a consumer pauses after a failed read; the pause doubles while failures go on,
    /// up to five seconds or this value if it is longer.
    pub consumer_poll_failure_sleep: Duration,
    /// After how many errors in a row a consumer stops; `None` (or 0) never.
    pub consumer_consecutive_errors_limit: Option<u32>,
    /// Whether consumers run at all: `false` makes them exit at once (the kill switch).
    pub consumers_enabled: bool,
    /// The topic prefix.
    pub topic_prefix: TopicPrefix,
    /// The service name, which the event metadata's `source` is made of.
    pub service_name: Option<String>,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            connection_url: None,
            stream_max_len: Some(RedisProducer::DEFAULT_MAX_LEN),
            consumer_poll_timeout: Duration::from_secs(60),
            consumer_poll_failure_sleep: Duration::from_secs(1),
            consumer_consecutive_errors_limit: None,
            consumers_enabled: true,
            topic_prefix: TopicPrefix::none(),
            service_name: None,
        }
    }
}

impl RedisSettings {
    /// The settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings from `lookup`, which gives a variable's value by name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let value = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let defaults = RedisSettings::default();
        Ok(RedisSettings {
            connection_url: value(CONNECTION_URL),
            stream_max_len: match value(STREAM_MAX_LEN) {
                Some(text) => Some(count(STREAM_MAX_LEN, &text)?).filter(|max_len| *max_len > 0),
                None => defaults.stream_max_len,
            },
            consumer_poll_timeout: match value(CONSUMER_POLL_TIMEOUT) {
                Some(text) => seconds(CONSUMER_POLL_TIMEOUT, &text)?,
                None => defaults.consumer_poll_timeout,
            },
            consumer_poll_failure_sleep: match value(CONSUMER_POLL_FAILURE_SLEEP) {
                Some(text) => seconds(CONSUMER_POLL_FAILURE_SLEEP, &text)?,
                None => defaults.consumer_poll_failure_sleep,
            },
            consumer_consecutive_errors_limit: match value(CONSUMER_CONSECUTIVE_ERRORS_LIMIT) {
                Some(text) => Some(count_u32(CONSUMER_CONSECUTIVE_ERRORS_LIMIT, &text)?).filter(|limit| *limit > 0),
                None => None,
            },
            consumers_enabled: match value(CONSUMERS_ENABLED) {
                Some(text) => boolean(CONSUMERS_ENABLED, &text)?,
                None => defaults.consumers_enabled,
            },
            topic_prefix: value(TOPIC_PREFIX).map_or_else(TopicPrefix::none, TopicPrefix::new),
            service_name: value(SERVICE_NAME),
        })
    }

    /// The options for the configured server.
    pub fn redis_options(&self) -> Result<RedisOptions, RedisBusError> {
        match &self.connection_url {
            Some(url) => RedisOptions::new(url),
            None => Err(RedisBusError::url(
                "(unset)",
                format!("set {CONNECTION_URL} to the Redis server's URL"),
            )),
        }
    }

    /// A producer for the configured server, trimming streams at `stream_max_len`.
    pub fn producer(&self) -> Result<RedisProducer, RedisBusError> {
        Ok(RedisProducer::new(self.redis_options()?).with_max_len(self.stream_max_len))
    }

    /// The consumer loop's options these settings give: the poll timeout, the pause after a
    /// failed read (the first of the backoff) and the error limit; the rest are the defaults.
    pub fn consumer_options(&self) -> ConsumerOptions {
        let defaults = ConsumerOptions::default();
        ConsumerOptions {
            poll_timeout: self.consumer_poll_timeout,
            initial_backoff: self.consumer_poll_failure_sleep,
            max_backoff: defaults.max_backoff.max(self.consumer_poll_failure_sleep),
            consecutive_error_limit: self.consumer_consecutive_errors_limit,
            ..defaults
        }
    }
}

impl fmt::Display for RedisSettings {
    /// The settings as `NAME=value` lines, without the URL's credentials, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match &self.connection_url {
            Some(url) => {
                RedisOptions::new(url).map_or_else(|_| "(invalid)".to_owned(), |options| options.address().to_owned())
            }
            None => "(unset)".to_owned(),
        };
        writeln!(f, "{CONNECTION_URL}={url}")?;
        writeln!(f, "{STREAM_MAX_LEN}={}", self.stream_max_len.unwrap_or(0))?;
        writeln!(
            f,
            "{CONSUMER_POLL_TIMEOUT}={}",
            self.consumer_poll_timeout.as_secs_f64()
        )?;
        writeln!(
            f,
            "{CONSUMER_POLL_FAILURE_SLEEP}={}",
            self.consumer_poll_failure_sleep.as_secs_f64()
        )?;
        writeln!(
            f,
            "{CONSUMER_CONSECUTIVE_ERRORS_LIMIT}={}",
            self.consumer_consecutive_errors_limit.unwrap_or(0)
        )?;
        writeln!(f, "{CONSUMERS_ENABLED}={}", self.consumers_enabled)?;
        writeln!(
            f,
            "{TOPIC_PREFIX}={}",
            self.topic_prefix.full_topic("").trim_end_matches('-')
        )?;
        write!(f, "{SERVICE_NAME}={}", self.service_name.as_deref().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<RedisSettings, SettingsError> {
        RedisSettings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn unset_and_empty_variables_take_the_upstream_defaults() {
        assert_eq!(settings(&[]).unwrap(), RedisSettings::default());
        assert_eq!(
            settings(&[(CONSUMER_POLL_TIMEOUT, ""), (TOPIC_PREFIX, " ")]).unwrap(),
            RedisSettings::default()
        );
        let defaults = RedisSettings::default();
        assert_eq!(defaults.consumer_poll_timeout, Duration::from_secs(60));
        assert_eq!(defaults.consumer_poll_failure_sleep, Duration::from_secs(1));
        assert_eq!(defaults.stream_max_len, Some(10_000));
        assert!(defaults.consumers_enabled);
    }

    #[test]
    fn every_variable_is_read_under_its_upstream_name() {
        let read = settings(&[
            (CONNECTION_URL, "redis://127.0.0.1:6390/3"),
            (STREAM_MAX_LEN, "500"),
            (CONSUMER_POLL_TIMEOUT, "0.25"),
            (CONSUMER_POLL_FAILURE_SLEEP, "7"),
            (CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "12"),
            (CONSUMERS_ENABLED, "False"),
            (TOPIC_PREFIX, "prod"),
            (SERVICE_NAME, "credentials"),
        ])
        .unwrap();
        assert_eq!(read.connection_url.as_deref(), Some("redis://127.0.0.1:6390/3"));
        assert_eq!(read.stream_max_len, Some(500));
        assert_eq!(read.consumer_poll_timeout, Duration::from_millis(250));
        assert_eq!(read.consumer_poll_failure_sleep, Duration::from_secs(7));
        assert_eq!(read.consumer_consecutive_errors_limit, Some(12));
        assert!(!read.consumers_enabled);
        assert_eq!(read.topic_prefix, TopicPrefix::new("prod"));
        assert_eq!(read.service_name.as_deref(), Some("credentials"));
        let options = read.consumer_options();
        assert_eq!(
            (options.poll_timeout, options.initial_backoff, options.max_backoff),
            (
                Duration::from_millis(250),
                Duration::from_secs(7),
                Duration::from_secs(7)
            )
        );
        assert_eq!(options.consecutive_error_limit, Some(12));
        assert_eq!(read.redis_options().unwrap().address(), "redis://127.0.0.1:6390/3");
    }

    #[test]
    fn zero_means_never_for_the_stream_length_and_the_error_limit() {
        let read = settings(&[(STREAM_MAX_LEN, "0"), (CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "0")]).unwrap();
        assert_eq!(
            (read.stream_max_len, read.consumer_consecutive_errors_limit),
            (None, None)
        );
    }

    #[test]
    fn invalid_values_are_errors_that_name_the_variable_and_what_is_expected() {
        for (variable, value, expected) in [
            (STREAM_MAX_LEN, "-1", "a whole number (0 or more)"),
            (STREAM_MAX_LEN, "ten", "a whole number (0 or more)"),
            (
                CONSUMER_POLL_TIMEOUT,
                "soon",
                "a number of seconds (0 or more, e.g. 60 or 0.5)",
            ),
            (
                CONSUMER_POLL_TIMEOUT,
                "-2",
                "a number of seconds (0 or more, e.g. 60 or 0.5)",
            ),
            (
                CONSUMER_POLL_FAILURE_SLEEP,
                "NaN",
                "a number of seconds (0 or more, e.g. 60 or 0.5)",
            ),
            (
                CONSUMER_CONSECUTIVE_ERRORS_LIMIT,
                "99999999999",
                "a count of at most 4294967295",
            ),
            (
                CONSUMERS_ENABLED,
                "maybe",
                "a boolean (true/false, 1/0, yes/no, on/off)",
            ),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(
                error,
                SettingsError {
                    variable,
                    value: value.to_owned(),
                    expected
                }
            );
            assert!(error.to_string().starts_with(&format!("{variable}=")), "{error}");
        }
    }

    #[test]
    fn without_a_url_the_options_say_which_variable_to_set() {
        let error = RedisSettings::default().redis_options().unwrap_err();
        assert!(error.to_string().contains(CONNECTION_URL), "{error}");
    }
}
