//! A counter that only grows, waited on by threads (blocking, with a timeout) and by async
//! tasks (a future), so that the blocking and the async APIs of the publisher share one
//! mechanism.

#[cfg(feature = "tokio")]
use std::future::Future;
#[cfg(feature = "tokio")]
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
#[cfg(feature = "tokio")]
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct Progress {
    count: AtomicU64,
    /// Threads and tasks waiting; advancing skips the lock when there are none, which keeps
    /// the publisher's hot path free of it.
    waiting: AtomicUsize,
    wakers: Mutex<Vec<Waker>>,
    changed: Condvar,
}

impl Progress {
    pub(crate) fn get(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, by: u64) {
        self.count.fetch_add(by, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            // Taken so that a waiter between its check and its wait cannot miss the change.
            let mut wakers = self.lock();
            self.changed.notify_all();
            for waker in wakers.drain(..) {
                waker.wake();
            }
        }
    }

    /// Blocks until the count reaches `target`, for at most `timeout`; the count reached
    /// otherwise.
    pub(crate) fn wait_for(&self, target: u64, timeout: Duration) -> Result<(), u64> {
        if self.get() >= target {
            return Ok(());
        }
        let started = Instant::now();
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.lock();
        let result = loop {
            let count = self.get();
            if count >= target {
                break Ok(());
            }
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                break Err(count);
            }
            guard = self
                .changed
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        drop(guard);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// A future that completes when the count reaches `target`.
    #[cfg(feature = "tokio")]
    pub(crate) fn reached(&self, target: u64) -> Reached<'_> {
        Reached {
            progress: self,
            target,
            registered: false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Waker>> {
        self.wakers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(feature = "tokio")]
pub(crate) struct Reached<'a> {
    progress: &'a Progress,
    target: u64,
    registered: bool,
}

#[cfg(feature = "tokio")]
impl Future for Reached<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let progress = self.progress;
        if progress.get() >= self.target {
            return Poll::Ready(());
        }
        if !self.registered {
            self.registered = true;
            progress.waiting.fetch_add(1, Ordering::SeqCst);
        }
        let mut wakers = progress.lock();
        if progress.get() >= self.target {
            return Poll::Ready(());
        }
        if !wakers.iter().any(|known| known.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(feature = "tokio")]
impl Drop for Reached<'_> {
    fn drop(&mut self) {
        if self.registered {
            self.progress.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_thread_waits_until_the_target_and_times_out_short_of_it() {
        let progress = Arc::new(Progress::default());
        assert_eq!(progress.wait_for(1, Duration::from_millis(20)), Err(0));
        let advancer = Arc::clone(&progress);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            advancer.advance(2);
        });
        assert_eq!(progress.wait_for(2, Duration::from_secs(10)), Ok(()));
        thread.join().unwrap();
        assert_eq!(progress.waiting.load(Ordering::SeqCst), 0);
    }
}
