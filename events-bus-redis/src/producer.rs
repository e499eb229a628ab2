//! Publishing: `XADD <stream> MAXLEN ~ <n> * <fields>`, as `edx-event-bus-redis` writes.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use events_core::bus::{BatchError, BusMessage, EventBusProducer, ProduceError};

use crate::entry_id::EntryId;
use redis::{RedisError, Value};
use uuid::Uuid;

use crate::connection::{Connection, Link, unexpected_reply};
use crate::error::RedisBusError;
use crate::options::RedisOptions;
use crate::resp;

/// How many bytes of pipelined commands are buffered before they are written.
const PIPELINE_CHUNK: usize = 64 * 1024;

/// How many entries at the end of a stream are searched, beyond the messages themselves, for
/// messages whose `XADD` may have been applied before the connection broke.
const TAIL_SEARCH: usize = 1000;

/// The most event ids remembered as possibly written; past that, the oldest are forgotten (and
/// sending those events again may write them twice).
const MAX_UNSURE: usize = 100_000;

/// An [`EventBusProducer`] writing to Redis Streams, wire-compatible with the Python
/// `RedisEventProducer`: one `XADD` per event with the fields of [`to_fields`](crate::to_fields),
/// trimming the stream to about [`max_len`](Self::max_len) entries.
///
/// The producer holds one connection, opened on first use and shared by the threads that
/// publish through it. When a call fails because Redis is unreachable, the error is returned
/// (as [`ProduceError`] through the trait) and the next call connects again. When a connection
/// that was idle turns out to have been closed by the server (Redis restarted), the command is
/// retried once on a new connection, so the first event after a restart is not lost.
///
/// Retrying does not write an event twice. An `XADD` whose reply was lost (the connection
/// closed or timed out after the command was sent) may have been applied: the producer
/// remembers the event id, and before sending that event again, in the retry or in a later
/// call with the same message, it looks for the event id among the last entries of the stream
/// and returns the entry found instead of adding another. Only if the entry cannot be found
/// there although it may exist (more than a thousand entries were added to the stream in
/// between) is the event sent again, with a warning that it may now be in the stream twice.
///
/// ```no_run
/// use std::sync::Arc;
/// use events_bus_redis::RedisProducer;
/// use events_core::bus::{ProducerConfig, TopicPrefix, connect_producer};
///
/// let producer = RedisProducer::from_url("redis://127.0.0.1:6379/0")?.with_max_len(Some(50_000));
/// let config = ProducerConfig::from_file("producer.toml".as_ref())?;
/// // Every event named in the configuration is now published when it is sent.
/// let _binding = connect_producer(&config, Arc::new(producer), &TopicPrefix::from_env())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisProducer {
    state: Mutex<State>,
    max_len: Option<usize>,
}

/// What the publishing threads share.
struct State {
    link: Link,
    /// Events whose `XADD` was sent without a reply: they may be in their stream.
    unsure: HashSet<Uuid>,
}

impl RedisProducer {
    /// The default stream length limit, as `EVENT_BUS_REDIS_STREAM_MAX_LEN` defaults to.
    pub const DEFAULT_MAX_LEN: usize = 10_000;

    /// A producer for the server in `options`; nothing is connected until the first call.
    pub fn new(options: RedisOptions) -> Self {
        RedisProducer {
            state: Mutex::new(State {
                link: Link::new(options),
                unsure: HashSet::new(),
            }),
            max_len: Some(Self::DEFAULT_MAX_LEN),
        }
    }

    /// A producer for the server at `url`, with the default timeouts.
    pub fn from_url(url: &str) -> Result<Self, RedisBusError> {
        RedisOptions::new(url).map(Self::new)
    }

    /// Keeps streams at about `max_len` entries (`MAXLEN ~`, trimming whole internal nodes, so
    /// a stream may hold somewhat more); `None` never trims.
    #[must_use]
    pub fn with_max_len(mut self, max_len: Option<usize>) -> Self {
        self.max_len = max_len;
        self
    }

    /// The stream length limit.
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
    }

    /// The server's address, without credentials.
    pub fn address(&self) -> String {
        self.state().link.options().address().to_owned()
    }

    /// Connects now (if not connected) and checks that the server answers `PONG`, to report a
    /// wrong URL or an unreachable server at start-up rather than at the first event.
    pub fn ping(&self) -> Result<(), RedisBusError> {
        let mut state = self.state();
        let result = state.link.run(Duration::ZERO, |connection| {
            match connection.query(&redis::cmd("PING"))? {
                Value::SimpleString(pong) if pong == "PONG" => Ok(()),
                other => Err(unexpected_reply("PING", "PONG", &other)),
            }
        });
        result.map_err(|error| state.error("PING", "", error))
    }

    /// Appends `message` to `stream`; returns the entry id Redis gave it.
    pub fn add(&self, stream: &str, message: &BusMessage) -> Result<String, RedisBusError> {
        let mut ids = self.add_all(stream, std::slice::from_ref(message), "XADD")?;
        Ok(ids.pop().unwrap_or_default())
    }

    /// Appends `messages` to `stream`, in order, in one round trip (a pipeline); returns their
    /// entry ids.
    ///
    /// The commands are written in chunks as they are encoded, so that Redis works on the first
    /// ones while the rest are encoded. On an error some of the messages may have been written;
    /// sending the same messages again writes only the others.
    pub fn add_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<Vec<String>, RedisBusError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        self.add_all(stream, messages, "XADD (pipelined)")
    }

    /// The number of entries in `stream` (`XLEN`); 0 when it does not exist.
    pub fn stream_len(&self, stream: &str) -> Result<u64, RedisBusError> {
        let mut state = self.state();
        let result = state.link.run(Duration::ZERO, |connection| {
            match connection.query(redis::cmd("XLEN").arg(stream))? {
                Value::Int(len) if len >= 0 => Ok(len as u64),
                other => Err(unexpected_reply("XLEN", "a length", &other)),
            }
        });
        result.map_err(|error| state.error("XLEN", stream, error))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state inconsistent: at worst a
        // connection mid-reply, which the next error drops.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add_all(&self, stream: &str, messages: &[BusMessage], command: &str) -> Result<Vec<String>, RedisBusError> {
        self.add_each(stream, messages, command)?.into_iter().collect()
    }

    /// Adds `messages`, returning each one's entry id or the error Redis answered it with; an
    /// error for the whole batch when the connection failed (and then some may have been
    /// written: sending them again writes only the others).
    fn add_each(
        &self,
        stream: &str,
        messages: &[BusMessage],
        command: &str,
    ) -> Result<Vec<Result<String, RedisBusError>>, RedisBusError> {
        let mut state = self.state();
        let was_open = state.link.is_open();
        let result = match state.publish(stream, messages, self.max_len) {
            Err(error) if was_open && !state.link.is_open() && closed_by_server(&error) => {
                tracing::warn!(redis = %state.link.options().address(), %error,
                    "the Redis connection was closed; reconnecting and retrying once");
                state.publish(stream, messages, self.max_len)
            }
            other => other,
        };
        match result {
            Ok(each) => Ok(each
                .into_iter()
                .map(|one| one.map_err(|error| state.error(command, stream, error)))
                .collect()),
            Err(error) => Err(state.error(command, stream, error)),
        }
    }
}

impl State {
    /// Adds the messages not already in the stream, returning every message's entry id or the
    /// error Redis answered it with.
    fn publish(
        &mut self,
        stream: &str,
        messages: &[BusMessage],
        max_len: Option<usize>,
    ) -> Result<Vec<Result<String, RedisError>>, RedisError> {
        let mut found = HashMap::new();
        if messages
            .iter()
            .any(|message| self.unsure.contains(&message.metadata.id()))
        {
            found = self.find_in_tail(stream, messages)?;
        }
        let missing: Vec<&BusMessage> = messages
            .iter()
            .filter(|message| !found.contains_key(&message.metadata.id()))
            .collect();
        let unsure = &mut self.unsure;
        let added = self.link.run(Duration::ZERO, |connection| {
            let result = send_pipelined(connection, stream, &missing, max_len);
            if result.is_err() {
                // Sent, perhaps applied, no answer: look before sending these again.
                remember_unsure(unsure, &missing);
            }
            result
        })?;
        let mut added = added.into_iter();
        let each: Vec<Result<String, RedisError>> = messages
            .iter()
            .map(|message| match found.remove(&message.metadata.id()) {
                Some(id) => Ok(id),
                None => added.next().unwrap_or_else(|| Ok(String::new())),
            })
            .collect();
        if each.iter().all(Result::is_ok) {
            for message in messages {
                self.unsure.remove(&message.metadata.id());
            }
        } else {
            // The caller may send the whole batch again: the messages written now must be
            // looked for then, not written twice.
            remember_unsure(&mut self.unsure, &messages.iter().collect::<Vec<_>>());
        }
        Ok(each)
    }

    /// The entry ids of those of `messages` found among the last entries of `stream`.
    fn find_in_tail(&mut self, stream: &str, messages: &[BusMessage]) -> Result<HashMap<Uuid, String>, RedisError> {
        let count = messages.len() + TAIL_SEARCH;
        let reply = self.link.run(Duration::ZERO, |connection| {
            connection.query(
                redis::cmd("XREVRANGE")
                    .arg(stream)
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(count),
            )
        })?;
        let entries = crate::reply::range(reply).map_err(|detail| {
            self.link.disconnect();
            RedisError::from((redis::ErrorKind::Parse, "unexpected reply", detail))
        })?;
        let searched_all = entries.len() < count;
        let wanted: HashSet<Vec<u8>> = messages
            .iter()
            .filter(|message| self.unsure.contains(&message.metadata.id()))
            .map(|message| message.metadata.id().hyphenated().to_string().into_bytes())
            .collect();
        let mut found = HashMap::new();
        for entry in entries {
            let event_id = entry
                .fields
                .iter()
                .flatten()
                .find(|(name, _)| name == b"id")
                .map(|(_, value)| value);
            if let Some(event_id) = event_id
                && wanted.contains(event_id)
                && let Some(uuid) = std::str::from_utf8(event_id)
                    .ok()
                    .and_then(|text| Uuid::parse_str(text).ok())
            {
                found.entry(uuid).or_insert(entry.id);
            }
        }
        if !searched_all {
            for message in messages {
                let id = message.metadata.id();
                if self.unsure.contains(&id) && !found.contains_key(&id) {
                    tracing::warn!(stream, event_id = %id, event_type = message.metadata.event_type(),
                        "sending again an event that may already be in the stream: it may be there twice");
                }
            }
        }
        Ok(found)
    }

    fn error(&self, command: &str, stream: &str, error: RedisError) -> RedisBusError {
        let on = if stream.is_empty() {
            String::new()
        } else {
            format!(" on `{stream}`")
        };
        RedisBusError::redis(format!("{command}{on} at {}", self.link.options().address()), error)
    }
}

fn remember_unsure(unsure: &mut HashSet<Uuid>, messages: &[&BusMessage]) {
    if unsure.len() + messages.len() > MAX_UNSURE {
        tracing::warn!(
            forgotten = unsure.len(),
            "too many events with unknown outcome; forgetting them (sending them again may write them twice)"
        );
        unsure.clear();
    }
    unsure.extend(messages.iter().map(|message| message.metadata.id()));
}

/// Sends one `XADD` per message in a pipeline and reads every reply: each message's entry id,
/// or the error Redis answered it with.
fn send_pipelined(
    connection: &mut Connection,
    stream: &str,
    messages: &[&BusMessage],
    max_len: Option<usize>,
) -> Result<Vec<Result<String, RedisError>>, RedisError> {
    let size: usize = messages.iter().map(|message| message.data.len() + 256).sum();
    let mut chunk = Vec::with_capacity(size.min(PIPELINE_CHUNK + 1024));
    for message in messages {
        resp::xadd(&mut chunk, stream, max_len, message);
        if chunk.len() >= PIPELINE_CHUNK {
            connection.send(&chunk)?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        connection.send(&chunk)?;
    }
    // Every reply is read, even after an error reply, to keep the connection in step.
    let mut each = Vec::with_capacity(messages.len());
    for _ in messages {
        match entry_id(connection.receive()?) {
            Err(error) if error.code().is_none() => return Err(error),
            one => each.push(one),
        }
    }
    Ok(each)
}

/// The entry id in the reply to an `XADD`, or the error the server replied with. Anything but a
/// string holding an entry id is refused: a reply out of step is not a publication.
pub(crate) fn entry_id(reply: Value) -> Result<String, RedisError> {
    match reply {
        Value::ServerError(error) => Err(error.into()),
        Value::BulkString(bytes) => match std::str::from_utf8(&bytes)
            .ok()
            .map(|text| (text, text.parse::<EntryId>()))
        {
            Some((text, Ok(_))) if text.contains('-') => Ok(text.to_owned()),
            _ => Err(unexpected_reply("XADD", "an entry id", &Value::BulkString(bytes))),
        },
        other => Err(unexpected_reply("XADD", "an entry id", &other)),
    }
}

/// A connection that the server closed (reset, end of file, broken pipe): the server is alive
/// again or was restarted, so the command is worth retrying at once on a new connection.
/// Timeouts are not: the server may be slow rather than gone.
fn closed_by_server(error: &RedisError) -> bool {
    error.is_connection_dropped() && !error.is_timeout()
}

impl EventBusProducer for RedisProducer {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError> {
        self.add(stream, message)
            .map(drop)
            .map_err(|error| ProduceError::new(stream, message, error))
    }

    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), BatchError> {
        let failures: Vec<(usize, ProduceError)> = match self.add_each(stream, messages, "XADD (pipelined)") {
            Ok(each) => each
                .into_iter()
                .zip(messages)
                .enumerate()
                .filter_map(|(index, (one, message))| {
                    one.err()
                        .map(|error| (index, ProduceError::new(stream, message, error)))
                })
                .collect(),
            Err(error) => {
                let reason = error.to_string();
                messages
                    .iter()
                    .enumerate()
                    .map(|(index, message)| (index, ProduceError::new(stream, message, reason.clone())))
                    .collect()
            }
        };
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BatchError { failures })
        }
    }

    /// Redis Streams have no partitions: the key is not needed.
    fn uses_keys(&self) -> bool {
        false
    }
}

impl std::fmt::Debug for RedisProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisProducer")
            .field("address", &self.address())
            .field("max_len", &self.max_len)
            .finish()
    }
}
