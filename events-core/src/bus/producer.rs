//! Publishing events: the producer interface and the wiring from signals to topics.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::avro::EventSchema;
use crate::codec::AvroEvent;
use crate::event::Event;
use crate::receiver::{BoxError, ReceiverId};
use crate::registry::{self, AnySignal};

use super::config::{ConfigError, ProducerConfig, TopicPrefix};
use super::message::BusMessage;
use super::publisher::{FlushTimeout, Publisher, PublisherOptions, PublisherStats};

/// A broker client that publishes messages: the in-memory bus, Redis Streams, …
pub trait EventBusProducer: Send + Sync + 'static {
    /// Publishes `message` to `stream` (the topic with its prefix applied).
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError>;

    /// Publishes several messages to `stream`, in order, and says which were not published.
    /// Brokers that can pipeline override this; the default sends one by one and stops at the
    /// first failure, counting the messages after it as not published, so that sending those
    /// again keeps the order.
    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), BatchError> {
        for (index, message) in messages.iter().enumerate() {
            if let Err(error) = self.send(stream, message) {
                return Err(BatchError::from_first_failure(stream, messages, index, error));
            }
        }
        Ok(())
    }

    /// Whether the broker uses message keys (to partition a topic); when it does not, the key
    /// is not computed for each event.
    fn uses_keys(&self) -> bool {
        true
    }
}

/// Messages of a batch that were not published, each with its error; the others were.
#[derive(Debug)]
pub struct BatchError {
    /// The index in the batch of each message not published, in order, with the error.
    pub failures: Vec<(usize, ProduceError)>,
}

impl BatchError {
    /// The failure of `messages[index]`, with every message after it counted as not published
    /// for the same reason.
    pub fn from_first_failure(stream: &str, messages: &[BusMessage], index: usize, error: ProduceError) -> Self {
        let reason = error.to_string();
        let mut failures = Vec::with_capacity(messages.len() - index);
        failures.push((index, error));
        for (later, message) in messages.iter().enumerate().skip(index + 1) {
            let why = format!("not sent after an earlier message failed: {reason}");
            failures.push((later, ProduceError::new(stream, message, why)));
        }
        BatchError { failures }
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failures.first() {
            Some((_, first)) => write!(f, "{} messages not published; the first: {first}", self.failures.len()),
            None => f.write_str("no message failed"),
        }
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failures.first().map(|(_, failure)| failure as _)
    }
}

/// How a bound producer publishes the events sent on its signals.
#[derive(Debug, Clone)]
pub enum PublishMode {
    /// `send_event` queues the encoded message for a background [`Publisher`], which
    /// publishes it from its own thread: sends never wait for the broker, unless the queue is
    /// full (see [`PublisherOptions::when_full`]). The default.
    Background(PublisherOptions),
    /// `send_event` publishes on the sender's thread and returns the broker's answer in its
    /// responses.
    Direct,
}

impl Default for PublishMode {
    fn default() -> Self {
        PublishMode::Background(PublisherOptions::default())
    }
}

/// A message the broker did not accept.
#[derive(Debug, thiserror::Error)]
#[error("cannot publish {event_type} event {event_id} to `{stream}`: {source}")]
pub struct ProduceError {
    /// The stream.
    pub stream: String,
    /// The event type.
    pub event_type: String,
    /// The event id.
    pub event_id: String,
    /// The broker's error.
    #[source]
    pub source: BoxError,
}

impl ProduceError {
    /// A failure to publish `message` to `stream`.
    pub fn new(stream: &str, message: &BusMessage, source: impl Into<BoxError>) -> Self {
        ProduceError {
            stream: stream.to_owned(),
            event_type: message.metadata.event_type().to_owned(),
            event_id: message.metadata.id().to_string(),
            source: source.into(),
        }
    }
}

/// An event that could not be published to some of its topics. The producer tries every
/// enabled topic, so the topics not listed here received the event.
#[derive(Debug)]
pub struct PublishError {
    failures: Vec<ProduceError>,
    topics: usize,
}

impl PublishError {
    /// The failed topics, in configuration order.
    pub fn failures(&self) -> &[ProduceError] {
        &self.failures
    }

    /// How many topics the event was to be published to.
    pub fn topics(&self) -> usize {
        self.topics
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [only] = self.failures.as_slice()
            && self.topics == 1
        {
            return only.fmt(f);
        }
        write!(
            f,
            "published to {} of {} topics",
            self.topics - self.failures.len(),
            self.topics
        )?;
        for failure in &self.failures {
            write!(f, "; {failure}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failures.first().map(|failure| failure as _)
    }
}

/// The prefix of the receiver ids under which bus producers are connected to signals; each
/// binding adds its own number, so several producers (one per broker, say) can be bound.
pub const PRODUCER_RECEIVER_ID: &str = "events_core::bus::producer";

/// Connects `producer` to the signal of every event type in `config`, so that each event sent
/// in this process is published to its enabled topics, as the Python library's
/// `general_signal_handler` does, through a background [`Publisher`] with the default
/// [`PublisherOptions`]: see [`connect_producer_with`].
pub fn connect_producer(
    config: &ProducerConfig,
    producer: Arc<dyn EventBusProducer>,
    prefix: &TopicPrefix,
) -> Result<ProducerBinding, ConfigError> {
    connect_producer_with(config, producer, prefix, PublishMode::default())
}

/// Connects `producer` to the signal of every event type in `config`, publishing as `mode` says.
///
/// Events that arrived from the bus (re-sent by a consumer) are not published again. A failure
/// to publish to one topic does not keep the event from the others; the failures are the
/// producer receiver's error, a [`PublishError`]: logged and returned in the send's responses.
/// With [`PublishMode::Background`] the send's failures are those of queueing (the queue full,
/// the publisher shut down); the broker's failures are retried and reported by the publisher.
///
/// The returned [`ProducerBinding`] flushes the publisher's queue and disconnects the producer
/// when [`unbind`](ProducerBinding::unbind) is called; dropping it leaves the producer
/// connected, after waiting (up to five seconds) until what was sent so far is published, so
/// that a program ending with its binding does not leave events in the queue.
pub fn connect_producer_with(
    config: &ProducerConfig,
    producer: Arc<dyn EventBusProducer>,
    prefix: &TopicPrefix,
    mode: PublishMode,
) -> Result<ProducerBinding, ConfigError> {
    static BINDINGS: AtomicU64 = AtomicU64::new(1);
    let receiver_id = format!("{PRODUCER_RECEIVER_ID}#{}", BINDINGS.fetch_add(1, Ordering::Relaxed));
    let publisher = match mode {
        PublishMode::Background(options) => Some(Arc::new(Publisher::start(Arc::clone(&producer), options))),
        PublishMode::Direct => None,
    };
    let sink = match &publisher {
        Some(publisher) => Sink::Queue(Arc::clone(publisher)),
        None => Sink::Broker(Arc::clone(&producer)),
    };
    let with_keys = producer.uses_keys();
    let mut bound = Vec::new();
    for event_type in config.event_types() {
        let signal = registry::get_signal_by_type(event_type).map_err(|error| ConfigError::Event {
            event_type: event_type.to_owned(),
            message: error.to_string(),
        })?;
        let routes: Vec<(Arc<str>, Arc<str>)> = config
            .enabled_topics(event_type)
            .map(|(topic, topic_config)| {
                (
                    Arc::from(prefix.full_topic(topic)),
                    Arc::from(topic_config.event_key_field.as_str()),
                )
            })
            .collect();
        if routes.is_empty() {
            continue;
        }
        let codec = signal.info().codec.ok_or_else(|| ConfigError::Event {
            event_type: event_type.to_owned(),
            message: "the event cannot travel on the event bus".into(),
        })?;
        let hook = Arc::new(ProducerHook {
            routes,
            sink: sink.clone(),
            with_keys,
        });
        (codec.bind_producer)(ReceiverId::from(receiver_id.clone()), hook);
        bound.push(signal);
    }
    Ok(ProducerBinding {
        receiver_id,
        signals: bound,
        publisher,
    })
}

/// Where a bound producer's receiver hands the messages.
#[derive(Clone)]
enum Sink {
    Queue(Arc<Publisher>),
    Broker(Arc<dyn EventBusProducer>),
}

impl Sink {
    fn publish(&self, stream: &Arc<str>, message: BusMessage) -> Result<(), ProduceError> {
        match self {
            Sink::Queue(publisher) => {
                let (event_type, event_id) = (message.metadata.event_type().to_owned(), message.metadata.id());
                publisher
                    .enqueue(Arc::clone(stream), message)
                    .map_err(|error| ProduceError {
                        stream: stream.to_string(),
                        event_type,
                        event_id: event_id.to_string(),
                        source: error.into(),
                    })
            }
            Sink::Broker(producer) => producer.send(stream, &message),
        }
    }
}

/// What a bound producer does with each event of one type: the topics it goes to, with their
/// key fields, and where the messages go. The typed receiver that
/// [`EventCodec::bind_producer`](crate::EventCodec::bind_producer) connects calls
/// [`publish`](Self::publish) with the event itself: the payload is encoded and its keys read
/// without JSON and without `Any`.
#[doc(hidden)]
pub struct ProducerHook {
    routes: Vec<(Arc<str>, Arc<str>)>,
    sink: Sink,
    with_keys: bool,
}

impl ProducerHook {
    /// Publishes `event` to every route, unless it came from the bus.
    pub fn publish<'a, T: AvroEvent>(&'a self, event: &Event<T>, schema: &'static EventSchema) -> Result<(), BoxError> {
        let metadata = event.metadata();
        if event.from_event_bus() {
            tracing::debug!(event_type = T::EVENT_TYPE, event_id = %metadata.id(),
                "not publishing an event that came from the event bus");
            return Ok(());
        }
        let mut data = Vec::with_capacity(256);
        event.data().encode_avro(&mut data);
        // Computed once per key field, and only for brokers that use keys.
        let mut keys: Vec<(&str, Option<String>)> = Vec::new();
        let mut key_of = |path: &'a str| -> Option<String> {
            if !self.with_keys {
                return None;
            }
            if let Some((_, key)) = keys.iter().find(|(known, _)| *known == path) {
                return key.clone();
            }
            let key = event.data().key_text_at(path);
            keys.push((path, key.clone()));
            key
        };
        // Every topic is tried, as the Python producer handles each topic on its own: one
        // broker refusing a stream must not keep the event from the others.
        let mut failures = Vec::new();
        let mut data = Some(data);
        for (index, (stream, key_field)) in self.routes.iter().enumerate() {
            // The last topic takes the encoding itself; the others a copy.
            let data = if index + 1 == self.routes.len() {
                data.take().unwrap_or_default()
            } else {
                data.clone().unwrap_or_default()
            };
            let message = BusMessage {
                metadata: metadata.clone(),
                data,
                key: key_of(key_field),
                key_field: self.with_keys.then(|| Arc::clone(key_field)),
                schema: Some(schema),
            };
            match self.sink.publish(stream, message) {
                Ok(()) => tracing::trace!(event_type = T::EVENT_TYPE, event_id = %metadata.id(),
                    stream = %stream, "event handed to the producer"),
                Err(error) => failures.push(error),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Box::new(PublishError {
                failures,
                topics: self.routes.len(),
            }))
        }
    }
}

/// The signals a producer is connected to, and its background publisher; see
/// [`connect_producer`].
#[derive(Debug)]
#[must_use = "keep the binding to be able to flush and disconnect the producer"]
pub struct ProducerBinding {
    receiver_id: String,
    signals: Vec<&'static dyn AnySignal>,
    publisher: Option<Arc<Publisher>>,
}

impl Drop for ProducerBinding {
    fn drop(&mut self) {
        if let Some(publisher) = &self.publisher
            && let Err(error) = publisher.flush(Duration::from_secs(5))
        {
            tracing::warn!(%error, "a producer binding was dropped before its events were published");
        }
    }
}

impl ProducerBinding {
    /// The event types being published.
    pub fn event_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.signals.iter().map(|signal| signal.event_type())
    }

    /// The id of the producer's receiver on each signal.
    pub fn receiver_id(&self) -> &str {
        &self.receiver_id
    }

    /// Waits until every event sent so far has been published (or given up and reported), for
    /// at most `timeout`; at once with [`PublishMode::Direct`].
    pub fn flush(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        match &self.publisher {
            Some(publisher) => publisher.flush(timeout),
            None => Ok(()),
        }
    }

    /// Like [`flush`](Self::flush), as a future that waits without holding a thread, for async
    /// code (a request handler that sent events and answers once they are published).
    #[cfg(feature = "tokio")]
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        match &self.publisher {
            Some(publisher) => publisher.flush_async(timeout).await,
            None => Ok(()),
        }
    }

    /// The background publisher, to queue messages of one's own with
    /// [`Publisher::enqueue`] or, from async code, `Publisher::send` (feature `tokio`); `None` with
    /// [`PublishMode::Direct`].
    pub fn publisher(&self) -> Option<&Arc<Publisher>> {
        self.publisher.as_ref()
    }

    /// What the background publisher has done; `None` with [`PublishMode::Direct`].
    pub fn stats(&self) -> Option<PublisherStats> {
        self.publisher.as_ref().map(|publisher| publisher.stats())
    }

    /// Disconnects the producer from every signal, then publishes what is queued for at most
    /// five seconds and stops the publisher (messages still unpublished then are given up and
    /// reported).
    pub fn unbind(self) {
        let _ = self.shutdown(Duration::from_secs(5));
    }

    /// Disconnects the producer from every signal, publishes what is queued for at most
    /// `timeout`, and stops the publisher.
    pub fn shutdown(self, timeout: Duration) -> Result<(), FlushTimeout> {
        for signal in &self.signals {
            signal.disconnect(&self.receiver_id);
        }
        match &self.publisher {
            Some(publisher) => publisher.shutdown(timeout),
            None => Ok(()),
        }
    }
}
