//! The outbox's tables, created by [`migrate`], and what an operator asks of them.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::error::OutboxError;

/// The table of messages waiting to be published, and of those published until purged.
pub(crate) const TABLE: &str = "openedx_events_outbox";

/// The schema version [`migrate`] brings the database to.
const VERSION: i64 = 1;

/// The statements of each version, applied in order.
const MIGRATIONS: [&str; 1] = [r"
    CREATE TABLE openedx_events_outbox (
        -- The order of commits: SQLite has one writer at a time, so ids grow with commits.
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        event_type TEXT NOT NULL,
        event_id TEXT NOT NULL,
        -- EventsMetadata.to_json().
        metadata TEXT NOT NULL,
        key_field TEXT,
        message_key TEXT,
        data BLOB NOT NULL,
        -- The CRC-64-AVRO fingerprint of the schema `data` was written with.
        schema_fingerprint INTEGER,
        created_at_ms INTEGER NOT NULL,
        sent_at_ms INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX openedx_events_outbox_unsent ON openedx_events_outbox (id) WHERE sent_at_ms IS NULL;
    CREATE INDEX openedx_events_outbox_sent ON openedx_events_outbox (sent_at_ms) WHERE sent_at_ms IS NOT NULL;
"];

/// Creates the outbox tables, or brings them to this version; does nothing when they are
/// current. The version is kept in SQLite's `user_version` of a table of its own
/// (`openedx_events_outbox_version`), so that the application's own use of `user_version` is
/// left alone.
pub fn migrate(connection: &Connection) -> Result<(), OutboxError> {
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS openedx_events_outbox_version (version INTEGER NOT NULL)")
        .map_err(OutboxError::database("creating the outbox version table"))?;
    let current: i64 = connection
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM openedx_events_outbox_version",
            [],
            |row| row.get(0),
        )
        .map_err(OutboxError::database("reading the outbox version"))?;
    if current > VERSION {
        return Err(OutboxError::Event {
            event_type: String::new(),
            reason: format!("the outbox tables are at version {current}, newer than this build's {VERSION}"),
        });
    }
    for (index, statements) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index).unwrap_or(i64::MAX) + 1;
        if version <= current {
            continue;
        }
        let batch = format!(
            "BEGIN IMMEDIATE; {statements}; DELETE FROM openedx_events_outbox_version; \
             INSERT INTO openedx_events_outbox_version (version) VALUES ({version}); COMMIT;"
        );
        if let Err(error) = connection.execute_batch(&batch) {
            let _ = connection.execute_batch("ROLLBACK");
            return Err(OutboxError::database(format!(
                "migrating the outbox to version {version}"
            ))(error));
        }
    }
    Ok(())
}

/// What waits in the outbox and what went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxStatus {
    /// Messages not published yet.
    pub pending: u64,
    /// How long the oldest of them has waited, in milliseconds.
    pub oldest_pending_ms: Option<u64>,
    /// Pending messages that failed at least once.
    pub failing: u64,
    /// Messages published and not purged yet.
    pub sent: u64,
}

/// The status of the outbox in `connection`.
pub fn status(connection: &Connection) -> Result<OutboxStatus, OutboxError> {
    let now = now_ms();
    connection
        .query_row(
            &format!(
                "SELECT
                    COUNT(*) FILTER (WHERE sent_at_ms IS NULL),
                    MIN(created_at_ms) FILTER (WHERE sent_at_ms IS NULL),
                    COUNT(*) FILTER (WHERE sent_at_ms IS NULL AND attempts > 0),
                    COUNT(*) FILTER (WHERE sent_at_ms IS NOT NULL)
                 FROM {TABLE}"
            ),
            [],
            |row| {
                let oldest: Option<i64> = row.get(1)?;
                Ok(OutboxStatus {
                    pending: row.get(0)?,
                    oldest_pending_ms: oldest.map(|created| u64::try_from(now - created).unwrap_or(0)),
                    failing: row.get(2)?,
                    sent: row.get(3)?,
                })
            },
        )
        .map_err(OutboxError::database("reading the outbox status"))
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_changes_nothing_and_a_newer_version_is_refused() {
        let connection = Connection::open_in_memory().unwrap();
        migrate(&connection).unwrap();
        migrate(&connection).unwrap();
        assert_eq!(
            status(&connection).unwrap(),
            OutboxStatus {
                pending: 0,
                oldest_pending_ms: None,
                failing: 0,
                sent: 0
            }
        );
        connection
            .execute("UPDATE openedx_events_outbox_version SET version = 9", [])
            .unwrap();
        let error = migrate(&connection).unwrap_err();
        assert!(
            error.to_string().contains("version 9, newer than this build's 1"),
            "{error}"
        );
    }
}
