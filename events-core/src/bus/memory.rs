//! The embedded event bus: streams, consumer groups and acknowledgements in process memory.
//!
//! It keeps the model of Redis Streams — append-only streams of entries with ids, consumer
//! groups with a last-delivered id and a list of pending (delivered, unacknowledged) entries —
//! so a service and its tests behave the same on it as on Redis, without a broker. Entries hold
//! the same fields as on Redis.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::consumer::{StartFrom, StreamBackend, dead_letter_fields, dead_letter_stream};
use super::entry_id::EntryId;
use super::message::{BusMessage, StreamEntry};
use super::producer::{EventBusProducer, ProduceError};

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

#[derive(Debug)]
struct Pending {
    consumer: String,
    delivered_at: Instant,
    deliveries: u32,
}

#[derive(Debug, Default)]
struct Group {
    last_delivered: EntryId,
    pending: BTreeMap<EntryId, Pending>,
}

#[derive(Debug, Default)]
struct Stream {
    entries: VecDeque<(EntryId, Fields)>,
    last_id: EntryId,
    groups: HashMap<String, Group>,
}

impl Stream {
    fn fields(&self, id: EntryId) -> Option<&Fields> {
        // Entries are in id order.
        let index = self.entries.binary_search_by_key(&id, |(entry_id, _)| *entry_id).ok()?;
        Some(&self.entries[index].1)
    }
}

#[derive(Debug, Default)]
struct State {
    streams: HashMap<String, Stream>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    arrived: Condvar,
}

/// An event bus in process memory; cheap to clone (clones share the streams).
///
/// ```
/// use events_core::bus::{InMemoryBus, StartFrom, StreamBackend};
///
/// let bus = InMemoryBus::new();
/// let mut consumer = bus.consumer("user-logins", "analytics", "worker-1", StartFrom::Backlog);
/// bus.add("user-logins", vec![(b"type".to_vec(), b"x".to_vec())]);
///
/// let entries = consumer.read_new(10, std::time::Duration::ZERO).unwrap();
/// assert_eq!(entries.len(), 1);
/// assert_eq!(bus.pending("user-logins", "analytics").len(), 1);
/// consumer.ack(&[&entries[0].id]).unwrap();
/// assert!(bus.pending("user-logins", "analytics").is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryBus {
    shared: Arc<Shared>,
    max_len: Option<usize>,
}

impl InMemoryBus {
    /// An empty bus whose streams grow without limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty bus whose streams keep at most `max_len` entries, dropping the oldest, like
    /// `XADD … MAXLEN`.
    pub fn with_max_len(max_len: usize) -> Self {
        InMemoryBus {
            shared: Arc::default(),
            max_len: Some(max_len),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an entry to `stream`, creating it if needed; returns the entry id.
    pub fn add(&self, stream: &str, fields: Fields) -> String {
        let id = {
            let mut state = self.state();
            let stream = state.streams.entry(stream.to_owned()).or_default();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64;
            let id = if now > stream.last_id.millis() {
                EntryId::new(now, 0)
            } else {
                EntryId::new(stream.last_id.millis(), stream.last_id.sequence() + 1)
            };
            stream.last_id = id;
            stream.entries.push_back((id, fields));
            if let Some(max_len) = self.max_len {
                while stream.entries.len() > max_len {
                    stream.entries.pop_front();
                }
            }
            id
        };
        self.shared.arrived.notify_all();
        id.to_string()
    }

    /// Every entry of `stream`, oldest first.
    pub fn entries(&self, stream: &str) -> Vec<StreamEntry> {
        let state = self.state();
        state
            .streams
            .get(stream)
            .into_iter()
            .flat_map(|s| s.entries.iter())
            .map(|(id, fields)| StreamEntry {
                id: id.to_string(),
                fields: fields.clone(),
            })
            .collect()
    }

    /// `(entry id, consumer, deliveries)` of the entries pending in `group`.
    pub fn pending(&self, stream: &str, group: &str) -> Vec<(String, String, u32)> {
        let state = self.state();
        state
            .streams
            .get(stream)
            .and_then(|s| s.groups.get(group))
            .into_iter()
            .flat_map(|g| g.pending.iter())
            .map(|(id, pending)| (id.to_string(), pending.consumer.clone(), pending.deliveries))
            .collect()
    }

    /// A consumer `name` of `group` on `stream`. The group is created if missing, at the start
    /// of the stream, and positioned as `start` says.
    pub fn consumer(&self, stream: &str, group: &str, name: &str, start: StartFrom) -> InMemoryConsumer {
        {
            let mut state = self.state();
            let entry = state.streams.entry(stream.to_owned()).or_default();
            let last_id = entry.last_id;
            let group_state = entry.groups.entry(group.to_owned()).or_default();
            match &start {
                StartFrom::Latest => group_state.last_delivered = last_id,
                StartFrom::Backlog => {}
                StartFrom::After(id) => group_state.last_delivered = *id,
            }
        }
        InMemoryConsumer {
            bus: self.clone(),
            stream: stream.to_owned(),
            group: group.to_owned(),
            name: name.to_owned(),
        }
    }
}

impl EventBusProducer for InMemoryBus {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError> {
        let fields = message
            .to_fields()
            .into_iter()
            .map(|(name, value)| (name.as_bytes().to_vec(), value.into_owned()))
            .collect();
        self.add(stream, fields);
        Ok(())
    }

    /// The in-memory bus keeps the Redis entry layout, which has no key.
    fn uses_keys(&self) -> bool {
        false
    }
}

/// One consumer of a group on the [`InMemoryBus`].
#[derive(Debug, Clone)]
pub struct InMemoryConsumer {
    bus: InMemoryBus,
    stream: String,
    group: String,
    name: String,
}

impl InMemoryConsumer {
    fn with_group<R>(&self, f: impl FnOnce(&mut Stream) -> R) -> R {
        let mut state = self.bus.state();
        f(state.streams.entry(self.stream.clone()).or_default())
    }
}

impl StreamBackend for InMemoryConsumer {
    type Error = Infallible;

    fn read_pending(&mut self, after: Option<&str>, count: usize) -> Result<Vec<StreamEntry>, Infallible> {
        let name = self.name.clone();
        let group = self.group.clone();
        let after: Option<EntryId> = after.and_then(|id| id.parse().ok());
        Ok(self.with_group(|stream| {
            let ids: Vec<EntryId> = stream
                .groups
                .get(&group)
                .into_iter()
                .flat_map(|g| g.pending.iter())
                .filter(|(id, pending)| pending.consumer == name && after.is_none_or(|after| **id > after))
                .map(|(id, _)| *id)
                .take(count)
                .collect();
            let mut entries = Vec::new();
            for id in ids {
                let fields = stream.fields(id).cloned();
                let group = stream.groups.entry(group.clone()).or_default();
                match fields {
                    Some(fields) => {
                        if let Some(pending) = group.pending.get_mut(&id) {
                            pending.deliveries += 1;
                            pending.delivered_at = Instant::now();
                        }
                        entries.push(StreamEntry {
                            id: id.to_string(),
                            fields,
                        });
                    }
                    // Trimmed away while pending: nothing left to deliver.
                    None => {
                        group.pending.remove(&id);
                    }
                }
            }
            entries
        }))
    }

    fn claim_idle(&mut self, min_idle: Duration, count: usize) -> Result<Vec<StreamEntry>, Infallible> {
        let name = self.name.clone();
        let group = self.group.clone();
        Ok(self.with_group(|stream| {
            let Some(group) = stream.groups.get_mut(&group) else {
                return Vec::new();
            };
            let mut claimed = Vec::new();
            for (id, pending) in group.pending.iter_mut() {
                if claimed.len() >= count {
                    break;
                }
                if pending.consumer != name && pending.delivered_at.elapsed() >= min_idle {
                    pending.consumer.clone_from(&name);
                    pending.delivered_at = Instant::now();
                    claimed.push(*id);
                }
            }
            claimed
                .into_iter()
                .filter_map(|id| {
                    stream.fields(id).map(|fields| StreamEntry {
                        id: id.to_string(),
                        fields: fields.clone(),
                    })
                })
                .collect()
        }))
    }

    fn read_new(&mut self, count: usize, block: Duration) -> Result<Vec<StreamEntry>, Infallible> {
        let deadline = Instant::now() + block;
        let mut state = self.bus.state();
        loop {
            let stream = state.streams.entry(self.stream.clone()).or_default();
            let last_delivered = stream.groups.entry(self.group.clone()).or_default().last_delivered;
            let fresh: Vec<(EntryId, Fields)> = stream
                .entries
                .iter()
                .filter(|(id, _)| *id > last_delivered)
                .take(count)
                .map(|(id, fields)| (*id, fields.clone()))
                .collect();
            if !fresh.is_empty() {
                let group = stream.groups.entry(self.group.clone()).or_default();
                for (id, _) in &fresh {
                    group.last_delivered = *id;
                    group.pending.insert(
                        *id,
                        Pending {
                            consumer: self.name.clone(),
                            delivered_at: Instant::now(),
                            deliveries: 1,
                        },
                    );
                }
                return Ok(fresh
                    .into_iter()
                    .map(|(id, fields)| StreamEntry {
                        id: id.to_string(),
                        fields,
                    })
                    .collect());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            state = self
                .bus
                .shared
                .arrived
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn ack(&mut self, ids: &[&str]) -> Result<(), Infallible> {
        let group = self.group.clone();
        self.with_group(|stream| {
            if let Some(group) = stream.groups.get_mut(&group) {
                for id in ids.iter().filter_map(|id| id.parse::<EntryId>().ok()) {
                    group.pending.remove(&id);
                }
            }
        });
        Ok(())
    }

    fn dead_letter(&mut self, entry: &StreamEntry, reason: &str) -> Result<(), Infallible> {
        self.bus.add(
            &dead_letter_stream(&self.stream),
            dead_letter_fields(entry, reason, &self.group, &self.name),
        );
        Ok(())
    }

    fn describe(&self) -> String {
        format!("{}/{}/{}", self.stream, self.group, self.name)
    }
}
