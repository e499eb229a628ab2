//! How to reach the Kafka cluster: the bootstrap servers, SASL PLAIN over SSL, the client id,
//! and any other librdkafka property.

use std::collections::BTreeMap;
use std::fmt;

use rdkafka::ClientConfig;

use crate::settings::KafkaSettings;

/// The connection options shared by producers and consumers.
///
/// ```
/// use events_bus_kafka::KafkaOptions;
///
/// let options = KafkaOptions::new("kafka-1:9092,kafka-2:9092")
///     .with_sasl_plain("API_KEY", "API_SECRET")
///     .with_client_id("credentials")
///     .set("socket.keepalive.enable", "true");
/// assert_eq!(options.bootstrap_servers(), "kafka-1:9092,kafka-2:9092");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaOptions {
    bootstrap_servers: String,
    properties: BTreeMap<String, String>,
}

impl KafkaOptions {
    /// Options for the cluster at `bootstrap_servers` (`host:port[,host:port…]`), in plain text.
    pub fn new(bootstrap_servers: &str) -> Self {
        KafkaOptions {
            bootstrap_servers: bootstrap_servers.to_owned(),
            properties: BTreeMap::new(),
        }
    }

    /// The options that `settings` give, as `edx-event-bus-kafka` builds them: SASL PLAIN over
    /// SSL with the API key and secret, and the service name as the client id. `None` without
    /// bootstrap servers.
    pub fn from_settings(settings: &KafkaSettings) -> Option<Self> {
        let mut options = KafkaOptions::new(settings.bootstrap_servers.as_deref()?);
        if let Some((key, secret)) = &settings.sasl {
            options = options.with_sasl_plain(key, secret);
        }
        if let Some(service) = &settings.service_name {
            options = options.with_client_id(service);
        }
        Some(options)
    }

    /// Authenticates with SASL PLAIN over SSL (`security.protocol=SASL_SSL`), as Confluent Cloud
    /// expects.
    #[must_use]
    pub fn with_sasl_plain(self, key: &str, secret: &str) -> Self {
        self.set("security.protocol", "SASL_SSL")
            .set("sasl.mechanism", "PLAIN")
            .set("sasl.username", key)
            .set("sasl.password", secret)
    }

    /// Names the client to the brokers (`client.id`).
    #[must_use]
    pub fn with_client_id(self, client_id: &str) -> Self {
        self.set("client.id", client_id)
    }

    /// Sets any librdkafka property, e.g. `ssl.ca.location`.
    #[must_use]
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.properties.insert(key.to_owned(), value.to_owned());
        self
    }

    /// The value of a librdkafka property set with [`set`](Self::set).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// The bootstrap servers.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// The librdkafka configuration, with `defaults` under the properties set here.
    pub(crate) fn client_config(&self, defaults: &[(&str, &str)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        for (key, value) in defaults {
            config.set(*key, *value);
        }
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        // librdkafka's own log lines go through `tracing` (see `client.rs`), not stderr.
        config.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
        config
    }
}

impl fmt::Debug for KafkaOptions {
    /// Without the SASL password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let properties: BTreeMap<&str, &str> = self
            .properties
            .iter()
            .map(|(key, value)| {
                (
                    key.as_str(),
                    if key.contains("password") {
                        "<secret>"
                    } else {
                        value.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("KafkaOptions")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("properties", &properties)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_with_credentials_give_sasl_plain_over_ssl_and_the_client_id() {
        let settings = KafkaSettings {
            bootstrap_servers: Some("k:9092".into()),
            sasl: Some(("user".into(), "secret".into())),
            service_name: Some("credentials".into()),
            ..KafkaSettings::default()
        };
        let options = KafkaOptions::from_settings(&settings).unwrap();
        let config = options.client_config(&[]);
        assert_eq!(config.get("bootstrap.servers"), Some("k:9092"));
        assert_eq!(config.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(config.get("sasl.mechanism"), Some("PLAIN"));
        assert_eq!(config.get("sasl.username"), Some("user"));
        assert_eq!(config.get("sasl.password"), Some("secret"));
        assert_eq!(config.get("client.id"), Some("credentials"));
        assert!(!format!("{options:?}").contains("secret\""), "{options:?}");
        assert!(KafkaOptions::from_settings(&KafkaSettings::default()).is_none());
    }

    #[test]
    fn properties_set_by_the_user_win_over_the_defaults() {
        let config = KafkaOptions::new("k:9092")
            .set("message.timeout.ms", "1000")
            .client_config(&[("message.timeout.ms", "30000"), ("linger.ms", "5")]);
        assert_eq!(config.get("message.timeout.ms"), Some("1000"));
        assert_eq!(config.get("linger.ms"), Some("5"));
    }
}
