//! The isolation scope of sends: which events a thread may send, where sends are captured and
//! which receivers they reach. Entered by [`testing`](crate::testing) and consulted by every
//! send; kept apart from the test helpers so that the send path does not depend on them.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use crate::event::{Event, OpenEdxEvent};
use crate::receiver::{Receiver, ReceiverId};

thread_local! {
    static ACTIVE: RefCell<Option<Arc<Scope>>> = const { RefCell::new(None) };
}

/// The isolation scope entered by the current thread, if any.
pub(crate) fn active_scope() -> Option<Arc<Scope>> {
    ACTIVE.try_with(|active| active.borrow().clone()).ok().flatten()
}

pub(crate) fn swap_active(scope: Option<Arc<Scope>>) -> Option<Arc<Scope>> {
    ACTIVE.try_with(|active| active.replace(scope)).ok().flatten()
}

/// Which globally connected receivers run for sends under an isolation.
#[derive(Debug, Clone)]
pub(crate) enum GlobalReceivers {
    All,
    Only(HashSet<ReceiverId>),
}

pub(crate) struct Captured {
    pub(crate) event_type: &'static str,
    pub(crate) event: Box<dyn Any + Send>,
}

pub(crate) struct Scope {
    pub(crate) enabled: HashSet<String>,
    pub(crate) all: bool,
    pub(crate) fail_fast: bool,
    pub(crate) global: GlobalReceivers,
    pub(crate) sent: Mutex<Vec<Captured>>,
    /// Receivers connected through the isolation, per event type: a `Vec<Receiver<T>>` each.
    pub(crate) receivers: Mutex<HashMap<&'static str, Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("enabled", &self.enabled)
            .field("all", &self.all)
            .field("fail_fast", &self.fail_fast)
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

impl Scope {
    /// Whether `event_type` is sent under this scope, and whether it fails fast.
    pub(crate) fn policy(&self, event_type: &str) -> (bool, bool) {
        (self.all || self.enabled.contains(event_type), self.fail_fast)
    }

    /// Whether the receiver connected globally under `id` runs for sends under this scope.
    pub(crate) fn runs_global(&self, id: &ReceiverId) -> bool {
        match &self.global {
            GlobalReceivers::All => true,
            GlobalReceivers::Only(kept) => kept.contains(id),
        }
    }

    pub(crate) fn record<T: OpenEdxEvent>(&self, event: &Event<T>) {
        self.sent().push(Captured {
            event_type: T::INFO.event_type,
            event: Box::new(event.clone()),
        });
    }

    pub(crate) fn receivers<T: OpenEdxEvent>(&self) -> Vec<Receiver<T>> {
        let receivers = self.receivers.lock().unwrap_or_else(PoisonError::into_inner);
        receivers
            .get(T::INFO.event_type)
            .and_then(|slot| slot.downcast_ref::<Vec<Receiver<T>>>())
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn sent(&self) -> std::sync::MutexGuard<'_, Vec<Captured>> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
