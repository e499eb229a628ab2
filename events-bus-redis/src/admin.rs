//! Operating a stream: its length, consumer groups, consumers and lag (`XLEN`, `XINFO`), and
//! its dead letters, to list, replay onto the stream and trim.
//!
//! Everything here is for operators and their tools (the `openedx-events status` and
//! `dead-letters` commands): it reads and changes what consumers left behind, and never takes
//! part in consuming.

use std::time::Duration;

use events_core::bus::{BusMessage, dead_letter_topic};
use redis::{RedisError, Value};

use crate::connection::{Connection, Link};
use crate::entry::{EntryError, StreamEntry, from_fields};
use crate::entry_id::EntryId;
use crate::error::{RedisBusError, RedisErrorKind};
use crate::options::RedisOptions;
use crate::reply::{self, RawEntry, summary};

/// The fields [`dead_letter_fields`](crate::dead_letter_fields) appends to the original ones,
/// in that order.
pub const DEAD_LETTER_FIELDS: [&str; 4] = [
    "dead_letter_reason",
    "dead_letter_entry_id",
    "dead_letter_group",
    "dead_letter_consumer",
];

/// How many dead letters a replay reads per `XRANGE`: bounded, so that replaying a dead-letter
/// stream of any length needs little memory.
const REPLAY_PAGE: usize = 100;

/// Administration of streams on one Redis server: what operators ask (`status`) and do
/// (`dead_letters`, `replay`, `trim`).
///
/// It holds one connection, opened on first use with the time limits of [`RedisOptions`], and
/// reopened by the next call after a connection error.
///
/// ```no_run
/// use events_bus_redis::{RedisAdmin, RedisOptions, Replay};
///
/// let mut admin = RedisAdmin::new(RedisOptions::new("redis://127.0.0.1:6379/0")?);
/// let status = admin.status("dev-course-enrollment-lifecycle")?;
/// for group in &status.groups {
///     println!("{}: {} pending, lag {:?}", group.name, group.pending, group.lag);
/// }
/// if status.dead_letters > 0 {
///     let report = admin.replay("dev-course-enrollment-lifecycle", &Replay::All)?;
///     println!("{} replayed, {} failed", report.replayed.len(), report.failed.len());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisAdmin {
    link: Link,
}

/// What [`RedisAdmin::status`] finds about a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStatus {
    /// The stream.
    pub stream: String,
    /// Whether the stream exists. A stream that does not exist has length 0 and no groups.
    pub exists: bool,
    /// Its number of entries (`XLEN`).
    pub length: u64,
    /// Its dead-letter stream, `{stream}-dead-letter`.
    pub dead_letter_stream: String,
    /// The number of entries in the dead-letter stream.
    pub dead_letters: u64,
    /// Its consumer groups (`XINFO GROUPS`), in the order Redis lists them.
    pub groups: Vec<GroupStatus>,
}

/// One consumer group of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupStatus {
    /// The group's name.
    pub name: String,
    /// Its consumers (`XINFO CONSUMERS`).
    pub consumers: Vec<ConsumerStatus>,
    /// Entries delivered to its consumers and not acknowledged yet.
    pub pending: u64,
    /// The id of the last entry delivered to the group.
    pub last_delivered_id: String,
    /// How many entries the group has read (Redis 7 and later; `None` before, or when Redis
    /// cannot tell).
    pub entries_read: Option<u64>,
    /// How many entries of the stream the group has not read yet (Redis 7 and later; `None`
    /// before, or when Redis cannot tell, e.g. after entries were deleted from the middle).
    pub lag: Option<u64>,
}

/// One consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerStatus {
    /// The consumer's name.
    pub name: String,
    /// Entries delivered to it and not acknowledged yet.
    pub pending: u64,
    /// Milliseconds since it last read (or claimed) entries.
    pub idle_ms: u64,
}

/// An entry of a dead-letter stream: the original entry's fields and why and where it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The dead letter's own entry id, in the dead-letter stream.
    pub id: String,
    /// The id the entry had in the source stream (`dead_letter_entry_id`).
    pub entry_id: Option<String>,
    /// Why it could not be delivered (`dead_letter_reason`).
    pub reason: Option<String>,
    /// The consumer group that gave up on it (`dead_letter_group`).
    pub group: Option<String>,
    /// The consumer that gave up on it (`dead_letter_consumer`).
    pub consumer: Option<String>,
    /// The original entry's fields, in order, without the four [`DEAD_LETTER_FIELDS`].
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl DeadLetter {
    /// Splits a dead-letter entry into its original fields and the dead-letter annotations.
    ///
    /// The annotations are the *last* field of each [`DEAD_LETTER_FIELDS`] name: they are
    /// appended after the original fields, so an earlier field of the same name belongs to
    /// the original entry and is kept. An annotation that is missing (an entry written to the
    /// dead-letter stream by something else) is `None`.
    pub fn from_entry(entry: StreamEntry) -> Self {
        let mut fields = entry.fields;
        let mut annotations: [Option<String>; 4] = Default::default();
        for (slot, name) in DEAD_LETTER_FIELDS.iter().enumerate() {
            if let Some(index) = fields.iter().rposition(|(field, _)| field == name.as_bytes()) {
                let (_, value) = fields.remove(index);
                annotations[slot] = Some(String::from_utf8_lossy(&value).into_owned());
            }
        }
        let [reason, entry_id, group, consumer] = annotations;
        DeadLetter {
            id: entry.id,
            entry_id,
            reason,
            group,
            consumer,
            fields,
        }
    }

    /// Reads the event the original fields hold, as a consumer would.
    pub fn message(&self) -> Result<BusMessage, EntryError> {
        from_fields(
            self.fields
                .iter()
                .map(|(name, value)| (name.as_slice(), value.as_slice())),
        )
    }
}

/// Which dead letters [`RedisAdmin::replay`] replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// Every dead letter in the dead-letter stream when the replay starts. Dead letters added
    /// while it runs (perhaps the replayed entries failing again) are left for the next replay,
    /// so that a replay always ends.
    All,
    /// The dead letters with these ids, oldest first.
    Ids(Vec<EntryId>),
}

/// What [`RedisAdmin::replay`] did.
#[derive(Debug, Default)]
pub struct ReplayReport {
    /// The dead letters added back to the source stream and removed from the dead-letter
    /// stream, in the order they were replayed.
    pub replayed: Vec<ReplayedEntry>,
    /// The dead letters that could not be replayed, or were replayed and not removed.
    pub failed: Vec<ReplayFailure>,
    /// Whether every dead letter asked for was tried. `false` when Redis could not be reached
    /// (or its reply not read) partway: the dead letters not tried are still in the dead-letter
    /// stream, untouched, and replaying again picks them up. The last of
    /// [`failed`](Self::failed), or [`read_error`](Self::read_error), says what went wrong.
    pub complete: bool,
    /// The error that stopped reading the dead-letter stream partway, if one did.
    pub read_error: Option<RedisBusError>,
}

/// A dead letter put back on its source stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayedEntry {
    /// The dead letter's id, now removed from the dead-letter stream.
    pub dead_letter_id: String,
    /// The id the entry had in the source stream before it was dead-lettered.
    pub original_entry_id: Option<String>,
    /// The id of the entry added to the source stream.
    pub new_entry_id: String,
}

/// A dead letter [`RedisAdmin::replay`] could not replay.
#[derive(Debug)]
pub struct ReplayFailure {
    /// The dead letter's id.
    pub dead_letter_id: String,
    /// The id of the entry added to the source stream, when the dead letter was replayed but
    /// could not be removed: replaying it again would add it a second time.
    pub replayed_as: Option<String>,
    /// Why.
    pub error: ReplayError,
}

/// Why one dead letter was not replayed (or not removed after its replay).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// No dead letter has the id asked for.
    #[error("`{stream}` has no dead letter {id}")]
    NotFound {
        /// The dead-letter stream.
        stream: String,
        /// The id asked for.
        id: EntryId,
    },
    /// The dead letter holds nothing but the dead-letter annotations: there is nothing to add
    /// back (Redis refuses an entry without fields).
    #[error("dead letter {id} has no original fields to replay")]
    NoFields {
        /// The dead letter's id.
        id: String,
    },
    /// The dead letter was replayed, but someone else removed it from the dead-letter stream
    /// first (another replay at the same time?): the entry may now be in the source stream
    /// twice.
    #[error("dead letter {id} was removed by someone else during its replay; the entry may now be in the stream twice")]
    AlreadyRemoved {
        /// The dead letter's id.
        id: String,
    },
    /// Redis refused a command or could not be reached.
    #[error(transparent)]
    Redis(#[from] RedisBusError),
}

impl RedisAdmin {
    /// Administration of the server in `options`; nothing is connected until the first call.
    pub fn new(options: RedisOptions) -> Self {
        RedisAdmin {
            link: Link::new(options),
        }
    }

    /// The server's address, without credentials.
    pub fn address(&self) -> &str {
        self.link.options().address()
    }

    /// The number of entries of `stream`, or `None` when there is no such key. A key holding
    /// something other than a stream is an error (`WRONGTYPE`).
    pub fn stream_length(&mut self, stream: &str) -> Result<Option<u64>, RedisBusError> {
        let length = self.xlen(stream)?;
        if length > 0 {
            return Ok(Some(length));
        }
        // XLEN answers 0 for a missing key as for an empty stream (one emptied by trimming,
        // or with groups and no entries): only EXISTS tells them apart.
        let exists = self.query(
            "EXISTS",
            stream,
            redis::cmd("EXISTS").arg(stream),
            |reply| match reply {
                Value::Int(count) => Ok(count > 0),
                other => Err(format!("expected a count, found {}", summary(&other))),
            },
        )?;
        Ok(exists.then_some(0))
    }

    /// The length of `stream`, its dead letters, and each of its consumer groups with their
    /// consumers, pending entries and lag. A stream that does not exist is reported with
    /// `exists: false`, length 0 and no groups.
    pub fn status(&mut self, stream: &str) -> Result<StreamStatus, RedisBusError> {
        let length = self.stream_length(stream)?;
        let dead_letter_stream = dead_letter_topic(stream);
        let dead_letters = self.xlen(&dead_letter_stream)?;
        let mut groups = Vec::new();
        if length.is_some() {
            let listed = self.query(
                "XINFO GROUPS",
                stream,
                redis::cmd("XINFO").arg("GROUPS").arg(stream),
                parse_groups,
            )?;
            for (raw_name, mut group) in listed {
                let consumers = self.query(
                    "XINFO CONSUMERS",
                    stream,
                    redis::cmd("XINFO")
                        .arg("CONSUMERS")
                        .arg(stream)
                        .arg(raw_name.as_slice()),
                    parse_consumers,
                );
                group.consumers = match consumers {
                    Ok(consumers) => consumers,
                    // The group was destroyed between the two commands: it has no consumers.
                    Err(error) if error.server_code() == Some("NOGROUP") => Vec::new(),
                    Err(error) => return Err(error),
                };
                groups.push(group);
            }
        }
        Ok(StreamStatus {
            stream: stream.to_owned(),
            exists: length.is_some(),
            length: length.unwrap_or(0),
            dead_letter_stream,
            dead_letters,
            groups,
        })
    }

    /// The oldest `count` dead letters of `stream` (the entries of `{stream}-dead-letter`),
    /// oldest first; none when there is no dead-letter stream.
    pub fn dead_letters(&mut self, stream: &str, count: usize) -> Result<Vec<DeadLetter>, RedisBusError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        self.dead_letter_range(&dead_letter_topic(stream), "-", "+", count)
    }

    /// Adds the dead letters of `stream` that `which` names back to `stream`, with their
    /// original fields (without the [`DEAD_LETTER_FIELDS`]) and a new entry id, oldest first;
    /// each dead letter is removed (`XDEL`) only after its `XADD` succeeded.
    ///
    /// Nothing is lost if the process or the connection dies partway: a dead letter is removed
    /// only once its entry is in the stream. At worst, when the `XADD` was applied but its reply
    /// or the `XDEL` was lost, the dead letter stays and replaying it again adds the entry a
    /// second time (consumers receive it twice).
    ///
    /// A dead letter that cannot be replayed (Redis refuses the `XADD`, an id that is not in
    /// the dead-letter stream) is reported in [`ReplayReport::failed`] and the others are still
    /// replayed. When Redis cannot be reached partway, the replay stops there
    /// ([`ReplayReport::complete`] is `false`). An error is returned only when nothing was done:
    /// the dead-letter stream could not be read at all.
    ///
    /// The entries are added without `MAXLEN`: trimming the stream while replaying into it
    /// could drop entries no group has read yet.
    pub fn replay(&mut self, stream: &str, which: &Replay) -> Result<ReplayReport, RedisBusError> {
        let dead_letter_stream = dead_letter_topic(stream);
        let mut report = ReplayReport {
            complete: true,
            ..ReplayReport::default()
        };
        match which {
            Replay::All => self.replay_all(stream, &dead_letter_stream, &mut report)?,
            Replay::Ids(ids) => self.replay_ids(stream, &dead_letter_stream, ids, &mut report)?,
        }
        Ok(report)
    }

    /// Removes the dead letters of `stream`, keeping the newest `keep` (0 removes them all);
    /// returns how many were removed. The dead-letter stream itself, and any consumer group on
    /// it, stays.
    pub fn trim(&mut self, stream: &str, keep: u64) -> Result<u64, RedisBusError> {
        let dead_letter_stream = dead_letter_topic(stream);
        // An exact MAXLEN (no `~`): the operator asked for exactly `keep` dead letters.
        let command = redis::cmd("XTRIM")
            .arg(&dead_letter_stream)
            .arg("MAXLEN")
            .arg(keep)
            .clone();
        self.query("XTRIM", &dead_letter_stream, &command, |reply| match reply {
            Value::Int(removed) if removed >= 0 => Ok(removed as u64),
            other => Err(format!("expected the number removed, found {}", summary(&other))),
        })
    }

    fn replay_all(
        &mut self,
        stream: &str,
        dead_letter_stream: &str,
        report: &mut ReplayReport,
    ) -> Result<(), RedisBusError> {
        // The newest dead letter now is where this replay ends.
        let newest = self.dead_letter_range_reversed(dead_letter_stream, 1)?;
        let Some(end) = newest.first().map(|dead| dead.id.clone()) else {
            return Ok(());
        };
        let mut start = "-".to_owned();
        loop {
            let page = match self.dead_letter_range(dead_letter_stream, &start, &end, REPLAY_PAGE) {
                Ok(page) => page,
                Err(error) if report.replayed.is_empty() && report.failed.is_empty() => return Err(error),
                Err(error) => {
                    report.complete = false;
                    report.read_error = Some(error);
                    return Ok(());
                }
            };
            let last = page.last().map(|dead| dead.id.clone());
            for dead in page {
                if !self.replay_one(stream, dead_letter_stream, dead, report) {
                    report.complete = false;
                    return Ok(());
                }
            }
            // Failed dead letters stay in the stream: the next page starts after this one,
            // not at the start again.
            match last.as_deref().and_then(successor) {
                Some(next) if last.as_deref() != Some(end.as_str()) => start = next,
                _ => return Ok(()),
            }
        }
    }

    fn replay_ids(
        &mut self,
        stream: &str,
        dead_letter_stream: &str,
        ids: &[EntryId],
        report: &mut ReplayReport,
    ) -> Result<(), RedisBusError> {
        let mut ids = ids.to_vec();
        // Oldest first, as they were dead-lettered; an id given twice is replayed once.
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let text = id.to_string();
            let found = match self.dead_letter_range(dead_letter_stream, &text, &text, 1) {
                Ok(found) => found,
                Err(error) if report.replayed.is_empty() && report.failed.is_empty() => return Err(error),
                Err(error) => {
                    report.complete = false;
                    report.read_error = Some(error);
                    return Ok(());
                }
            };
            match found.into_iter().next() {
                Some(dead) => {
                    if !self.replay_one(stream, dead_letter_stream, dead, report) {
                        report.complete = false;
                        return Ok(());
                    }
                }
                None => report.failed.push(ReplayFailure {
                    dead_letter_id: text,
                    replayed_as: None,
                    error: ReplayError::NotFound {
                        stream: dead_letter_stream.to_owned(),
                        id,
                    },
                }),
            }
        }
        Ok(())
    }

    /// Replays one dead letter into `report`; `false` when Redis could not be reached, and the
    /// replay should stop.
    fn replay_one(
        &mut self,
        stream: &str,
        dead_letter_stream: &str,
        dead: DeadLetter,
        report: &mut ReplayReport,
    ) -> bool {
        let failure = |replayed_as: Option<String>, error: ReplayError| ReplayFailure {
            dead_letter_id: dead.id.clone(),
            replayed_as,
            error,
        };
        if dead.fields.is_empty() {
            report
                .failed
                .push(failure(None, ReplayError::NoFields { id: dead.id.clone() }));
            return true;
        }
        let mut add = redis::cmd("XADD");
        add.arg(stream).arg("*");
        for (name, value) in &dead.fields {
            add.arg(name.as_slice()).arg(value.as_slice());
        }
        let added = self.run("XADD", stream, |connection| {
            crate::producer::entry_id(connection.receive_reply(&add)?)
        });
        let new_entry_id = match added {
            Ok(id) => id,
            Err(error) => {
                let go_on = error.kind() == RedisErrorKind::Server;
                report.failed.push(failure(None, error.into()));
                return go_on;
            }
        };
        let removed = self.query(
            "XDEL",
            dead_letter_stream,
            redis::cmd("XDEL").arg(dead_letter_stream).arg(&dead.id),
            |reply| match reply {
                Value::Int(removed) => Ok(removed > 0),
                other => Err(format!("expected the number removed, found {}", summary(&other))),
            },
        );
        match removed {
            Ok(true) => {
                report.replayed.push(ReplayedEntry {
                    dead_letter_id: dead.id,
                    original_entry_id: dead.entry_id,
                    new_entry_id,
                });
                true
            }
            Ok(false) => {
                let error = ReplayError::AlreadyRemoved { id: dead.id.clone() };
                report.failed.push(failure(Some(new_entry_id), error));
                true
            }
            Err(error) => {
                let go_on = error.kind() == RedisErrorKind::Server;
                report.failed.push(failure(Some(new_entry_id), error.into()));
                go_on
            }
        }
    }

    fn xlen(&mut self, stream: &str) -> Result<u64, RedisBusError> {
        self.query("XLEN", stream, redis::cmd("XLEN").arg(stream), |reply| match reply {
            Value::Int(length) if length >= 0 => Ok(length as u64),
            other => Err(format!("expected a length, found {}", summary(&other))),
        })
    }

    /// The dead letters from `start` to `end` (inclusive, `-` and `+` for the ends), oldest
    /// first.
    fn dead_letter_range(
        &mut self,
        dead_letter_stream: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> Result<Vec<DeadLetter>, RedisBusError> {
        let command = redis::cmd("XRANGE")
            .arg(dead_letter_stream)
            .arg(start)
            .arg(end)
            .arg("COUNT")
            .arg(count)
            .clone();
        self.query("XRANGE", dead_letter_stream, &command, parse_dead_letters)
    }

    /// The newest `count` dead letters, newest first.
    fn dead_letter_range_reversed(
        &mut self,
        dead_letter_stream: &str,
        count: usize,
    ) -> Result<Vec<DeadLetter>, RedisBusError> {
        let command = redis::cmd("XREVRANGE")
            .arg(dead_letter_stream)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(count)
            .clone();
        self.query("XREVRANGE", dead_letter_stream, &command, parse_dead_letters)
    }

    /// Sends `command` about `stream` and reads its reply with `parse`. A reply of the wrong
    /// shape is an error, and the connection, perhaps out of step, is dropped.
    fn query<T>(
        &mut self,
        name: &str,
        stream: &str,
        command: &redis::Cmd,
        parse: impl FnOnce(Value) -> Result<T, String>,
    ) -> Result<T, RedisBusError> {
        let reply = self.run(name, stream, |connection| connection.query(command))?;
        parse(reply).map_err(|detail| {
            self.link.disconnect();
            RedisBusError::reply(self.context(name, stream), detail)
        })
    }

    fn run<T>(
        &mut self,
        name: &str,
        stream: &str,
        f: impl FnOnce(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, RedisBusError> {
        let result = self.link.run(Duration::ZERO, f);
        result.map_err(|error| RedisBusError::redis(self.context(name, stream), error))
    }

    fn context(&self, name: &str, stream: &str) -> String {
        format!("{name} on `{stream}` at {}", self.link.options().address())
    }
}

impl std::fmt::Debug for RedisAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAdmin").field("address", &self.address()).finish()
    }
}

/// The entry id right after `id`, for an inclusive `XRANGE` start that skips `id` (the
/// exclusive `(id` form needs Redis 6.2); `None` after the largest id.
fn successor(id: &str) -> Option<String> {
    let id: EntryId = id.parse().ok()?;
    let next = match id.sequence().checked_add(1) {
        Some(sequence) => EntryId::new(id.millis(), sequence),
        None => EntryId::new(id.millis().checked_add(1)?, 0),
    };
    Some(next.to_string())
}

fn parse_dead_letters(reply: Value) -> Result<Vec<DeadLetter>, String> {
    reply::range(reply)?
        .into_iter()
        .map(|RawEntry { id, fields }| match fields {
            Some(fields) => Ok(DeadLetter::from_entry(StreamEntry { id, fields })),
            // Only pending-entry reads return deleted entries; a range never should.
            None => Err(format!("entry {id}: expected its fields, found nil")),
        })
        .collect()
}

/// The groups of an `XINFO GROUPS` reply, each with its name as Redis holds it (for the
/// `XINFO CONSUMERS` that follows) and its status without consumers.
fn parse_groups(reply: Value) -> Result<Vec<(Vec<u8>, GroupStatus)>, String> {
    list(reply, "groups")?
        .into_iter()
        .map(|group| {
            let mut info = Info::new(group, "group")?;
            let raw_name = info.bytes("name")?;
            let status = GroupStatus {
                name: String::from_utf8_lossy(&raw_name).into_owned(),
                consumers: Vec::new(),
                pending: info.count("pending")?,
                last_delivered_id: String::from_utf8_lossy(&info.bytes("last-delivered-id")?).into_owned(),
                // Redis 7 added these two; nil when it cannot tell.
                entries_read: info.optional_count("entries-read")?,
                lag: info.optional_count("lag")?,
            };
            Ok((raw_name, status))
        })
        .collect()
}

/// The consumers of an `XINFO CONSUMERS` reply.
fn parse_consumers(reply: Value) -> Result<Vec<ConsumerStatus>, String> {
    list(reply, "consumers")?
        .into_iter()
        .map(|consumer| {
            let mut info = Info::new(consumer, "consumer")?;
            Ok(ConsumerStatus {
                name: String::from_utf8_lossy(&info.bytes("name")?).into_owned(),
                pending: info.count("pending")?,
                idle_ms: info.count("idle")?,
            })
        })
        .collect()
}

fn list(reply: Value, what: &str) -> Result<Vec<Value>, String> {
    match reply {
        Value::Array(items) | Value::Set(items) => Ok(items),
        other => Err(format!("expected a list of {what}, found {}", summary(&other))),
    }
}

/// One item of an `XINFO` reply: named values, a flat `[name, value, …]` array in RESP2 and a
/// map in RESP3. Names Redis adds in later versions are ignored.
struct Info {
    what: &'static str,
    pairs: Vec<(String, Value)>,
}

impl Info {
    fn new(value: Value, what: &'static str) -> Result<Self, String> {
        let pairs: Vec<(Value, Value)> = match value {
            Value::Map(pairs) => pairs,
            Value::Array(flat) if flat.len() % 2 == 0 => {
                let mut pairs = Vec::with_capacity(flat.len() / 2);
                let mut flat = flat.into_iter();
                while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
                    pairs.push((name, value));
                }
                pairs
            }
            other => return Err(format!("expected the fields of a {what}, found {}", summary(&other))),
        };
        let pairs = pairs
            .into_iter()
            .map(|(name, value)| match name {
                Value::BulkString(bytes) => Ok((String::from_utf8_lossy(&bytes).into_owned(), value)),
                Value::SimpleString(text) => Ok((text, value)),
                other => Err(format!("expected a field name of a {what}, found {}", summary(&other))),
            })
            .collect::<Result<_, String>>()?;
        Ok(Info { what, pairs })
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        let index = self.pairs.iter().position(|(field, _)| field == name)?;
        Some(self.pairs.swap_remove(index).1)
    }

    fn missing(&self, name: &str) -> String {
        format!("the {} has no `{name}`", self.what)
    }

    fn bytes(&mut self, name: &str) -> Result<Vec<u8>, String> {
        match self.take(name) {
            Some(Value::BulkString(bytes)) => Ok(bytes),
            Some(Value::SimpleString(text)) => Ok(text.into_bytes()),
            Some(other) => Err(format!(
                "the {}'s `{name}` should be a string, found {}",
                self.what,
                summary(&other)
            )),
            None => Err(self.missing(name)),
        }
    }

    fn count(&mut self, name: &str) -> Result<u64, String> {
        self.optional_count(name)?.ok_or_else(|| self.missing(name))
    }

    /// A count that may be absent or nil.
    fn optional_count(&mut self, name: &str) -> Result<Option<u64>, String> {
        match self.take(name) {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::Int(count)) if count >= 0 => Ok(Some(count as u64)),
            Some(other) => Err(format!(
                "the {}'s `{name}` should be a count, found {}",
                self.what,
                summary(&other)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::RedisServer;

    type Fields = Vec<(Vec<u8>, Vec<u8>)>;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    fn flat(pairs: &[(&str, Value)]) -> Value {
        Value::Array(
            pairs
                .iter()
                .flat_map(|(name, value)| [bulk(name), value.clone()])
                .collect(),
        )
    }

    fn field(name: &str, value: &str) -> (Vec<u8>, Vec<u8>) {
        (name.as_bytes().to_vec(), value.as_bytes().to_vec())
    }

    #[test]
    fn xinfo_groups_of_redis_7_give_entries_read_and_lag_and_nil_lag_is_unknown() {
        let reply = Value::Array(vec![
            flat(&[
                ("name", bulk("search")),
                ("consumers", Value::Int(2)),
                ("pending", Value::Int(3)),
                ("last-delivered-id", bulk("1700000000000-4")),
                ("entries-read", Value::Int(5)),
                ("lag", Value::Int(1)),
            ]),
            flat(&[
                ("name", bulk("audit")),
                ("consumers", Value::Int(0)),
                ("pending", Value::Int(0)),
                ("last-delivered-id", bulk("0-0")),
                ("entries-read", Value::Nil),
                ("lag", Value::Nil),
            ]),
        ]);
        let groups = parse_groups(reply).unwrap();
        assert_eq!(groups[0].0, b"search");
        assert_eq!(
            groups[0].1,
            GroupStatus {
                name: "search".into(),
                consumers: Vec::new(),
                pending: 3,
                last_delivered_id: "1700000000000-4".into(),
                entries_read: Some(5),
                lag: Some(1),
            }
        );
        assert_eq!((groups[1].1.entries_read, groups[1].1.lag), (None, None));
    }

    #[test]
    fn xinfo_groups_of_redis_6_without_lag_and_of_resp3_read_the_same() {
        let redis_6 = Value::Array(vec![flat(&[
            ("name", bulk("g")),
            ("consumers", Value::Int(1)),
            ("pending", Value::Int(2)),
            ("last-delivered-id", bulk("5-0")),
        ])]);
        let resp3 = Value::Array(vec![Value::Map(vec![
            (bulk("name"), bulk("g")),
            (bulk("pending"), Value::Int(2)),
            (bulk("last-delivered-id"), Value::SimpleString("5-0".into())),
            (bulk("a-field-of-redis-9"), Value::Boolean(true)),
        ])]);
        let expected = GroupStatus {
            name: "g".into(),
            consumers: Vec::new(),
            pending: 2,
            last_delivered_id: "5-0".into(),
            entries_read: None,
            lag: None,
        };
        assert_eq!(parse_groups(redis_6).unwrap()[0].1, expected);
        assert_eq!(parse_groups(resp3).unwrap()[0].1, expected);
    }

    #[test]
    fn xinfo_consumers_give_name_pending_and_idle() {
        let reply = Value::Array(vec![flat(&[
            ("name", bulk("worker-1")),
            ("pending", Value::Int(4)),
            ("idle", Value::Int(1234)),
            ("inactive", Value::Int(-1)),
        ])]);
        assert_eq!(
            parse_consumers(reply).unwrap(),
            [ConsumerStatus {
                name: "worker-1".into(),
                pending: 4,
                idle_ms: 1234,
            }]
        );
    }

    #[test]
    fn malformed_xinfo_replies_are_errors_naming_what_is_wrong() {
        let cases: [(Value, &str); 5] = [
            (Value::Int(1), "expected a list of groups, found the integer 1"),
            (
                Value::Array(vec![Value::Array(vec![bulk("name")])]),
                "expected the fields of a group, found an array of 1 items",
            ),
            (
                Value::Array(vec![flat(&[("name", bulk("g")), ("pending", Value::Int(1))])]),
                "the group has no `last-delivered-id`",
            ),
            (
                Value::Array(vec![flat(&[
                    ("name", bulk("g")),
                    ("pending", Value::Int(-3)),
                    ("last-delivered-id", bulk("0-0")),
                ])]),
                "the group's `pending` should be a count, found the integer -3",
            ),
            (
                Value::Array(vec![flat(&[("name", Value::Int(7)), ("pending", Value::Int(0))])]),
                "the group's `name` should be a string, found the integer 7",
            ),
        ];
        for (reply, expected) in cases {
            assert_eq!(parse_groups(reply).unwrap_err(), expected);
        }
        assert_eq!(
            parse_consumers(Value::Array(vec![flat(&[
                ("name", bulk("c")),
                ("pending", Value::Int(0))
            ])]))
            .unwrap_err(),
            "the consumer has no `idle`"
        );
    }

    #[test]
    fn a_dead_letter_splits_into_the_original_fields_and_its_annotations() {
        let entry = StreamEntry {
            id: "9-0".into(),
            fields: vec![
                field("type", "t"),
                // The original entry's own field of the same name as an annotation stays.
                field("dead_letter_reason", "kept"),
                field("event_data", "x"),
                field("dead_letter_reason", "unreadable message"),
                field("dead_letter_entry_id", "3-1"),
                field("dead_letter_group", "g"),
                field("dead_letter_consumer", "c1"),
            ],
        };
        let dead = DeadLetter::from_entry(entry);
        assert_eq!(
            dead,
            DeadLetter {
                id: "9-0".into(),
                entry_id: Some("3-1".into()),
                reason: Some("unreadable message".into()),
                group: Some("g".into()),
                consumer: Some("c1".into()),
                fields: vec![
                    field("type", "t"),
                    field("dead_letter_reason", "kept"),
                    field("event_data", "x")
                ],
            }
        );
        assert_eq!(dead.message().unwrap_err(), EntryError::Missing { field: "id" });
    }

    #[test]
    fn an_entry_without_annotations_is_a_dead_letter_of_unknown_origin() {
        let dead = DeadLetter::from_entry(StreamEntry {
            id: "1-0".into(),
            fields: vec![field("junk", "1")],
        });
        assert_eq!(
            (dead.entry_id, dead.reason, dead.group, dead.consumer),
            (None, None, None, None)
        );
        assert_eq!(dead.fields, [field("junk", "1")]);
    }

    #[test]
    fn a_range_with_a_deleted_entry_is_an_unexpected_reply() {
        let reply = Value::Array(vec![Value::Array(vec![bulk("1-0"), Value::Nil])]);
        assert_eq!(
            parse_dead_letters(reply).unwrap_err(),
            "entry 1-0: expected its fields, found nil"
        );
    }

    #[test]
    fn the_successor_of_an_id_is_the_next_sequence_or_the_next_millisecond() {
        assert_eq!(successor("5-0").as_deref(), Some("5-1"));
        assert_eq!(successor(&format!("5-{}", u64::MAX)).as_deref(), Some("6-0"));
        assert_eq!(successor(&format!("{0}-{0}", u64::MAX)), None);
        assert_eq!(successor("nope"), None);
    }

    fn server_and_admin(test: &str) -> Option<(RedisServer, RedisAdmin, redis::Connection)> {
        let server = RedisServer::for_test(test)?;
        let admin = RedisAdmin::new(RedisOptions::new(&server.url()).unwrap());
        let connection = redis::Client::open(server.url()).unwrap().get_connection().unwrap();
        Some((server, admin, connection))
    }

    fn add(connection: &mut redis::Connection, stream: &str, fields: &[(Vec<u8>, Vec<u8>)]) -> String {
        let mut command = redis::cmd("XADD");
        command.arg(stream).arg("*");
        for (name, value) in fields {
            command.arg(name.as_slice()).arg(value.as_slice());
        }
        command.query(connection).unwrap()
    }

    fn dead_letter(original: &[(Vec<u8>, Vec<u8>)], entry_id: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        crate::dead_letter_fields(
            &StreamEntry {
                id: entry_id.into(),
                fields: original.to_vec(),
            },
            "no receiver",
            "g",
            "c1",
        )
    }

    #[test]
    fn a_missing_stream_has_a_status_of_nothing_and_no_length() {
        let Some((_server, mut admin, _)) = server_and_admin("admin_missing_stream") else {
            return;
        };
        assert_eq!(admin.stream_length("nothing-here").unwrap(), None);
        let status = admin.status("nothing-here").unwrap();
        assert_eq!(
            status,
            StreamStatus {
                stream: "nothing-here".into(),
                exists: false,
                length: 0,
                dead_letter_stream: "nothing-here-dead-letter".into(),
                dead_letters: 0,
                groups: Vec::new(),
            }
        );
    }

    #[test]
    fn a_key_that_is_not_a_stream_is_a_server_error_naming_it() {
        let Some((_server, mut admin, mut connection)) = server_and_admin("admin_wrong_type") else {
            return;
        };
        redis::cmd("SET")
            .arg("s")
            .arg("text")
            .query::<()>(&mut connection)
            .unwrap();
        let error = admin.status("s").unwrap_err();
        assert_eq!(error.server_code(), Some("WRONGTYPE"));
        assert!(
            error.to_string().starts_with("XLEN on `s` at redis://127.0.0.1:"),
            "{error}"
        );
    }

    #[test]
    fn a_dead_letter_whose_xadd_is_refused_stays_and_the_others_are_replayed() {
        let Some((_server, mut admin, mut connection)) = server_and_admin("admin_replay_refused") else {
            return;
        };
        let original = vec![field("junk", "1")];
        let first = add(&mut connection, "s-dead-letter", &dead_letter(&original, "1-0"));
        // Nothing but annotations: there is nothing to add back.
        let empty = add(&mut connection, "s-dead-letter", &dead_letter(&[], "2-0"));
        let third = add(&mut connection, "s-dead-letter", &dead_letter(&original, "3-0"));
        // The source key holds a string: XADD to it fails with WRONGTYPE.
        redis::cmd("SET")
            .arg("s")
            .arg("text")
            .query::<()>(&mut connection)
            .unwrap();

        let report = admin.replay("s", &Replay::All).unwrap();
        assert!(report.complete);
        assert!(report.replayed.is_empty());
        let failed: Vec<(&str, String)> = report
            .failed
            .iter()
            .map(|failure| (failure.dead_letter_id.as_str(), failure.error.to_string()))
            .collect();
        assert_eq!(failed.len(), 3, "{failed:?}");
        assert_eq!(failed[0].0, first);
        assert!(failed[0].1.contains("WRONGTYPE"), "{failed:?}");
        assert_eq!(
            failed[1],
            (
                empty.as_str(),
                format!("dead letter {empty} has no original fields to replay")
            )
        );
        assert_eq!(failed[2].0, third);
        assert_eq!(
            admin.stream_length("s-dead-letter").unwrap(),
            Some(3),
            "every dead letter kept"
        );

        // Once the source is a stream again, the replayable ones go back to it.
        redis::cmd("DEL").arg("s").query::<()>(&mut connection).unwrap();
        let report = admin.replay("s", &Replay::All).unwrap();
        let replayed: Vec<(&str, Option<&str>)> = report
            .replayed
            .iter()
            .map(|entry| (entry.dead_letter_id.as_str(), entry.original_entry_id.as_deref()))
            .collect();
        assert_eq!(replayed, [(first.as_str(), Some("1-0")), (third.as_str(), Some("3-0"))]);
        let back: Vec<(String, Fields)> = redis::cmd("XRANGE")
            .arg("s")
            .arg("-")
            .arg("+")
            .query(&mut connection)
            .unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].0, report.replayed[0].new_entry_id);
        assert_eq!(back[0].1, original);
        let left = admin.dead_letters("s", 10).unwrap();
        assert_eq!(
            left.iter().map(|dead| dead.id.as_str()).collect::<Vec<_>>(),
            [empty.as_str()]
        );
    }

    #[test]
    fn replay_all_replays_every_page_of_a_long_dead_letter_stream() {
        let Some((_server, mut admin, mut connection)) = server_and_admin("admin_replay_pages") else {
            return;
        };
        let count = REPLAY_PAGE * 2 + 5;
        for index in 0..count {
            add(
                &mut connection,
                "s-dead-letter",
                &dead_letter(&[field("n", &index.to_string())], "1-0"),
            );
        }
        let report = admin.replay("s", &Replay::All).unwrap();
        assert!(report.complete && report.failed.is_empty(), "{:?}", report.failed);
        assert_eq!(report.replayed.len(), count);
        assert_eq!(admin.stream_length("s").unwrap(), Some(count as u64));
        assert_eq!(admin.stream_length("s-dead-letter").unwrap(), Some(0));
    }

    #[test]
    fn trim_keeps_the_newest_and_counts_what_it_removed() {
        let Some((_server, mut admin, mut connection)) = server_and_admin("admin_trim") else {
            return;
        };
        let ids: Vec<String> = (0..5)
            .map(|index| {
                add(
                    &mut connection,
                    "s-dead-letter",
                    &dead_letter(&[field("n", &index.to_string())], "1-0"),
                )
            })
            .collect();
        assert_eq!(admin.trim("s", 2).unwrap(), 3);
        let kept: Vec<String> = admin
            .dead_letters("s", 10)
            .unwrap()
            .into_iter()
            .map(|dead| dead.id)
            .collect();
        assert_eq!(kept, ids[3..]);
        assert_eq!(admin.trim("s", 0).unwrap(), 2);
        assert_eq!(
            admin.stream_length("s-dead-letter").unwrap(),
            Some(0),
            "the stream stays, empty"
        );
        assert_eq!(admin.trim("never-was", 0).unwrap(), 0);
    }

    #[test]
    fn an_unreachable_server_is_a_connection_error_naming_the_command_and_address() {
        let mut admin = RedisAdmin::new(RedisOptions::new("redis://127.0.0.1:1/0").unwrap());
        let error = admin.status("s").unwrap_err();
        assert!(error.is_connection_error(), "{error}");
        assert!(
            error.to_string().starts_with("XLEN on `s` at redis://127.0.0.1:1/0"),
            "{error}"
        );
    }
}
