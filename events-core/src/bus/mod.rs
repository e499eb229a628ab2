//! The event bus: publishing events to other services and receiving theirs.
//!
//! A service publishes the events named in its [`ProducerConfig`] (the Rust form of
//! `EVENT_BUS_PRODUCER_CONFIG`): [`connect_producer`] connects a receiver to each configured
//! signal that encodes the event in Avro and queues it for a background [`Publisher`], which
//! hands it to an [`EventBusProducer`] from its own thread, pipelining what is queued; a send
//! never waits for the broker (unless the queue is full and the policy says to wait), and
//! [`ProducerBinding::flush`] waits until what was sent is published. [`PublishMode::Direct`]
//! publishes on the sender's thread instead. A consuming service runs a [`Consumer`] on a topic,
//! through a broker's [`ConsumerBackend`]: each delivery is decoded and re-sent on its signal
//! with the producer's metadata, so local receivers run as if the event had happened here, and
//! the event is marked as coming from the bus so that it is not published again. With the
//! `tokio` feature, `AsyncConsumer` runs the same consumer on tokio, and the publisher has
//! async `send` and `flush_async`.
//!
//! A [`BusMessage`] is the event in no broker's layout (metadata, key, Avro value and schema);
//! each backend maps it to its wire format: the Redis Streams backend lives in the
//! `events-bus-redis` crate. The [`InMemoryBus`] keeps the brokers' model (topics, groups,
//! pending messages, dead letters) in process memory and is the embedded default.
//!
//! ```
//! use std::sync::Arc;
//! use events_core::bus::{self, Consumer, ConsumerOptions, InMemoryBus, ProducerConfig, StartFrom, TopicPrefix};
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
//! let bus = InMemoryBus::new();
//! let config = ProducerConfig::default().publish("com.example.learning.session.resumed.v1", "sessions", "login.username")?;
//! let binding = bus::connect_producer(&config, Arc::new(bus.clone()), &TopicPrefix::none())?;
//! let mut consumer = Consumer::new(
//!     bus.consumer("sessions", "audit", "worker-1", StartFrom::Backlog),
//!     ConsumerOptions { max_messages: Some(1), ..ConsumerOptions::default() },
//! );
//!
//! let login = LoginData::builder().username("ada").build();
//! SESSION_RESUMED.send_event(SessionResumed::new(login))?; // queued, published in the background
//! binding.flush(std::time::Duration::from_secs(5))?;
//! assert_eq!(bus.len("sessions"), 1);
//!
//! // The consumer re-sends the event; the producer does not publish it a second time.
//! let stats = consumer.run()?;
//! assert_eq!(stats.delivered, 1);
//! assert_eq!(bus.len("sessions"), 1);
//! binding.unbind();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod consumer;
mod memory;
mod message;
mod producer;
mod progress;
mod publisher;

pub use config::{
    ConfigError, DEAD_LETTER_SUFFIX, ProducerConfig, ProducerConfigLayer, TopicConfig, TopicLayer, TopicPrefix,
    dead_letter_topic,
};
pub(crate) use consumer::resend;
#[cfg(feature = "tokio")]
pub use consumer::{AsyncConsumer, AsyncConsumerBackend, OnBlockingPool};
pub use consumer::{
    BrokerEvent, Consumer, ConsumerBackend, ConsumerError, ConsumerOptions, ConsumerStats, Delivery, DeliveryError,
    Handled, Interrupt, Outcome, Resent, ShutdownHandle, StartFrom, TrailingBytes, Unreadable, deliver, deliver_with,
};
pub use memory::{DeadLetter, InMemoryBus, InMemoryConsumer, Offset};
pub use message::BusMessage;
#[doc(hidden)]
pub use producer::ProducerHook;
pub use producer::{
    BatchError, EventBusProducer, PRODUCER_RECEIVER_ID, ProduceError, ProducerBinding, PublishError, PublishMode,
    connect_producer, connect_producer_with,
};
pub use publisher::{
    EnqueueError, FlushTimeout, PublishObserver, PublishReport, Publisher, PublisherOptions, PublisherStats, WhenFull,
};
