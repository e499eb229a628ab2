//! Publishing events: the producer interface and the wiring from signals to topics.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::receiver::{BoxError, ReceiverId};
use crate::registry::{self, AnySignal, ErasedEvent, ErasedReceiver};

use super::config::{ConfigError, ProducerConfig, TopicPrefix};
use super::message::BusMessage;

/// A broker client that publishes messages: the in-memory bus, Redis Streams, …
pub trait EventBusProducer: Send + Sync + 'static {
    /// Publishes `message` to `stream` (the topic with its prefix applied).
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError>;

    /// Publishes several messages to `stream`, in order. Brokers that can pipeline override
    /// this; the default sends one by one.
    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), ProduceError> {
        messages.iter().try_for_each(|message| self.send(stream, message))
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
/// `general_signal_handler` does.
///
/// Events that arrived from the bus (re-sent by a consumer) are not published again. A failure
/// to publish to one topic does not keep the event from the others; the failures are the
/// producer receiver's error, a [`PublishError`]: logged and returned in the send's responses.
/// The returned [`ProducerBinding`] disconnects the producer when [`unbind`](ProducerBinding::unbind)
/// is called; dropping it leaves the producer connected.
pub fn connect_producer(
    config: &ProducerConfig,
    producer: Arc<dyn EventBusProducer>,
    prefix: &TopicPrefix,
) -> Result<ProducerBinding, ConfigError> {
    static BINDINGS: AtomicU64 = AtomicU64::new(1);
    let receiver_id = format!("{PRODUCER_RECEIVER_ID}#{}", BINDINGS.fetch_add(1, Ordering::Relaxed));
    let mut bound = Vec::new();
    for event_type in config.event_types() {
        let signal = registry::get_signal_by_type(event_type).map_err(|error| ConfigError::Event {
            event_type: event_type.to_owned(),
            message: error.to_string(),
        })?;
        let routes: Vec<(String, String)> = config
            .enabled_topics(event_type)
            .map(|(topic, topic_config)| (prefix.full_topic(topic), topic_config.event_key_field.clone()))
            .collect();
        if routes.is_empty() {
            continue;
        }
        let receiver = publishing_receiver(signal, routes, Arc::clone(&producer))?;
        signal.connect_erased(ReceiverId::from(receiver_id.clone()), receiver);
        bound.push(signal);
    }
    Ok(ProducerBinding {
        receiver_id,
        signals: bound,
    })
}

fn publishing_receiver(
    signal: &'static dyn AnySignal,
    routes: Vec<(String, String)>,
    producer: Arc<dyn EventBusProducer>,
) -> Result<ErasedReceiver, ConfigError> {
    let info = signal.info();
    let codec = info.codec.ok_or_else(|| ConfigError::Event {
        event_type: info.event_type.to_owned(),
        message: "the event cannot travel on the event bus".into(),
    })?;
    Ok(Arc::new(move |event: &ErasedEvent<'_>| -> Result<(), BoxError> {
        if event.from_event_bus {
            tracing::debug!(event_type = info.event_type, event_id = %event.metadata.id(),
                "not publishing an event that came from the event bus");
            return Ok(());
        }
        let mut data = Vec::with_capacity(256);
        if !(codec.encode_any)(event.data, &mut data) {
            return Err(format!("the payload sent on {} is not its payload type", info.event_type).into());
        }
        // Every topic is tried, as the Python producer handles each topic on its own: one
        // broker refusing a stream must not keep the event from the others.
        let mut failures = Vec::new();
        for (stream, key_field) in &routes {
            let message = BusMessage {
                metadata: event.metadata.clone(),
                data: data.clone(),
                key: (codec.field_text_any)(event.data, key_field),
            };
            match producer.send(stream, &message) {
                Ok(()) => tracing::debug!(event_type = info.event_type, event_id = %event.metadata.id(),
                    stream = %stream, "event published"),
                Err(error) => failures.push(error),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Box::new(PublishError {
                failures,
                topics: routes.len(),
            }))
        }
    }))
}

/// The signals a producer is connected to; see [`connect_producer`].
#[derive(Debug)]
#[must_use = "keep the binding to be able to disconnect the producer"]
pub struct ProducerBinding {
    receiver_id: String,
    signals: Vec<&'static dyn AnySignal>,
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

    /// Disconnects the producer from every signal.
    pub fn unbind(self) {
        for signal in self.signals {
            signal.disconnect(&self.receiver_id);
        }
    }
}
