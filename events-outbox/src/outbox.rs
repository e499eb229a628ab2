//! Writing events into the outbox, in the caller's transaction.

use std::sync::Arc;

use events_core::avro::EventSchema;
use events_core::bus::{BusMessage, ProducerConfig, TopicPrefix};
use events_core::{AvroEvent, EventsMetadata};
use rusqlite::{Connection, params};

use crate::error::OutboxError;
use crate::schema::{TABLE, now_ms};

/// Writes events into the outbox for the topics a producer configuration enables, as
/// [`connect_producer`](events_core::bus::connect_producer) would publish them.
#[derive(Debug, Clone)]
pub struct Outbox {
    /// Per event type, its enabled topics.
    routes: Vec<(String, Vec<Route>)>,
}

/// An enabled topic: `(topic with its prefix, key field)`.
type Route = (String, Arc<str>);

impl Outbox {
    /// An outbox for the enabled topics of `config`, with `prefix` before each.
    pub fn new(config: &ProducerConfig, prefix: &TopicPrefix) -> Self {
        let routes = config
            .event_types()
            .map(|event_type| {
                let topics = config
                    .enabled_topics(event_type)
                    .map(|(topic, topic_config)| {
                        (
                            prefix.full_topic(topic),
                            Arc::from(topic_config.event_key_field.as_str()),
                        )
                    })
                    .collect();
                (event_type.to_owned(), topics)
            })
            .collect();
        Outbox { routes }
    }

    /// Writes `event` with fresh metadata (as `send_event` makes it) for each of its enabled
    /// topics, in `transaction` (a `rusqlite::Transaction`, or a connection inside a
    /// transaction): nothing is published unless the transaction commits. Returns the
    /// metadata, whose id names the event in the relay's reports and on the bus.
    pub fn send<T: AvroEvent>(&self, transaction: &Connection, event: &T) -> Result<EventsMetadata, OutboxError> {
        let metadata = EventsMetadata::new(T::INFO.event_type).with_minorversion(T::INFO.minor_version);
        self.send_with_metadata(transaction, event, metadata)
    }

    /// Like [`send`](Self::send), with the metadata given.
    pub fn send_with_metadata<T: AvroEvent>(
        &self,
        transaction: &Connection,
        event: &T,
        metadata: EventsMetadata,
    ) -> Result<EventsMetadata, OutboxError> {
        for (topic, message) in self.messages_with(event, metadata.clone())? {
            write_message(transaction, &topic, &message)?;
        }
        Ok(metadata)
    }

    /// The message of `event`, with fresh metadata, for each of its enabled topics.
    pub(crate) fn messages<T: AvroEvent>(
        &self,
        event: &T,
    ) -> Result<(EventsMetadata, Vec<(String, BusMessage)>), OutboxError> {
        let metadata = EventsMetadata::new(T::INFO.event_type).with_minorversion(T::INFO.minor_version);
        Ok((metadata.clone(), self.messages_with(event, metadata)?))
    }

    fn messages_with<T: AvroEvent>(
        &self,
        event: &T,
        metadata: EventsMetadata,
    ) -> Result<Vec<(String, BusMessage)>, OutboxError> {
        let topics = self
            .routes
            .iter()
            .find(|(event_type, _)| event_type == T::INFO.event_type)
            .map(|(_, topics)| topics.as_slice())
            .unwrap_or_default();
        if topics.is_empty() {
            return Err(OutboxError::Event {
                event_type: T::INFO.event_type.to_owned(),
                reason: "no enabled topic for it in the producer configuration".into(),
            });
        }
        let data = event.to_avro();
        let schema = EventSchema::of::<T>();
        Ok(topics
            .iter()
            .map(|(topic, key_field)| {
                let mut message = BusMessage::new(metadata.clone(), data.clone()).with_schema(schema);
                if let Some(key) = event.key_text_at(key_field) {
                    message = message.with_key_at(Arc::clone(key_field), key);
                }
                (topic.clone(), message)
            })
            .collect())
    }
}

/// Writes `message` for `topic` (with its prefix) into the outbox, in the transaction
/// `connection` is in: the low-level form of [`Outbox::send`], for messages built elsewhere.
pub fn write_message(connection: &Connection, topic: &str, message: &BusMessage) -> Result<(), OutboxError> {
    let metadata = &message.metadata;
    // Fingerprints are u64; SQLite integers are i64: the same 64 bits.
    let fingerprint = message
        .schema
        .map(|schema| i64::from_ne_bytes(schema.fingerprint().to_ne_bytes()));
    connection
        .prepare_cached(&format!(
            "INSERT INTO {TABLE} (topic, event_type, event_id, metadata, key_field, message_key, data, \
             schema_fingerprint, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))
        .and_then(|mut insert| {
            insert.execute(params![
                topic,
                metadata.event_type(),
                metadata.id().to_string(),
                metadata.to_json(),
                message.key_field.as_deref(),
                message.key.as_deref(),
                message.data,
                fingerprint,
                now_ms(),
            ])
        })
        .map_err(OutboxError::database(format!(
            "writing event {} ({}) to the outbox",
            metadata.id(),
            metadata.event_type()
        )))?;
    Ok(())
}
