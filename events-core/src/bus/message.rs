//! An event as it travels on the bus, in no broker's layout: metadata, key, Avro value and the
//! schema it was written with. Each backend maps it to its own wire format (entry fields on
//! Redis Streams, headers and framing on Kafka).

use std::sync::Arc;

use crate::avro::EventSchema;
use crate::metadata::EventsMetadata;

/// One event ready for the bus, or received from it.
///
/// ```
/// use events_core::EventsMetadata;
/// use events_core::bus::BusMessage;
///
/// let message = BusMessage::new(EventsMetadata::new("com.example.learning.thing.happened.v1"), vec![0x02, 0x61])
///     .with_key("course-v1:edX+Demo+2024");
/// assert_eq!(message.key.as_deref(), Some("course-v1:edX+Demo+2024"));
/// assert!(message.schema.is_none(), "not known until the producer or the broker says");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BusMessage {
    /// The event's metadata (OEP-41), which brokers carry in headers.
    pub metadata: EventsMetadata,
    /// The payload in Avro binary.
    pub data: Vec<u8>,
    /// The value at the event's key field, as Python's `str()` writes it, for brokers that
    /// partition by key; computed only for those.
    pub key: Option<String>,
    /// The path of the data field [`key`](Self::key) was taken at (`enrollment.course.course_key`):
    /// the event's `key_field` or the topic's `event_key_field`. Brokers that encode the key
    /// with its schema (Kafka) find the field's schema by it; `None` means the event's own
    /// `key_field`.
    pub key_field: Option<Arc<str>>,
    /// The schema `data` was written with: set by the producer for its own events, and by a
    /// backend whose broker says which schema a received message was written with; `None`
    /// when nobody knows (a Redis entry).
    pub schema: Option<&'static EventSchema>,
}

impl BusMessage {
    /// A message of `data` with `metadata`, without a key or schema.
    pub fn new(metadata: EventsMetadata, data: Vec<u8>) -> Self {
        BusMessage {
            metadata,
            data,
            key: None,
            key_field: None,
            schema: None,
        }
    }

    /// The message with `key`.
    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The message with `key`, taken at the data field `path`.
    #[must_use]
    pub fn with_key_at(mut self, path: impl Into<Arc<str>>, key: impl Into<String>) -> Self {
        self.key_field = Some(path.into());
        self.key = Some(key.into());
        self
    }

    /// The message written with `schema`.
    #[must_use]
    pub fn with_schema(mut self, schema: &'static EventSchema) -> Self {
        self.schema = Some(schema);
        self
    }
}
