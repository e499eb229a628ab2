//! The settings Python services already have for `edx-event-bus-kafka`, read under the same
//! names from the environment.

use std::fmt;

use events_core::bus::{ConsumerOptions, TopicPrefix};
use events_core::settings::{SettingsError, boolean, count_u32};

/// `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS`: the brokers, `host:port[,host:port…]`.
pub const BOOTSTRAP_SERVERS: &str = "EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS";
/// `EVENT_BUS_KAFKA_API_KEY`: the SASL PLAIN user; with the secret, the connection is SASL_SSL.
pub const API_KEY: &str = "EVENT_BUS_KAFKA_API_KEY";
/// `EVENT_BUS_KAFKA_API_SECRET`: the SASL PLAIN password.
pub const API_SECRET: &str = "EVENT_BUS_KAFKA_API_SECRET";
/// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL`: the Confluent schema registry.
pub const SCHEMA_REGISTRY_URL: &str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL";
/// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY`: the registry's basic-auth user.
pub const SCHEMA_REGISTRY_API_KEY: &str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY";
/// `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET`: the registry's basic-auth password.
pub const SCHEMA_REGISTRY_API_SECRET: &str = "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_SECRET";
/// `EVENT_BUS_KAFKA_CONSUMERS_ENABLED`: the kill switch of every consumer.
pub const CONSUMERS_ENABLED: &str = "EVENT_BUS_KAFKA_CONSUMERS_ENABLED";
/// `EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT`: stop after this many errors in a row.
pub const CONSUMER_CONSECUTIVE_ERRORS_LIMIT: &str = "EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT";
/// `EVENT_BUS_KAFKA_AUDIT_LOGGING_ENABLED`: log every message produced and consumed.
pub const AUDIT_LOGGING_ENABLED: &str = "EVENT_BUS_KAFKA_AUDIT_LOGGING_ENABLED";
/// `EVENT_BUS_TOPIC_PREFIX`: put before every topic, `{prefix}-{topic}`.
pub const TOPIC_PREFIX: &str = "EVENT_BUS_TOPIC_PREFIX";
/// `EVENTS_SERVICE_NAME`: the service; also the Kafka `client.id`, as upstream sets it.
pub const SERVICE_NAME: &str = "EVENTS_SERVICE_NAME";

/// The settings of `edx-event-bus-kafka` and `openedx-events` that concern the Kafka bus, with
/// the upstream defaults:
///
/// | Variable | Field | Default |
/// |---|---|---|
/// | `EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS` | [`bootstrap_servers`](Self::bootstrap_servers) | none |
/// | `EVENT_BUS_KAFKA_API_KEY`, `_SECRET` | [`sasl`](Self::sasl) | none (no authentication) |
/// | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL` | [`schema_registry_url`](Self::schema_registry_url) | none |
/// | `EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY`, `_SECRET` | [`schema_registry_auth`](Self::schema_registry_auth) | none |
/// | `EVENT_BUS_KAFKA_CONSUMERS_ENABLED` | [`consumers_enabled`](Self::consumers_enabled) | true |
/// | `EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT` | [`consumer_consecutive_errors_limit`](Self::consumer_consecutive_errors_limit) | none |
/// | `EVENT_BUS_KAFKA_AUDIT_LOGGING_ENABLED` | [`audit_logging_enabled`](Self::audit_logging_enabled) | true |
/// | `EVENT_BUS_TOPIC_PREFIX` | [`topic_prefix`](Self::topic_prefix) | none |
/// | `EVENTS_SERVICE_NAME` | [`service_name`](Self::service_name) | none |
///
/// A variable that is unset or empty takes the default; a value that does not parse is a
/// [`SettingsError`] naming the variable. A key without its secret (or the reverse) is an
/// error too: upstream silently connects without authentication then.
///
/// ```
/// use events_bus_kafka::KafkaSettings;
///
/// let settings = KafkaSettings::from_lookup(|name| match name {
///     "EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS" => Some("kafka-1:9092,kafka-2:9092".into()),
///     "EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL" => Some("http://registry:8081".into()),
///     "EVENT_BUS_TOPIC_PREFIX" => Some("stage".into()),
///     _ => None,
/// })?;
/// assert_eq!(settings.bootstrap_servers.as_deref(), Some("kafka-1:9092,kafka-2:9092"));
/// assert!(settings.sasl.is_none());
/// assert_eq!(settings.topic_prefix.full_topic("user-logins"), "stage-user-logins");
/// # Ok::<(), events_core::settings::SettingsError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// The brokers.
    pub bootstrap_servers: Option<String>,
    /// SASL PLAIN credentials over SSL: `(key, secret)`.
    pub sasl: Option<(String, String)>,
    /// The schema registry.
    pub schema_registry_url: Option<String>,
    /// The registry's basic-auth credentials: `(key, secret)`.
    pub schema_registry_auth: Option<(String, String)>,
    /// Whether consumers run at all.
    pub consumers_enabled: bool,
    /// Stop a consumer after this many errors in a row.
    pub consumer_consecutive_errors_limit: Option<u32>,
    /// Log each message produced and consumed (at `info`).
    pub audit_logging_enabled: bool,
    /// The topic prefix.
    pub topic_prefix: TopicPrefix,
    /// The service name, sent as the Kafka `client.id`.
    pub service_name: Option<String>,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            bootstrap_servers: None,
            sasl: None,
            schema_registry_url: None,
            schema_registry_auth: None,
            consumers_enabled: true,
            consumer_consecutive_errors_limit: None,
            audit_logging_enabled: true,
            topic_prefix: TopicPrefix::none(),
            service_name: None,
        }
    }
}

impl KafkaSettings {
    /// The settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings from `lookup`, which gives a variable's value by name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let value = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let pair = |key: &'static str, secret: &'static str| -> Result<Option<(String, String)>, SettingsError> {
            match (value(key), value(secret)) {
                (Some(key), Some(secret)) => Ok(Some((key, secret))),
                (None, None) => Ok(None),
                (Some(_), None) => Err(SettingsError {
                    variable: secret,
                    value: String::new(),
                    expected: "set: it goes with the key that is set",
                }),
                (None, Some(_)) => Err(SettingsError {
                    variable: key,
                    value: String::new(),
                    expected: "set: it goes with the secret that is set",
                }),
            }
        };
        let defaults = KafkaSettings::default();
        Ok(KafkaSettings {
            bootstrap_servers: value(BOOTSTRAP_SERVERS),
            sasl: pair(API_KEY, API_SECRET)?,
            schema_registry_url: value(SCHEMA_REGISTRY_URL),
            schema_registry_auth: pair(SCHEMA_REGISTRY_API_KEY, SCHEMA_REGISTRY_API_SECRET)?,
            consumers_enabled: match value(CONSUMERS_ENABLED) {
                Some(text) => boolean(CONSUMERS_ENABLED, &text)?,
                None => defaults.consumers_enabled,
            },
            consumer_consecutive_errors_limit: match value(CONSUMER_CONSECUTIVE_ERRORS_LIMIT) {
                Some(text) => Some(count_u32(CONSUMER_CONSECUTIVE_ERRORS_LIMIT, &text)?).filter(|limit| *limit > 0),
                None => None,
            },
            audit_logging_enabled: match value(AUDIT_LOGGING_ENABLED) {
                Some(text) => boolean(AUDIT_LOGGING_ENABLED, &text)?,
                None => defaults.audit_logging_enabled,
            },
            topic_prefix: value(TOPIC_PREFIX).map_or_else(TopicPrefix::none, TopicPrefix::new),
            service_name: value(SERVICE_NAME),
        })
    }

    /// The consumer loop's options these settings give: the error limit; the rest are the
    /// defaults.
    pub fn consumer_options(&self) -> ConsumerOptions {
        ConsumerOptions {
            consecutive_error_limit: self.consumer_consecutive_errors_limit,
            ..ConsumerOptions::default()
        }
    }
}

impl fmt::Debug for KafkaSettings {
    /// Without the secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSettings")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("sasl_user", &self.sasl.as_ref().map(|(key, _)| key))
            .field("schema_registry_url", &self.schema_registry_url)
            .field(
                "schema_registry_user",
                &self.schema_registry_auth.as_ref().map(|(key, _)| key),
            )
            .field("consumers_enabled", &self.consumers_enabled)
            .field(
                "consumer_consecutive_errors_limit",
                &self.consumer_consecutive_errors_limit,
            )
            .field("audit_logging_enabled", &self.audit_logging_enabled)
            .field("topic_prefix", &self.topic_prefix)
            .field("service_name", &self.service_name)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<KafkaSettings, SettingsError> {
        KafkaSettings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn nothing_set_gives_the_upstream_defaults() {
        assert_eq!(settings(&[]).unwrap(), KafkaSettings::default());
        assert!(KafkaSettings::default().consumers_enabled);
        assert!(KafkaSettings::default().audit_logging_enabled);
    }

    #[test]
    fn every_variable_is_read() {
        let read = settings(&[
            (BOOTSTRAP_SERVERS, "k:9092"),
            (API_KEY, "user"),
            (API_SECRET, "pass"),
            (SCHEMA_REGISTRY_URL, "http://r:8081"),
            (SCHEMA_REGISTRY_API_KEY, "ruser"),
            (SCHEMA_REGISTRY_API_SECRET, "rpass"),
            (CONSUMERS_ENABLED, "false"),
            (CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "5"),
            (AUDIT_LOGGING_ENABLED, "0"),
            (TOPIC_PREFIX, "dev"),
            (SERVICE_NAME, "credentials"),
        ])
        .unwrap();
        assert_eq!(read.bootstrap_servers.as_deref(), Some("k:9092"));
        assert_eq!(read.sasl, Some(("user".into(), "pass".into())));
        assert_eq!(read.schema_registry_url.as_deref(), Some("http://r:8081"));
        assert_eq!(read.schema_registry_auth, Some(("ruser".into(), "rpass".into())));
        assert!(!read.consumers_enabled);
        assert_eq!(read.consumer_consecutive_errors_limit, Some(5));
        assert!(!read.audit_logging_enabled);
        assert_eq!(read.topic_prefix.full_topic("t"), "dev-t");
        assert_eq!(read.service_name.as_deref(), Some("credentials"));
        assert!(!format!("{read:?}").contains("pass"), "no secrets in Debug");
    }

    #[test]
    fn invalid_values_and_half_credentials_are_errors_naming_the_variable() {
        assert_eq!(
            settings(&[(CONSUMERS_ENABLED, "maybe")]).unwrap_err().variable,
            CONSUMERS_ENABLED
        );
        assert_eq!(
            settings(&[(CONSUMER_CONSECUTIVE_ERRORS_LIMIT, "-3")])
                .unwrap_err()
                .variable,
            CONSUMER_CONSECUTIVE_ERRORS_LIMIT
        );
        assert_eq!(settings(&[(API_KEY, "user")]).unwrap_err().variable, API_SECRET);
        assert_eq!(
            settings(&[(SCHEMA_REGISTRY_API_SECRET, "x")]).unwrap_err().variable,
            SCHEMA_REGISTRY_API_KEY
        );
    }
}
