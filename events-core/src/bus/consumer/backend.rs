//! What a broker provides to the consumer: deliveries, acknowledgements and dead letters.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::bus::message::BusMessage;

/// Where a consumer group starts reading when it has no position yet, or is told to move.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// Only messages published from now on: unread ones are skipped (the default, as in
    /// `edx-event-bus-redis`).
    #[default]
    Latest,
    /// Where the group left off, or the oldest message the broker keeps for a new group
    /// (`check_backlog`).
    Backlog,
}

/// One message received from a broker, with the token that acknowledges it.
#[derive(Debug, Clone)]
pub struct Delivery<T> {
    /// What the backend needs to acknowledge, dead-letter or leave this delivery: a Redis
    /// entry, a Kafka partition and offset. Its `Display` form names it in logs.
    pub token: T,
    /// The event, or why the broker's record cannot be read as one.
    pub message: Result<BusMessage, Unreadable>,
}

/// A record that is not a readable event (a missing header, a malformed id), as the backend
/// found it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable message: {reason}")]
pub struct Unreadable {
    /// What is wrong, naming the field.
    pub reason: String,
}

/// The broker operations a [`Consumer`](super::Consumer) needs, for one consumer of one group
/// on one topic.
///
/// The backend owns everything specific to its broker: how messages are laid out, where a
/// group starts, and how deliveries that were never acknowledged (a consumer that crashed, a
/// reply that was lost) come back. The consumer decides what happens to each delivery.
pub trait ConsumerBackend {
    /// The broker's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// What identifies a delivery to the broker.
    type Token: fmt::Display + Send + 'static;

    /// The next deliveries, at most `max`, waiting up to `wait` for one to arrive. Deliveries
    /// left unacknowledged by an earlier run come first.
    fn receive(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery<Self::Token>>, Self::Error>;

    /// Acknowledges a delivery: it will not be delivered again. A backend may defer the
    /// acknowledgement until [`flush`](Self::flush), to send a batch's acknowledgements in one
    /// round trip; deliveries not yet flushed when a consumer dies are delivered again (at
    /// least once).
    fn ack(&mut self, token: &Self::Token) -> Result<(), Self::Error>;

    /// Sends deferred acknowledgements; called after each batch.
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Records the delivery, with `reason`, where undeliverable messages are kept (a
    /// dead-letter stream or topic); the consumer acknowledges it afterwards.
    fn dead_letter(&mut self, delivery: &Delivery<Self::Token>, reason: &str) -> Result<(), Self::Error>;

    /// Whether undeliverable deliveries can be recorded by [`dead_letter`](Self::dead_letter).
    /// A backend reading dead letters themselves (a `…-dead-letter` stream) answers `false`:
    /// what it cannot deliver is left unacknowledged, where it is, instead of being copied to a
    /// dead-letter stream of dead letters.
    fn keeps_dead_letters(&self) -> bool {
        true
    }

    /// Gives up on a delivery that can be neither delivered nor dead-lettered, without
    /// acknowledging it: the broker keeps it for a later run, and this run does not receive it
    /// again.
    fn leave_pending(&mut self, token: &Self::Token);

    /// Called after a broker error: a call may have taken effect without its reply arriving
    /// (deliveries the broker counts as received but the consumer never saw), and the backend
    /// makes sure those come back.
    fn recover(&mut self) {}

    /// `topic/group/consumer`, for logs and errors.
    fn describe(&self) -> String;

    /// A function that makes a call of this backend blocked in another thread (a read waiting
    /// for messages, a slow reply) return at once with an error, for a
    /// [`ShutdownHandle`](super::ShutdownHandle) to call; `None` (the default) when calls are
    /// short enough to wait for.
    fn interrupter(&self) -> Option<Interrupt> {
        None
    }
}

/// A function that interrupts a blocked backend call, see [`ConsumerBackend::interrupter`].
pub type Interrupt = Arc<dyn Fn() + Send + Sync>;
