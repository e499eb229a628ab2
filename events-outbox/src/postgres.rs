//! The outbox on PostgreSQL, through the `postgres` crate (sync) and `tokio-postgres`
//! (async), the clients most Rust services on PostgreSQL use without an ORM.
//!
//! Several relays may run: each claims the oldest unsent rows with `FOR UPDATE SKIP LOCKED`,
//! so that no row is published by two of them, and leaves out of its batch the rows of a
//! topic and key that have an older row claimed by another relay, so that the events of one
//! key go out in order.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use events_core::AvroEvent;
use events_core::bus::{BusMessage, EventBusProducer, ShutdownHandle};
use postgres::types::Type;
use postgres::{Client, NoTls};

use crate::error::OutboxError;
use crate::outbox::Outbox;
use crate::relay::{RelayOptions, RelayReport, message_of, pause, settle};
use crate::schema::{OutboxStatus, now_ms};

/// The statements that create the outbox tables on PostgreSQL.
const MIGRATION: &str = r"
    CREATE TABLE IF NOT EXISTS openedx_events_outbox (
        id BIGSERIAL PRIMARY KEY,
        topic TEXT NOT NULL,
        event_type TEXT NOT NULL,
        event_id TEXT NOT NULL,
        metadata TEXT NOT NULL,
        key_field TEXT,
        message_key TEXT,
        data BYTEA NOT NULL,
        schema_fingerprint BIGINT,
        created_at_ms BIGINT NOT NULL,
        sent_at_ms BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX IF NOT EXISTS openedx_events_outbox_unsent ON openedx_events_outbox (id) WHERE sent_at_ms IS NULL;
    CREATE INDEX IF NOT EXISTS openedx_events_outbox_sent ON openedx_events_outbox (sent_at_ms) WHERE sent_at_ms IS NOT NULL;
";

fn database(context: impl Into<String>) -> impl FnOnce(postgres::Error) -> OutboxError {
    let context = context.into();
    move |source| OutboxError::Postgres { context, source }
}

/// Creates the outbox tables on PostgreSQL if they are missing.
pub fn migrate_postgres(client: &mut Client) -> Result<(), OutboxError> {
    client
        .batch_execute(MIGRATION)
        .map_err(database("creating the outbox tables"))
}

/// The status of the outbox of a PostgreSQL database.
pub fn status_postgres(client: &mut Client) -> Result<OutboxStatus, OutboxError> {
    let row = client
        .query_one(
            "SELECT
                COUNT(*) FILTER (WHERE sent_at_ms IS NULL),
                MIN(created_at_ms) FILTER (WHERE sent_at_ms IS NULL),
                COUNT(*) FILTER (WHERE sent_at_ms IS NULL AND attempts > 0),
                COUNT(*) FILTER (WHERE sent_at_ms IS NOT NULL)
             FROM openedx_events_outbox",
            &[],
        )
        .map_err(database("reading the outbox status"))?;
    let count = |index: usize| u64::try_from(row.get::<_, i64>(index)).unwrap_or(0);
    let oldest: Option<i64> = row.get(1);
    Ok(OutboxStatus {
        pending: count(0),
        oldest_pending_ms: oldest.map(|created| u64::try_from(now_ms() - created).unwrap_or(0)),
        failing: count(2),
        sent: count(3),
    })
}

const INSERT: &str = "INSERT INTO openedx_events_outbox (topic, event_type, event_id, metadata, key_field, \
    message_key, data, schema_fingerprint, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The values of a row for `message` on `topic`.
fn row_values(topic: &str, message: &BusMessage) -> RowValues {
    let metadata = &message.metadata;
    RowValues {
        topic: topic.to_owned(),
        event_type: metadata.event_type().to_owned(),
        event_id: metadata.id().to_string(),
        metadata: metadata.to_json(),
        key_field: message.key_field.as_deref().map(str::to_owned),
        key: message.key.clone(),
        data: message.data.clone(),
        fingerprint: message
            .schema
            .map(|schema| i64::from_ne_bytes(schema.fingerprint().to_ne_bytes())),
        created_at_ms: now_ms(),
    }
}

impl RowValues {
    /// The parameters of [`INSERT`], with their types.
    fn typed(&self) -> [(&(dyn postgres::types::ToSql + Sync), Type); 9] {
        [
            (&self.topic, Type::TEXT),
            (&self.event_type, Type::TEXT),
            (&self.event_id, Type::TEXT),
            (&self.metadata, Type::TEXT),
            (&self.key_field, Type::TEXT),
            (&self.key, Type::TEXT),
            (&self.data, Type::BYTEA),
            (&self.fingerprint, Type::INT8),
            (&self.created_at_ms, Type::INT8),
        ]
    }
}

struct RowValues {
    topic: String,
    event_type: String,
    event_id: String,
    metadata: String,
    key_field: Option<String>,
    key: Option<String>,
    data: Vec<u8>,
    fingerprint: Option<i64>,
    created_at_ms: i64,
}

/// Writes `message` for `topic` (with its prefix) into the outbox, in the PostgreSQL
/// `transaction`: the low-level form of [`Outbox::send_postgres`]. Returns the row's id.
pub fn write_message_postgres(
    transaction: &mut postgres::Transaction<'_>,
    topic: &str,
    message: &BusMessage,
) -> Result<i64, OutboxError> {
    let row = row_values(topic, message);
    // Typed parameters: one round trip, where preparing the statement first would take two.
    let inserted = transaction
        .query_typed_one(&format!("{INSERT} RETURNING id"), &row.typed())
        .map_err(database(format!("writing event {} to the outbox", row.event_id)))?;
    Ok(inserted.get(0))
}

impl Outbox {
    /// Writes `event` for each of its enabled topics in the PostgreSQL `transaction`: nothing
    /// is published unless it commits. Returns the event's metadata.
    pub fn send_postgres<T: AvroEvent>(
        &self,
        transaction: &mut postgres::Transaction<'_>,
        event: &T,
    ) -> Result<events_core::EventsMetadata, OutboxError> {
        let (metadata, messages) = self.messages(event)?;
        for (topic, message) in &messages {
            write_message_postgres(transaction, topic, message)?;
        }
        Ok(metadata)
    }

    /// Like [`send_postgres`](Self::send_postgres), in a `tokio-postgres` transaction.
    pub async fn send_postgres_async<T: AvroEvent>(
        &self,
        transaction: &tokio_postgres::Transaction<'_>,
        event: &T,
    ) -> Result<events_core::EventsMetadata, OutboxError> {
        let (metadata, messages) = self.messages(event)?;
        for (topic, message) in &messages {
            let row = row_values(topic, message);
            transaction
                .query_typed(&format!("{INSERT} RETURNING id"), &row.typed())
                .await
                .map_err(database(format!("writing event {} to the outbox", row.event_id)))?;
        }
        Ok(metadata)
    }
}

/// A relay of the outbox of a PostgreSQL database. Several may run against one database.
pub struct PostgresRelay {
    url: String,
    client: Option<Client>,
    producer: Arc<dyn EventBusProducer>,
    options: RelayOptions,
    backoff: Duration,
}

impl PostgresRelay {
    /// A relay of the database at `url` (`postgres://user:password@host:port/database`),
    /// publishing through `producer`. Creates the outbox tables if they are missing.
    pub fn connect(url: &str, producer: Arc<dyn EventBusProducer>, options: RelayOptions) -> Result<Self, OutboxError> {
        let mut relay = PostgresRelay {
            url: url.to_owned(),
            client: None,
            producer,
            backoff: options.initial_backoff,
            options,
        };
        migrate_postgres(relay.client()?)?;
        Ok(relay)
    }

    /// The connection, opened again after the server went away.
    fn client(&mut self) -> Result<&mut Client, OutboxError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let client = Client::connect(&self.url, NoTls).map_err(database("connecting to the outbox database"))?;
            self.client = Some(client);
        }
        self.client.as_mut().ok_or_else(|| OutboxError::Event {
            event_type: String::new(),
            reason: "no connection".into(),
        })
    }

    /// Claims a batch of the oldest unsent rows, publishes them and marks them sent, in one
    /// transaction: a relay that dies before the commit leaves them unsent (published again
    /// by the next pass, at most this batch), and no other relay can claim them meanwhile.
    pub fn relay_once(&mut self) -> Result<RelayReport, OutboxError> {
        let result = self.pass();
        if result.is_err() {
            // A broken connection is replaced at the next pass.
            if self.client.as_ref().is_some_and(Client::is_closed) {
                self.client = None;
            }
        }
        result
    }

    fn pass(&mut self) -> Result<RelayReport, OutboxError> {
        let batch = i64::try_from(self.options.batch_size.max(1)).unwrap_or(i64::MAX);
        let producer = Arc::clone(&self.producer);
        let client = self.client()?;
        let mut transaction = client.transaction().map_err(database("starting a relay pass"))?;
        let rows = transaction
            .query(
                "SELECT id, topic, event_id, metadata, key_field, message_key, data, schema_fingerprint
                 FROM openedx_events_outbox WHERE sent_at_ms IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                &[&batch],
            )
            .map_err(database("claiming outbox rows"))?;
        if rows.is_empty() {
            return Ok(RelayReport::default());
        }
        let ids: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
        let newest = ids.iter().copied().max().unwrap_or(0);
        // Keys with an older unsent row this pass did not claim (another relay holds it):
        // their rows wait, so that a key's events go out in order.
        let blocked: HashSet<(String, Option<String>)> = transaction
            .query(
                "SELECT DISTINCT topic, message_key FROM openedx_events_outbox
                 WHERE sent_at_ms IS NULL AND id < $1 AND NOT (id = ANY($2))",
                &[&newest, &ids],
            )
            .map_err(database("finding keys claimed by other relays"))?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let mut report = RelayReport::default();
        let mut sent: Vec<i64> = Vec::new();
        let mut failures: Vec<(i64, String)> = Vec::new();
        let mut start = 0;
        while start < rows.len() {
            let topic: String = rows[start].get(1);
            let end = rows[start..]
                .iter()
                .position(|row| row.get::<_, String>(1) != topic)
                .map_or(rows.len(), |offset| start + offset);
            let mut batch_ids = Vec::new();
            let mut messages = Vec::new();
            for row in &rows[start..end] {
                let key: Option<String> = row.get(5);
                if blocked.contains(&(topic.clone(), key.clone())) {
                    continue;
                }
                let fingerprint: Option<i64> = row.get(7);
                match message_of(
                    row.get(3),
                    row.get(4),
                    key,
                    row.get(6),
                    fingerprint.map(|bits| u64::from_ne_bytes(bits.to_ne_bytes())),
                ) {
                    Ok(message) => {
                        batch_ids.push(row.get::<_, i64>(0));
                        messages.push(message);
                    }
                    Err(reason) => failures.push((row.get(0), reason)),
                }
            }
            settle(
                &batch_ids,
                producer.send_batch(&topic, &messages),
                &mut sent,
                &mut failures,
            );
            if !failures.is_empty() {
                break;
            }
            start = end;
        }
        transaction
            .execute(
                "UPDATE openedx_events_outbox SET sent_at_ms = $1 WHERE id = ANY($2)",
                &[&now_ms(), &sent],
            )
            .map_err(database("marking outbox rows sent"))?;
        for (id, reason) in &failures {
            tracing::warn!(row = id, %reason, "the broker did not take an outbox message; it is kept for the next pass");
            transaction
                .execute(
                    "UPDATE openedx_events_outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2",
                    &[reason, id],
                )
                .map_err(database("counting a failed attempt"))?;
        }
        transaction.commit().map_err(database("committing a relay pass"))?;
        report.published = sent.len();
        report.failed = failures.len();
        Ok(report)
    }

    /// Removes the rows sent longer ago than the retention; returns how many.
    pub fn purge(&mut self) -> Result<u64, OutboxError> {
        let retention = i64::try_from(self.options.retention.as_millis()).unwrap_or(i64::MAX);
        let before = now_ms().saturating_sub(retention);
        self.client()?
            .execute(
                "DELETE FROM openedx_events_outbox WHERE sent_at_ms IS NOT NULL AND sent_at_ms < $1",
                &[&before],
            )
            .map_err(database("purging sent outbox rows"))
    }

    /// Relays until `shutdown`, as [`Relay::run`](crate::Relay::run) does; a database that
    /// goes away is reconnected to with backoff.
    pub fn run(&mut self, shutdown: &ShutdownHandle) -> Result<(), OutboxError> {
        let mut last_purge = Instant::now();
        while !shutdown.is_shutdown() {
            match self.relay_once() {
                Ok(report) if report.failed > 0 => {
                    pause(shutdown, self.backoff);
                    self.backoff = (self.backoff * 2).min(self.options.max_backoff);
                }
                Ok(report) => {
                    self.backoff = self.options.initial_backoff;
                    if report.published == 0 {
                        pause(shutdown, self.options.poll_interval);
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "relay pass failed; retrying");
                    pause(shutdown, self.backoff);
                    self.backoff = (self.backoff * 2).min(self.options.max_backoff);
                }
            }
            if last_purge.elapsed() > Duration::from_secs(60) {
                let _ = self.purge();
                last_purge = Instant::now();
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for PostgresRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresRelay")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
