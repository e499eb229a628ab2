//! An event as receivers see it, and the trait every event definition implements.

use std::fmt;

use crate::metadata::EventsMetadata;
use crate::registry::EventInfo;
use crate::signal::OpenEdxPublicSignal;

/// An Open edX event definition: the payload struct of one event type.
///
/// Implemented by `#[open_edx_event]`; the associated items describe the event and lead to its
/// signal.
pub trait OpenEdxEvent: Clone + fmt::Debug + Send + Sync + 'static {
    /// The event's registration record: type, name, description, data keys and annotations.
    const INFO: &'static EventInfo;

    /// The event type, e.g. `org.openedx.learning.course.enrollment.created.v1`.
    const EVENT_TYPE: &'static str = Self::INFO.event_type;

    /// The signal that sends this event.
    fn signal() -> &'static OpenEdxPublicSignal<Self>;
}

/// One sent event: its metadata and payload, as passed to each receiver.
///
/// ```
/// # use events_core::prelude::*;
/// # /// Data.
/// # #[event_data] pub struct SessionData {
/// #     /// The user name.
/// #     username: String,
/// # }
/// # /// Emitted when a session starts.
/// # #[open_edx_event(type = "com.example.learning.session.started.v1")]
/// # pub struct SessionStarted {
/// #     /// The session.
/// #     session: SessionData,
/// # }
/// let _connection = SESSION_STARTED.connect("audit_log", |event: &Event<SessionStarted>| {
///     println!(
///         "{} at {}: {}",
///         event.metadata().event_type(),
///         event.metadata().time(),
///         event.data().session().username(),
///     );
///     Ok(())
/// });
/// ```
#[derive(Clone, PartialEq)]
pub struct Event<T> {
    metadata: EventsMetadata,
    data: T,
    from_event_bus: bool,
}

impl<T> Event<T> {
    pub(crate) fn new(metadata: EventsMetadata, data: T, from_event_bus: bool) -> Self {
        Event {
            metadata,
            data,
            from_event_bus,
        }
    }

    /// The event's metadata (id, time, source, …).
    pub fn metadata(&self) -> &EventsMetadata {
        &self.metadata
    }

    /// The event's payload.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// Whether the event was received from the event bus (re-sent by a consumer) rather than
    /// produced by this service. A bus producer must not publish such an event again.
    pub fn from_event_bus(&self) -> bool {
        self.from_event_bus
    }

    /// The metadata and the payload.
    pub fn into_parts(self) -> (EventsMetadata, T) {
        (self.metadata, self.data)
    }
}

impl<T: fmt::Debug> fmt::Debug for Event<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("metadata", &self.metadata)
            .field("data", &self.data)
            .field("from_event_bus", &self.from_event_bus)
            .finish()
    }
}
