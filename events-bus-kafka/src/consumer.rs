//! Consuming a Kafka topic in a consumer group, as edx-event-bus-kafka does, for the core
//! consumer loop: auto commit off, offsets committed after each batch is handled, poison
//! messages dead-lettered to `{topic}-dead-letter` before their offset is committed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use events_core::bus::{BusMessage, ConsumerBackend, Delivery, StartFrom, Unreadable, dead_letter_topic};
use events_core::registry::get_signal_by_type;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::error::KafkaBusError;
use crate::framing::unframe;
use crate::headers::metadata_from_headers;
use crate::options::KafkaOptions;
use crate::producer::Reports;
use crate::registry::SchemaRegistry;
use crate::schema::Resolution;

/// Where a new consumer group starts on a topic.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KafkaStart {
    /// At the end: only messages produced from now on (librdkafka's default, as upstream).
    #[default]
    Latest,
    /// At the oldest message the topic keeps.
    Earliest,
    /// At the first message at or after this time (`offset_time`), on every partition this
    /// process is assigned, whatever the group committed: a replay.
    Time(DateTime<Utc>),
}

impl From<StartFrom> for KafkaStart {
    fn from(start: StartFrom) -> Self {
        match start {
            StartFrom::Latest => KafkaStart::Latest,
            StartFrom::Backlog => KafkaStart::Earliest,
        }
    }
}

/// One record received from Kafka: where it is, and the record itself, kept to dead-letter it
/// as it came.
#[derive(Debug, Clone)]
pub struct KafkaRecord {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset in the partition.
    pub offset: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

impl fmt::Display for KafkaRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}@{}", self.topic, self.partition, self.offset)
    }
}

/// What the consumer's context learns from rebalances, for the loop to act on.
#[derive(Debug, Default)]
struct Assignments {
    /// Partitions assigned and not yet positioned at the start time.
    to_position: HashSet<i32>,
    /// Set by every rebalance; a batch in the making stops there.
    changed: bool,
    /// Partitions revoked since the last commit: their offsets are no longer ours to commit.
    revoked: HashSet<i32>,
}

/// librdkafka's callbacks: rebalances noted in [`Assignments`], its logs sent to `tracing`.
struct Events {
    assignments: Arc<Mutex<Assignments>>,
}

impl ClientContext for Events {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, log_message: &str) {
        use rdkafka::config::RDKafkaLogLevel as Level;
        match level {
            Level::Emerg | Level::Alert | Level::Critical | Level::Error => {
                tracing::error!(facility = fac, "librdkafka: {log_message}");
            }
            Level::Warning => tracing::warn!(facility = fac, "librdkafka: {log_message}"),
            Level::Notice | Level::Info => tracing::info!(facility = fac, "librdkafka: {log_message}"),
            Level::Debug => tracing::debug!(facility = fac, "librdkafka: {log_message}"),
        }
    }
}

impl ConsumerContext for Events {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut assignments = self.assignments.lock().unwrap_or_else(PoisonError::into_inner);
        assignments.changed = true;
        match rebalance {
            Rebalance::Assign(partitions) => {
                tracing::info!(partitions = ?partition_numbers(partitions), "partitions assigned");
                for partition in partition_numbers(partitions) {
                    assignments.to_position.insert(partition);
                    assignments.revoked.remove(&partition);
                }
            }
            Rebalance::Revoke(partitions) => {
                tracing::info!(partitions = ?partition_numbers(partitions), "partitions revoked");
                for partition in partition_numbers(partitions) {
                    assignments.to_position.remove(&partition);
                    assignments.revoked.insert(partition);
                }
            }
            Rebalance::Error(error) => tracing::error!(%error, "rebalance failed"),
        }
    }
}

fn partition_numbers(partitions: &TopicPartitionList) -> Vec<i32> {
    partitions
        .elements()
        .iter()
        .map(rdkafka::topic_partition_list::TopicPartitionListElem::partition)
        .collect()
}

/// One consumer of a consumer group on one topic, a [`ConsumerBackend`] for the core
/// [`Consumer`](events_core::bus::Consumer) loop.
///
/// - **Decoding**: the value's registry id gives the writer's schema. When it is the event's
///   own schema (same canonical form) the bytes are decoded by the generated codec; otherwise
///   they are resolved from the writer's schema to ours (a field a newer producer added with a
///   default, or removed), and a writer schema ours cannot read is dead-lettered with the
///   reason. The metadata comes from the `ce_*` headers; a message without `ce_id` or
///   `ce_type` is unreadable.
/// - **Commits**: auto commit is off; the offsets of a batch's handled messages are committed
///   synchronously when the batch is done (at least once: a crash before the commit delivers
///   that batch again). A message left pending holds its partition's commits at its offset for
///   the rest of the run, so that it comes again after a restart.
/// - **Dead letters**: to `{topic}-dead-letter`, with the original key, value and headers plus
///   `dead_letter_reason`, `dead_letter_topic`, `dead_letter_partition`, `dead_letter_offset`
///   and `dead_letter_group` headers, written before the offset is committed.
/// - **Rebalances**: the offsets of handled messages are committed before the next poll, so a
///   rebalance (served during the poll) finds nothing of ours uncommitted; a batch stops where
///   a rebalance happened, and offsets of revoked partitions are not committed.
pub struct KafkaConsumer {
    consumer: BaseConsumer<Events>,
    assignments: Arc<Mutex<Assignments>>,
    dead_letters: ThreadedProducer<Reports>,
    decoder: Decoder,
    topic: String,
    group: String,
    start: KafkaStart,
    /// Offsets to commit: the next offset of each partition's last handled message.
    to_commit: BTreeMap<i32, i64>,
    /// Partitions whose commits stop at a message left pending.
    held: BTreeMap<i32, i64>,
    /// A message that could not be decoded for a transient reason (the registry is down):
    /// its partition is rewound to it before the next poll.
    rewind: Option<(i32, i64)>,
}

impl KafkaConsumer {
    /// A consumer of `topic` (with its prefix) in `group`, reading schemas from `registry`;
    /// `start` applies to a group without committed offsets, or, for
    /// [`KafkaStart::Time`], to every partition this consumer is assigned.
    pub fn new(
        options: &KafkaOptions,
        registry: Arc<SchemaRegistry>,
        topic: &str,
        group: &str,
        start: KafkaStart,
    ) -> Result<Self, KafkaBusError> {
        let context = |action: &str| {
            format!(
                "{action} the consumer of {topic}/{group} on {}",
                options.bootstrap_servers()
            )
        };
        let reset = match start {
            KafkaStart::Earliest => "earliest",
            KafkaStart::Latest | KafkaStart::Time(_) => "latest",
        };
        let assignments = Arc::new(Mutex::new(Assignments::default()));
        let consumer: BaseConsumer<Events> = options
            .client_config(&[
                ("group.id", group),
                ("enable.auto.commit", "false"),
                ("auto.offset.reset", reset),
                ("enable.partition.eof", "false"),
            ])
            .create_with_context(Events {
                assignments: Arc::clone(&assignments),
            })
            .map_err(|error| KafkaBusError::kafka(context("creating"), error))?;
        consumer
            .subscribe(&[topic])
            .map_err(|error| KafkaBusError::kafka(context("subscribing"), error))?;
        let dead_letters = options
            .client_config(&[("acks", "all"), ("message.timeout.ms", "30000")])
            .create_with_context(Reports)
            .map_err(|error| KafkaBusError::kafka(context("creating the dead-letter producer of"), error))?;
        Ok(KafkaConsumer {
            consumer,
            assignments,
            dead_letters,
            decoder: Decoder {
                registry,
                resolutions: HashMap::new(),
            },
            topic: topic.to_owned(),
            group: group.to_owned(),
            start,
            to_commit: BTreeMap::new(),
            held: BTreeMap::new(),
            rewind: None,
        })
    }

    /// The topic, with its prefix.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Joins the group and moves every partition assigned to this consumer to its end,
    /// waiting up to `timeout` for the assignment: from then on, a message produced is one this
    /// consumer reads, and none produced before. For tools and tests that start a consumer and
    /// then publish (a new group positions itself only when it first fetches, which may be
    /// after). Returns whether the consumer was assigned partitions in time.
    pub fn wait_until_positioned(&mut self, timeout: Duration) -> Result<bool, KafkaBusError> {
        let context = |action: &str| format!("{action} {}/{}", self.topic, self.group);
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(polled) = self.consumer.poll(Duration::from_millis(100)) {
                // Something was read already: it is read again by the next `receive`.
                let message = polled.map_err(|error| KafkaBusError::kafka(context("polling"), error))?;
                self.rewind = Some((message.partition(), message.offset()));
            }
            let assigned = self
                .consumer
                .assignment()
                .map_err(|error| KafkaBusError::kafka(context("reading the assignment of"), error))?;
            if assigned.count() == 0 {
                continue;
            }
            let mut moved = true;
            for element in assigned.elements() {
                let (_, high) = self
                    .consumer
                    .fetch_watermarks(&self.topic, element.partition(), Duration::from_secs(10))
                    .map_err(|error| KafkaBusError::kafka(context("reading the offsets of"), error))?;
                // A partition whose fetcher has not started yet refuses the seek: poll again.
                moved &= self
                    .consumer
                    .seek(
                        &self.topic,
                        element.partition(),
                        Offset::Offset(high),
                        Duration::from_secs(10),
                    )
                    .is_ok();
            }
            if moved {
                self.rewind = None;
                self.assignments
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .to_position
                    .clear();
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Positions newly assigned partitions at the start time, for a [`KafkaStart::Time`]
    /// replay; returns the partitions it moved.
    fn position_new_partitions(&self) -> Result<HashSet<i32>, KafkaError> {
        let to_position = std::mem::take(
            &mut self
                .assignments
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .to_position,
        );
        let KafkaStart::Time(time) = self.start else {
            return Ok(HashSet::new());
        };
        if to_position.is_empty() {
            return Ok(to_position);
        }
        let mut query = TopicPartitionList::new();
        for partition in &to_position {
            query.add_partition_offset(&self.topic, *partition, Offset::Offset(time.timestamp_millis()))?;
        }
        let found = self.consumer.offsets_for_times(query, Duration::from_secs(10))?;
        for element in found.elements() {
            // No message at or after the time: the end of the partition.
            let offset = match element.offset() {
                Offset::Offset(offset) => Offset::Offset(offset),
                _ => Offset::End,
            };
            tracing::info!(topic = %self.topic, partition = element.partition(), ?offset, %time, "replaying from a time");
            self.consumer
                .seek(&self.topic, element.partition(), offset, Duration::from_secs(10))?;
        }
        Ok(to_position)
    }
}

/// Turns received records into events, by the writer's schema.
struct Decoder {
    registry: Arc<SchemaRegistry>,
    /// How to read each writer schema (registry id) as each event type's schema.
    resolutions: HashMap<(u32, String), Arc<Resolution>>,
}

impl Decoder {
    /// The event in `message`, or why it is unreadable; an error when the registry cannot be
    /// asked now.
    fn decode(&mut self, message: &BorrowedMessage<'_>) -> Result<Result<BusMessage, Unreadable>, KafkaBusError> {
        let unreadable = |reason: String| Ok(Err(Unreadable { reason }));
        let headers: Vec<(&str, Option<&[u8]>)> = message
            .headers()
            .map(|headers| headers.iter().map(|header| (header.key, header.value)).collect())
            .unwrap_or_default();
        let metadata = match metadata_from_headers(headers) {
            Ok(metadata) => metadata,
            Err(error) => return unreadable(error.to_string()),
        };
        let event_type = metadata.event_type().to_owned();
        let Some(value) = message.payload() else {
            return unreadable(format!("{event_type}: the message has no value"));
        };
        let (schema_id, payload) = match unframe(value) {
            Ok(unframed) => unframed,
            Err(error) => return unreadable(format!("{event_type}: the value is {error}")),
        };
        let ours = match get_signal_by_type(&event_type) {
            Ok(signal) => match signal.info().codec {
                Some(codec) => (codec.event_schema)(),
                None => return unreadable(format!("{event_type} cannot travel on the event bus")),
            },
            Err(error) => return unreadable(error.to_string()),
        };
        let resolution = match self.resolution(schema_id, ours) {
            Ok(resolution) => resolution,
            Err(error) if error.is_transient() => {
                // Not the message's fault: read it again once the registry answers.
                return Err(KafkaBusError::registry(
                    format!(
                        "reading the writer's schema of {}/{}@{}",
                        message.topic(),
                        message.partition(),
                        message.offset()
                    ),
                    error,
                ));
            }
            Err(error) => {
                return unreadable(format!(
                    "{event_type}: the writer's schema (registry id {schema_id}): {error}"
                ));
            }
        };
        let data = match resolution.apply(payload) {
            Ok(data) => data,
            Err(reason) => {
                return unreadable(format!(
                    "{event_type}: the writer's schema (registry id {schema_id}): {reason}"
                ));
            }
        };
        let mut bus_message = BusMessage::new(metadata, data).with_schema(ours);
        if let Some(key) = message.key() {
            bus_message.key = key_text(key);
        }
        Ok(Ok(bus_message))
    }

    fn resolution(
        &mut self,
        schema_id: u32,
        ours: &'static events_core::avro::EventSchema,
    ) -> Result<Arc<Resolution>, crate::registry::RegistryError> {
        let entry = (schema_id, ours.event_type().to_owned());
        if let Some(known) = self.resolutions.get(&entry) {
            return Ok(Arc::clone(known));
        }
        let writer = self.registry.schema(schema_id)?;
        let resolution = Arc::new(Resolution::between(&writer, ours));
        if let Resolution::Incompatible(reason) = &*resolution {
            tracing::warn!(schema_id, event_type = ours.event_type(), %reason, "a writer's schema this build cannot read");
        }
        self.resolutions.insert(entry, Arc::clone(&resolution));
        Ok(resolution)
    }
}

/// A framed text key as its text; other keys are not shown.
fn key_text(framed: &[u8]) -> Option<String> {
    let (_, avro) = unframe(framed).ok()?;
    let mut reader = events_core::avro::Reader::new(avro);
    let text = reader.read_str().ok()?;
    (reader.remaining() == 0).then(|| text.to_owned())
}

impl ConsumerBackend for KafkaConsumer {
    type Error = KafkaBusError;
    type Token = KafkaRecord;

    fn receive(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery<KafkaRecord>>, KafkaBusError> {
        let described = self.describe();
        let context = |action: &str| format!("{action} {described}");
        if let Some((partition, offset)) = self.rewind.take() {
            self.consumer
                .seek(&self.topic, partition, Offset::Offset(offset), Duration::from_secs(10))
                .map_err(|error| KafkaBusError::kafka(context("rewinding"), error))?;
        }
        self.assignments.lock().unwrap_or_else(PoisonError::into_inner).changed = false;
        let mut deliveries = Vec::new();
        let deadline = Instant::now() + wait;
        while deliveries.len() < max.max(1) {
            // The first message may take the whole wait; the rest only what has arrived.
            let timeout = if deliveries.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            let polled = self.consumer.poll(timeout);
            // Partitions the poll's rebalance assigned are moved to the start time even when
            // the poll brought nothing: their committed offsets may be at the end.
            let moved = self
                .position_new_partitions()
                .map_err(|error| KafkaBusError::kafka(context("positioning"), error))?;
            let Some(polled) = polled else {
                break;
            };
            let message = match polled {
                Ok(message) => message,
                // What was received before the error is delivered; the error comes next time.
                Err(_) if !deliveries.is_empty() => break,
                Err(error) => return Err(KafkaBusError::kafka(context("polling"), error)),
            };
            if moved.contains(&message.partition()) {
                // Fetched before the seek: it comes again from the start time if it is after it.
                continue;
            }
            let decoded = match self.decoder.decode(&message) {
                Ok(decoded) => decoded,
                Err(error) => {
                    // Not the message's fault: it is read again after a rewind to it, and the
                    // ones received before it are delivered.
                    self.rewind = Some((message.partition(), message.offset()));
                    if deliveries.is_empty() {
                        return Err(error);
                    }
                    break;
                }
            };
            deliveries.push(Delivery {
                token: KafkaRecord {
                    topic: message.topic().to_owned(),
                    partition: message.partition(),
                    offset: message.offset(),
                    key: message.key().map(<[u8]>::to_vec),
                    value: message.payload().map(<[u8]>::to_vec),
                    headers: message
                        .headers()
                        .map(|headers| {
                            headers
                                .iter()
                                .map(|header| (header.key.to_owned(), header.value.map(<[u8]>::to_vec)))
                                .collect()
                        })
                        .unwrap_or_default(),
                },
                message: decoded,
            });
            if self.assignments.lock().unwrap_or_else(PoisonError::into_inner).changed {
                break;
            }
        }
        Ok(deliveries)
    }

    fn ack(&mut self, token: &KafkaRecord) -> Result<(), KafkaBusError> {
        if self.held.get(&token.partition).is_none_or(|held| *held > token.offset) {
            let next = self.to_commit.entry(token.partition).or_insert(token.offset + 1);
            *next = (*next).max(token.offset + 1);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), KafkaBusError> {
        let revoked = std::mem::take(&mut self.assignments.lock().unwrap_or_else(PoisonError::into_inner).revoked);
        let mut offsets = TopicPartitionList::new();
        for (partition, offset) in std::mem::take(&mut self.to_commit) {
            let offset = self.held.get(&partition).map_or(offset, |held| offset.min(*held));
            if revoked.contains(&partition) {
                // Another consumer owns it now and reads it from the last commit: at least once.
                continue;
            }
            offsets
                .add_partition_offset(&self.topic, partition, Offset::Offset(offset))
                .map_err(|error| KafkaBusError::kafka("listing offsets to commit", error))?;
        }
        if offsets.count() == 0 {
            return Ok(());
        }
        self.consumer.commit(&offsets, CommitMode::Sync).map_err(|error| {
            KafkaBusError::kafka(format!("committing offsets of {}/{}", self.topic, self.group), error)
        })
    }

    fn dead_letter(&mut self, delivery: &Delivery<KafkaRecord>, reason: &str) -> Result<(), KafkaBusError> {
        let record = &delivery.token;
        let dead_letters = dead_letter_topic(&self.topic);
        let mut headers = OwnedHeaders::new_with_capacity(record.headers.len() + 5);
        for (name, value) in &record.headers {
            headers = headers.insert(Header {
                key: name,
                value: value.as_deref(),
            });
        }
        let partition = record.partition.to_string();
        let offset = record.offset.to_string();
        for (name, value) in [
            ("dead_letter_reason", reason),
            ("dead_letter_topic", record.topic.as_str()),
            ("dead_letter_partition", partition.as_str()),
            ("dead_letter_offset", offset.as_str()),
            ("dead_letter_group", self.group.as_str()),
        ] {
            headers = headers.insert(Header {
                key: name,
                value: Some(value.as_bytes()),
            });
        }
        let (report, delivered) = std::sync::mpsc::channel();
        let mut outgoing = BaseRecord::with_opaque_to(&dead_letters, Box::new(report)).headers(headers);
        if let Some(key) = &record.key {
            outgoing = outgoing.key(key);
        }
        if let Some(value) = &record.value {
            outgoing = outgoing.payload(value);
        }
        let context = format!("dead-lettering {record} to {dead_letters}");
        self.dead_letters
            .send(outgoing)
            .map_err(|(error, _)| KafkaBusError::kafka(context.clone(), error))?;
        match delivered.recv_timeout(Duration::from_secs(35)) {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(KafkaBusError::kafka(context, error)),
            Err(_) => Err(KafkaBusError::Config(format!("{context}: no delivery report"))),
        }
    }

    fn keeps_dead_letters(&self) -> bool {
        !self.topic.ends_with(events_core::bus::DEAD_LETTER_SUFFIX)
    }

    fn leave_pending(&mut self, token: &KafkaRecord) {
        let held = self.held.entry(token.partition).or_insert(token.offset);
        *held = (*held).min(token.offset);
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.topic, self.group)
    }
}

impl fmt::Debug for KafkaConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaConsumer")
            .field("topic", &self.topic)
            .field("group", &self.group)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

impl Drop for KafkaConsumer {
    fn drop(&mut self) {
        let _ = self.dead_letters.flush(Duration::from_secs(5));
    }
}
