//! Publishing to Kafka as edx-event-bus-kafka does: value and key framed with their registry
//! ids, the metadata in headers, and every delivery report checked.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use events_core::avro::EventSchema;
use events_core::bus::{BatchError, BusMessage, EventBusProducer, ProduceError};
use events_core::registry::get_signal_by_type;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};

use crate::error::KafkaBusError;
use crate::framing::frame;
use crate::headers::to_headers;
use crate::options::KafkaOptions;
use crate::registry::SchemaRegistry;
use crate::schema::{KeySchema, value_subject};

/// Where a message was written: its partition and offset.
type Written = Result<(i32, i64), KafkaError>;

/// A message as Kafka takes it: the framed key (if the event has one), the framed value, and
/// the headers.
struct Record {
    key: Option<Vec<u8>>,
    value: Vec<u8>,
    headers: OwnedHeaders,
}

/// A producer of events to Kafka topics, an [`EventBusProducer`]: bind it to signals with
/// [`connect_producer`](events_core::bus::connect_producer), or call
/// [`send`](EventBusProducer::send) yourself.
///
/// Each value is the event's Avro binary framed with its schema's registry id, registered
/// under `{topic}-{record full name}`; each key the Avro binary of the key field (the topic's
/// `event_key_field`, else the event's `key_field`) framed with the key schema's id,
/// registered under `{topic}-{key type name}`; the metadata goes in the `ce_*` headers. A send
/// returns once the brokers acknowledged the message (`acks=all`), or with its error and
/// event id, so that the background publisher retries it. librdkafka batches the messages of
/// [`send_batch`](EventBusProducer::send_batch).
pub struct KafkaProducer {
    producer: ThreadedProducer<Reports>,
    registry: Arc<SchemaRegistry>,
    keys: Mutex<HashMap<(String, String), Arc<KeySchema>>>,
    delivery_timeout: Duration,
    bootstrap_servers: String,
}

impl KafkaProducer {
    /// How long a message may wait for the brokers (`message.timeout.ms`) before its send
    /// fails.
    pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

    /// A producer to the cluster of `options`, registering schemas in `registry`. A message
    /// waits for the brokers up to `message.timeout.ms` if the options set it, else
    /// [`DEFAULT_DELIVERY_TIMEOUT`](Self::DEFAULT_DELIVERY_TIMEOUT).
    pub fn new(options: &KafkaOptions, registry: Arc<SchemaRegistry>) -> Result<Self, KafkaBusError> {
        let delivery_timeout = match options.get("message.timeout.ms") {
            Some(text) => Duration::from_millis(text.parse().map_err(|_| {
                KafkaBusError::Config(format!("message.timeout.ms={text:?} is not a number of milliseconds"))
            })?),
            None => Self::DEFAULT_DELIVERY_TIMEOUT,
        };
        let timeout = delivery_timeout.as_millis().to_string();
        let producer = options
            // As upstream's producer: librdkafka's defaults but for the acknowledgement of every
            // in-sync replica and the delivery timeout. Idempotence stays off: after a timed-out
            // message an idempotent producer must re-initialize its id, which brokers without
            // full transaction support (tansu) refuse for good.
            .client_config(&[("acks", "all"), ("message.timeout.ms", &timeout), ("linger.ms", "5")])
            .create_with_context(Reports)
            .map_err(|error| {
                KafkaBusError::kafka(
                    format!("creating a producer for {}", options.bootstrap_servers()),
                    error,
                )
            })?;
        Ok(KafkaProducer {
            producer,
            registry,
            keys: Mutex::new(HashMap::new()),
            delivery_timeout,
            bootstrap_servers: options.bootstrap_servers().to_owned(),
        })
    }

    /// Waits up to `timeout` for the messages librdkafka still holds to be delivered.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaBusError> {
        self.producer
            .flush(timeout)
            .map_err(|error| KafkaBusError::kafka("flushing the producer", error))
    }

    /// Publishes `message` to `topic` and returns the partition and offset it was written at.
    pub fn send_one(&self, topic: &str, message: &BusMessage) -> Result<(i32, i64), ProduceError> {
        let delivered = self
            .enqueue(topic, message)
            .map_err(|why| ProduceError::new(topic, message, why))?;
        let (partition, offset) = self
            .wait(&delivered)
            .map_err(|why| ProduceError::new(topic, message, why))?;
        tracing::debug!(topic, partition, offset, event_id = %message.metadata.id(), "event delivered to Kafka");
        Ok((partition, offset))
    }

    /// The brokers this producer writes to.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// The registry this producer registers schemas in.
    pub fn registry(&self) -> &Arc<SchemaRegistry> {
        &self.registry
    }

    /// The framed key and value of `message` for `topic`, and its headers.
    fn encode(&self, topic: &str, message: &BusMessage) -> Result<Record, String> {
        let event_type = message.metadata.event_type();
        let schema = match message.schema {
            Some(schema) => schema,
            None => {
                let info = get_signal_by_type(event_type)
                    .map_err(|error| error.to_string())?
                    .info();
                let codec = info.codec.ok_or("the event cannot travel on the event bus")?;
                (codec.event_schema)()
            }
        };
        let value_id = self
            .registry
            .register(&value_subject(topic, schema), schema.json())
            .map_err(|error| format!("registering the value schema: {error}"))?;
        let key = match self.key_field(message)? {
            Some(path) => {
                let key_schema = self.key_schema(schema, &path)?;
                let key_id = self
                    .registry
                    .register(&format!("{topic}-{}", key_schema.name), &key_schema.text)
                    .map_err(|error| format!("registering the key schema: {error}"))?;
                let key = key_schema.encode(&path, message.key.as_deref(), &message.data, schema)?;
                Some(frame(key_id, &key))
            }
            None => None,
        };
        let mut headers = OwnedHeaders::new_with_capacity(10);
        for (name, value) in to_headers(&message.metadata) {
            headers = headers.insert(Header {
                key: name,
                value: Some(&value),
            });
        }
        Ok(Record {
            key,
            value: frame(value_id, &message.data),
            headers,
        })
    }

    /// The key field of `message`: the one its key was taken at, else its event's.
    fn key_field(&self, message: &BusMessage) -> Result<Option<String>, String> {
        if let Some(path) = &message.key_field {
            return Ok(Some(path.to_string()));
        }
        let info = get_signal_by_type(message.metadata.event_type())
            .map_err(|error| error.to_string())?
            .info();
        Ok(info.key_field.map(str::to_owned))
    }

    fn key_schema(&self, schema: &'static EventSchema, path: &str) -> Result<Arc<KeySchema>, String> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = (schema.event_type().to_owned(), path.to_owned());
        if let Some(known) = keys.get(&entry) {
            return Ok(Arc::clone(known));
        }
        let key_schema = Arc::new(KeySchema::at(schema, path)?);
        keys.insert(entry, Arc::clone(&key_schema));
        Ok(key_schema)
    }

    /// Hands one message to librdkafka, waiting while its queue is full; the receiver gets
    /// the delivery report.
    fn enqueue(&self, topic: &str, message: &BusMessage) -> Result<mpsc::Receiver<Written>, String> {
        let Record { key, value, headers } = self.encode(topic, message)?;
        let (report, delivered) = mpsc::channel();
        let mut record = BaseRecord::with_opaque_to(topic, Box::new(report))
            .payload(&value)
            .headers(headers);
        if let Some(key) = &key {
            record = record.key(key);
        }
        let deadline = Instant::now() + self.delivery_timeout;
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(delivered),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned))
                    if Instant::now() < deadline =>
                {
                    record = returned;
                    // The producer's thread delivers what the queue holds; wait for room.
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((error, _)) => return Err(error.to_string()),
            }
        }
    }

    fn wait(&self, delivered: &mpsc::Receiver<Written>) -> Result<(i32, i64), String> {
        // librdkafka reports every message by `message.timeout.ms`; the margin covers the
        // report's way back.
        match delivered.recv_timeout(self.delivery_timeout + Duration::from_secs(5)) {
            Ok(Ok(written)) => Ok(written),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("no delivery report from librdkafka".to_owned()),
        }
    }
}

impl EventBusProducer for KafkaProducer {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError> {
        self.send_one(stream, message).map(drop)
    }

    /// Hands every message to librdkafka, then waits for each report: the batch travels in as
    /// few requests as librdkafka makes of it, and each message's failure is its own.
    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), BatchError> {
        let queued: Vec<Result<mpsc::Receiver<Written>, String>> =
            messages.iter().map(|message| self.enqueue(stream, message)).collect();
        let mut failures = Vec::new();
        for (index, (message, queued)) in messages.iter().zip(queued).enumerate() {
            if let Err(why) = queued.and_then(|delivered| self.wait(&delivered)) {
                failures.push((index, ProduceError::new(stream, message, why)));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BatchError { failures })
        }
    }
}

impl Drop for KafkaProducer {
    fn drop(&mut self) {
        if let Err(error) = self.producer.flush(self.delivery_timeout) {
            tracing::error!(%error, "messages still queued in librdkafka when the producer was dropped");
        }
    }
}

impl std::fmt::Debug for KafkaProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProducer")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

/// Routes librdkafka's delivery reports to the sends waiting for them.
pub(crate) struct Reports;

impl ClientContext for Reports {}

impl ProducerContext for Reports {
    type DeliveryOpaque = Box<mpsc::Sender<Written>>;

    fn delivery(&self, result: &DeliveryResult<'_>, report: Self::DeliveryOpaque) {
        use rdkafka::Message as _;
        let written = match result {
            Ok(message) => Ok((message.partition(), message.offset())),
            Err((error, _)) => Err(error.clone()),
        };
        // The send stopped waiting (it timed out): nobody to tell.
        let _ = report.send(written);
    }
}
