//! Consuming: one consumer of a consumer group on one stream, as a [`StreamBackend`].

use std::time::Duration;

use std::sync::Arc;

use events_core::bus::{Interrupt, StartFrom, StreamBackend, StreamEntry, dead_letter_fields, dead_letter_stream};
use redis::{RedisError, Value};

use crate::connection::{Connection, Link, unexpected_reply};
use crate::error::RedisBusError;
use crate::options::RedisOptions;
use crate::reply::{self, RawEntry};

/// Acknowledgements kept for [`flush`](StreamBackend::flush) before they are sent anyway.
const MAX_DEFERRED_ACKS: usize = 10_000;

/// One consumer `consumer` of the group `group` on `stream`, for the core
/// [`Consumer`](events_core::bus::Consumer) loop; the Rust side of `RedisEventConsumer`.
///
/// - The group is created if missing (`XGROUP CREATE <stream> <group> 0 MKSTREAM`) and
///   positioned as `start` says, once, when the first connection is made: [`StartFrom::Latest`]
///   skips what is in the stream (`XGROUP SETID … $`), [`StartFrom::Backlog`] keeps the group's
///   position (the start of the stream for a new group), [`StartFrom::After`] replays after an
///   entry id — exactly as `edx-event-bus-redis` treats `check_backlog` and
///   `last_read_msg_id`.
/// - Pending entries are read with `XREADGROUP … STREAMS <stream> 0`, new ones with
///   `XREADGROUP … BLOCK <ms> … >`, idle entries of other consumers are taken over with
///   `XAUTOCLAIM`, undeliverable entries are written to `<stream>-dead-letter` with `XADD`,
///   which keeps about [`dead_letter_max_len`](Self::with_dead_letter_max_len) entries: when
///   more accumulate, the oldest dead letters are trimmed away.
/// - Acknowledgements are collected and sent in one `XACK` when the consumer loop flushes
///   after each batch (at the latest before the next read). An entry is acknowledged only
///   after it was delivered or dead-lettered; if the process dies first, it stays pending and is
///   delivered again.
/// - Every call is bounded by the [`RedisOptions`] timeouts, and a
///   [`ShutdownHandle`](events_core::bus::ShutdownHandle) interrupts a call waiting for Redis. After a connection error the
///   connection is dropped; the next call connects again and makes sure the group still exists
///   (creating it at the start of the stream if Redis lost it), so the consumer loop's retries
///   resume consumption once Redis is back. Acknowledgements that could not be sent are kept
///   and sent then.
///
/// ```no_run
/// use events_bus_redis::{RedisOptions, RedisStream};
/// use events_core::bus::{Consumer, ConsumerOptions, StartFrom, TopicPrefix};
///
/// let options = RedisOptions::new("redis://127.0.0.1:6379/0")?;
/// let stream = TopicPrefix::from_env().full_topic("course-enrollment-lifecycle");
/// let backend = RedisStream::open(options, &stream, "notifications", "worker-1", StartFrom::Backlog)?;
/// let mut consumer = Consumer::new(backend, ConsumerOptions::default());
/// consumer.run()?; // until shut down
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisStream {
    link: Link,
    stream: String,
    dead_letter_stream: String,
    group: String,
    consumer: String,
    /// The requested position, until it has been applied.
    start: Option<StartFrom>,
    /// The connection generation on which the group was last checked.
    ready_on: Option<u64>,
    deferred_acks: Vec<String>,
    claim_cursor: String,
    dead_letter_max_len: Option<usize>,
}

impl RedisStream {
    /// The default length limit of the dead-letter stream: ten times the default of the
    /// streams themselves.
    pub const DEFAULT_DEAD_LETTER_MAX_LEN: usize = 100_000;

    /// A backend for `consumer` of `group` on `stream`; nothing is connected until the first
    /// call, when the group is created and positioned as `start` says.
    pub fn new(options: RedisOptions, stream: &str, group: &str, consumer: &str, start: StartFrom) -> Self {
        RedisStream {
            link: Link::new(options),
            stream: stream.to_owned(),
            dead_letter_stream: dead_letter_stream(stream),
            group: group.to_owned(),
            consumer: consumer.to_owned(),
            start: Some(start),
            ready_on: None,
            deferred_acks: Vec::new(),
            claim_cursor: "0-0".to_owned(),
            dead_letter_max_len: Some(Self::DEFAULT_DEAD_LETTER_MAX_LEN),
        }
    }

    /// Keeps the dead-letter stream at about `max_len` entries (`XADD … MAXLEN ~`): past that,
    /// the oldest dead letters are trimmed as new ones are written. `None` never trims, and the
    /// stream grows until an operator trims it.
    #[must_use]
    pub fn with_dead_letter_max_len(mut self, max_len: Option<usize>) -> Self {
        self.dead_letter_max_len = max_len;
        self
    }

    /// The dead-letter stream (`{stream}-dead-letter`).
    pub fn dead_letter_stream(&self) -> &str {
        &self.dead_letter_stream
    }

    /// Like [`new`](Self::new), but connects, creates and positions the group now, so that a
    /// wrong URL or an unreachable server is reported at once and [`StartFrom::Latest`] means
    /// "from now on".
    pub fn open(
        options: RedisOptions,
        stream: &str,
        group: &str,
        consumer: &str,
        start: StartFrom,
    ) -> Result<Self, RedisBusError> {
        let mut backend = Self::new(options, stream, group, consumer, start);
        backend.ready()?;
        Ok(backend)
    }

    /// The stream read.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The consumer group.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// This consumer's name in the group.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// Acknowledgements collected and not yet sent.
    pub fn deferred_acks(&self) -> usize {
        self.deferred_acks.len()
    }

    /// Makes sure there is a connection on which the group exists, and positions the group the
    /// first time.
    fn ready(&mut self) -> Result<(), RedisBusError> {
        let connected = self.link.connect();
        connected.map_err(|error| self.error("connecting", error))?;
        if self.ready_on == Some(self.link.generation()) {
            return Ok(());
        }
        let (stream, group) = (self.stream.clone(), self.group.clone());
        let created = self.link.run(Duration::ZERO, |connection| {
            let created = connection.query(
                redis::cmd("XGROUP")
                    .arg("CREATE")
                    .arg(&stream)
                    .arg(&group)
                    .arg("0")
                    .arg("MKSTREAM"),
            );
            match created {
                Err(error) if error.code() == Some("BUSYGROUP") => Ok(false),
                Ok(Value::Okay) => Ok(true),
                Ok(other) => Err(unexpected_reply("XGROUP CREATE", "OK", &other)),
                Err(error) => Err(error),
            }
        });
        let created = created.map_err(|error| self.error("XGROUP CREATE", error))?;
        if created && self.start.is_none() {
            tracing::warn!(consumer = %self.describe(),
                "the consumer group was missing (Redis lost it?); recreated at the start of the stream");
        }
        let position = match &self.start {
            Some(StartFrom::Latest) => Some("$".to_owned()),
            Some(StartFrom::After(id)) => Some(id.to_string()),
            Some(StartFrom::Backlog) | None => None,
        };
        if let Some(position) = position {
            self.link
                .run(Duration::ZERO, |connection| {
                    connection.query_ok(
                        redis::cmd("XGROUP")
                            .arg("SETID")
                            .arg(&stream)
                            .arg(&group)
                            .arg(&position),
                        "XGROUP SETID",
                    )
                })
                .map_err(|error| self.error("XGROUP SETID", error))?;
        }
        self.start = None;
        self.ready_on = Some(self.link.generation());
        Ok(())
    }

    /// Runs `f` on a ready connection. A group that disappeared (`NOGROUP`) is recreated on the
    /// next call.
    fn call<T>(
        &mut self,
        command: &str,
        block: Duration,
        f: impl FnOnce(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, RedisBusError> {
        self.ready()?;
        let result = self.link.run(block, f);
        result.map_err(|error| {
            if error.code() == Some("NOGROUP") {
                self.ready_on = None;
            }
            self.error(command, error)
        })
    }

    /// Reads with `XREADGROUP` from `id` (`0` for pending entries, `>` for new ones).
    fn read_group(&mut self, id: &str, count: usize, block: Option<Duration>) -> Result<Vec<RawEntry>, RedisBusError> {
        self.flush()?;
        let mut command = redis::cmd("XREADGROUP");
        command
            .arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(count.max(1));
        if let Some(block) = block {
            // BLOCK 0 would wait forever; a zero block is a plain read.
            command.arg("BLOCK").arg(block.as_millis().max(1) as u64);
        }
        command.arg("STREAMS").arg(&self.stream).arg(id);
        let reply = self.call("XREADGROUP", block.unwrap_or_default(), |connection| {
            connection.query(&command)
        })?;
        self.parse("XREADGROUP", reply, reply::read_group)
    }

    fn parse<T>(
        &mut self,
        command: &str,
        reply: redis::Value,
        f: fn(redis::Value) -> Result<T, String>,
    ) -> Result<T, RedisBusError> {
        f(reply).map_err(|detail| {
            // A reply we cannot read may mean a connection out of step: start afresh.
            self.link.disconnect();
            RedisBusError::reply(self.context(command), detail)
        })
    }

    /// The entries that still hold their fields. Entries deleted (trimmed) while pending have
    /// nothing left to deliver: their acknowledgement is queued for the next flush.
    fn live_entries(&mut self, raw: Vec<RawEntry>) -> Vec<StreamEntry> {
        let mut live = Vec::with_capacity(raw.len());
        for RawEntry { id, fields } in raw {
            match fields {
                Some(fields) => live.push(StreamEntry { id, fields }),
                None => {
                    tracing::warn!(consumer = %self.describe(), entry_id = %id,
                        "a pending entry was trimmed from the stream before it was handled; acknowledging it");
                    self.deferred_acks.push(id);
                }
            }
        }
        live
    }

    fn context(&self, command: &str) -> String {
        format!(
            "{command} on `{}` at {}",
            self.describe(),
            self.link.options().address()
        )
    }

    fn error(&self, command: &str, error: RedisError) -> RedisBusError {
        RedisBusError::redis(self.context(command), error)
    }
}

impl StreamBackend for RedisStream {
    type Error = RedisBusError;

    fn read_pending(&mut self, after: Option<&str>, count: usize) -> Result<Vec<StreamEntry>, RedisBusError> {
        let mut after = after.unwrap_or("0").to_owned();
        loop {
            let raw = self.read_group(&after, count, None)?;
            let Some(last) = raw.last() else {
                return Ok(Vec::new());
            };
            after = last.id.clone();
            let live = self.live_entries(raw);
            // A batch of nothing but deleted entries does not mean that nothing is pending.
            if !live.is_empty() {
                return Ok(live);
            }
        }
    }

    fn claim_idle(&mut self, min_idle: Duration, count: usize) -> Result<Vec<StreamEntry>, RedisBusError> {
        self.flush()?;
        let mut command = redis::cmd("XAUTOCLAIM");
        command
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(min_idle.as_millis() as u64)
            .arg(&self.claim_cursor)
            .arg("COUNT")
            .arg(count.max(1));
        let reply = self.call("XAUTOCLAIM", Duration::ZERO, |connection| connection.query(&command))?;
        let (next, raw) = self.parse("XAUTOCLAIM", reply, reply::autoclaim)?;
        // The cursor walks the pending list across calls and starts over at 0-0.
        self.claim_cursor = next;
        Ok(self.live_entries(raw))
    }

    fn read_new(&mut self, count: usize, block: Duration) -> Result<Vec<StreamEntry>, RedisBusError> {
        let block = (!block.is_zero()).then_some(block);
        let raw = self.read_group(">", count, block)?;
        Ok(self.live_entries(raw))
    }

    fn ack(&mut self, ids: &[&str]) -> Result<(), RedisBusError> {
        self.deferred_acks.extend(ids.iter().map(|id| (*id).to_owned()));
        if self.deferred_acks.len() >= MAX_DEFERRED_ACKS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), RedisBusError> {
        if self.deferred_acks.is_empty() {
            return Ok(());
        }
        let mut command = redis::cmd("XACK");
        command.arg(&self.stream).arg(&self.group).arg(&self.deferred_acks);
        // Kept on failure: sent again with the next flush, after reconnecting.
        self.call("XACK", Duration::ZERO, |connection| {
            match connection.query(&command)? {
                Value::Int(_) => Ok(()),
                other => Err(unexpected_reply("XACK", "a count", &other)),
            }
        })?;
        self.deferred_acks.clear();
        Ok(())
    }

    fn dead_letter(&mut self, entry: &StreamEntry, reason: &str) -> Result<(), RedisBusError> {
        let mut command = redis::cmd("XADD");
        command.arg(&self.dead_letter_stream);
        if let Some(max_len) = self.dead_letter_max_len {
            command.arg("MAXLEN").arg("~").arg(max_len);
        }
        command.arg("*");
        for (name, value) in dead_letter_fields(entry, reason, &self.group, &self.consumer) {
            command.arg(name).arg(value);
        }
        // Written synchronously: the entry must be recorded before its acknowledgement goes out.
        self.call("XADD (dead letter)", Duration::ZERO, |connection| {
            crate::producer::entry_id(connection.receive_reply(&command)?)
        })
        .map(drop)
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let interrupter = self.link.interrupter();
        Some(Arc::new(move || interrupter.interrupt()))
    }

    fn describe(&self) -> String {
        format!("{}/{}/{}", self.stream, self.group, self.consumer)
    }
}

impl std::fmt::Debug for RedisStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStream")
            .field("address", &self.link.options().address())
            .field("stream", &self.stream)
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .field("deferred_acks", &self.deferred_acks.len())
            .finish()
    }
}
