//! The Kafka event bus for Open edX events, wire-compatible with the Python
//! `edx-event-bus-kafka` 6.x and the Confluent schema registry: a Rust service can consume what
//! the LMS publishes on Kafka, and the reverse.
//!
//! - [`KafkaProducer`] is an [`EventBusProducer`](events_core::bus::EventBusProducer): bind it
//!   to the configured signals with [`connect_producer`](events_core::bus::connect_producer).
//!   Values are the events' Avro binary in the Confluent framing (magic byte 0, the schema's
//!   registry id big-endian, the Avro), registered under `{topic}-{record full name}`
//!   (`topic_record_subject_name_strategy`); keys are the key field's Avro in the same framing,
//!   registered under `{topic}-{key type}`; the metadata travels in the CloudEvents headers
//!   (`ce_type`, `ce_id`, `ce_source`, `ce_specversion`, `ce_time`, `ce_minorversion`) with
//!   `sourcehost`, `sourcelib` and the content type.
//! - [`KafkaConsumer`] is a [`ConsumerBackend`](events_core::bus::ConsumerBackend) for the
//!   core [`Consumer`](events_core::bus::Consumer) loop: a consumer group with auto commit
//!   off, offsets committed after handling, replay from a time (`offset_time`), and poison
//!   messages dead-lettered to `{topic}-dead-letter` with the reason in headers before their
//!   offset is committed. Values are decoded by the writer's schema: the generated codec when
//!   it is ours, Avro schema resolution when a newer or older producer wrote another version.
//! - [`SchemaRegistry`] is the registry client (register under a subject, look up by id, both
//!   cached; basic auth).
//! - [`KafkaSettings::from_env`] reads the upstream `EVENT_BUS_KAFKA_*` settings and
//!   [`KafkaOptions`] holds the connection's (SASL PLAIN over SSL from the API key and secret).
//! - [`KafkaAdmin`] answers an operator's questions: a topic's partitions and offsets, a
//!   group's lag on each and its members, the dead letters waiting.
//! - [`testing`] starts throw-away brokers (tansu) for tests.
//!
//! The client is librdkafka, through the `rdkafka` crate, as the Python stack's
//! `confluent-kafka` is: the same protocol implementation, partitioner (a message goes to the
//! partition its key hashes to, on both stacks) and configuration properties.

mod admin;
mod consumer;
mod error;
pub mod framing;
pub mod headers;
mod options;
mod producer;
mod registry;
pub mod schema;
pub mod settings;
pub mod testing;

pub use admin::{GroupMember, KafkaAdmin, PartitionStatus, TopicStatus};
pub use consumer::{KafkaConsumer, KafkaRecord, KafkaStart};
pub use error::KafkaBusError;
pub use options::KafkaOptions;
pub use producer::KafkaProducer;
pub use registry::{RegistryError, SchemaRegistry};
pub use settings::KafkaSettings;
