//! What the Kafka bus fails with.

use crate::registry::RegistryError;

/// An error of the Kafka bus, naming what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum KafkaBusError {
    /// librdkafka refused the configuration or a call failed.
    #[error("{context}: {source}")]
    Kafka {
        /// What was being done (`creating the consumer of enrollments/credentials`, …).
        context: String,
        /// librdkafka's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// The schema registry failed.
    #[error("{context}: {source}")]
    Registry {
        /// What was being done.
        context: String,
        /// The registry's error.
        #[source]
        source: RegistryError,
    },
    /// A setting or option is missing or wrong.
    #[error("{0}")]
    Config(String),
}

impl KafkaBusError {
    pub(crate) fn kafka(context: impl Into<String>, source: rdkafka::error::KafkaError) -> Self {
        KafkaBusError::Kafka {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn registry(context: impl Into<String>, source: RegistryError) -> Self {
        KafkaBusError::Registry {
            context: context.into(),
            source,
        }
    }
}
