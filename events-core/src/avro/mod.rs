//! Avro: the schema and binary encoding events travel in on the event bus.
//!
//! The bytes are those of the Python library (`fastavro` with the schema `openedx-events`
//! generates), so events cross between Rust and Python services unchanged. Payload types
//! encode and decode themselves through [`EventField`](crate::EventField); the functions here
//! are the primitives of the Avro specification they are built from.

mod canonical;
mod decode;
mod encode;
mod error;
mod event_schema;
mod schema_json;

pub use canonical::{crc64_avro, parsing_canonical_form};
pub use decode::{Block, Reader};
pub use encode::{
    write_block_end, write_block_start, write_bool, write_bytes, write_double, write_long, write_optional, write_str,
};
pub use error::{DecodeError, DecodeErrorKind};
pub use event_schema::EventSchema;
pub use schema_json::{CLOUD_EVENT_DOC, event_schema, schema_text};
