//! Receivers and what they answer when an event is sent.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::event::Event;

/// The error type receivers return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The callback type of a receiver of events with payload `T`.
pub type ReceiverFn<T> = dyn Fn(&Event<T>) -> Result<(), BoxError> + Send + Sync;

/// The unique name of a receiver on a signal, given to
/// [`connect`](crate::OpenEdxPublicSignal::connect).
///
/// Connecting twice with the same id keeps the first receiver, as Django's `dispatch_uid`
/// does, and responses name their receiver by it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiverId(Cow<'static, str>);

impl ReceiverId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<T: Into<Cow<'static, str>>> From<T> for ReceiverId {
    fn from(id: T) -> Self {
        ReceiverId(id.into())
    }
}

impl fmt::Display for ReceiverId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ReceiverId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// A connected receiver: its id and its callback.
pub(crate) struct Receiver<T> {
    pub(crate) id: ReceiverId,
    pub(crate) callback: Arc<ReceiverFn<T>>,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver {
            id: self.id.clone(),
            callback: Arc::clone(&self.callback),
        }
    }
}

/// How one receiver failed.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    /// The receiver returned an error.
    #[error("{0}")]
    Failed(#[source] BoxError),
    /// The receiver panicked; the panic message, when it was text.
    #[error("panicked: {0}")]
    Panicked(String),
}

impl ReceiverError {
    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let message = match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(message) => (*message).to_owned(),
                Err(_) => "a panic without a text message".to_owned(),
            },
        };
        ReceiverError::Panicked(message)
    }
}

/// What one receiver answered to a sent event.
#[derive(Debug)]
pub struct ReceiverResponse {
    receiver: ReceiverId,
    outcome: Result<(), ReceiverError>,
}

impl ReceiverResponse {
    pub(crate) fn new(receiver: ReceiverId, outcome: Result<(), ReceiverError>) -> Self {
        ReceiverResponse { receiver, outcome }
    }

    /// The receiver that answered.
    pub fn receiver(&self) -> &ReceiverId {
        &self.receiver
    }

    /// `Ok(())`, or how the receiver failed.
    pub fn outcome(&self) -> Result<(), &ReceiverError> {
        self.outcome.as_ref().map(|_| ())
    }

    /// Whether the receiver succeeded.
    pub fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// The answers of the receivers of one sent event, in the order they were called.
///
/// Empty when the event is disabled or has no receivers.
#[derive(Debug, Default)]
pub struct Responses(SmallVec<[ReceiverResponse; INLINE_RESPONSES]>);

/// Responses held without a heap allocation: most events have few receivers, and the
/// allocation was the largest single cost of a send to one receiver.
const INLINE_RESPONSES: usize = 2;

impl Responses {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Responses(SmallVec::with_capacity(capacity))
    }

    pub(crate) fn push(&mut self, response: ReceiverResponse) {
        self.0.push(response);
    }

    /// The responses of the receivers that failed.
    pub fn failures(&self) -> impl Iterator<Item = &ReceiverResponse> {
        self.0.iter().filter(|response| !response.is_ok())
    }

    /// Whether every receiver succeeded.
    pub fn all_ok(&self) -> bool {
        self.0.iter().all(ReceiverResponse::is_ok)
    }

    /// The ids of the receivers that were called, in order.
    pub fn receivers(&self) -> impl Iterator<Item = &ReceiverId> {
        self.0.iter().map(ReceiverResponse::receiver)
    }
}

impl std::ops::Deref for Responses {
    type Target = [ReceiverResponse];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl IntoIterator for Responses {
    type Item = ReceiverResponse;
    type IntoIter = smallvec::IntoIter<[ReceiverResponse; INLINE_RESPONSES]>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Responses {
    type Item = &'a ReceiverResponse;
    type IntoIter = std::slice::Iter<'a, ReceiverResponse>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
