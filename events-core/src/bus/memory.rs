//! The embedded event bus: topics, consumer groups and acknowledgements in process memory.
//!
//! It keeps the model the brokers share — append-only topics of messages with offsets,
//! consumer groups with a position and a list of pending (delivered, unacknowledged) messages,
//! idle pending messages claimed by another consumer, dead letters beside each topic — so a
//! service and its tests behave the same on it as on a broker, without one. Messages are kept
//! as they are: the in-memory bus has no wire layout.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::config::{DEAD_LETTER_SUFFIX, dead_letter_topic};
use super::consumer::{ConsumerBackend, Delivery, StartFrom};
use super::message::BusMessage;
use super::producer::{EventBusProducer, ProduceError};

/// The position of a message in an in-memory topic, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Offset(pub u64);

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A message recorded in a dead-letter topic, with why and where it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The message as it was received.
    pub message: BusMessage,
    /// Why it could not be delivered.
    pub reason: String,
    /// Its offset in the topic it was read from.
    pub offset: Offset,
    /// The consumer group that read it.
    pub group: String,
    /// The consumer that read it.
    pub consumer: String,
}

#[derive(Debug)]
struct Pending {
    consumer: String,
    delivered_at: Instant,
    deliveries: u32,
}

#[derive(Debug, Default)]
struct Group {
    /// The offset of the last message delivered to the group.
    last_delivered: u64,
    pending: BTreeMap<u64, Pending>,
}

#[derive(Debug)]
struct Entry {
    offset: u64,
    message: BusMessage,
    dead_letter: Option<(String, Offset, String, String)>,
}

#[derive(Debug, Default)]
struct Topic {
    entries: VecDeque<Entry>,
    last_offset: u64,
    groups: HashMap<String, Group>,
}

impl Topic {
    fn message(&self, offset: u64) -> Option<&BusMessage> {
        // Entries are in offset order.
        let index = self.entries.binary_search_by_key(&offset, |entry| entry.offset).ok()?;
        Some(&self.entries[index].message)
    }
}

#[derive(Debug, Default)]
struct Shared {
    topics: Mutex<HashMap<String, Topic>>,
    arrived: Condvar,
}

/// An event bus in process memory; cheap to clone (clones share the topics).
///
/// ```
/// use std::time::Duration;
/// use events_core::EventsMetadata;
/// use events_core::bus::{BusMessage, ConsumerBackend, EventBusProducer, InMemoryBus, StartFrom};
///
/// let bus = InMemoryBus::new();
/// let mut consumer = bus.consumer("user-logins", "analytics", "worker-1", StartFrom::Backlog);
/// let message = BusMessage::new(EventsMetadata::new("com.example.learning.login.happened.v1"), vec![]);
/// bus.send("user-logins", &message)?;
///
/// let deliveries = consumer.receive(10, Duration::ZERO).unwrap();
/// assert_eq!(deliveries.len(), 1);
/// assert_eq!(bus.pending("user-logins", "analytics").len(), 1);
/// consumer.ack(&deliveries[0].token).unwrap();
/// assert!(bus.pending("user-logins", "analytics").is_empty());
/// # Ok::<(), events_core::bus::ProduceError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryBus {
    shared: Arc<Shared>,
    max_len: Option<usize>,
}

impl InMemoryBus {
    /// An empty bus whose topics grow without limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty bus whose topics keep at most `max_len` messages, dropping the oldest, like
    /// `XADD … MAXLEN` or a retention limit.
    pub fn with_max_len(max_len: usize) -> Self {
        InMemoryBus {
            shared: Arc::default(),
            max_len: Some(max_len),
        }
    }

    fn topics(&self) -> MutexGuard<'_, HashMap<String, Topic>> {
        self.shared.topics.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append(
        &self,
        topic: &str,
        message: BusMessage,
        dead_letter: Option<(String, Offset, String, String)>,
    ) -> Offset {
        let offset = {
            let mut topics = self.topics();
            let topic = topics.entry(topic.to_owned()).or_default();
            topic.last_offset += 1;
            let offset = topic.last_offset;
            topic.entries.push_back(Entry {
                offset,
                message,
                dead_letter,
            });
            if let Some(max_len) = self.max_len {
                while topic.entries.len() > max_len {
                    topic.entries.pop_front();
                }
            }
            offset
        };
        self.shared.arrived.notify_all();
        Offset(offset)
    }

    /// Appends `message` to `topic`, creating it if needed; returns its offset.
    pub fn publish(&self, topic: &str, message: BusMessage) -> Offset {
        self.append(topic, message, None)
    }

    /// The messages of `topic`, oldest first.
    pub fn messages(&self, topic: &str) -> Vec<BusMessage> {
        let topics = self.topics();
        topics
            .get(topic)
            .into_iter()
            .flat_map(|topic| topic.entries.iter())
            .map(|entry| entry.message.clone())
            .collect()
    }

    /// How many messages `topic` holds.
    pub fn len(&self, topic: &str) -> usize {
        self.topics().get(topic).map_or(0, |topic| topic.entries.len())
    }

    /// Whether `topic` holds no message.
    pub fn is_empty(&self, topic: &str) -> bool {
        self.len(topic) == 0
    }

    /// The messages of `topic` that could not be delivered, oldest first: those of its
    /// dead-letter topic, `{topic}-dead-letter`.
    pub fn dead_letters(&self, topic: &str) -> Vec<DeadLetter> {
        let topics = self.topics();
        topics
            .get(&dead_letter_topic(topic))
            .into_iter()
            .flat_map(|topic| topic.entries.iter())
            .filter_map(|entry| {
                let (reason, offset, group, consumer) = entry.dead_letter.clone()?;
                Some(DeadLetter {
                    message: entry.message.clone(),
                    reason,
                    offset,
                    group,
                    consumer,
                })
            })
            .collect()
    }

    /// `(offset, consumer, deliveries)` of the messages pending in `group`.
    pub fn pending(&self, topic: &str, group: &str) -> Vec<(Offset, String, u32)> {
        let topics = self.topics();
        topics
            .get(topic)
            .and_then(|topic| topic.groups.get(group))
            .into_iter()
            .flat_map(|group| group.pending.iter())
            .map(|(offset, pending)| (Offset(*offset), pending.consumer.clone(), pending.deliveries))
            .collect()
    }

    /// A consumer `name` of `group` on `topic`. The group is created if missing, at the start
    /// of the topic, and positioned as `start` says.
    pub fn consumer(&self, topic: &str, group: &str, name: &str, start: StartFrom) -> InMemoryConsumer {
        {
            let mut topics = self.topics();
            let entry = topics.entry(topic.to_owned()).or_default();
            let last_offset = entry.last_offset;
            let group_state = entry.groups.entry(group.to_owned()).or_default();
            if start == StartFrom::Latest {
                group_state.last_delivered = last_offset;
            }
        }
        InMemoryConsumer {
            bus: self.clone(),
            topic: topic.to_owned(),
            group: group.to_owned(),
            name: name.to_owned(),
            claim_idle: None,
            last_claim: None,
            recovering: true,
            left_pending: HashSet::new(),
        }
    }
}

impl EventBusProducer for InMemoryBus {
    fn send(&self, topic: &str, message: &BusMessage) -> Result<(), ProduceError> {
        self.publish(topic, message.clone());
        Ok(())
    }
}

/// One consumer of a group on the [`InMemoryBus`].
///
/// It receives the messages it left pending first (after a restart under the same name, or a
/// broker error), then new ones; with [`claim_idle`](Self::claim_idle), it takes over the
/// messages other consumers of its group left pending that long.
#[derive(Debug, Clone)]
pub struct InMemoryConsumer {
    bus: InMemoryBus,
    topic: String,
    group: String,
    name: String,
    claim_idle: Option<Duration>,
    last_claim: Option<Instant>,
    recovering: bool,
    left_pending: HashSet<u64>,
}

impl InMemoryConsumer {
    /// Takes over messages that other consumers of the group left pending for at least
    /// `idle` (crashed consumers), checking at most once per `idle`.
    #[must_use]
    pub fn claim_idle(mut self, idle: Duration) -> Self {
        self.claim_idle = Some(idle);
        self
    }

    fn deliveries(&self, topic: &Topic, offsets: &[u64]) -> Vec<Delivery<Offset>> {
        offsets
            .iter()
            .filter_map(|offset| {
                topic.message(*offset).map(|message| Delivery {
                    token: Offset(*offset),
                    message: Ok(message.clone()),
                })
            })
            .collect()
    }

    fn claim(&mut self, topic: &mut Topic, idle: Duration, max: usize) -> bool {
        let Some(group) = topic.groups.get_mut(&self.group) else {
            return false;
        };
        let mut claimed = 0;
        for pending in group.pending.values_mut() {
            if claimed >= max.max(1) {
                break;
            }
            if pending.consumer != self.name && pending.delivered_at.elapsed() >= idle {
                pending.consumer.clone_from(&self.name);
                pending.delivered_at = Instant::now();
                claimed += 1;
            }
        }
        claimed > 0
    }

    fn own_pending(&mut self, topic: &mut Topic, max: usize) -> Vec<u64> {
        let group = topic.groups.entry(self.group.clone()).or_default();
        let offsets: Vec<u64> = group
            .pending
            .iter()
            .filter(|(offset, pending)| pending.consumer == self.name && !self.left_pending.contains(offset))
            .map(|(offset, _)| *offset)
            .take(max)
            .collect();
        let mut live = Vec::with_capacity(offsets.len());
        for offset in offsets {
            if topic.entries.front().is_some_and(|first| first.offset > offset) {
                // Trimmed away while pending: nothing left to deliver.
                topic
                    .groups
                    .entry(self.group.clone())
                    .or_default()
                    .pending
                    .remove(&offset);
                continue;
            }
            let group = topic.groups.entry(self.group.clone()).or_default();
            if let Some(pending) = group.pending.get_mut(&offset) {
                pending.deliveries += 1;
                pending.delivered_at = Instant::now();
            }
            live.push(offset);
        }
        live
    }
}

impl ConsumerBackend for InMemoryConsumer {
    type Error = Infallible;
    type Token = Offset;

    fn receive(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery<Offset>>, Infallible> {
        let deadline = Instant::now() + wait;
        let bus = self.bus.clone();
        let mut topics = bus.topics();
        let claim_due = self
            .claim_idle
            .filter(|idle| self.last_claim.is_none_or(|at| at.elapsed() >= *idle));
        if let Some(idle) = claim_due {
            self.last_claim = Some(Instant::now());
            let topic = topics.entry(self.topic.clone()).or_default();
            if self.claim(topic, idle, max) {
                self.recovering = true;
            }
        }
        if self.recovering {
            let topic = topics.entry(self.topic.clone()).or_default();
            let offsets = self.own_pending(topic, max);
            if !offsets.is_empty() {
                return Ok(self.deliveries(topic, &offsets));
            }
            self.recovering = false;
        }
        loop {
            let topic = topics.entry(self.topic.clone()).or_default();
            let last_delivered = topic.groups.entry(self.group.clone()).or_default().last_delivered;
            let fresh: Vec<u64> = topic
                .entries
                .iter()
                .map(|entry| entry.offset)
                .filter(|offset| *offset > last_delivered)
                .take(max.max(1))
                .collect();
            if let Some(last) = fresh.last() {
                let group = topic.groups.entry(self.group.clone()).or_default();
                group.last_delivered = *last;
                for offset in &fresh {
                    group.pending.insert(
                        *offset,
                        Pending {
                            consumer: self.name.clone(),
                            delivered_at: Instant::now(),
                            deliveries: 1,
                        },
                    );
                }
                return Ok(self.deliveries(topic, &fresh));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            topics = bus
                .shared
                .arrived
                .wait_timeout(topics, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn ack(&mut self, token: &Offset) -> Result<(), Infallible> {
        let mut topics = self.bus.topics();
        if let Some(group) = topics
            .get_mut(&self.topic)
            .and_then(|topic| topic.groups.get_mut(&self.group))
        {
            group.pending.remove(&token.0);
        }
        Ok(())
    }

    fn dead_letter(&mut self, delivery: &Delivery<Offset>, reason: &str) -> Result<(), Infallible> {
        // Every in-memory message is readable: it was never written in a wire format.
        if let Ok(message) = &delivery.message {
            let note = (reason.to_owned(), delivery.token, self.group.clone(), self.name.clone());
            self.bus
                .append(&dead_letter_topic(&self.topic), message.clone(), Some(note));
        }
        Ok(())
    }

    /// A dead-letter topic keeps no dead letters of its own.
    fn keeps_dead_letters(&self) -> bool {
        !self.topic.ends_with(DEAD_LETTER_SUFFIX)
    }

    fn leave_pending(&mut self, token: &Offset) {
        self.left_pending.insert(token.0);
    }

    fn recover(&mut self) {
        self.recovering = true;
    }

    fn describe(&self) -> String {
        format!("{}/{}/{}", self.topic, self.group, self.name)
    }
}
