//! Encoding whole events: Avro for the event bus, and the JSON shape of Python's `to_dict()`.

use std::any::Any;
use std::io;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::avro::{DecodeError, EventSchema, Reader, event_schema};
use crate::bus::ProducerHook;
use crate::bus::{DeliveryError, Resent, TrailingBytes};
use crate::event::{Event, OpenEdxEvent};
use crate::metadata::EventsMetadata;
use crate::receiver::ReceiverId;
use crate::schema::Schema;

/// An event that can travel on the event bus: every event not declared `unserializable`.
///
/// Implemented by `#[open_edx_event]`. The Avro record of an event is its data keys in order,
/// so the bytes are those the Python library writes for the same payload.
///
/// ```
/// use events_core::prelude::*;
/// use events_core::AvroEvent;
///
/// /// A page view.
/// #[event_data]
/// pub struct PageData {
///     /// The page's address.
///     url: String,
///     /// How long the page was open, in seconds.
///     seconds: Option<i64>,
/// }
///
/// /// Emitted when a page is viewed.
/// #[open_edx_event(type = "com.example.analytics.page.viewed.v1")]
/// pub struct PageViewed {
///     /// The page.
///     page: PageData,
/// }
///
/// let event = PageViewed::new(PageData::builder().url("/home").seconds(3).build());
/// let bytes = event.to_avro();
/// assert_eq!(bytes, b"\x0a/home\x02\x06");
/// assert_eq!(PageViewed::from_avro(&bytes).unwrap(), event);
/// assert_eq!(event.to_json_value(), serde_json::json!({"page": {"url": "/home", "seconds": 3}}));
/// ```
pub trait AvroEvent: OpenEdxEvent + Serialize + DeserializeOwned {
    /// The data keys and their shapes, in wire order.
    const DATA_SCHEMA: &'static [(&'static str, &'static Schema)];

    /// Appends the Avro encoding of the event's data keys.
    fn encode_avro(&self, out: &mut Vec<u8>);

    /// Reads the data keys from `reader`, leaving it after them.
    fn decode_avro_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// The text of the scalar at the dotted `path` (starting with a data key), as the Python
    /// producer computes a message key (`str()` of the value, see
    /// [`KeyText`](crate::key_field::KeyText)); `None` when the path does not lead to a
    /// scalar. Generated: it follows the path through the payload's fields, without JSON.
    fn key_text_at(&self, path: &str) -> Option<String> {
        let _ = path;
        None
    }

    /// The event's message key: [`key_text_at`](Self::key_text_at) its `key_field`; `None`
    /// when it declares none.
    fn key_text(&self) -> Option<String> {
        Self::INFO.key_field.and_then(|path| self.key_text_at(path))
    }

    /// The Avro encoding.
    fn to_avro(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        self.encode_avro(&mut out);
        out
    }

    /// Writes the Avro encoding to `writer`.
    fn write_avro<W: io::Write>(&self, mut writer: W) -> io::Result<()> {
        writer.write_all(&self.to_avro())
    }

    /// Decodes a whole message: the bytes must hold exactly one event.
    fn from_avro(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let event = Self::decode_avro_fields(&mut reader).map_err(|error| error.for_event(Self::EVENT_TYPE))?;
        reader.finish().map_err(|error| error.for_event(Self::EVENT_TYPE))?;
        Ok(event)
    }

    /// Decodes a message written with minor version `minorversion` of the event.
    ///
    /// A newer minor version may have appended fields this program does not know. When
    /// `minorversion` is above this event's, bytes left after the known fields are taken to be
    /// such fields and skipped, as the Python consumer (which reads with its own schema) skips
    /// them; otherwise they are an error, as in [`from_avro`](Self::from_avro).
    fn from_avro_minor_version(bytes: &[u8], minorversion: u32) -> Result<Self, DecodeError> {
        Self::from_avro_received(bytes, minorversion, TrailingBytes::Refuse).map(|(event, _)| event)
    }

    /// Decodes a message received from the bus, returning the event and how many bytes
    /// followed its known fields, which are skipped: fields appended by a newer producer. With
    /// [`TrailingBytes::Refuse`] such bytes are an error unless `minorversion` is above this
    /// event's (then they are the fields of a newer minor version, as with
    /// [`from_avro_minor_version`](Self::from_avro_minor_version)).
    fn from_avro_received(
        bytes: &[u8],
        minorversion: u32,
        trailing: TrailingBytes,
    ) -> Result<(Self, usize), DecodeError> {
        let mut reader = Reader::new(bytes);
        let event = Self::decode_avro_fields(&mut reader).map_err(|error| error.for_event(Self::EVENT_TYPE))?;
        let skipped = reader.remaining();
        if trailing == TrailingBytes::Refuse && minorversion <= Self::INFO.minor_version {
            reader.finish().map_err(|error| error.for_event(Self::EVENT_TYPE))?;
        }
        Ok((event, skipped))
    }

    /// The Avro schema, equal to the one the Python library generates for the event.
    fn avro_schema() -> Value {
        event_schema(Self::EVENT_TYPE, Self::DATA_SCHEMA)
    }

    /// The payload in the JSON shape of Python's `AvroSignalSerializer.to_dict()`:
    /// `{"<data key>": {...}}`, datetimes and keys as strings; a NaN or infinite double as the
    /// string `"NaN"`, `"Infinity"` or `"-Infinity"`, which JSON has no number for.
    fn to_json_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads a payload from the JSON shape of [`to_json_value`](Self::to_json_value).
    fn from_json_value(value: Value) -> Result<Self, JsonError> {
        serde_path_to_error::deserialize(value).map_err(|error| JsonError::new(Self::EVENT_TYPE, error))
    }

    /// Reads a payload from JSON text shaped as [`to_json_value`](Self::to_json_value).
    fn from_json_str(text: &str) -> Result<Self, JsonError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer).map_err(|error| JsonError::new(Self::EVENT_TYPE, error))
    }
}

/// A payload in JSON that does not match its event's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event_type}: {}{message}", if path.is_empty() || path == "." { String::new() } else { format!("{path}: ") })]
pub struct JsonError {
    event_type: &'static str,
    path: String,
    message: String,
}

impl JsonError {
    fn new(event_type: &'static str, error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        JsonError {
            event_type,
            path: error.path().to_string(),
            message: error.into_inner().to_string(),
        }
    }

    /// The event type.
    pub fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// Where in the document the problem is, e.g. `enrollment.user.id`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// The encoding operations of one event type, usable without knowing its Rust type: what the
/// command line and the event bus use after looking an event up in the registry.
#[derive(Debug, Clone, Copy)]
pub struct EventCodec {
    /// The Avro schema.
    pub schema: fn() -> Value,
    /// The Avro schema with its canonical form and fingerprint, built once.
    pub event_schema: fn() -> &'static EventSchema,
    /// Decodes Avro bytes to the `to_dict()` JSON shape.
    pub avro_to_json: fn(&[u8]) -> Result<Value, DecodeError>,
    /// Decodes Avro bytes received from the bus with the given `minorversion` to the
    /// `to_dict()` JSON shape, as [`send_avro`](Self::send_avro) decodes them by default: bytes
    /// after the known fields (fields a newer producer appended) are skipped.
    pub received_avro_to_json: fn(&[u8], u32) -> Result<Value, DecodeError>,
    /// Encodes a payload given in the `to_dict()` JSON shape.
    pub json_to_avro: fn(Value) -> Result<Vec<u8>, JsonError>,
    /// Appends the Avro encoding of a payload given as `&dyn Any`; `false` if it is not this
    /// event's payload type.
    pub encode_any: fn(&dyn Any, &mut Vec<u8>) -> bool,
    /// The text of the field at a dotted path of a payload given as `&dyn Any`, as the Python
    /// producer reads an event key; `None` if the path does not lead to a value.
    pub field_text_any: fn(&dyn Any, &str) -> Option<String>,
    /// Decodes Avro bytes and re-sends the event on its signal with the given metadata, as an
    /// event bus consumer does, treating bytes after the known fields as `TrailingBytes` says.
    pub send_avro: fn(EventsMetadata, &[u8], TrailingBytes) -> Result<Resent, DeliveryError>,
    /// Connects a bound producer's receiver, typed for this event, to its signal under the
    /// given id; returns whether it was newly connected. Used by
    /// [`connect_producer`](crate::bus::connect_producer).
    #[doc(hidden)]
    pub bind_producer: fn(ReceiverId, Arc<ProducerHook>) -> bool,
}

impl EventCodec {
    /// The codec of `T`.
    pub const fn of<T: AvroEvent>() -> Self {
        EventCodec {
            schema: T::avro_schema,
            event_schema: EventSchema::of::<T>,
            avro_to_json: avro_to_json::<T>,
            received_avro_to_json: received_avro_to_json::<T>,
            json_to_avro: json_to_avro::<T>,
            encode_any: encode_any::<T>,
            field_text_any: field_text_any::<T>,
            send_avro: crate::bus::resend::<T>,
            bind_producer: bind_producer::<T>,
        }
    }
}

fn encode_any<T: AvroEvent>(data: &dyn Any, out: &mut Vec<u8>) -> bool {
    match data.downcast_ref::<T>() {
        Some(event) => {
            event.encode_avro(out);
            true
        }
        None => false,
    }
}

fn field_text_any<T: AvroEvent>(data: &dyn Any, path: &str) -> Option<String> {
    data.downcast_ref::<T>()?.key_text_at(path)
}

fn bind_producer<T: AvroEvent>(id: ReceiverId, hook: Arc<ProducerHook>) -> bool {
    let schema = EventSchema::of::<T>();
    T::signal()
        .connect(id, move |event: &Event<T>| hook.publish(event, schema))
        .is_new()
}

fn avro_to_json<T: AvroEvent>(bytes: &[u8]) -> Result<Value, DecodeError> {
    T::from_avro(bytes).map(|event| event.to_json_value())
}

fn received_avro_to_json<T: AvroEvent>(bytes: &[u8], minorversion: u32) -> Result<Value, DecodeError> {
    T::from_avro_received(bytes, minorversion, TrailingBytes::Skip).map(|(event, _)| event.to_json_value())
}

fn json_to_avro<T: AvroEvent>(value: Value) -> Result<Vec<u8>, JsonError> {
    T::from_json_value(value).map(|event| event.to_avro())
}
