//! Which events a service publishes, to which topics: `EVENT_BUS_PRODUCER_CONFIG`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::key_field::resolve_key_field;
use crate::registry::{self, AnySignal};
use crate::schema::Schema;

/// How one event type is published to one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// Whether the event is published to the topic.
    pub enabled: bool,
    /// The dotted path of the payload field whose value is the message key.
    pub event_key_field: String,
}

/// One layer of producer configuration, as written in a file: every setting is optional, so a
/// layer can override only part of another (see [`merge`](Self::merge)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProducerConfigLayer(BTreeMap<String, BTreeMap<String, TopicLayer>>);

/// One topic's settings in a [`ProducerConfigLayer`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicLayer {
    /// Whether the event is published to the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The key field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_key_field: Option<String>,
}

impl ProducerConfigLayer {
    /// An empty layer, to fill in code with [`set`](Self::set).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the settings of `event_type` on `topic`, replacing those the layer had there.
    /// Nothing is checked until [`build`](Self::build).
    ///
    /// ```
    /// use events_core::bus::{ProducerConfigLayer, TopicLayer};
    ///
    /// let base = ProducerConfigLayer::from_json(
    ///     r#"{"org.openedx.learning.course.enrollment.created.v1":
    ///          {"course-enrollment-lifecycle": {"event_key_field": "enrollment.course.course_key", "enabled": true}}}"#,
    /// )?;
    /// // This deployment stops publishing the event to that topic, keeping its key field.
    /// let overrides = ProducerConfigLayer::new().set(
    ///     "org.openedx.learning.course.enrollment.created.v1",
    ///     "course-enrollment-lifecycle",
    ///     TopicLayer { enabled: Some(false), event_key_field: None },
    /// );
    /// let merged = base.merge(&overrides);
    /// assert_eq!(
    ///     merged.to_json(),
    ///     r#"{"org.openedx.learning.course.enrollment.created.v1":{"course-enrollment-lifecycle":{"enabled":false,"event_key_field":"enrollment.course.course_key"}}}"#
    /// );
    /// # Ok::<(), events_core::bus::ConfigError>(())
    /// ```
    #[must_use]
    pub fn set(mut self, event_type: &str, topic: &str, settings: TopicLayer) -> Self {
        self.0
            .entry(event_type.to_owned())
            .or_default()
            .insert(topic.to_owned(), settings);
        self
    }

    /// The layer as JSON shaped like `EVENT_BUS_PRODUCER_CONFIG`, with only the settings it has.
    pub fn to_json(&self) -> String {
        // Maps with string keys of strings and booleans always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a layer from JSON shaped like `EVENT_BUS_PRODUCER_CONFIG`:
    /// `{"<event type>": {"<topic>": {"event_key_field": "a.b", "enabled": true}}}`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer).map_err(|error| ConfigError::Syntax {
            path: error.path().to_string(),
            message: error.into_inner().to_string(),
        })
    }

    /// Reads a layer from TOML, one table per event type and topic:
    ///
    /// ```toml
    /// ["org.openedx.learning.course.enrollment.created.v1".course-enrollments]
    /// event_key_field = "enrollment.course.course_key"
    /// enabled = true
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let deserializer = toml::Deserializer::parse(text).map_err(|error| ConfigError::Syntax {
            path: ".".into(),
            message: error.to_string(),
        })?;
        serde_path_to_error::deserialize(deserializer).map_err(|error| ConfigError::Syntax {
            path: error.path().to_string(),
            message: error.into_inner().to_string(),
        })
    }

    /// Reads a layer from a `.toml` or `.json` file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.display().to_string(),
            message: error.to_string(),
        })?;
        let result = match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => Self::from_toml(&text),
            Some("json") => Self::from_json(&text),
            _ => Err(ConfigError::Io {
                path: path.display().to_string(),
                message: "expected a .toml or .json file".into(),
            }),
        };
        result.map_err(|error| error.in_file(path))
    }

    /// Combines two layers as the Python library's `merge_producer_configs` does: every event
    /// type and topic of `overrides` is added, and where both set `enabled` or
    /// `event_key_field` for the same event type and topic, `overrides` wins.
    #[must_use]
    pub fn merge(mut self, overrides: &ProducerConfigLayer) -> Self {
        for (event_type, topics) in &overrides.0 {
            let merged_topics = self.0.entry(event_type.clone()).or_default();
            for (topic, layer) in topics {
                let merged = merged_topics.entry(topic.clone()).or_default();
                if layer.enabled.is_some() {
                    merged.enabled = layer.enabled;
                }
                if layer.event_key_field.is_some() {
                    merged.event_key_field.clone_from(&layer.event_key_field);
                }
            }
        }
        self
    }

    /// Validates the layer against the events linked into this program: every event type must
    /// exist and be serializable, every topic must say `enabled` and `event_key_field`, and
    /// every key field must resolve to a scalar of the event's payload.
    pub fn build(self) -> Result<ProducerConfig, ConfigError> {
        let mut events = BTreeMap::new();
        for (event_type, topics) in self.0 {
            let signal = registry::get_signal_by_type(&event_type).map_err(|error| ConfigError::Event {
                event_type: event_type.clone(),
                message: error.to_string(),
            })?;
            if let Some(reason) = signal.info().unserializable {
                return Err(ConfigError::Event {
                    event_type,
                    message: format!("the event cannot travel on the event bus: {reason}"),
                });
            }
            let mut checked = BTreeMap::new();
            for (topic, layer) in topics {
                let missing = |key: &str| ConfigError::Topic {
                    event_type: event_type.clone(),
                    topic: topic.clone(),
                    message: format!("`{key}` is missing; every topic needs `enabled` and `event_key_field`"),
                };
                let enabled = layer.enabled.ok_or_else(|| missing("enabled"))?;
                let event_key_field = layer.event_key_field.ok_or_else(|| missing("event_key_field"))?;
                check_key_field(signal, &event_key_field).map_err(|message| ConfigError::Topic {
                    event_type: event_type.clone(),
                    topic: topic.clone(),
                    message,
                })?;
                checked.insert(
                    topic,
                    TopicConfig {
                        enabled,
                        event_key_field,
                    },
                );
            }
            events.insert(event_type, checked);
        }
        Ok(ProducerConfig { events })
    }
}

fn check_key_field(signal: &'static dyn AnySignal, path: &str) -> Result<(), String> {
    let info = signal.info();
    let data_keys: Vec<(&str, &'static Schema)> = info
        .data
        .iter()
        .filter_map(|key| key.schema.map(|schema| (key.name, schema)))
        .collect();
    resolve_key_field(info.event_type, &data_keys, path)
        .map(|_| ())
        .map_err(|message| message.as_str().to_owned())
}

/// A validated producer configuration: for each event type, the topics it is published to.
///
/// ```
/// use events_core::bus::ProducerConfigLayer;
/// use events_core::prelude::*;
///
/// /// A login.
/// #[event_data]
/// pub struct LoginData {
///     /// Who logged in.
///     username: String,
/// }
///
/// /// Emitted when a login succeeds.
/// #[open_edx_event(type = "com.example.learning.login.succeeded.v1")]
/// pub struct LoginSucceeded {
///     /// The login.
///     login: LoginData,
/// }
///
/// let config = ProducerConfigLayer::from_json(r#"{
///     "com.example.learning.login.succeeded.v1": {
///         "sessions": {"event_key_field": "login.username", "enabled": true}
///     }
/// }"#)?
/// .build()?;
/// assert_eq!(config.topics("com.example.learning.login.succeeded.v1").count(), 1);
///
/// let bad_key = ProducerConfigLayer::from_json(r#"{
///     "com.example.learning.login.succeeded.v1": {
///         "sessions": {"event_key_field": "login.user", "enabled": true}
///     }
/// }"#)?
/// .build();
/// assert!(bad_key.unwrap_err().to_string().contains("has no field `user`"));
/// # Ok::<(), events_core::bus::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerConfig {
    events: BTreeMap<String, BTreeMap<String, TopicConfig>>,
}

impl ProducerConfig {
    /// Reads and validates a `.toml` or `.json` file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        ProducerConfigLayer::from_file(path)?
            .build()
            .map_err(|error| error.in_file(path))
    }

    /// Reads and validates JSON shaped like `EVENT_BUS_PRODUCER_CONFIG`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        ProducerConfigLayer::from_json(text)?.build()
    }

    /// Reads and validates TOML; see [`ProducerConfigLayer::from_toml`].
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        ProducerConfigLayer::from_toml(text)?.build()
    }

    /// Publishes `event_type` to `topic`, keyed by `event_key_field`; checked like a file.
    pub fn publish(self, event_type: &str, topic: &str, event_key_field: &str) -> Result<Self, ConfigError> {
        let mut layer = self.into_layer();
        layer.0.entry(event_type.to_owned()).or_default().insert(
            topic.to_owned(),
            TopicLayer {
                enabled: Some(true),
                event_key_field: Some(event_key_field.to_owned()),
            },
        );
        layer.build()
    }

    /// The configuration as a layer, to merge with others.
    pub fn into_layer(self) -> ProducerConfigLayer {
        ProducerConfigLayer(
            self.events
                .into_iter()
                .map(|(event_type, topics)| {
                    let topics = topics
                        .into_iter()
                        .map(|(topic, config)| {
                            let layer = TopicLayer {
                                enabled: Some(config.enabled),
                                event_key_field: Some(config.event_key_field),
                            };
                            (topic, layer)
                        })
                        .collect();
                    (event_type, topics)
                })
                .collect(),
        )
    }

    /// The configured event types.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.events.keys().map(String::as_str)
    }

    /// The topics `event_type` is configured for, enabled or not.
    pub fn topics(&self, event_type: &str) -> impl Iterator<Item = (&str, &TopicConfig)> {
        self.events
            .get(event_type)
            .into_iter()
            .flatten()
            .map(|(topic, config)| (topic.as_str(), config))
    }

    /// The topics `event_type` is published to.
    pub fn enabled_topics(&self, event_type: &str) -> impl Iterator<Item = (&str, &TopicConfig)> {
        self.topics(event_type).filter(|(_, config)| config.enabled)
    }
}

/// A producer configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read producer configuration {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The text is not a configuration: bad syntax, a wrong value type, an unknown key.
    #[error("invalid producer configuration at `{path}`: {message}")]
    Syntax {
        /// Where in the document (`<event type>.<topic>.enabled`).
        path: String,
        /// Why.
        message: String,
    },
    /// An event type that cannot be published.
    #[error("invalid producer configuration for `{event_type}`: {message}")]
    Event {
        /// The event type.
        event_type: String,
        /// Why.
        message: String,
    },
    /// A topic entry that cannot be used.
    #[error("invalid producer configuration for `{event_type}`, topic `{topic}`: {message}")]
    Topic {
        /// The event type.
        event_type: String,
        /// The topic.
        topic: String,
        /// Why.
        message: String,
    },
    /// An error in a file.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: Box<ConfigError>,
    },
}

impl ConfigError {
    fn in_file(self, path: &Path) -> Self {
        match self {
            ConfigError::Io { .. } | ConfigError::InFile { .. } => self,
            other => ConfigError::InFile {
                path: path.display().to_string(),
                source: Box::new(other),
            },
        }
    }
}

/// The prefix the Python event bus puts before every topic: `EVENT_BUS_TOPIC_PREFIX`.
///
/// With a prefix `stage`, topic `user-logins` is the stream `stage-user-logins`; without one,
/// the stream is the topic.
///
/// ```
/// use events_core::bus::TopicPrefix;
///
/// assert_eq!(TopicPrefix::new("stage").full_topic("user-logins"), "stage-user-logins");
/// assert_eq!(TopicPrefix::none().full_topic("user-logins"), "user-logins");
/// assert_eq!(TopicPrefix::new("").full_topic("user-logins"), "user-logins");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicPrefix(Option<String>);

impl TopicPrefix {
    /// A prefix; an empty one means none, as in Python.
    pub fn new(prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        TopicPrefix((!prefix.is_empty()).then_some(prefix))
    }

    /// No prefix.
    pub fn none() -> Self {
        TopicPrefix(None)
    }

    /// The prefix from `EVENT_BUS_TOPIC_PREFIX` in the environment, if set.
    pub fn from_env() -> Self {
        std::env::var("EVENT_BUS_TOPIC_PREFIX")
            .map(Self::new)
            .unwrap_or_default()
    }

    /// The stream name of `topic`.
    pub fn full_topic(&self, topic: &str) -> String {
        match &self.0 {
            Some(prefix) => format!("{prefix}-{topic}"),
            None => topic.to_owned(),
        }
    }
}

/// The suffix of the topic (or stream) that receives the messages of `{topic}` that could not
/// be delivered.
pub const DEAD_LETTER_SUFFIX: &str = "-dead-letter";

/// The dead-letter topic of `topic`: `{topic}-dead-letter`.
///
/// ```
/// assert_eq!(events_core::bus::dead_letter_topic("stage-user-logins"), "stage-user-logins-dead-letter");
/// ```
pub fn dead_letter_topic(topic: &str) -> String {
    format!("{topic}{DEAD_LETTER_SUFFIX}")
}
