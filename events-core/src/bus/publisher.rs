//! The background publisher: a bounded queue between the threads that send events and one
//! thread that publishes them, so that a send never waits for the broker.
//!
//! Senders enqueue encoded messages; the publisher thread takes what is queued, up to a batch,
//! and hands each stream's run of messages to the broker in one call (a pipeline on Redis).
//! A message the broker did not take is retried with backoff, the batch holding its place so
//! that a stream's order is kept; while it waits, the queue fills, and senders meet the
//! overflow policy: wait a bounded time for room, or be refused at once. A refusal is an
//! error the sender sees in its responses. Nothing is dropped without a report: a message is
//! published, refused to its sender, or given up after its retry time with an error logged and
//! passed to the observer, with its event id.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, SendTimeoutError, Sender, TrySendError};

use super::progress::Progress;

use super::message::BusMessage;
use super::producer::EventBusProducer;

/// What a send does when the publisher's queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Waits up to this long for room, then refuses the message.
    Wait(Duration),
    /// Refuses the message at once.
    Refuse,
}

/// What the publisher reports about a message, to an observer (see
/// [`PublisherOptions::observer`]).
#[derive(Debug)]
pub enum PublishReport<'a> {
    /// The broker did not take the message; it is tried again after `retry_in`.
    Retrying {
        /// The stream.
        stream: &'a str,
        /// The message.
        message: &'a BusMessage,
        /// Attempts made so far.
        attempts: u32,
        /// The broker's error.
        error: &'a (dyn std::error::Error + Send + Sync),
        /// The pause before the next attempt.
        retry_in: Duration,
    },
    /// The message was not published: its retry time ran out, or the publisher was shut down
    /// before the broker took it.
    GaveUp {
        /// The stream.
        stream: &'a str,
        /// The message.
        message: &'a BusMessage,
        /// Attempts made.
        attempts: u32,
        /// Why it was given up.
        reason: &'a str,
    },
}

/// A function told of retries and of messages given up.
pub type PublishObserver = Arc<dyn Fn(&PublishReport<'_>) + Send + Sync>;

/// How a [`Publisher`] queues, batches and retries.
#[derive(Clone)]
pub struct PublisherOptions {
    /// Messages the queue holds before the [`when_full`](Self::when_full) policy applies.
    pub capacity: usize,
    /// What a send does when the queue is full.
    pub when_full: WhenFull,
    /// The most messages handed to the broker at once.
    pub max_batch: usize,
    /// The pause before the first retry of a message the broker did not take; it doubles up to
    /// [`max_backoff`](Self::max_backoff).
    pub initial_backoff: Duration,
    /// The longest pause between retries.
    pub max_backoff: Duration,
    /// How long after it was queued a message is still retried; `None` retries until the
    /// publisher shuts down.
    pub retry_for: Option<Duration>,
    /// Told of every retry and every message given up (they are logged with `tracing` too).
    pub observer: Option<PublishObserver>,
}

impl PublisherOptions {
    /// The default queue size.
    pub const DEFAULT_CAPACITY: usize = 100_000;
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            capacity: Self::DEFAULT_CAPACITY,
            when_full: WhenFull::Wait(Duration::from_millis(100)),
            max_batch: 1000,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            retry_for: Some(Duration::from_secs(600)),
            observer: None,
        }
    }
}

impl fmt::Debug for PublisherOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublisherOptions")
            .field("capacity", &self.capacity)
            .field("when_full", &self.when_full)
            .field("max_batch", &self.max_batch)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("retry_for", &self.retry_for)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// A message the publisher did not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnqueueError {
    /// The queue stayed full for the whole wait (or the policy is to refuse).
    #[error("the publisher's queue of {capacity} messages is full (the broker is slow or unreachable)")]
    Full {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The publisher has been shut down.
    #[error("the publisher has been shut down")]
    ShutDown,
}

/// Not every accepted message was settled (published or given up) in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{unsettled} messages were still waiting for the broker after {waited:?}")]
pub struct FlushTimeout {
    /// Messages accepted and not yet settled.
    pub unsettled: u64,
    /// How long the flush waited.
    pub waited: Duration,
}

/// Counts of what a [`Publisher`] has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublisherStats {
    /// Messages accepted into the queue.
    pub accepted: u64,
    /// Messages refused to their senders (queue full, or shut down).
    pub refused: u64,
    /// Messages the broker took.
    pub published: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    /// Messages given up (retry time over, or shut down first).
    pub given_up: u64,
}

/// A message counted as accepted by an async send, uncounted when dropped unless kept.
#[cfg(feature = "tokio")]
struct Accepted<'a> {
    shared: &'a Shared,
    kept: bool,
}

#[cfg(feature = "tokio")]
impl<'a> Accepted<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        Accepted { shared, kept: false }
    }

    fn keep(&mut self) {
        self.kept = true;
    }
}

#[cfg(feature = "tokio")]
impl Drop for Accepted<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.shared.accepted.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

struct Queued {
    stream: Arc<str>,
    message: BusMessage,
    queued_at: Instant,
}

/// What senders and the publisher thread share.
#[derive(Default)]
struct Shared {
    accepted: AtomicU64,
    refused: AtomicU64,
    published: AtomicU64,
    retries: AtomicU64,
    given_up: AtomicU64,
    /// Messages settled (published or given up), in queue order, for [`Publisher::flush`].
    settled: Progress,
    /// Messages taken from the queue by the publisher thread: room made for async senders
    /// waiting on a full queue.
    dequeued: Progress,
    /// Set by [`Publisher::shutdown`] when its time is up: retries stop.
    abandon: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn settle(&self, count: u64) {
        self.settled.advance(count);
    }
}

/// A background publisher: a bounded queue and the thread that empties it into a broker.
///
/// Usually made by [`connect_producer`](super::connect_producer), which gives the binding's
/// signals one; it can also be used on its own.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use events_core::EventsMetadata;
/// use events_core::bus::{BusMessage, InMemoryBus, Publisher, PublisherOptions};
///
/// let bus = InMemoryBus::new();
/// let publisher = Publisher::start(Arc::new(bus.clone()), PublisherOptions::default());
/// let message = BusMessage::new(EventsMetadata::new("com.example.learning.thing.happened.v1"), vec![]);
/// publisher.enqueue("things".into(), message)?; // returns at once
/// publisher.flush(Duration::from_secs(5))?; // waits until the broker took it
/// assert_eq!(bus.len("things"), 1);
/// publisher.shutdown(Duration::from_secs(5))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Publisher {
    sender: Mutex<Option<Sender<Queued>>>,
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    capacity: usize,
    when_full: WhenFull,
}

impl Publisher {
    /// Starts the publisher thread for `producer`.
    pub fn start(producer: Arc<dyn EventBusProducer>, options: PublisherOptions) -> Self {
        let capacity = options.capacity.max(1);
        let (sender, receiver) = crossbeam_channel::bounded(capacity);
        let shared = Arc::new(Shared::default());
        let when_full = options.when_full;
        let worker = Worker {
            producer,
            receiver,
            shared: Arc::clone(&shared),
            options,
        };
        let thread = std::thread::Builder::new()
            .name("openedx-events-publisher".into())
            .spawn(move || worker.run())
            .expect("the operating system refused to start the publisher thread");
        Publisher {
            sender: Mutex::new(Some(sender)),
            shared,
            thread: Mutex::new(Some(thread)),
            capacity,
            when_full,
        }
    }

    /// Queues `message` for `stream`, applying the overflow policy when the queue is full.
    pub fn enqueue(&self, stream: Arc<str>, message: BusMessage) -> Result<(), EnqueueError> {
        let sender = self.sender()?;
        let queued = Queued {
            stream,
            message,
            queued_at: Instant::now(),
        };
        // Counted before it can be settled, so that a flush never sees more settled than
        // accepted.
        self.shared.accepted.fetch_add(1, Ordering::SeqCst);
        let refused = match self.when_full {
            WhenFull::Refuse => match sender.try_send(queued) {
                Ok(()) => None,
                Err(TrySendError::Full(_)) => Some(EnqueueError::Full {
                    capacity: self.capacity,
                }),
                Err(TrySendError::Disconnected(_)) => Some(EnqueueError::ShutDown),
            },
            WhenFull::Wait(timeout) => match sender.send_timeout(queued, timeout) {
                Ok(()) => None,
                Err(SendTimeoutError::Timeout(_)) => Some(EnqueueError::Full {
                    capacity: self.capacity,
                }),
                Err(SendTimeoutError::Disconnected(_)) => Some(EnqueueError::ShutDown),
            },
        };
        match refused {
            None => Ok(()),
            Some(error) => {
                self.shared.accepted.fetch_sub(1, Ordering::SeqCst);
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
                Err(error)
            }
        }
    }

    /// The queue's sending end; a refusal once the publisher is shut down.
    fn sender(&self) -> Result<Sender<Queued>, EnqueueError> {
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner).clone();
        sender.ok_or_else(|| {
            self.shared.refused.fetch_add(1, Ordering::Relaxed);
            EnqueueError::ShutDown
        })
    }

    /// Waits until every message accepted so far is settled (published, or given up), for at
    /// most `timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        let target = self.shared.accepted.load(Ordering::SeqCst);
        let started = Instant::now();
        self.shared
            .settled
            .wait_for(target, timeout)
            .map_err(|settled| FlushTimeout {
                unsettled: target.saturating_sub(settled),
                waited: started.elapsed(),
            })
    }

    /// Like [`flush`](Self::flush), as a future that waits without holding a thread, for async
    /// code.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use events_core::EventsMetadata;
    /// use events_core::bus::{BusMessage, InMemoryBus, Publisher, PublisherOptions};
    ///
    /// let bus = InMemoryBus::new();
    /// let publisher = Publisher::start(Arc::new(bus.clone()), PublisherOptions::default());
    /// let message = BusMessage::new(EventsMetadata::new("com.example.learning.thing.happened.v1"), vec![]);
    /// publisher.send("things".into(), message).await?;
    /// publisher.flush_async(Duration::from_secs(5)).await?;
    /// assert_eq!(bus.len("things"), 1);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        let target = self.shared.accepted.load(Ordering::SeqCst);
        let started = Instant::now();
        match tokio::time::timeout(timeout, self.shared.settled.reached(target)).await {
            Ok(()) => Ok(()),
            Err(_) => Err(FlushTimeout {
                unsettled: target.saturating_sub(self.shared.settled.get()),
                waited: started.elapsed(),
            }),
        }
    }

    /// Queues `message` for `stream` from async code: like [`enqueue`](Self::enqueue), except
    /// that with [`WhenFull::Wait`] a full queue is waited on without holding a thread.
    #[cfg(feature = "tokio")]
    pub async fn send(&self, stream: Arc<str>, message: BusMessage) -> Result<(), EnqueueError> {
        let sender = self.sender()?;
        let mut queued = Queued {
            stream,
            message,
            queued_at: Instant::now(),
        };
        // Counted as accepted until it is refused, or until the send is dropped while it waits
        // (a cancelled request): then it is not counted, so that a flush does not wait for it.
        let mut accepted = Accepted::new(&self.shared);
        let deadline = match self.when_full {
            WhenFull::Wait(timeout) => Some(tokio::time::Instant::now() + timeout),
            WhenFull::Refuse => None,
        };
        loop {
            // Read before trying, so that room made in between is not waited for.
            let dequeued = self.shared.dequeued.get();
            match sender.try_send(queued) {
                Ok(()) => {
                    accepted.keep();
                    return Ok(());
                }
                Err(TrySendError::Disconnected(_)) => break,
                Err(TrySendError::Full(back)) => {
                    queued = back;
                    let full = EnqueueError::Full {
                        capacity: self.capacity,
                    };
                    let Some(deadline) = deadline else {
                        self.shared.refused.fetch_add(1, Ordering::Relaxed);
                        return Err(full);
                    };
                    let room = self.shared.dequeued.reached(dequeued + 1);
                    if tokio::time::timeout_at(deadline, room).await.is_err() {
                        self.shared.refused.fetch_add(1, Ordering::Relaxed);
                        return Err(full);
                    }
                }
            }
        }
        self.shared.refused.fetch_add(1, Ordering::Relaxed);
        Err(EnqueueError::ShutDown)
    }

    /// Stops accepting messages, publishes what is queued for at most `timeout`, then stops the
    /// thread; messages still unpublished then are given up and reported.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        let flushed = self.flush(timeout);
        self.sender.lock().unwrap_or_else(PoisonError::into_inner).take();
        if flushed.is_err() {
            self.shared.abandon.store(true, Ordering::SeqCst);
        }
        if let Some(thread) = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = thread.join();
        }
        flushed
    }

    /// What the publisher has done so far.
    pub fn stats(&self) -> PublisherStats {
        let shared = &self.shared;
        PublisherStats {
            accepted: shared.accepted.load(Ordering::SeqCst),
            refused: shared.refused.load(Ordering::Relaxed),
            published: shared.published.load(Ordering::Relaxed),
            retries: shared.retries.load(Ordering::Relaxed),
            given_up: shared.given_up.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Publisher {
    /// Publishes what is queued, for at most five seconds.
    fn drop(&mut self) {
        let _ = self.shutdown(Duration::from_secs(5));
    }
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("capacity", &self.capacity)
            .field("when_full", &self.when_full)
            .field("stats", &self.stats())
            .finish()
    }
}

/// The publisher thread.
struct Worker {
    producer: Arc<dyn EventBusProducer>,
    receiver: Receiver<Queued>,
    shared: Arc<Shared>,
    options: PublisherOptions,
}

/// Where a queued message goes and since when it waits, beside the batch of messages.
struct Origin {
    stream: Arc<str>,
    queued_at: Instant,
}

impl Worker {
    fn run(self) {
        let max_batch = self.options.max_batch.max(1);
        // The messages apart from their origins: a stream's run is then a slice, handed to the
        // broker without copying.
        let mut messages = Vec::with_capacity(max_batch.min(4096));
        let mut origins = Vec::with_capacity(max_batch.min(4096));
        // Until every sender is gone and the queue is empty.
        while let Ok(first) = self.receiver.recv() {
            let mut next = Some(first);
            while let Some(queued) = next.take() {
                messages.push(queued.message);
                origins.push(Origin {
                    stream: queued.stream,
                    queued_at: queued.queued_at,
                });
                if messages.len() < max_batch {
                    next = self.receiver.try_recv().ok();
                }
            }
            self.shared.dequeued.advance(messages.len() as u64);
            self.publish(&messages, &origins);
            messages.clear();
            origins.clear();
        }
    }

    /// Publishes a batch, one run of messages for the same stream at a time, in order.
    fn publish(&self, messages: &[BusMessage], origins: &[Origin]) {
        let mut start = 0;
        while start < messages.len() {
            let stream = &origins[start].stream;
            let end = start
                + origins[start..]
                    .iter()
                    .take_while(|origin| origin.stream == *stream)
                    .count();
            self.publish_run(stream, &messages[start..end], &origins[start..end]);
            start = end;
        }
    }

    /// Publishes one stream's messages, retrying those the broker did not take until they are
    /// published or given up. The run holds the thread meanwhile, which keeps the stream's
    /// order and lets the queue fill, so that senders feel the broker's trouble.
    fn publish_run(&self, stream: &str, messages: &[BusMessage], origins: &[Origin]) {
        // The first attempt sends the batch's own slice; retries send copies of what failed.
        let mut waiting: Cow<'_, [BusMessage]> = Cow::Borrowed(messages);
        let mut waiting_origins: Vec<&Origin> = origins.iter().collect();
        let mut attempts = 0u32;
        let mut backoff = self.options.initial_backoff;
        loop {
            attempts += 1;
            let failures = match self.producer.send_batch(stream, &waiting) {
                Ok(()) => Vec::new(),
                Err(error) => error.failures,
            };
            let published = waiting.len().saturating_sub(failures.len()) as u64;
            self.shared.published.fetch_add(published, Ordering::Relaxed);
            self.shared.settle(published);
            if failures.is_empty() {
                return;
            }
            let abandon = self.shared.abandon.load(Ordering::SeqCst);
            let mut again = Vec::with_capacity(failures.len());
            let mut again_origins = Vec::with_capacity(failures.len());
            for (index, error) in failures {
                let (Some(message), Some(origin)) = (waiting.get(index), waiting_origins.get(index)) else {
                    continue;
                };
                let expired = self
                    .options
                    .retry_for
                    .is_some_and(|retry_for| origin.queued_at.elapsed() + backoff > retry_for);
                if abandon || expired {
                    let reason = if abandon {
                        format!("the publisher was shut down before the broker took it: {error}")
                    } else {
                        format!("still not published after {attempts} attempts: {error}")
                    };
                    self.give_up(stream, message, attempts, &reason);
                    continue;
                }
                self.shared.retries.fetch_add(1, Ordering::Relaxed);
                // Logged on the first attempt and then less and less often: an outage is one
                // story, not a line per attempt.
                if attempts.is_power_of_two() {
                    tracing::warn!(stream, event_id = %message.metadata.id(),
                        event_type = message.metadata.event_type(), attempts, %error,
                        retry_in = ?backoff, "the broker did not take an event; retrying");
                }
                if let Some(observer) = &self.options.observer {
                    observer(&PublishReport::Retrying {
                        stream,
                        message,
                        attempts,
                        error: &error,
                        retry_in: backoff,
                    });
                }
                again.push(message.clone());
                again_origins.push(*origin);
            }
            if again.is_empty() {
                return;
            }
            waiting = Cow::Owned(again);
            waiting_origins = again_origins;
            self.pause(backoff);
            backoff = (backoff * 2).min(self.options.max_backoff);
        }
    }

    fn give_up(&self, stream: &str, message: &BusMessage, attempts: u32, reason: &str) {
        tracing::error!(stream, event_id = %message.metadata.id(), event_type = message.metadata.event_type(),
            attempts, reason, "event not published: given up");
        if let Some(observer) = &self.options.observer {
            observer(&PublishReport::GaveUp {
                stream,
                message,
                attempts,
                reason,
            });
        }
        self.shared.given_up.fetch_add(1, Ordering::Relaxed);
        self.shared.settle(1);
    }

    /// Sleeps for `duration`, waking early when the publisher is abandoned.
    fn pause(&self, duration: Duration) {
        let until = Instant::now() + duration;
        while !self.shared.abandon.load(Ordering::SeqCst) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }
}
