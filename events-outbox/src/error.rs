//! What the outbox fails with.

/// An outbox error, naming what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The database failed.
    #[error("{context}: {source}")]
    Database {
        /// What was being done.
        context: String,
        /// The database's error.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL failed.
    #[error("{context}: {source}")]
    Postgres {
        /// What was being done.
        context: String,
        /// The client's error.
        #[source]
        source: postgres::Error,
    },
    /// The event cannot go through the outbox (it is not serializable, its key field has no
    /// value, …).
    #[error("{event_type}: {reason}")]
    Event {
        /// The event type.
        event_type: String,
        /// Why.
        reason: String,
    },
    /// Another relay holds the outbox.
    #[error("another relay holds the outbox {path} ({reason})")]
    Locked {
        /// The database file.
        path: String,
        /// The lock's error.
        reason: String,
    },
}

impl OutboxError {
    pub(crate) fn database(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Self {
        let context = context.into();
        move |source| OutboxError::Database { context, source }
    }
}
