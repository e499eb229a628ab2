//! The Redis Streams event bus for Open edX events, wire-compatible with the Python
//! `edx-event-bus-redis`: a Rust service can consume what the LMS produces, and the reverse.
//!
//! - [`RedisProducer`] is an [`EventBusProducer`](events_core::bus::EventBusProducer): connect it
//!   to the configured signals with [`connect_producer`](events_core::bus::connect_producer) and
//!   every event sent is appended to its stream (`XADD … MAXLEN ~ 10000`) with the entry fields
//!   the Python producer writes (`type`, `id`, `source`, `time`, `minorversion`, `sourcehost`,
//!   `sourcelib`, `event_data`).
//! - [`RedisStream`] is a [`ConsumerBackend`](events_core::bus::ConsumerBackend) for the core
//!   [`Consumer`](events_core::bus::Consumer) loop: one consumer of a consumer group, started
//!   where `edx-event-bus-redis` would start it, with pending entries first, claiming of
//!   entries left by dead consumers, a dead-letter stream and batched acknowledgements.
//! - [`RedisOptions`] holds the URL and the timeouts that bound every call.
//! - [`testing`] starts throw-away `redis-server` processes for tests.
//!
//! Connections are synchronous (no async runtime): one per producer and one per consumer,
//! opened on first use and reopened after errors, every reply bounded by a deadline and a byte
//! budget ([`RedisOptions`]), so that neither a dead server nor a broken one can hang the caller
//! or exhaust its memory. The `redis`
//! crate parses URLs, encodes commands and provides the value and error types; replies are read
//! by this crate's own RESP reader, five times faster on stream entries than the `redis`
//! crate's, which lets one consumer handle well over 100,000 events per second.
//!
//! The URLs are those of `edx-event-bus-redis`:
//!
//! - `redis://[[user]:password@]host[:port][/db]`: plain TCP;
//! - `rediss://[[user]:password@]host[:port][/db]`: TLS (rustls), the server verified against
//!   the system's root certificates and the CA files given with
//!   [`RedisOptions::tls_ca_file`], with a client certificate for mutual TLS from
//!   [`RedisOptions::tls_client_cert`];
//! - `unix:///path/to/socket[?db=N]`: a Unix socket.
//!
//! A user and a password authenticate with `AUTH user password` (a Redis 6+ ACL user), a
//! password alone with `AUTH password`.
//!
//! [`RedisSettings::from_env`] reads the upstream `EVENT_BUS_REDIS_*` settings, and
//! [`RedisAdmin`] answers an operator's questions (stream length, groups, pending entries, lag,
//! dead letters) and replays or trims dead letters.
//!
//! ```no_run
//! use std::sync::Arc;
//! use events_bus_redis::{RedisOptions, RedisProducer, RedisStream};
//! use events_core::bus::{Consumer, ConsumerOptions, ProducerConfig, StartFrom, TopicPrefix, connect_producer};
//! use events_core::prelude::*;
//!
//! /// A login.
//! #[event_data]
//! pub struct LoginData {
//!     /// Who logged in.
//!     username: String,
//! }
//!
//! /// Emitted when a session resumes.
//! #[open_edx_event(type = "com.example.learning.session.resumed.v1")]
//! pub struct SessionResumed {
//!     /// The login.
//!     login: LoginData,
//! }
//!
//! let options = RedisOptions::new("redis://127.0.0.1:6379/0")?;
//! let prefix = TopicPrefix::from_env();
//!
//! // The producing service.
//! let config = ProducerConfig::default().publish("com.example.learning.session.resumed.v1", "sessions", "login.username")?;
//! let _binding = connect_producer(&config, Arc::new(RedisProducer::new(options.clone())), &prefix)?;
//! SESSION_RESUMED.send_event(SessionResumed::new(LoginData::builder().username("ada").build()))?;
//!
//! // The consuming service: re-sends each event on its signal, here to one receiver.
//! SESSION_RESUMED.connect("audit", |event| {
//!     println!("{} resumed a session", event.data().login().username());
//!     Ok(())
//! });
//! let backend = RedisStream::open(options, &prefix.full_topic("sessions"), "audit", "worker-1", StartFrom::Backlog)?;
//! let mut consumer = Consumer::new(backend, ConsumerOptions { max_messages: Some(1), ..ConsumerOptions::default() });
//! consumer.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod admin;
mod connection;
mod entry;
mod entry_id;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod options;
mod producer;
mod reply;
mod resp;
pub mod settings;
mod stream;
pub mod testing;
mod tls;

pub use admin::{
    ConsumerStatus, DEAD_LETTER_FIELDS, DeadLetter, GroupStatus, RedisAdmin, Replay, ReplayError, ReplayFailure,
    ReplayReport, ReplayedEntry, StreamStatus,
};
pub use entry::{DATA_FIELD, EntryError, HEADER_FIELDS, StreamEntry, dead_letter_fields, from_fields, to_fields};
pub use entry_id::{EntryId, InvalidEntryId};
pub use error::{RedisBusError, RedisErrorKind};
pub use options::RedisOptions;
pub use producer::RedisProducer;
pub use settings::{RedisSettings, SettingsError};
pub use stream::{Position, RedisStream};
