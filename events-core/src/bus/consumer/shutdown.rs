//! Stopping a consumer from elsewhere: another thread, a signal handler, an async task.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use super::backend::Interrupt;

/// Asks a running consumer to stop after the delivery it is handling, interrupting a read that
/// is waiting for the broker.
#[derive(Clone, Default)]
pub struct ShutdownHandle(Arc<ShutdownState>);

#[derive(Default)]
struct ShutdownState {
    requested: AtomicBool,
    interrupts: Mutex<Vec<Interrupt>>,
    wakers: Mutex<Vec<Waker>>,
}

impl ShutdownHandle {
    /// Requests the stop, and interrupts the backend's blocked call if it can be.
    pub fn shutdown(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        for interrupt in self.0.interrupts.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            interrupt();
        }
        for waker in self.0.wakers.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            waker.wake();
        }
    }

    /// Whether a stop was requested.
    pub fn is_shutdown(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Calls `interrupt` on [`shutdown`](Self::shutdown).
    pub fn on_shutdown(&self, interrupt: Interrupt) {
        self.0
            .interrupts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(interrupt);
    }

    /// A future that completes once a stop is requested.
    pub fn requested(&self) -> impl Future<Output = ()> + Send + 'static {
        Requested(self.clone())
    }
}

struct Requested(ShutdownHandle);

impl Future for Requested {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.is_shutdown() {
            return Poll::Ready(());
        }
        let state = &(self.0).0;
        let mut wakers = state.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        if !wakers.iter().any(|known| known.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        drop(wakers);
        // Checked again after registering, so that a stop requested in between is not missed.
        if self.0.is_shutdown() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}
