//! The schema an event's messages are written with, as it travels beside them on the bus.

use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, PoisonError, RwLock};

use serde_json::Value;

use super::canonical::{crc64_avro, parsing_canonical_form};

/// The Avro schema of one event type in the forms a broker needs: the JSON text a schema
/// registry stores, the Parsing Canonical Form, and its CRC-64-AVRO fingerprint, by which a
/// consumer tells whether a writer's schema is its own.
///
/// Built once per event type and kept for the life of the process.
///
/// ```
/// use events_core::avro::EventSchema;
/// use events_core::prelude::*;
///
/// /// A page.
/// #[event_data]
/// pub struct PageData {
///     /// Its address.
///     url: String,
/// }
///
/// /// Emitted when a page is viewed.
/// #[open_edx_event(type = "com.example.learning.page.viewed.v1")]
/// pub struct PageViewed {
///     /// The page.
///     page: PageData,
/// }
///
/// let schema = EventSchema::of::<PageViewed>();
/// assert!(schema.canonical().starts_with(r#"{"name":"com.example.learning.page.viewed.v1.CloudEvent""#));
/// assert!(std::ptr::eq(schema, EventSchema::of::<PageViewed>()), "built once");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EventSchema {
    event_type: &'static str,
    json: String,
    canonical: String,
    fingerprint: u64,
}

impl EventSchema {
    /// The schema of the event `T`.
    pub fn of<T: crate::codec::AvroEvent>() -> &'static EventSchema {
        Self::cached(T::EVENT_TYPE, T::avro_schema)
    }

    /// The schema of `event_type`, built by `schema` the first time it is asked for.
    pub fn cached(event_type: &'static str, schema: fn() -> Value) -> &'static EventSchema {
        static SCHEMAS: OnceLock<RwLock<HashMap<&'static str, &'static EventSchema>>> = OnceLock::new();
        let schemas = SCHEMAS.get_or_init(RwLock::default);
        if let Some(known) = schemas.read().unwrap_or_else(PoisonError::into_inner).get(event_type) {
            return known;
        }
        let mut schemas = schemas.write().unwrap_or_else(PoisonError::into_inner);
        // One per event type, whichever thread builds it first: leaked once, on purpose.
        schemas
            .entry(event_type)
            .or_insert_with(|| Box::leak(Box::new(Self::from_json(event_type, &schema()))))
    }

    /// The schema given as JSON.
    pub fn from_json(event_type: &'static str, schema: &Value) -> Self {
        let canonical = parsing_canonical_form(schema);
        EventSchema {
            event_type,
            json: schema.to_string(),
            fingerprint: crc64_avro(canonical.as_bytes()),
            canonical,
        }
    }

    /// The event type.
    pub fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// The schema as compact JSON text, with its documentation.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The Parsing Canonical Form.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The CRC-64-AVRO fingerprint of the canonical form.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The fingerprint as the eight bytes Avro's single-object encoding writes, little-endian.
    pub fn fingerprint_bytes(&self) -> [u8; 8] {
        self.fingerprint.to_le_bytes()
    }
}

impl fmt::Debug for EventSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSchema")
            .field("event_type", &self.event_type)
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint))
            .finish_non_exhaustive()
    }
}
