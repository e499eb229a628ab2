//! Errors of sending events and looking them up.

use uuid::Uuid;

use crate::receiver::{BoxError, ReceiverId};

/// Why a send failed.
///
/// A robust send (the default) only fails for reasons of the call itself; receiver failures are
/// reported in its [`Responses`](crate::Responses). A fail-fast send
/// ([`allow_send_event_failure`](crate::OpenEdxPublicSignal::allow_send_event_failure)) also
/// fails with the first receiver error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// A receiver returned an error while the signal fails fast.
    #[error("receiver `{receiver}` of `{event_type}` failed on event {event_id}: {source}")]
    ReceiverFailed {
        /// The event type.
        event_type: &'static str,
        /// The id of the event being sent.
        event_id: Uuid,
        /// The receiver that failed.
        receiver: ReceiverId,
        /// Its error.
        #[source]
        source: BoxError,
    },
    /// The time given to `send_event_at` is outside the years 1 to 9999, which Python's
    /// `datetime`, and so the event bus, cannot carry.
    #[error("`{event_type}` cannot be sent at that time: {source}")]
    TimeOutOfRange {
        /// The event type.
        event_type: &'static str,
        /// The time and the range.
        #[source]
        source: crate::datetime::DateTimeRangeError,
    },
    /// Metadata given to `send_event_with_custom_metadata` is for another event type.
    #[error("metadata of `{found}` cannot be sent on the signal of `{event_type}`")]
    MetadataMismatch {
        /// The signal's event type.
        event_type: &'static str,
        /// The event type in the metadata.
        found: String,
    },
}

/// Why an event type could not be found in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No linked crate defines the event type.
    #[error("unknown event type `{event_type}`{}", did_you_mean(suggestions))]
    UnknownEventType {
        /// The type that was asked for.
        event_type: String,
        /// The closest known event types, best first.
        suggestions: Vec<&'static str>,
    },
    /// Several linked crates define the event type.
    #[error("event type `{event_type}` is defined more than once: {}", locations.join(", "))]
    DuplicateEventType {
        /// The event type.
        event_type: String,
        /// Where each definition is (`path/to/file.rs:line`).
        locations: Vec<String>,
    },
}

fn did_you_mean(suggestions: &[&str]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of: {}?",
            many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}
