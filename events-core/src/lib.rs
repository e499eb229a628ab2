//! Open edX events for Rust.
//!
//! Open edX services announce what happened through *events*: versioned, documented signals
//! with frozen payloads and OEP-41 metadata, sent in-process to receivers and, over an event
//! bus, to other services. This crate is the runtime of the Rust implementation, compatible
//! with the Python library `openedx-events`:
//!
//! - [`#[event_data]`](macro@event_data) turns a struct into a frozen payload class, and
//!   [`#[open_edx_event]`](macro@open_edx_event) turns a struct into an event definition with
//!   its signal static, checking the event type, name, key field and payload while compiling;
//! - [`OpenEdxPublicSignal`] connects receivers and sends events to them;
//! - [`EventsMetadata`] is the metadata each event carries;
//! - [`registry`] lists every event of the linked crates;
//! - [`bus`] publishes events to other services and consumes theirs, through any broker, from
//!   blocking or (feature `tokio`) async code, with an in-memory broker built in;
//! - [`testing`] isolates tests that send events from each other.
//!
//! Features: `tokio` adds the async consumer and publisher API and test isolation of tokio
//! runtimes.
//!
//! ```
//! use events_core::prelude::*;
//!
//! /// Personal information of a user.
//! #[event_data]
//! pub struct UserPersonalData {
//!     /// The user's login name.
//!     username: String,
//!     /// The user's email address.
//!     email: String,
//! }
//!
//! /// A user of the platform.
//! #[event_data]
//! pub struct UserData {
//!     /// The user's id.
//!     id: i64,
//!     /// Whether the account is active.
//!     is_active: bool,
//!     /// Personal information, redacted from debug output.
//!     #[event_data(pii)]
//!     pii: UserPersonalData,
//! }
//!
//! /// Emitted when a user completes registration.
//! #[open_edx_event(
//!     type = "com.example.learning.student.registration.completed.v1",
//!     key_field = "user.pii.username",
//! )]
//! pub struct StudentRegistrationCompleted {
//!     /// The user who registered.
//!     user: UserData,
//! }
//!
//! let _connection = STUDENT_REGISTRATION_COMPLETED.connect("welcome_email", |event| {
//!     println!("welcome, {}", event.data().user().pii().username());
//!     Ok(())
//! });
//!
//! let pii = UserPersonalData::builder().username("ada").email("ada@example.com").build();
//! let user = UserData::builder().id(7).is_active(true).pii(pii).build();
//! let responses = STUDENT_REGISTRATION_COMPLETED.send_event(StudentRegistrationCompleted::new(user))?;
//! assert!(responses.all_ok());
//! # Ok::<(), events_core::SendError>(())
//! ```

// Input paths never unwrap: bad input is a typed error.
#![warn(clippy::unwrap_used)]
#![deny(missing_docs)]

// Lets the macros' `::events_core::…` paths resolve inside this crate's own tests and docs.
#[allow(unused_extern_crates)]
extern crate self as events_core;

pub mod avro;
pub mod bus;
mod codec;
mod custom_type;
pub mod datetime;
mod event;
mod field;
mod isolation;
pub mod key_field;
pub mod keys;
pub mod metadata;
pub mod python_json;
mod receiver;
pub mod redact;
pub mod registry;
pub mod schema;
pub mod settings;
mod signal;
pub mod testing;
mod uuid_v1;

pub use bus::DeliveryError;
pub use codec::{AvroEvent, EventCodec, JsonError};
pub use custom_type::CustomType;
pub use event::{Event, OpenEdxEvent};
#[doc = include_str!("doc/event_data.md")]
pub use events_macros::event_data;
#[doc = include_str!("doc/open_edx_event.md")]
pub use events_macros::open_edx_event;
pub use field::{EventField, serde_field};
pub use metadata::{EventsMetadata, MetadataError, SourceLib};
pub use receiver::{BoxError, ReceiverError, ReceiverFn, ReceiverId, ReceiverResponse, Responses};
pub use registry::RegistryError;
pub use signal::SendError;
pub use signal::{Connection, OpenEdxPublicSignal};

pub use chrono;
pub use uuid;

/// The common imports: `use events_core::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AvroEvent, BoxError, Event, EventField, EventsMetadata, OpenEdxEvent, OpenEdxPublicSignal, Responses,
        SendError, event_data, open_edx_event,
    };
    pub use chrono::{DateTime, Utc};
    pub use std::collections::BTreeMap;
    pub use uuid::Uuid;
}

/// What the macros' expansions refer to. Not public API: it changes with the macros.
#[doc(hidden)]
pub mod __private {
    pub use crate::avro;
    pub use crate::codec::{AvroEvent, EventCodec};
    pub use crate::event::OpenEdxEvent;
    pub use crate::field::{EventField, KeyPath, expect_normalized, serde_field};
    pub use crate::key_field::{KeyText, check_key_field};
    pub use crate::registry::{AnySignal, DataKeyInfo, EVENTS, EventInfo};
    pub use crate::schema::{FieldSchema, RecordSchema, Schema};
    pub use crate::signal::OpenEdxPublicSignal;
    pub use linkme;
    pub use serde;
    pub use std::string::String;
    pub use std::vec::Vec;

    pub use core::clone::Clone;
    pub use core::default::Default;
    pub use core::fmt;
    pub use core::option::Option;
    pub use core::result::Result;

    /// A builder slot for a required field that has been given.
    pub struct Set<T>(pub T);

    /// A builder slot for a required field that has not been given yet.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Unset;

    /// Prints as `<redacted>`: the `Debug` output of fields marked `#[event_data(pii)]`.
    pub struct Redacted;

    impl fmt::Debug for Redacted {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("<redacted>")
        }
    }
}
