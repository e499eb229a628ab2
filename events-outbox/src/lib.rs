//! A transactional outbox for Open edX events: an event is written in the same database
//! transaction as the change it announces, and a relay publishes it once that transaction has
//! committed, through any event bus backend.
//!
//! Publishing straight to the broker either announces a change that may still be rolled back
//! (publish, then commit) or loses the event when the process dies or the broker is down
//! between the two (commit, then publish). With the outbox:
//!
//! - [`Outbox::send`] encodes the event (metadata, key, Avro value, schema) for every topic the
//!   producer configuration enables and inserts it into the outbox table, in the caller's
//!   transaction: a rollback takes the event with it;
//! - a [`Relay`] reads committed rows in commit order, publishes them through an
//!   [`EventBusProducer`](events_core::bus::EventBusProducer) (Redis, Kafka, the in-memory bus),
//!   marks them sent, retries with backoff while the broker refuses them, and purges sent rows
//!   after a retention. A relay killed at any point loses nothing; it publishes again at most
//!   the batch it had in flight, so consumers see each event at least once
//!   ([`Deduplicator`] drops the repeats by event id);
//! - on SQLite (the embedded default, a file), one relay at a time holds the outbox: a second
//!   one waits for the lock. On PostgreSQL ([`Outbox::send_postgres`], `send_postgres_async`,
//!   [`PostgresRelay`]), several relays may run: each claims rows with `FOR UPDATE SKIP
//!   LOCKED`, and the rows of a key wait while an older one is claimed by another.
//!
//! ```
//! use std::sync::Arc;
//! use events_core::bus::{InMemoryBus, ProducerConfig, TopicPrefix};
//! use events_core::prelude::*;
//! use events_outbox::{Outbox, Relay, RelayOptions};
//!
//! /// A login.
//! #[event_data]
//! pub struct LoginData {
//!     /// Who logged in.
//!     username: String,
//! }
//!
//! /// Emitted when a session starts.
//! #[open_edx_event(type = "com.example.learning.session.started.v1", key_field = "login.username")]
//! pub struct SessionStarted {
//!     /// The login.
//!     login: LoginData,
//! }
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("service.sqlite");
//! let mut db = rusqlite::Connection::open(&path)?;
//! events_outbox::migrate(&db)?;
//! let config = ProducerConfig::default().publish("com.example.learning.session.started.v1", "sessions", "login.username")?;
//! let outbox = Outbox::new(&config, &TopicPrefix::none());
//!
//! let tx = db.transaction()?;
//! // … the service's own writes in `tx` …
//! outbox.send(&tx, &SessionStarted::new(LoginData::builder().username("ada").build()))?;
//! tx.commit()?;
//!
//! let bus = InMemoryBus::new();
//! let mut relay = Relay::open(&path, Arc::new(bus.clone()), RelayOptions::default())?;
//! assert_eq!(relay.relay_once()?.published, 1);
//! assert_eq!(bus.len("sessions"), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dedup;
mod error;
mod outbox;
mod postgres;
mod relay;
mod schema;
pub mod testing;

pub use dedup::Deduplicator;
pub use error::OutboxError;
pub use outbox::{Outbox, write_message};
pub use postgres::{PostgresRelay, migrate_postgres, status_postgres, write_message_postgres};
pub use relay::{Relay, RelayOptions, RelayReport};
pub use schema::{OutboxStatus, migrate, status};
