//! Helpers for testing code that sends or receives Open edX events.
//!
//! Rust runs tests in parallel threads of one process, where every signal is a shared static.
//! Disabling a signal globally, as Python's `OpenEdxEventsTestMixin` does, would leak into the
//! other tests. An [`EventsIsolation`] is therefore scoped to the threads that enter it: on
//! those threads only the events it enables are sent, every sent event is captured for the
//! test to inspect, and receivers connected through it are called only for those sends.
//! Globally connected receivers still run, as they do under the Python mixin, unless the
//! isolation leaves them out with [`IsolationBuilder::without_global_receivers`].
//!
//! ```
//! use events_core::prelude::*;
//! use events_core::testing::isolate_events;
//!
//! /// Data about a badge.
//! #[event_data]
//! pub struct BadgeData {
//!     /// The badge's slug.
//!     slug: String,
//! }
//!
//! /// Emitted when a badge is awarded.
//! #[open_edx_event(type = "com.example.learning.badge.awarded.v1")]
//! pub struct BadgeAwarded {
//!     /// The badge.
//!     badge: BadgeData,
//! }
//!
//! /// Emitted when a badge is revoked.
//! #[open_edx_event(type = "com.example.learning.badge.revoked.v1")]
//! pub struct BadgeRevoked {
//!     /// The badge.
//!     badge: BadgeData,
//! }
//!
//! fn award(slug: &str) {
//!     let badge = BadgeData::builder().slug(slug).build();
//!     BADGE_AWARDED.send_event(BadgeAwarded::new(badge.clone())).unwrap();
//!     BADGE_REVOKED.send_event(BadgeRevoked::new(badge)).unwrap();
//! }
//!
//! let events = isolate_events().enable(&BADGE_AWARDED).start();
//! award("first-steps");
//!
//! let sent = events.sent::<BadgeAwarded>();
//! assert_eq!(sent.len(), 1);
//! assert_eq!(sent[0].data().badge().slug(), "first-steps");
//! // Not enabled in this isolation, so not sent.
//! assert!(events.sent::<BadgeRevoked>().is_empty());
//! ```

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use crate::event::{Event, OpenEdxEvent};
use crate::isolation::{GlobalReceivers, Scope, swap_active};
use crate::receiver::{BoxError, Receiver, ReceiverId};
use crate::registry;
use crate::registry::RegistryError;
use crate::signal::OpenEdxPublicSignal;

/// Starts describing an isolation; see the [module documentation](self).
pub fn isolate_events() -> IsolationBuilder {
    IsolationBuilder {
        enabled: HashSet::new(),
        all: false,
        fail_fast: true,
        global: GlobalReceivers::All,
    }
}

/// Chooses the events an [`EventsIsolation`] enables.
#[derive(Debug)]
#[must_use = "call `.start()` to begin the isolation"]
pub struct IsolationBuilder {
    enabled: HashSet<String>,
    all: bool,
    fail_fast: bool,
    global: GlobalReceivers,
}

impl IsolationBuilder {
    /// Enables the event of `signal`.
    pub fn enable<T: OpenEdxEvent>(mut self, signal: &OpenEdxPublicSignal<T>) -> Self {
        self.enabled.insert(signal.event_type().to_owned());
        self
    }

    /// Enables the events of the given types, as `ENABLED_OPENEDX_EVENTS` does in Python.
    ///
    /// A type that no linked crate defines is an error suggesting the closest known types.
    pub fn enable_types<I, S>(mut self, event_types: I) -> Result<Self, RegistryError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for event_type in event_types {
            let signal = registry::get_signal_by_type(event_type.as_ref())?;
            self.enabled.insert(signal.event_type().to_owned());
        }
        Ok(self)
    }

    /// Enables every event.
    pub fn enable_all(mut self) -> Self {
        self.all = true;
        self
    }

    /// Keeps sends robust: receiver failures are returned in the responses instead of failing
    /// the send. By default an isolation makes its enabled events fail fast, so that a failing
    /// receiver fails the test, as Python's test mixin does.
    pub fn robust(mut self) -> Self {
        self.fail_fast = false;
        self
    }

    /// Leaves out the receivers connected globally with [`OpenEdxPublicSignal::connect`] (and
    /// event bus producers bound with `bus::connect_producer`): under this isolation, sends call
    /// only the receivers connected through [`EventsIsolation::connect`] and those named with
    /// [`keep_global_receiver`](Self::keep_global_receiver).
    ///
    /// By default global receivers run, as Django receivers do under Python's test mixin; but
    /// in Rust's parallel test threads another test may have connected one, and leaving them
    /// out keeps this test's sends from reaching it.
    ///
    /// ```
    /// use events_core::prelude::*;
    /// use events_core::testing::isolate_events;
    ///
    /// /// A note.
    /// #[event_data]
    /// pub struct NoteData {
    ///     /// The text.
    ///     text: String,
    /// }
    ///
    /// /// Emitted when a note is pinned.
    /// #[open_edx_event(type = "com.example.learning.note.pinned.v1")]
    /// pub struct NotePinned {
    ///     /// The note.
    ///     note: NoteData,
    /// }
    ///
    /// NOTE_PINNED.connect("search_index", |_| Ok(()));
    /// NOTE_PINNED.connect("audit_log", |_| Ok(()));
    ///
    /// let events = isolate_events().enable(&NOTE_PINNED).without_global_receivers().start();
    /// let responses = NOTE_PINNED.send_event(NotePinned::new(NoteData::builder().text("hi").build()))?;
    /// assert_eq!(responses.len(), 0);
    /// drop(events);
    ///
    /// let events = isolate_events().enable(&NOTE_PINNED).keep_global_receiver("audit_log").start();
    /// let responses = NOTE_PINNED.send_event(NotePinned::new(NoteData::builder().text("hi").build()))?;
    /// assert_eq!(responses.receivers().map(|id| id.as_str()).collect::<Vec<_>>(), ["audit_log"]);
    /// # drop(events);
    /// # Ok::<(), SendError>(())
    /// ```
    pub fn without_global_receivers(mut self) -> Self {
        if let GlobalReceivers::All = self.global {
            self.global = GlobalReceivers::Only(HashSet::new());
        }
        self
    }

    /// Leaves out the globally connected receivers, like
    /// [`without_global_receivers`](Self::without_global_receivers), except the one connected
    /// under `id`, which still runs. Call it once per receiver to keep.
    pub fn keep_global_receiver(mut self, id: impl Into<ReceiverId>) -> Self {
        match &mut self.global {
            GlobalReceivers::Only(kept) => {
                kept.insert(id.into());
            }
            GlobalReceivers::All => self.global = GlobalReceivers::Only(HashSet::from([id.into()])),
        }
        self
    }

    /// Begins the isolation on the current thread; it ends when the returned value is dropped.
    pub fn start(self) -> EventsIsolation {
        let scope = Arc::new(Scope {
            enabled: self.enabled,
            all: self.all,
            fail_fast: self.fail_fast,
            global: self.global,
            sent: Mutex::new(Vec::new()),
            receivers: Mutex::new(HashMap::new()),
        });
        let previous = swap_active(Some(Arc::clone(&scope)));
        EventsIsolation {
            scope,
            previous,
            _not_send: PhantomData,
        }
    }
}

/// An isolation in effect on the current thread; see the [module documentation](self).
///
/// Dropping it ends the isolation and restores whatever was in effect before. Isolations nest,
/// and must be dropped in the reverse order of starting.
#[derive(Debug)]
#[must_use = "the isolation ends when this value is dropped"]
pub struct EventsIsolation {
    scope: Arc<Scope>,
    previous: Option<Arc<Scope>>,
    // The isolation belongs to the thread that started it.
    _not_send: PhantomData<*const ()>,
}

impl EventsIsolation {
    /// The events of type `T` sent so far under this isolation, oldest first.
    pub fn sent<T: OpenEdxEvent>(&self) -> Vec<Event<T>> {
        self.scope
            .sent()
            .iter()
            .filter_map(|captured| captured.event.downcast_ref::<Event<T>>())
            .cloned()
            .collect()
    }

    /// The types of all events sent so far under this isolation, in order.
    pub fn sent_event_types(&self) -> Vec<&'static str> {
        self.scope.sent().iter().map(|captured| captured.event_type).collect()
    }

    /// Forgets the events captured so far.
    pub fn clear(&self) {
        self.scope.sent().clear();
    }

    /// Connects a receiver that is called only for sends made under this isolation.
    ///
    /// Receivers connected with [`OpenEdxPublicSignal::connect`] are shared by every test in the
    /// process; connecting here keeps a test's receiver from seeing other tests' events. It is
    /// called after the globally connected receivers (see
    /// [`IsolationBuilder::without_global_receivers`] to leave those out). Connecting twice with
    /// the same id keeps the first.
    pub fn connect<T, F>(&self, signal: &OpenEdxPublicSignal<T>, id: impl Into<ReceiverId>, receiver: F)
    where
        T: OpenEdxEvent,
        F: Fn(&Event<T>) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        let id = id.into();
        let mut receivers = self.scope.receivers.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = receivers
            .entry(signal.event_type())
            .or_insert_with(|| Box::new(Vec::<Receiver<T>>::new()));
        if let Some(list) = slot.downcast_mut::<Vec<Receiver<T>>>()
            && !list.iter().any(|existing| existing.id == id)
        {
            list.push(Receiver {
                id,
                callback: Arc::new(receiver),
            });
        }
    }

    /// A handle for entering this isolation from other threads, such as those of an async
    /// runtime or a thread pool used by the code under test.
    pub fn handle(&self) -> IsolationHandle {
        IsolationHandle {
            scope: Arc::clone(&self.scope),
        }
    }
}

impl Drop for EventsIsolation {
    fn drop(&mut self) {
        swap_active(self.previous.take());
    }
}

/// A sendable handle to an [`EventsIsolation`].
#[derive(Debug, Clone)]
pub struct IsolationHandle {
    scope: Arc<Scope>,
}

impl IsolationHandle {
    /// Puts the current thread under the isolation until the returned guard is dropped.
    ///
    /// ```
    /// use events_core::testing::isolate_events;
    ///
    /// let events = isolate_events().start();
    /// let handle = events.handle();
    /// std::thread::spawn(move || {
    ///     let _entered = handle.enter();
    ///     // sends on this thread are isolated and captured too
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn enter(&self) -> EnteredIsolation {
        let previous = swap_active(Some(Arc::clone(&self.scope)));
        EnteredIsolation {
            previous,
            _not_send: PhantomData,
        }
    }
}

impl IsolationHandle {
    /// Wraps `future` so that it runs under the isolation wherever it is polled: on a tokio
    /// worker thread after `tokio::spawn`, on a thread pool, after moving between threads.
    ///
    /// ```
    /// # #[cfg(feature = "tokio")] {
    /// use events_core::testing::isolate_events;
    ///
    /// let events = isolate_events().start();
    /// let handle = events.handle();
    /// let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// runtime.block_on(async {
    ///     let task = tokio::spawn(handle.scope(async {
    ///         // sends here are isolated and captured
    ///     }));
    ///     task.await.unwrap();
    /// });
    /// # }
    /// ```
    pub fn scope<F: Future>(&self, future: F) -> Isolated<F> {
        Isolated {
            future: Box::pin(future),
            scope: Arc::clone(&self.scope),
        }
    }

    /// A multi-threaded tokio runtime every thread of which is under the isolation: its
    /// workers and its blocking pool. Tasks spawned on it, from the test or from the code under
    /// test, send under the isolation without being wrapped; other tests, with runtimes of
    /// their own, do not see their events.
    ///
    /// ```
    /// use events_core::testing::isolate_events;
    ///
    /// let events = isolate_events().start();
    /// let runtime = events.handle().runtime()?;
    /// runtime.block_on(async {
    ///     tokio::spawn(async { /* isolated */ }).await.unwrap();
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "tokio")]
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        let scope = Arc::clone(&self.scope);
        tokio::runtime::Builder::new_multi_thread()
            .enable_time()
            .thread_name("openedx-events-isolated")
            .on_thread_start(move || {
                // Runtime threads are the runtime's own: the scope stays until they end.
                swap_active(Some(Arc::clone(&scope)));
            })
            .on_thread_stop(|| {
                swap_active(None);
            })
            .build()
    }
}

/// A future that runs under an isolation, from [`IsolationHandle::scope`].
#[must_use = "futures do nothing unless polled"]
pub struct Isolated<F> {
    future: Pin<Box<F>>,
    scope: Arc<Scope>,
}

impl<F: Future> Future for Isolated<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let previous = swap_active(Some(Arc::clone(&self.scope)));
        // Restored even if the future panics, so that the thread does not stay isolated.
        struct Restore(Option<Arc<Scope>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                swap_active(self.0.take());
            }
        }
        let _restore = Restore(previous);
        self.future.as_mut().poll(cx)
    }
}

impl<F> std::fmt::Debug for Isolated<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Isolated")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// The guard of [`IsolationHandle::enter`].
#[derive(Debug)]
#[must_use = "the thread leaves the isolation when this value is dropped"]
pub struct EnteredIsolation {
    previous: Option<Arc<Scope>>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnteredIsolation {
    fn drop(&mut self) {
        swap_active(self.previous.take());
    }
}

/// The environment variable that, set to `1`, turns a skipped test that needs an external
/// program (a broker, the Python reference) into a failure, as the project's test script sets it.
pub const REQUIRE_INTEROP_ENV: &str = "OPENEDX_EVENTS_REQUIRE_INTEROP";

/// Whether tests that need external programs must run rather than be skipped.
pub fn interop_required() -> bool {
    std::env::var(REQUIRE_INTEROP_ENV).is_ok_and(|value| value == "1")
}

/// Skips a test (prints why and returns `None`), or fails it when [`interop_required`]: for
/// tests whose prerequisites are missing.
pub fn skip<T>(test: &str, why: &str) -> Option<T> {
    if interop_required() {
        panic!("{test}: {why}, and {REQUIRE_INTEROP_ENV}=1 requires this test to run");
    }
    eprintln!("{test}: skipped: {why}");
    None
}
