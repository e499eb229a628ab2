//! Consuming events: receiving a topic in a consumer group, re-sending each event on its
//! signal, dead-lettering what cannot be delivered, and acknowledging everything handled.
//!
//! A broker provides a [`ConsumerBackend`] (or an [`AsyncConsumerBackend`]); its recovery
//! (Redis pending entries, Kafka rebalances) stays in the backend. What happens to each
//! delivery is decided once, by a state machine without I/O, which the blocking [`Consumer`]
//! and the tokio [`AsyncConsumer`] drive.

#[cfg(feature = "tokio")]
mod asynchronous;
mod backend;
mod blocking;
mod machine;
mod report;
mod resend;
mod shutdown;

#[cfg(feature = "tokio")]
pub use asynchronous::{AsyncConsumer, AsyncConsumerBackend, OnBlockingPool};
pub use backend::{ConsumerBackend, Delivery, Interrupt, StartFrom, Unreadable};
pub use blocking::Consumer;
pub use report::{BrokerEvent, ConsumerError, ConsumerOptions, ConsumerStats, Handled, Outcome, TrailingBytes};
pub(crate) use resend::resend;
pub use resend::{DeliveryError, Resent, deliver, deliver_with};
pub use shutdown::ShutdownHandle;
