//! Consuming events: reading a stream in a consumer group, re-sending each event on its signal,
//! dead-lettering what cannot be delivered, and acknowledging everything read.
//!
//! The loop is written once for every broker: a broker provides a [`StreamBackend`], and
//! [`Consumer`] supplies the semantics of `edx-event-bus-redis` — own pending entries first
//! after a restart, idle entries of other consumers claimed, at-least-once delivery, a
//! consecutive-error limit — plus a dead-letter stream, so that an entry is never acknowledged
//! without either reaching its receivers or being recorded with the reason it did not.

use std::collections::HashSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::codec::DeliveryError;
use crate::receiver::{ReceiverError, Responses};
use crate::registry;

use super::entry_id::EntryId;
use super::message::{BusMessage, StreamEntry};

/// The suffix of the stream that receives the entries of `{stream}` that could not be
/// delivered.
pub const DEAD_LETTER_SUFFIX: &str = "-dead-letter";

/// The dead-letter stream of `stream`.
pub fn dead_letter_stream(stream: &str) -> String {
    format!("{stream}{DEAD_LETTER_SUFFIX}")
}

/// The fields of a dead-letter entry: the original fields, then why and where it failed.
pub fn dead_letter_fields(entry: &StreamEntry, reason: &str, group: &str, consumer: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut fields = entry.fields.clone();
    fields.push((b"dead_letter_reason".to_vec(), reason.as_bytes().to_vec()));
    fields.push((b"dead_letter_entry_id".to_vec(), entry.id.as_bytes().to_vec()));
    fields.push((b"dead_letter_group".to_vec(), group.as_bytes().to_vec()));
    fields.push((b"dead_letter_consumer".to_vec(), consumer.as_bytes().to_vec()));
    fields
}

/// Re-sends an event received from the bus on its signal, with the metadata it was produced
/// with; receivers see it as coming from the bus.
pub fn deliver(message: &BusMessage) -> Result<Responses, DeliveryError> {
    let signal = registry::get_signal_by_type(message.metadata.event_type())?;
    let info = signal.info();
    let codec = info.codec.ok_or(DeliveryError::NotSerializable {
        event_type: info.event_type,
        reason: info.unserializable.unwrap_or("it has no codec"),
    })?;
    (codec.send_avro)(message.metadata.clone(), &message.data)
}

/// Where a consumer group starts reading, as `edx-event-bus-redis` chooses it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// Only entries added from now on: unread entries are skipped (the default).
    #[default]
    Latest,
    /// Where the group left off, or the start of the stream for a new group
    /// (`check_backlog`).
    Backlog,
    /// After the given entry id (`last_read_msg_id`).
    After(EntryId),
}

/// The broker operations a [`Consumer`] needs, for one stream, group and consumer name.
pub trait StreamBackend {
    /// The broker's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Entries delivered to this consumer before and not acknowledged, oldest first, starting
    /// after the entry id `after` (from the first when `None`).
    fn read_pending(&mut self, after: Option<&str>, count: usize) -> Result<Vec<StreamEntry>, Self::Error>;

    /// Takes over entries pending for other consumers of the group for at least `min_idle`.
    fn claim_idle(&mut self, min_idle: Duration, count: usize) -> Result<Vec<StreamEntry>, Self::Error>;

    /// Entries never delivered to the group, waiting up to `block` for one to arrive.
    fn read_new(&mut self, count: usize, block: Duration) -> Result<Vec<StreamEntry>, Self::Error>;

    /// Acknowledges entries: they are no longer pending. A backend may defer the acknowledgement
    /// until [`flush`](Self::flush), e.g. to send a batch's acknowledgements in one round trip;
    /// entries not yet flushed when a consumer dies are delivered again (at least once).
    fn ack(&mut self, ids: &[&str]) -> Result<(), Self::Error>;

    /// Sends deferred acknowledgements; called after each batch.
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Records `entry` in the dead-letter stream with `reason`.
    fn dead_letter(&mut self, entry: &StreamEntry, reason: &str) -> Result<(), Self::Error>;

    /// `stream/group/consumer`, for logs and errors.
    fn describe(&self) -> String;

    /// A function that makes a call of this backend blocked in another thread (a read waiting
    /// for entries, a slow reply) return at once with an error, for a [`ShutdownHandle`] to
    /// call; `None` (the default) when calls are short enough to wait for.
    fn interrupter(&self) -> Option<Interrupt> {
        None
    }
}

/// A function that interrupts a blocked backend call, see [`StreamBackend::interrupter`].
pub type Interrupt = Arc<dyn Fn() + Send + Sync>;

/// How a [`Consumer`] polls and when it gives up.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// Entries read per request.
    pub batch_size: usize,
    /// How long a read waits for new entries.
    pub poll_timeout: Duration,
    /// Claim entries other consumers have left pending this long (crashed consumers).
    pub claim_idle: Option<Duration>,
    /// Stop with an error after this many errors in a row (broker errors and undeliverable
    /// entries); a delivered entry resets the count.
    pub consecutive_error_limit: Option<u32>,
    /// Stop after handling this many entries.
    pub max_messages: Option<u64>,
    /// The first pause after a broker error; it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest pause after a broker error.
    pub max_backoff: Duration,
    /// How many times writing an undeliverable entry to the dead-letter stream is tried before
    /// the consumer leaves the entry pending (unacknowledged, so nothing is lost: it is read
    /// again when the consumer restarts) and goes on with the entries after it.
    pub dead_letter_attempts: u32,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            batch_size: 100,
            poll_timeout: Duration::from_secs(1),
            claim_idle: None,
            consecutive_error_limit: None,
            max_messages: None,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            dead_letter_attempts: 3,
        }
    }
}

/// What happened to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every receiver succeeded.
    Delivered,
    /// Recorded in the dead-letter stream with this reason.
    DeadLettered(String),
    /// Undeliverable, and the dead-letter stream could not be written either: left pending,
    /// unacknowledged, with the reason for both.
    LeftPending(String),
}

/// One handled entry, as passed to an observer (see [`Consumer::observe`]).
#[derive(Debug)]
pub struct Handled<'a> {
    /// The entry read.
    pub entry: &'a StreamEntry,
    /// The event it holds, if readable.
    pub message: Option<&'a BusMessage>,
    /// What happened.
    pub outcome: &'a Outcome,
}

/// Counts of what a consumer has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Entries whose receivers all succeeded.
    pub delivered: u64,
    /// Entries recorded in the dead-letter stream.
    pub dead_lettered: u64,
    /// Entries left pending because they could be neither delivered nor dead-lettered.
    pub left_pending: u64,
    /// Broker errors met (each followed by a retry).
    pub broker_errors: u64,
}

impl ConsumerStats {
    /// Entries handled in any of the three ways.
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
    /// A broker error, from [`Consumer::poll`].
    #[error("{consumer}: {source}")]
    Broker {
        /// The consumer.
        consumer: String,
        /// The error.
        #[source]
        source: E,
    },
}

/// Asks a running [`Consumer`] to stop after the entry it is handling, interrupting a read that
/// is waiting for the broker.
#[derive(Clone, Default)]
pub struct ShutdownHandle(Arc<ShutdownState>);

#[derive(Default)]
struct ShutdownState {
    requested: AtomicBool,
    interrupts: Mutex<Vec<Interrupt>>,
}

impl ShutdownHandle {
    /// Requests the stop, and interrupts the backend's blocked call if it can be.
    pub fn shutdown(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        for interrupt in self.0.interrupts.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            interrupt();
        }
    }

    /// Whether a stop was requested.
    pub fn is_shutdown(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Calls `interrupt` on [`shutdown`](Self::shutdown).
    pub fn on_shutdown(&self, interrupt: Interrupt) {
        self.0
            .interrupts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(interrupt);
    }
}

impl fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Working through entries left pending by an earlier run (or claimed).
    Recovering,
    /// Reading new entries.
    Live,
}

type Observer = Box<dyn FnMut(&Handled<'_>) + Send>;

/// A consumer loop over a [`StreamBackend`].
pub struct Consumer<B: StreamBackend> {
    backend: B,
    options: ConsumerOptions,
    shutdown: ShutdownHandle,
    phase: Phase,
    last_claim: Option<Instant>,
    consecutive_errors: u32,
    stats: ConsumerStats,
    observer: Option<Observer>,
    /// The entry whose dead-letter write failed last, and how many times in a row.
    dead_letter_failures: Option<(String, u32)>,
    /// Entries given up on and left pending: not read again from the pending list.
    left_pending: HashSet<String>,
}

impl<B: StreamBackend> Consumer<B> {
    /// A consumer reading through `backend`.
    pub fn new(backend: B, options: ConsumerOptions) -> Self {
        let shutdown = ShutdownHandle::default();
        if let Some(interrupt) = backend.interrupter() {
            shutdown.on_shutdown(interrupt);
        }
        Consumer {
            backend,
            options,
            shutdown,
            phase: Phase::Recovering,
            last_claim: None,
            consecutive_errors: 0,
            stats: ConsumerStats::default(),
            observer: None,
            dead_letter_failures: None,
            left_pending: HashSet::new(),
        }
    }

    /// Calls `observer` after each handled entry (to print it, count it, …).
    pub fn observe(mut self, observer: impl FnMut(&Handled<'_>) + Send + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// A handle that stops [`run`](Self::run) from another thread or a signal handler.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// What the consumer has done so far.
    pub fn stats(&self) -> ConsumerStats {
        self.stats
    }

    /// The backend, e.g. to inspect an in-memory bus in tests.
    pub fn backend(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Runs until shut down, until `max_messages` entries are handled, or until the
    /// consecutive-error limit is reached. Broker errors are logged and retried with backoff.
    pub fn run(&mut self) -> Result<ConsumerStats, ConsumerError<B::Error>> {
        let mut backoff = self.options.initial_backoff;
        tracing::info!(consumer = %self.backend.describe(), "consumer started");
        while !self.is_done() {
            match self.poll() {
                Ok(_) => backoff = self.options.initial_backoff,
                Err(ConsumerError::Broker { source, .. }) if self.shutdown.is_shutdown() => {
                    // The shutdown interrupted a call; what was handled is acknowledged below.
                    tracing::debug!(consumer = %self.backend.describe(), error = %source,
                        "a broker call was interrupted by the shutdown");
                }
                Err(ConsumerError::Broker { source, .. }) => {
                    self.stats.broker_errors += 1;
                    self.consecutive_errors += 1;
                    tracing::error!(consumer = %self.backend.describe(), error = %source,
                        consecutive_errors = self.consecutive_errors, "event bus read failed; retrying");
                    self.check_error_limit(&source.to_string())?;
                    self.pause(backoff);
                    backoff = (backoff * 2).min(self.options.max_backoff);
                }
                Err(other) => return Err(other),
            }
        }
        if let Err(error) = self.backend.flush() {
            tracing::error!(consumer = %self.backend.describe(), %error,
                "the last acknowledgements could not be sent; those entries will be delivered again");
        }
        tracing::info!(consumer = %self.backend.describe(), ?self.stats, "consumer stopped");
        Ok(self.stats)
    }

    /// Reads one batch (pending, claimed or new entries) and handles it; returns how many
    /// entries were handled. Stops early on shutdown or `max_messages`.
    ///
    /// After a broker error the next poll starts with this consumer's pending entries again:
    /// the failed call may have been applied by the broker without the reply arriving (a read
    /// that made entries pending, or entries read but neither acknowledged nor dead-lettered),
    /// and a live read (`>`) would never return those entries.
    pub fn poll(&mut self) -> Result<usize, ConsumerError<B::Error>> {
        let result = self.poll_batch();
        if let Err(ConsumerError::Broker { .. }) = &result {
            self.phase = Phase::Recovering;
        }
        result
    }

    fn poll_batch(&mut self) -> Result<usize, ConsumerError<B::Error>> {
        let count = self.remaining_budget();
        let entries = self.fetch(count).map_err(|source| self.broker_error(source))?;
        let mut handled = 0;
        let mut result = Ok(());
        for entry in &entries {
            if self.shutdown.is_shutdown() {
                break;
            }
            result = self.handle(entry);
            if result.is_err() {
                break;
            }
            handled += 1;
        }
        // Acknowledgements of the entries handled so far go out even when the batch stopped early.
        self.backend.flush().map_err(|source| self.broker_error(source))?;
        result.map(|()| handled)
    }

    fn fetch(&mut self, count: usize) -> Result<Vec<StreamEntry>, B::Error> {
        let claim_due = self
            .options
            .claim_idle
            .filter(|idle| self.last_claim.is_none_or(|at| at.elapsed() >= *idle));
        if let Some(idle) = claim_due {
            self.last_claim = Some(Instant::now());
            let claimed = self.backend.claim_idle(idle, count)?;
            if !claimed.is_empty() {
                tracing::warn!(consumer = %self.backend.describe(), count = claimed.len(),
                    "claimed entries left pending by another consumer");
                self.phase = Phase::Recovering;
            }
        }
        if self.phase == Phase::Recovering {
            // Entries left pending are passed over, batch after batch if need be.
            let mut after: Option<String> = None;
            loop {
                let pending = self.backend.read_pending(after.as_deref(), count)?;
                let Some(last) = pending.last() else { break };
                after = Some(last.id.clone());
                let fresh: Vec<StreamEntry> = pending
                    .into_iter()
                    .filter(|entry| !self.left_pending.contains(&entry.id))
                    .collect();
                if !fresh.is_empty() {
                    return Ok(fresh);
                }
            }
            self.phase = Phase::Live;
        }
        self.backend.read_new(count, self.options.poll_timeout)
    }

    fn handle(&mut self, entry: &StreamEntry) -> Result<(), ConsumerError<B::Error>> {
        let message = entry.message();
        let outcome = match &message {
            Err(error) => Outcome::DeadLettered(format!("unreadable entry: {error}")),
            Ok(message) => match catch_unwind(AssertUnwindSafe(|| deliver(message))) {
                Ok(Ok(responses)) if responses.all_ok() => Outcome::Delivered,
                Ok(Ok(responses)) => Outcome::DeadLettered(receiver_failures(&responses)),
                Ok(Err(error)) => Outcome::DeadLettered(error.to_string()),
                Err(panic) => {
                    Outcome::DeadLettered(format!("a receiver panicked: {}", ReceiverError::from_panic(panic)))
                }
            },
        };
        let event_id = message
            .as_ref()
            .map(|m| m.metadata.id().to_string())
            .unwrap_or_default();
        let mut outcome = outcome;
        if let Outcome::DeadLettered(reason) = &outcome {
            // Recorded before the ack: if the broker fails here the entry stays pending and is
            // read again, rather than being acknowledged without a trace.
            match self.backend.dead_letter(entry, reason) {
                Ok(()) => {
                    self.dead_letter_failures = None;
                    tracing::error!(consumer = %self.backend.describe(), entry_id = %entry.id,
                        %event_id, %reason, "event dead-lettered");
                }
                Err(source) => {
                    let attempts = match self.dead_letter_failures.take() {
                        Some((id, attempts)) if id == entry.id => attempts + 1,
                        _ => 1,
                    };
                    if attempts < self.options.dead_letter_attempts {
                        self.dead_letter_failures = Some((entry.id.clone(), attempts));
                        return Err(self.broker_error(source));
                    }
                    // Retrying without end would block every entry behind this one.
                    let reason = format!("{reason}; and the dead-letter write failed {attempts} times: {source}");
                    tracing::error!(consumer = %self.backend.describe(), entry_id = %entry.id,
                        %event_id, %reason, "event left pending: it can be neither delivered nor dead-lettered");
                    self.left_pending.insert(entry.id.clone());
                    outcome = Outcome::LeftPending(reason);
                }
            }
        }
        if !matches!(outcome, Outcome::LeftPending(_)) {
            self.backend
                .ack(&[&entry.id])
                .map_err(|source| self.broker_error(source))?;
        }
        match &outcome {
            Outcome::Delivered => {
                self.stats.delivered += 1;
                self.consecutive_errors = 0;
            }
            Outcome::DeadLettered(_) => {
                self.stats.dead_lettered += 1;
                self.consecutive_errors += 1;
            }
            Outcome::LeftPending(_) => {
                self.stats.left_pending += 1;
                self.consecutive_errors += 1;
            }
        }
        // The observer sees every handled entry, including the one that reaches the error limit.
        if let Some(observer) = &mut self.observer {
            observer(&Handled {
                entry,
                message: message.as_ref().ok(),
                outcome: &outcome,
            });
        }
        match &outcome {
            Outcome::DeadLettered(reason) | Outcome::LeftPending(reason) => self.check_error_limit(reason),
            Outcome::Delivered => Ok(()),
        }
    }

    fn check_error_limit(&self, last: &str) -> Result<(), ConsumerError<B::Error>> {
        match self.options.consecutive_error_limit {
            Some(limit) if self.consecutive_errors >= limit => Err(ConsumerError::TooManyErrors {
                consumer: self.backend.describe(),
                count: self.consecutive_errors,
                last: last.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    fn broker_error(&self, source: B::Error) -> ConsumerError<B::Error> {
        ConsumerError::Broker {
            consumer: self.backend.describe(),
            source,
        }
    }

    fn remaining_budget(&self) -> usize {
        let batch = self.options.batch_size.max(1);
        match self.options.max_messages {
            Some(max) => batch.min(usize::try_from(max.saturating_sub(self.stats.handled())).unwrap_or(usize::MAX)),
            None => batch,
        }
    }

    fn is_done(&self) -> bool {
        self.shutdown.is_shutdown() || self.options.max_messages.is_some_and(|max| self.stats.handled() >= max)
    }

    /// Sleeps for `duration`, waking early on shutdown.
    fn pause(&self, duration: Duration) {
        let until = Instant::now() + duration;
        while !self.shutdown.is_shutdown() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }
}

fn receiver_failures(responses: &Responses) -> String {
    let failures: Vec<String> = responses
        .failures()
        .map(|response| match response.outcome() {
            Err(error) => format!("{}: {error}", response.receiver()),
            Ok(()) => response.receiver().to_string(),
        })
        .collect();
    format!(
        "{} of {} receivers failed: {}",
        failures.len(),
        responses.len(),
        failures.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{InMemoryBus, InMemoryConsumer};

    #[derive(Debug, thiserror::Error)]
    #[error("connection reset")]
    struct Reset;

    /// The in-memory backend with faults: the first live read applied by the broker but its
    /// reply lost, or a dead-letter stream that cannot be written (`WRONGTYPE`, out of memory).
    struct Faulty {
        inner: InMemoryConsumer,
        lose_first_read: bool,
        refuse_dead_letters: bool,
        dead_letter_attempts: u32,
    }

    impl Faulty {
        fn new(inner: InMemoryConsumer) -> Self {
            Faulty {
                inner,
                lose_first_read: false,
                refuse_dead_letters: false,
                dead_letter_attempts: 0,
            }
        }
    }

    impl StreamBackend for Faulty {
        type Error = Reset;

        fn read_pending(&mut self, after: Option<&str>, count: usize) -> Result<Vec<StreamEntry>, Reset> {
            Ok(self.inner.read_pending(after, count).unwrap_or_default())
        }

        fn claim_idle(&mut self, min_idle: Duration, count: usize) -> Result<Vec<StreamEntry>, Reset> {
            Ok(self.inner.claim_idle(min_idle, count).unwrap_or_default())
        }

        fn read_new(&mut self, count: usize, block: Duration) -> Result<Vec<StreamEntry>, Reset> {
            let entries = self.inner.read_new(count, block).unwrap_or_default();
            if self.lose_first_read && !entries.is_empty() {
                self.lose_first_read = false;
                return Err(Reset);
            }
            Ok(entries)
        }

        fn ack(&mut self, ids: &[&str]) -> Result<(), Reset> {
            self.inner.ack(ids).map_err(|never| match never {})
        }

        fn dead_letter(&mut self, entry: &StreamEntry, reason: &str) -> Result<(), Reset> {
            self.dead_letter_attempts += 1;
            if self.refuse_dead_letters {
                return Err(Reset);
            }
            self.inner.dead_letter(entry, reason).map_err(|never| match never {})
        }

        fn describe(&self) -> String {
            self.inner.describe()
        }
    }

    #[test]
    fn entries_whose_read_reply_was_lost_are_read_again_from_the_pending_list() {
        let bus = InMemoryBus::new();
        let inner = bus.consumer("runs", "lms", "c1", StartFrom::Latest);
        let mut consumer = Consumer::new(
            Faulty {
                lose_first_read: true,
                ..Faulty::new(inner)
            },
            ConsumerOptions {
                poll_timeout: Duration::ZERO,
                ..ConsumerOptions::default()
            },
        );
        assert_eq!(consumer.poll().unwrap(), 0);
        bus.add("runs", vec![(b"type".to_vec(), b"x".to_vec())]);
        assert!(matches!(consumer.poll(), Err(ConsumerError::Broker { .. })));
        assert_eq!(bus.pending("runs", "lms").len(), 1, "read by the broker, never seen");
        assert_eq!(consumer.poll().unwrap(), 1);
        assert!(bus.pending("runs", "lms").is_empty());
    }

    #[test]
    fn an_entry_that_cannot_be_dead_lettered_is_left_pending_and_the_entries_behind_it_are_handled() {
        let bus = InMemoryBus::new();
        let inner = bus.consumer("runs", "lms", "c1", StartFrom::Backlog);
        // Unreadable entries (no event fields): each must be dead-lettered, which fails.
        let poison = bus.add("runs", vec![(b"junk".to_vec(), b"1".to_vec())]);
        let second = bus.add("runs", vec![(b"junk".to_vec(), b"2".to_vec())]);
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let seen = outcomes.clone();
        let mut consumer = Consumer::new(
            Faulty {
                refuse_dead_letters: true,
                ..Faulty::new(inner)
            },
            ConsumerOptions {
                poll_timeout: Duration::ZERO,
                initial_backoff: Duration::from_millis(1),
                max_messages: Some(2),
                ..ConsumerOptions::default()
            },
        )
        .observe(move |handled| {
            seen.lock()
                .unwrap()
                .push((handled.entry.id.clone(), handled.outcome.clone()));
        });
        let stats = consumer.run().unwrap();
        assert_eq!(stats.left_pending, 2);
        assert_eq!(stats.broker_errors, 4, "two failed attempts for each before giving up");
        assert_eq!(consumer.backend().dead_letter_attempts, 6);
        let outcomes = outcomes.lock().unwrap();
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[0].0, poison);
        assert_eq!(outcomes[1].0, second);
        match &outcomes[0].1 {
            Outcome::LeftPending(reason) => {
                assert!(
                    reason.contains("the dead-letter write failed 3 times: connection reset"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        let pending: Vec<String> = bus.pending("runs", "lms").into_iter().map(|(id, _, _)| id).collect();
        assert_eq!(pending, [poison.clone(), second.clone()], "never acknowledged");
    }

    /// A backend whose reads block until interrupted.
    struct Blocking {
        interrupted: Arc<AtomicBool>,
    }

    impl StreamBackend for Blocking {
        type Error = Reset;

        fn read_pending(&mut self, _: Option<&str>, _: usize) -> Result<Vec<StreamEntry>, Reset> {
            Ok(Vec::new())
        }

        fn claim_idle(&mut self, _: Duration, _: usize) -> Result<Vec<StreamEntry>, Reset> {
            Ok(Vec::new())
        }

        fn read_new(&mut self, _: usize, _: Duration) -> Result<Vec<StreamEntry>, Reset> {
            while !self.interrupted.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(Reset)
        }

        fn ack(&mut self, _: &[&str]) -> Result<(), Reset> {
            Ok(())
        }

        fn dead_letter(&mut self, _: &StreamEntry, _: &str) -> Result<(), Reset> {
            Ok(())
        }

        fn describe(&self) -> String {
            "blocking".into()
        }

        fn interrupter(&self) -> Option<Interrupt> {
            let interrupted = self.interrupted.clone();
            Some(Arc::new(move || interrupted.store(true, Ordering::SeqCst)))
        }
    }

    #[test]
    fn a_shutdown_interrupts_a_blocked_read_and_the_consumer_stops_without_an_error() {
        let mut consumer = Consumer::new(
            Blocking {
                interrupted: Arc::default(),
            },
            ConsumerOptions::default(),
        );
        let shutdown = consumer.shutdown_handle();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            shutdown.shutdown();
        });
        let stats = consumer.run().unwrap();
        stopper.join().unwrap();
        assert_eq!(stats.broker_errors, 0, "an interrupted read is not a broker error");
    }
}
