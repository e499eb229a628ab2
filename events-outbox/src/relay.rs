//! The relay: publishes committed outbox rows in commit order and marks them sent.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use events_core::EventsMetadata;
use events_core::bus::{BusMessage, EventBusProducer, ShutdownHandle};
use events_core::registry::get_signal_by_type;
use rusqlite::{Connection, params_from_iter};

use crate::error::OutboxError;
use crate::schema::{TABLE, migrate, now_ms};

/// How a relay batches, waits and purges.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// Rows read and published at once.
    pub batch_size: usize,
    /// The pause when the outbox is empty.
    pub poll_interval: Duration,
    /// The first pause after the broker refused a message; it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest pause between retries.
    pub max_backoff: Duration,
    /// How long sent rows are kept before [`Relay::purge`] removes them.
    pub retention: Duration,
    /// How long a statement waits for another connection's write lock.
    pub busy_timeout: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            batch_size: 100,
            poll_interval: Duration::from_millis(200),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            retention: Duration::from_secs(7 * 24 * 3600),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// What one pass of the relay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayReport {
    /// Rows published and marked sent.
    pub published: usize,
    /// Rows the broker refused, kept for the next pass.
    pub failed: usize,
}

/// Publishes the outbox of one SQLite database. One relay at a time holds an outbox: it locks
/// `{database}.relay-lock` (released by the system when the process dies, however it dies).
pub struct Relay {
    connection: Connection,
    producer: Arc<dyn EventBusProducer>,
    options: RelayOptions,
    path: PathBuf,
    _lock: File,
    backoff: Duration,
}

impl Relay {
    /// A relay of the outbox in the SQLite database at `path`, publishing through `producer`;
    /// an [`OutboxError::Locked`] error when another relay holds it. Creates the outbox tables
    /// if they are missing.
    pub fn open(path: &Path, producer: Arc<dyn EventBusProducer>, options: RelayOptions) -> Result<Self, OutboxError> {
        let lock = lock_file(path)?;
        if let Err(error) = lock.try_lock() {
            return Err(OutboxError::Locked {
                path: path.display().to_string(),
                reason: error.to_string(),
            });
        }
        Self::with_lock(path, producer, options, lock)
    }

    /// Like [`open`](Self::open), waiting for another relay to let go of the outbox.
    pub fn open_waiting(
        path: &Path,
        producer: Arc<dyn EventBusProducer>,
        options: RelayOptions,
    ) -> Result<Self, OutboxError> {
        let lock = lock_file(path)?;
        lock.lock().map_err(|error| OutboxError::Locked {
            path: path.display().to_string(),
            reason: error.to_string(),
        })?;
        Self::with_lock(path, producer, options, lock)
    }

    fn with_lock(
        path: &Path,
        producer: Arc<dyn EventBusProducer>,
        options: RelayOptions,
        lock: File,
    ) -> Result<Self, OutboxError> {
        let connection =
            Connection::open(path).map_err(OutboxError::database(format!("opening {}", path.display())))?;
        connection
            .busy_timeout(options.busy_timeout)
            .map_err(OutboxError::database("setting the busy timeout"))?;
        migrate(&connection)?;
        Ok(Relay {
            connection,
            producer,
            backoff: options.initial_backoff,
            options,
            path: path.to_owned(),
            _lock: lock,
        })
    }

    /// Publishes the oldest unsent rows, a batch of them, in commit order, and marks those
    /// the broker took as sent. Stops at the first topic whose messages the broker refused, so
    /// that nothing overtakes them; they are tried again at the next pass.
    pub fn relay_once(&mut self) -> Result<RelayReport, OutboxError> {
        let rows = self.unsent()?;
        let mut report = RelayReport::default();
        let mut start = 0;
        while start < rows.len() {
            let topic = rows[start].topic.clone();
            let end = rows[start..]
                .iter()
                .position(|row| row.topic != topic)
                .map_or(rows.len(), |offset| start + offset);
            let batch = &rows[start..end];
            let mut sent: Vec<i64> = Vec::with_capacity(batch.len());
            // Rows this build cannot turn into messages stay, with the reason, and are counted
            // as failures, like messages the broker refuses.
            let mut failures: Vec<(i64, String)> = batch
                .iter()
                .filter_map(|row| row.message.as_ref().err().map(|reason| (row.id, reason.clone())))
                .collect();
            let readable: Vec<&Row> = batch.iter().filter(|row| row.message.is_ok()).collect();
            let messages: Vec<BusMessage> = readable
                .iter()
                .filter_map(|row| row.message.as_ref().ok().cloned())
                .collect();
            let ids: Vec<i64> = readable.iter().map(|row| row.id).collect();
            settle(
                &ids,
                self.producer.send_batch(&topic, &messages),
                &mut sent,
                &mut failures,
            );
            self.mark(&sent, &failures)?;
            report.published += sent.len();
            report.failed += failures.len();
            if !failures.is_empty() {
                for (id, reason) in &failures {
                    let row = batch.iter().find(|row| row.id == *id);
                    tracing::warn!(topic = %topic, row = id, event_id = row.map_or("", |row| row.event_id.as_str()),
                        %reason, "the broker did not take an outbox message; it is kept for the next pass");
                }
                break;
            }
            start = end;
        }
        Ok(report)
    }

    /// Removes the rows sent longer ago than the retention; returns how many.
    pub fn purge(&mut self) -> Result<usize, OutboxError> {
        let retention = i64::try_from(self.options.retention.as_millis()).unwrap_or(i64::MAX);
        self.connection
            .execute(
                &format!("DELETE FROM {TABLE} WHERE sent_at_ms IS NOT NULL AND sent_at_ms < ?1"),
                [now_ms().saturating_sub(retention)],
            )
            .map_err(OutboxError::database("purging sent outbox rows"))
    }

    /// Relays until `shutdown`: passes back to back while there is work, a pause of
    /// `poll_interval` when the outbox is empty, and a backoff after the broker refused a
    /// message; sent rows are purged every minute.
    pub fn run(&mut self, shutdown: &ShutdownHandle) -> Result<(), OutboxError> {
        let mut last_purge = Instant::now();
        tracing::info!(outbox = %self.path.display(), "relay started");
        while !shutdown.is_shutdown() {
            let report = self.relay_once()?;
            if report.failed > 0 {
                pause(shutdown, self.backoff);
                self.backoff = (self.backoff * 2).min(self.options.max_backoff);
            } else {
                self.backoff = self.options.initial_backoff;
                if report.published == 0 {
                    pause(shutdown, self.options.poll_interval);
                }
            }
            if last_purge.elapsed() > Duration::from_secs(60) {
                self.purge()?;
                last_purge = Instant::now();
            }
        }
        tracing::info!(outbox = %self.path.display(), "relay stopped");
        Ok(())
    }

    fn unsent(&self) -> Result<Vec<Row>, OutboxError> {
        let mut select = self
            .connection
            .prepare_cached(&format!(
                "SELECT id, topic, event_id, metadata, key_field, message_key, data, schema_fingerprint \
                 FROM {TABLE} WHERE sent_at_ms IS NULL ORDER BY id LIMIT ?1"
            ))
            .map_err(OutboxError::database("reading the outbox"))?;
        let limit = i64::try_from(self.options.batch_size.max(1)).unwrap_or(i64::MAX);
        let rows = select
            .query_map([limit], |row| {
                let fingerprint: Option<i64> = row.get(7)?;
                Ok(Row {
                    id: row.get(0)?,
                    topic: row.get(1)?,
                    event_id: row.get(2)?,
                    message: message_of(
                        &row.get::<_, String>(3)?,
                        row.get(4)?,
                        row.get(5)?,
                        row.get(6)?,
                        fingerprint.map(|bits| u64::from_ne_bytes(bits.to_ne_bytes())),
                    ),
                })
            })
            .and_then(Iterator::collect::<Result<Vec<Row>, _>>)
            .map_err(OutboxError::database("reading the outbox"))?;
        Ok(rows)
    }

    /// Marks `sent` rows sent and counts an attempt on each of `failures`, in one transaction.
    fn mark(&mut self, sent: &[i64], failures: &[(i64, String)]) -> Result<(), OutboxError> {
        let transaction = self
            .connection
            .transaction()
            .map_err(OutboxError::database("marking outbox rows"))?;
        for chunk in sent.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(",");
            transaction
                .execute(
                    &format!(
                        "UPDATE {TABLE} SET sent_at_ms = {} WHERE id IN ({placeholders})",
                        now_ms()
                    ),
                    params_from_iter(chunk),
                )
                .map_err(OutboxError::database("marking outbox rows sent"))?;
        }
        for (id, reason) in failures {
            transaction
                .execute(
                    &format!("UPDATE {TABLE} SET attempts = attempts + 1, last_error = ?1 WHERE id = ?2"),
                    rusqlite::params![reason, id],
                )
                .map_err(OutboxError::database("counting a failed attempt"))?;
        }
        transaction
            .commit()
            .map_err(OutboxError::database("marking outbox rows"))
    }
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One unsent row.
struct Row {
    id: i64,
    topic: String,
    event_id: String,
    /// The message, or why the row cannot be published by this build.
    message: Result<BusMessage, String>,
}

/// Sorts the rows `ids` of a batch into `sent` and `failures` by what the producer answered:
/// every row sent, or each refused one with its reason and the others sent.
pub(crate) fn settle(
    ids: &[i64],
    answer: Result<(), events_core::bus::BatchError>,
    sent: &mut Vec<i64>,
    failures: &mut Vec<(i64, String)>,
) {
    let Err(error) = answer else {
        sent.extend(ids);
        return;
    };
    let mut refused = vec![None; ids.len()];
    for (index, failure) in error.failures {
        if let Some(slot) = refused.get_mut(index) {
            *slot = Some(failure.to_string());
        }
    }
    for (id, refusal) in ids.iter().zip(refused) {
        match refusal {
            Some(reason) => failures.push((*id, reason)),
            None => sent.push(*id),
        }
    }
}

/// The bus message a row holds.
pub(crate) fn message_of(
    metadata: &str,
    key_field: Option<String>,
    key: Option<String>,
    data: Vec<u8>,
    fingerprint: Option<u64>,
) -> Result<BusMessage, String> {
    let metadata = EventsMetadata::from_json(metadata).map_err(|error| format!("unreadable metadata: {error}"))?;
    let mut message = BusMessage::new(metadata, data);
    message.key = key;
    message.key_field = key_field.map(Arc::from);
    if let Some(fingerprint) = fingerprint {
        let event_type = message.metadata.event_type().to_owned();
        let schema = get_signal_by_type(&event_type)
            .ok()
            .and_then(|signal| signal.info().codec)
            .map(|codec| (codec.event_schema)())
            .ok_or_else(|| format!("{event_type} is not an event this relay knows"))?;
        if schema.fingerprint() != fingerprint {
            return Err(format!(
                "{event_type} was written with schema {fingerprint:016x}, and this relay knows {:016x}: run a relay of the writer's version",
                schema.fingerprint()
            ));
        }
        message.schema = Some(schema);
    }
    Ok(message)
}

fn lock_file(path: &Path) -> Result<File, OutboxError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".relay-lock");
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|error| OutboxError::Locked {
            path: path.display().to_string(),
            reason: format!("cannot open {}: {error}", PathBuf::from(name).display()),
        })
}

/// Sleeps for `duration`, waking early on shutdown.
pub(crate) fn pause(shutdown: &ShutdownHandle, duration: Duration) {
    let until = Instant::now() + duration;
    while !shutdown.is_shutdown() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}
