//! `OpenEdxPublicSignal`: the static through which an event is sent to its receivers.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use std::borrow::Cow;

use uuid::Uuid;

use crate::event::{Event, OpenEdxEvent};
use crate::isolation;
use crate::metadata::{EventsMetadata, Now, checked_time};
use crate::receiver::{BoxError, Receiver, ReceiverError, ReceiverId, ReceiverResponse, Responses};
use crate::registry::{AnySignal, ErasedEvent, ErasedReceiver, EventInfo};

/// The signal of one Open edX event type: receivers connect to it and senders send through it.
///
/// `#[open_edx_event]` declares one as a `pub static` next to the payload struct, named after
/// the event (`COURSE_ENROLLMENT_CREATED`). Sending generates the event's
/// [metadata](EventsMetadata) and calls every connected receiver in connection order.
///
/// Sending is robust by default: a receiver that returns `Err` or panics is logged with
/// `tracing`, its failure is returned in the [`Responses`], and the receivers after it still
/// run. [`allow_send_event_failure`](Self::allow_send_event_failure) switches to fail-fast: the
/// first `Err` is returned as [`SendError::ReceiverFailed`] and a panic propagates to the sender.
///
/// ```
/// use events_core::prelude::*;
///
/// /// A greeting.
/// #[event_data]
/// pub struct GreetingData {
///     /// Who is greeted.
///     name: String,
/// }
///
/// /// Emitted when someone is greeted.
/// #[open_edx_event(type = "com.example.learning.greeting.sent.v1")]
/// pub struct GreetingSent {
///     /// The greeting.
///     greeting: GreetingData,
/// }
///
/// let connection = GREETING_SENT.connect("printer", |event| {
///     println!("hello, {}", event.data().greeting().name());
///     Ok(())
/// });
/// let greeting = GreetingData::builder().name("Ada").build();
/// let responses = GREETING_SENT.send_event(GreetingSent::new(greeting))?;
/// assert_eq!(responses.len(), 1);
/// assert!(responses.all_ok());
/// connection.disconnect();
/// # Ok::<(), events_core::SendError>(())
/// ```
pub struct OpenEdxPublicSignal<T: OpenEdxEvent> {
    // Copy-on-write: a send clones the `Arc` and releases the lock before calling receivers,
    // so receivers may connect or disconnect without deadlocking, and connecting never waits
    // for a slow receiver.
    receivers: RwLock<Option<Arc<[Receiver<T>]>>>,
    enabled: AtomicBool,
    fail_fast: AtomicBool,
}

impl<T: OpenEdxEvent> OpenEdxPublicSignal<T> {
    /// A signal with no receivers, enabled and robust.
    ///
    /// `#[open_edx_event]` creates the one static signal of each event type; there is no reason
    /// to create others.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        OpenEdxPublicSignal {
            receivers: RwLock::new(None),
            enabled: AtomicBool::new(true),
            fail_fast: AtomicBool::new(false),
        }
    }

    /// The event type this signal sends.
    pub fn event_type(&self) -> &'static str {
        T::INFO.event_type
    }

    /// The event's registration record.
    pub fn info(&self) -> &'static EventInfo {
        T::INFO
    }

    /// Connects `receiver` under `id`, after the receivers already connected.
    ///
    /// If a receiver is already connected under `id`, nothing changes: the returned
    /// [`Connection`] reports [`is_new`](Connection::is_new) as `false`. The receiver stays
    /// connected until [`disconnect`](Self::disconnect) (dropping the connection does not
    /// disconnect).
    pub fn connect<F>(&self, id: impl Into<ReceiverId>, receiver: F) -> Connection<'_, T>
    where
        F: Fn(&Event<T>) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        let id = id.into();
        let mut slot = self.receivers.write().unwrap_or_else(PoisonError::into_inner);
        let current: &[Receiver<T>] = slot.as_deref().unwrap_or(&[]);
        let is_new = !current.iter().any(|existing| existing.id == id);
        if is_new {
            let added = Receiver {
                id: id.clone(),
                callback: Arc::new(receiver),
            };
            *slot = Some(current.iter().cloned().chain([added]).collect());
            tracing::debug!(event_type = self.event_type(), receiver = %id, "receiver connected");
        }
        Connection {
            signal: self,
            id,
            is_new,
        }
    }

    /// Disconnects the receiver connected under `id`; returns whether there was one.
    pub fn disconnect(&self, id: &str) -> bool {
        let mut slot = self.receivers.write().unwrap_or_else(PoisonError::into_inner);
        let current: &[Receiver<T>] = slot.as_deref().unwrap_or(&[]);
        if !current.iter().any(|existing| existing.id.as_str() == id) {
            return false;
        }
        let kept: Vec<Receiver<T>> = current.iter().filter(|r| r.id.as_str() != id).cloned().collect();
        *slot = if kept.is_empty() { None } else { Some(kept.into()) };
        tracing::debug!(event_type = self.event_type(), receiver = id, "receiver disconnected");
        true
    }

    /// The ids of the connected receivers, in calling order.
    pub fn receivers(&self) -> Vec<ReceiverId> {
        self.snapshot()
            .iter()
            .flat_map(|receivers| receivers.iter())
            .map(|receiver| receiver.id.clone())
            .collect()
    }

    /// Sends `data` to every receiver with metadata generated now.
    ///
    /// Returns the receivers' responses, or nothing when the signal is disabled.
    pub fn send_event(&self, data: T) -> Result<Responses, SendError> {
        let now = Now::read();
        let metadata =
            EventsMetadata::generate(Cow::Borrowed(self.event_type()), T::INFO.minor_version, now.time(), now);
        self.dispatch(metadata, data, false)
    }

    /// Sends `data` with `time` as the event time: for events that record a change stored
    /// elsewhere, pass the stored change's timestamp.
    ///
    /// A `time` outside the years 1 to 9999, which Python and so the event bus cannot carry, is
    /// refused with [`SendError::TimeOutOfRange`] before any receiver runs.
    pub fn send_event_at(&self, time: DateTime<Utc>, data: T) -> Result<Responses, SendError> {
        crate::datetime::check_range(&time).map_err(|source| SendError::TimeOutOfRange {
            event_type: self.event_type(),
            source,
        })?;
        let metadata = self.generate_signal_metadata(time);
        self.dispatch(metadata, data, false)
    }

    /// Re-sends an event with the metadata it was produced with, marking it as coming from the
    /// event bus so that a bus producer does not publish it again.
    ///
    /// Used by event bus consumers. The metadata's event type must be this signal's.
    pub fn send_event_with_custom_metadata(&self, metadata: EventsMetadata, data: T) -> Result<Responses, SendError> {
        if metadata.event_type() != self.event_type() {
            return Err(SendError::MetadataMismatch {
                event_type: self.event_type(),
                found: metadata.event_type().to_owned(),
            });
        }
        self.dispatch(metadata, data, true)
    }

    /// The metadata a send at `time` would carry.
    ///
    /// # Panics
    ///
    /// If `time` is outside the years 1 to 9999, as [`EventsMetadata::at`].
    #[track_caller]
    pub fn generate_signal_metadata(&self, time: DateTime<Utc>) -> EventsMetadata {
        EventsMetadata::generate(
            Cow::Borrowed(self.event_type()),
            T::INFO.minor_version,
            checked_time(time),
            Now::read(),
        )
    }

    /// Makes sends call receivers again after [`disable`](Self::disable).
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Makes sends do nothing and return no responses, in every thread.
    ///
    /// To silence events in one test without affecting tests running in parallel, use
    /// [`testing::isolate_events`](crate::testing::isolate_events) instead.
    pub fn disable(&self) {
        self.enabled.store(false, Ordering::Relaxed);
    }

    /// Whether sends call receivers.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Makes sends fail fast: the first receiver error is returned and panics propagate.
    pub fn allow_send_event_failure(&self) {
        self.fail_fast.store(true, Ordering::Relaxed);
    }

    /// Whether sends fail fast.
    pub fn is_send_event_failure_allowed(&self) -> bool {
        self.fail_fast.load(Ordering::Relaxed)
    }

    fn snapshot(&self) -> Option<Arc<[Receiver<T>]>> {
        self.receivers.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn dispatch(&self, metadata: EventsMetadata, data: T, from_event_bus: bool) -> Result<Responses, SendError> {
        let scope = isolation::active_scope();
        let (enabled, fail_fast) = match &scope {
            Some(scope) => scope.policy(self.event_type()),
            None => (self.is_enabled(), self.is_send_event_failure_allowed()),
        };
        if !enabled {
            tracing::trace!(event_type = self.event_type(), "event disabled; not sent");
            return Ok(Responses::default());
        }
        let event = Event::new(metadata, data, from_event_bus);
        let global = self.snapshot();
        let scoped = scope.as_ref().map(|scope| {
            scope.record(&event);
            scope.receivers::<T>()
        });
        let global = global.as_deref().unwrap_or(&[]);
        let scoped = scoped.as_deref().unwrap_or(&[]);
        let receivers = global
            .iter()
            .filter(|receiver| scope.as_ref().is_none_or(|scope| scope.runs_global(&receiver.id)))
            .chain(scoped);

        let mut responses = Responses::with_capacity(global.len() + scoped.len());
        for receiver in receivers {
            if fail_fast {
                if let Err(source) = (receiver.callback)(&event) {
                    return Err(SendError::ReceiverFailed {
                        event_type: self.event_type(),
                        event_id: event.metadata().id(),
                        receiver: receiver.id.clone(),
                        source,
                    });
                }
                responses.push(ReceiverResponse::new(receiver.id.clone(), Ok(())));
                continue;
            }
            let outcome = match catch_unwind(AssertUnwindSafe(|| (receiver.callback)(&event))) {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(ReceiverError::Failed(error)),
                Err(panic) => Err(ReceiverError::from_panic(panic)),
            };
            if let Err(error) = &outcome {
                tracing::error!(
                    event_type = self.event_type(),
                    event_id = %event.metadata().id(),
                    receiver = %receiver.id,
                    %error,
                    "receiver of an Open edX event failed",
                );
            }
            responses.push(ReceiverResponse::new(receiver.id.clone(), outcome));
        }
        tracing::debug!(
            event_type = self.event_type(),
            event_id = %event.metadata().id(),
            receivers = responses.len(),
            failed = responses.failures().count(),
            "Open edX event sent",
        );
        Ok(responses)
    }
}

impl<T: OpenEdxEvent> fmt::Debug for OpenEdxPublicSignal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<OpenEdxPublicSignal: {}>", self.event_type())
    }
}

impl<T: OpenEdxEvent> AnySignal for OpenEdxPublicSignal<T> {
    fn info(&self) -> &'static EventInfo {
        T::INFO
    }

    fn enable(&self) {
        OpenEdxPublicSignal::enable(self);
    }

    fn disable(&self) {
        OpenEdxPublicSignal::disable(self);
    }

    fn is_enabled(&self) -> bool {
        OpenEdxPublicSignal::is_enabled(self)
    }

    fn allow_send_event_failure(&self) {
        OpenEdxPublicSignal::allow_send_event_failure(self);
    }

    fn is_send_event_failure_allowed(&self) -> bool {
        OpenEdxPublicSignal::is_send_event_failure_allowed(self)
    }

    fn receivers(&self) -> Vec<ReceiverId> {
        OpenEdxPublicSignal::receivers(self)
    }

    fn connect_erased(&self, id: ReceiverId, receiver: ErasedReceiver) -> bool {
        self.connect(id, move |event: &Event<T>| {
            receiver(&ErasedEvent {
                metadata: event.metadata(),
                data: event.data(),
                from_event_bus: event.from_event_bus(),
            })
        })
        .is_new()
    }

    fn disconnect(&self, id: &str) -> bool {
        OpenEdxPublicSignal::disconnect(self, id)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A receiver connected to a signal, as returned by
/// [`OpenEdxPublicSignal::connect`].
///
/// Dropping it leaves the receiver connected; call [`disconnect`](Self::disconnect) to remove it.
#[derive(Debug)]
pub struct Connection<'s, T: OpenEdxEvent> {
    signal: &'s OpenEdxPublicSignal<T>,
    id: ReceiverId,
    is_new: bool,
}

impl<T: OpenEdxEvent> Connection<'_, T> {
    /// The receiver's id.
    pub fn id(&self) -> &ReceiverId {
        &self.id
    }

    /// `false` when a receiver was already connected under this id, so this call changed
    /// nothing.
    pub fn is_new(&self) -> bool {
        self.is_new
    }

    /// Disconnects the receiver; returns whether it was still connected.
    pub fn disconnect(self) -> bool {
        self.signal.disconnect(self.id.as_str())
    }
}

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
