//! What a consumer is told to do and what it reports: options, outcomes, counts and errors.

use std::fmt;
use std::time::Duration;

use crate::bus::message::BusMessage;

/// How a consumer polls and when it gives up.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// Deliveries asked for per request.
    pub batch_size: usize,
    /// How long a request waits for new messages.
    pub poll_timeout: Duration,
    /// Stop with an error after this many errors in a row (broker errors and undeliverable
    /// messages); a delivered message resets the count.
    pub consecutive_error_limit: Option<u32>,
    /// Stop after handling this many deliveries.
    pub max_messages: Option<u64>,
    /// The first pause after a broker error; it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest pause after a broker error.
    pub max_backoff: Duration,
    /// How many times writing an undeliverable message to the dead letters is tried before
    /// the consumer leaves it unacknowledged (so nothing is lost: the broker delivers it again
    /// when the consumer restarts) and goes on with the messages after it.
    pub dead_letter_attempts: u32,
    /// What to do with bytes left after the payload's known fields when the message does not
    /// come from a newer minor version: a newer producer that appended fields without raising
    /// `minorversion`, as upstream does when it adds an optional field. Skipped by default,
    /// with a warning and a count ([`ConsumerStats::unknown_fields_skipped`]).
    pub trailing_bytes: TrailingBytes,
}

/// What a consumer does with bytes after the fields of a payload it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrailingBytes {
    /// Skip them, as fastavro (which reads with the reader's schema) does; the event is
    /// delivered with the fields this build knows. The default.
    #[default]
    Skip,
    /// Refuse the message, unless its `minorversion` is newer than this build's: it is
    /// dead-lettered with the reason.
    Refuse,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            batch_size: 100,
            poll_timeout: Duration::from_secs(1),
            consecutive_error_limit: None,
            max_messages: None,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            dead_letter_attempts: 3,
            trailing_bytes: TrailingBytes::Skip,
        }
    }
}

/// What happened to one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every receiver succeeded.
    Delivered,
    /// Recorded in the dead letters with this reason.
    DeadLettered(String),
    /// Undeliverable, and the dead letters could not be written either: left unacknowledged,
    /// with the reason for both.
    LeftPending(String),
}

/// One handled delivery, as passed to an observer (see
/// [`Consumer::observe`](super::Consumer::observe)).
pub struct Handled<'a> {
    /// Where the broker holds it (a Redis entry id, a Kafka partition and offset).
    pub position: &'a dyn fmt::Display,
    /// The event, if the record was readable.
    pub message: Option<&'a BusMessage>,
    /// What happened.
    pub outcome: &'a Outcome,
    /// How many bytes after the payload's known fields were skipped (fields a newer producer
    /// appended); 0 for most deliveries.
    pub unknown_bytes: usize,
}

impl fmt::Debug for Handled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handled")
            .field("position", &format_args!("{}", self.position))
            .field("message", &self.message)
            .field("outcome", self.outcome)
            .field("unknown_bytes", &self.unknown_bytes)
            .finish()
    }
}

/// A change in the consumer's reach of its broker, as passed to a broker observer (see
/// [`Consumer::on_broker`](super::Consumer::on_broker)): said once when calls start failing and
/// once when one goes through again, however many retries come between.
#[derive(Clone, Copy)]
pub enum BrokerEvent<'a> {
    /// A broker call failed after the last one went through; the consumer retries after
    /// `retry_in` (the pause doubles on each failure, up to
    /// [`ConsumerOptions::max_backoff`]).
    Lost {
        /// The broker's error.
        error: &'a dyn fmt::Display,
        /// The pause before the first retry.
        retry_in: Duration,
    },
    /// A call went through again after an outage.
    Regained {
        /// How long calls were failing.
        down_for: Duration,
        /// How many calls failed in that time.
        failed_calls: u32,
    },
}

impl fmt::Debug for BrokerEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokerEvent::Lost { error, retry_in } => f
                .debug_struct("Lost")
                .field("error", &format_args!("{error}"))
                .field("retry_in", retry_in)
                .finish(),
            BrokerEvent::Regained { down_for, failed_calls } => f
                .debug_struct("Regained")
                .field("down_for", down_for)
                .field("failed_calls", failed_calls)
                .finish(),
        }
    }
}

/// Counts of what a consumer has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Deliveries whose receivers all succeeded.
    pub delivered: u64,
    /// Deliveries recorded in the dead letters.
    pub dead_lettered: u64,
    /// Deliveries left unacknowledged because they could be neither delivered nor
    /// dead-lettered.
    pub left_pending: u64,
    /// Broker errors met (each followed by a retry).
    pub broker_errors: u64,
    /// Deliveries whose payload ended with bytes this build does not know (fields appended by
    /// a newer producer), skipped; counted among the delivered.
    pub unknown_fields_skipped: u64,
}

impl ConsumerStats {
    /// Deliveries handled in any of the three ways.
    pub fn handled(&self) -> u64 {
        self.delivered + self.dead_lettered + self.left_pending
    }
}

/// Why a consumer stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError<E: std::error::Error + 'static> {
    /// Too many errors in a row: the consumer is probably stuck and should be restarted.
    #[error("{consumer}: {count} consecutive errors, the last: {last}")]
    TooManyErrors {
        /// The consumer.
        consumer: String,
        /// How many.
        count: u32,
        /// The last one.
        last: String,
    },
    /// A broker error, from [`Consumer::poll`](super::Consumer::poll).
    #[error("{consumer}: {source}")]
    Broker {
        /// The consumer.
        consumer: String,
        /// The error.
        #[source]
        source: E,
    },
}
