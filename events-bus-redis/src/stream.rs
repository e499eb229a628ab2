//! Consuming: one consumer of a consumer group on one stream, as a [`ConsumerBackend`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use events_core::bus::{ConsumerBackend, DEAD_LETTER_SUFFIX, Delivery, Interrupt, StartFrom, dead_letter_topic};
use redis::{RedisError, Value};

use crate::entry::{StreamEntry, dead_letter_fields, delivery};
use crate::entry_id::EntryId;

use crate::connection::{Connection, Link, unexpected_reply};
use crate::error::RedisBusError;
use crate::options::RedisOptions;
use crate::reply::{self, RawEntry};

/// Acknowledgements kept for [`flush`](ConsumerBackend::flush) before they are sent anyway.
const MAX_DEFERRED_ACKS: usize = 10_000;

/// Where a consumer group is positioned when the consumer first connects, as
/// `edx-event-bus-redis` chooses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Only entries added from now on: unread entries are skipped (`XGROUP SETID … $`).
    Latest,
    /// Where the group left off, or the start of the stream for a new group (`check_backlog`).
    Backlog,
    /// After the given entry id (`last_read_msg_id`).
    After(EntryId),
}

impl From<StartFrom> for Position {
    fn from(start: StartFrom) -> Self {
        match start {
            StartFrom::Latest => Position::Latest,
            StartFrom::Backlog => Position::Backlog,
        }
    }
}

impl From<EntryId> for Position {
    fn from(id: EntryId) -> Self {
        Position::After(id)
    }
}

/// One consumer `consumer` of the group `group` on `stream`, for the core
/// [`Consumer`](events_core::bus::Consumer) loop; the Rust side of `RedisEventConsumer`.
///
/// - The group is created if missing (`XGROUP CREATE <stream> <group> 0 MKSTREAM`) and
///   positioned as `start` says, once, when the first connection is made: [`Position::Latest`]
///   skips what is in the stream (`XGROUP SETID … $`), [`Position::Backlog`] keeps the group's
///   position (the start of the stream for a new group), [`Position::After`] replays after an
///   entry id — exactly as `edx-event-bus-redis` treats `check_backlog` and
///   `last_read_msg_id`.
/// - The entries this consumer left pending (read by an earlier run under the same name, and
///   never acknowledged) are delivered first, with `XREADGROUP … STREAMS <stream> 0`, and again
///   after each broker error, since a read may have been applied without its reply arriving;
///   then new ones, with `XREADGROUP … BLOCK <ms> … >`. With
///   [`with_claim_idle`](Self::with_claim_idle), idle entries of other consumers are taken
///   over with `XAUTOCLAIM`. Undeliverable entries are written to `<stream>-dead-letter` with
///   `XADD`, with their original fields and `dead_letter_reason`, `dead_letter_entry_id`,
///   `dead_letter_group` and `dead_letter_consumer`; the dead-letter stream
///   keeps about [`dead_letter_max_len`](Self::with_dead_letter_max_len) entries: when more
///   accumulate, the oldest dead letters are trimmed away.
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
    start: Option<Position>,
    /// The connection generation on which the group was last checked.
    ready_on: Option<u64>,
    deferred_acks: Vec<String>,
    claim_cursor: String,
    dead_letter_max_len: Option<usize>,
    claim_idle: Option<Duration>,
    last_claim: Option<Instant>,
    /// Whether the entries this consumer left pending are read before new ones.
    recovering: bool,
    /// Entries given up on and left pending: not read again from the pending list.
    left_pending: HashSet<String>,
}

impl RedisStream {
    /// The default length limit of the dead-letter stream: ten times the default of the
    /// streams themselves.
    pub const DEFAULT_DEAD_LETTER_MAX_LEN: usize = 100_000;

    /// A backend for `consumer` of `group` on `stream`; nothing is connected until the first
    /// call, when the group is created and positioned as `start` says.
    pub fn new(options: RedisOptions, stream: &str, group: &str, consumer: &str, start: impl Into<Position>) -> Self {
        RedisStream {
            link: Link::new(options),
            stream: stream.to_owned(),
            dead_letter_stream: dead_letter_topic(stream),
            group: group.to_owned(),
            consumer: consumer.to_owned(),
            start: Some(start.into()),
            ready_on: None,
            deferred_acks: Vec::new(),
            claim_cursor: "0-0".to_owned(),
            dead_letter_max_len: Some(Self::DEFAULT_DEAD_LETTER_MAX_LEN),
            claim_idle: None,
            last_claim: None,
            recovering: true,
            left_pending: HashSet::new(),
        }
    }

    /// Takes over entries that other consumers of the group left pending for at least `idle`
    /// (crashed consumers, a host replaced under a new name), with `XAUTOCLAIM`, checking at
    /// most once per `idle`.
    #[must_use]
    pub fn with_claim_idle(mut self, idle: Option<Duration>) -> Self {
        self.claim_idle = idle;
        self
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
    /// wrong URL or an unreachable server is reported at once and [`Position::Latest`] means
    /// "from now on".
    pub fn open(
        options: RedisOptions,
        stream: &str,
        group: &str,
        consumer: &str,
        start: impl Into<Position>,
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
            Some(Position::Latest) => Some("$".to_owned()),
            Some(Position::After(id)) => Some(id.to_string()),
            Some(Position::Backlog) | None => None,
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

impl RedisStream {
    /// Entries delivered to this consumer before and not acknowledged, oldest first, after
    /// the entry id `after`.
    fn read_pending(&mut self, after: &str, count: usize) -> Result<Vec<StreamEntry>, RedisBusError> {
        let mut after = after.to_owned();
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

    /// Takes over entries pending for other consumers of the group for at least `min_idle`.
    fn claim(&mut self, min_idle: Duration, count: usize) -> Result<Vec<StreamEntry>, RedisBusError> {
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

    fn fetch(&mut self, count: usize, wait: Duration) -> Result<Vec<StreamEntry>, RedisBusError> {
        let claim_due = self
            .claim_idle
            .filter(|idle| self.last_claim.is_none_or(|at| at.elapsed() >= *idle));
        if let Some(idle) = claim_due {
            self.last_claim = Some(Instant::now());
            let claimed = self.claim(idle, count)?;
            if !claimed.is_empty() {
                tracing::warn!(consumer = %self.describe(), count = claimed.len(),
                    "claimed entries left pending by another consumer");
                self.recovering = true;
            }
        }
        if self.recovering {
            // Entries left pending are passed over, batch after batch if need be.
            let mut after = "0".to_owned();
            loop {
                let pending = self.read_pending(&after, count)?;
                let Some(last) = pending.last() else { break };
                after = last.id.clone();
                let fresh: Vec<StreamEntry> = pending
                    .into_iter()
                    .filter(|entry| !self.left_pending.contains(&entry.id))
                    .collect();
                if !fresh.is_empty() {
                    return Ok(fresh);
                }
            }
            self.recovering = false;
        }
        let block = (!wait.is_zero()).then_some(wait);
        let raw = self.read_group(">", count, block)?;
        Ok(self.live_entries(raw))
    }
}

impl ConsumerBackend for RedisStream {
    type Error = RedisBusError;
    type Token = StreamEntry;

    fn receive(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery<StreamEntry>>, RedisBusError> {
        Ok(self.fetch(max, wait)?.into_iter().map(delivery).collect())
    }

    fn ack(&mut self, entry: &StreamEntry) -> Result<(), RedisBusError> {
        self.deferred_acks.push(entry.id.clone());
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

    fn dead_letter(&mut self, delivery: &Delivery<StreamEntry>, reason: &str) -> Result<(), RedisBusError> {
        let mut command = redis::cmd("XADD");
        command.arg(&self.dead_letter_stream);
        if let Some(max_len) = self.dead_letter_max_len {
            command.arg("MAXLEN").arg("~").arg(max_len);
        }
        command.arg("*");
        for (name, value) in dead_letter_fields(&delivery.token, reason, &self.group, &self.consumer) {
            command.arg(name).arg(value);
        }
        // Written synchronously: the entry must be recorded before its acknowledgement goes out.
        self.call("XADD (dead letter)", Duration::ZERO, |connection| {
            crate::producer::entry_id(connection.receive_reply(&command)?)
        })
        .map(drop)
    }

    /// A dead-letter stream keeps no dead letters of its own.
    fn keeps_dead_letters(&self) -> bool {
        !self.stream.ends_with(DEAD_LETTER_SUFFIX)
    }

    fn leave_pending(&mut self, entry: &StreamEntry) {
        self.left_pending.insert(entry.id.clone());
    }

    fn recover(&mut self) {
        self.recovering = true;
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
