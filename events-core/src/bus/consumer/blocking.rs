//! The blocking consumer loop: one thread, the backend's calls made in turn.

use std::fmt;
use std::time::{Duration, Instant};

use super::backend::{ConsumerBackend, Delivery};
use super::machine::{LimitReached, Machine};
use super::report::{BrokerEvent, ConsumerError, ConsumerOptions, ConsumerStats, Handled, Outcome};
use super::shutdown::ShutdownHandle;

/// A consumer: reads deliveries through a [`ConsumerBackend`], re-sends each event on its
/// signal, dead-letters what cannot be delivered, and acknowledges everything handled.
///
/// The loop is written once for every broker, with the semantics of `edx-event-bus-redis`:
/// at-least-once delivery, a consecutive-error limit, and broker errors retried with backoff;
/// plus dead letters, so that a message is never acknowledged without either reaching its
/// receivers or being recorded with the reason it did not. `AsyncConsumer` (feature `tokio`)
/// runs the same loop on tokio.
pub struct Consumer<B: ConsumerBackend> {
    backend: B,
    machine: Machine,
}

impl<B: ConsumerBackend> Consumer<B> {
    /// A consumer reading through `backend`.
    pub fn new(backend: B, options: ConsumerOptions) -> Self {
        let machine = Machine::new(options, backend.interrupter());
        Consumer { backend, machine }
    }

    /// Calls `observer` after each handled delivery (to print it, count it, …).
    pub fn observe(mut self, observer: impl FnMut(&Handled<'_>) + Send + 'static) -> Self {
        self.machine.observe(Box::new(observer));
        self
    }

    /// Calls `observer` when the broker is lost (a call fails after the last one went
    /// through) and when it is regained, once each per outage, to tell an operator.
    pub fn on_broker(mut self, observer: impl FnMut(&BrokerEvent<'_>) + Send + 'static) -> Self {
        self.machine.observe_broker(Box::new(observer));
        self
    }

    /// A handle that stops [`run`](Self::run) from another thread or a signal handler.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.machine.shutdown.clone()
    }

    /// What the consumer has done so far.
    pub fn stats(&self) -> ConsumerStats {
        self.machine.stats
    }

    /// The backend, e.g. to inspect an in-memory bus in tests.
    pub fn backend(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Runs until shut down, until `max_messages` deliveries are handled, or until the
    /// consecutive-error limit is reached. Broker errors are logged and retried with backoff.
    pub fn run(&mut self) -> Result<ConsumerStats, ConsumerError<B::Error>> {
        tracing::info!(consumer = %self.backend.describe(), "consumer started");
        while !self.machine.is_done() {
            match self.poll() {
                Ok(_) => self.machine.broker_ok(|| self.backend.describe()),
                Err(ConsumerError::Broker { source, .. }) => {
                    let pause = self.machine.after_broker_error(&self.backend.describe(), &source);
                    if let Some(pause) = pause.map_err(|reached| self.too_many(reached))? {
                        self.pause(pause);
                    }
                }
                Err(other) => return Err(other),
            }
        }
        if let Err(error) = self.backend.flush() {
            tracing::error!(consumer = %self.backend.describe(), %error,
                "the last acknowledgements could not be sent; those messages will be delivered again");
        }
        tracing::info!(consumer = %self.backend.describe(), stats = ?self.machine.stats, "consumer stopped");
        Ok(self.machine.stats)
    }

    /// Receives one batch and handles it; returns how many deliveries were handled. Stops
    /// early on shutdown or `max_messages`.
    ///
    /// After a broker error the backend [recovers](ConsumerBackend::recover): the failed call
    /// may have taken effect without its reply arriving.
    pub fn poll(&mut self) -> Result<usize, ConsumerError<B::Error>> {
        let result = self.poll_batch();
        if let Err(ConsumerError::Broker { .. }) = &result {
            self.backend.recover();
        }
        result
    }

    fn poll_batch(&mut self) -> Result<usize, ConsumerError<B::Error>> {
        let wait = self.machine.options.poll_timeout;
        let deliveries = self
            .backend
            .receive(self.machine.budget(), wait)
            .map_err(|source| self.broker_error(source))?;
        let mut handled = 0;
        let mut result = Ok(());
        for delivery in deliveries {
            if self.machine.shutdown.is_shutdown() {
                break;
            }
            result = self.handle(delivery);
            if result.is_err() {
                break;
            }
            handled += 1;
        }
        // Acknowledgements of the deliveries handled so far go out even when the batch stopped
        // early.
        self.backend.flush().map_err(|source| self.broker_error(source))?;
        result.map(|()| handled)
    }

    fn handle(&mut self, delivery: Delivery<B::Token>) -> Result<(), ConsumerError<B::Error>> {
        let mut outcome = self.machine.judge(&delivery.message, self.backend.keeps_dead_letters());
        if let Outcome::DeadLettered(reason) = outcome {
            // Recorded before the ack: if the broker fails here the delivery stays
            // unacknowledged and comes again, rather than being acknowledged without a trace.
            let written = self.backend.dead_letter(&delivery, &reason);
            outcome = self
                .machine
                .dead_letter_written(&self.backend.describe(), &delivery, reason, written)
                .map_err(|source| self.broker_error(source))?;
        }
        match outcome {
            Outcome::LeftPending(_) => self.backend.leave_pending(&delivery.token),
            _ => self
                .backend
                .ack(&delivery.token)
                .map_err(|source| self.broker_error(source))?,
        }
        self.machine
            .finish(|| self.backend.describe(), &delivery, &outcome)
            .map_err(|reached| self.too_many(reached))
    }

    fn too_many(&self, reached: LimitReached) -> ConsumerError<B::Error> {
        reached.error(self.backend.describe())
    }

    fn broker_error(&self, source: B::Error) -> ConsumerError<B::Error> {
        ConsumerError::Broker {
            consumer: self.backend.describe(),
            source,
        }
    }

    /// Sleeps for `duration`, waking early on shutdown.
    fn pause(&self, duration: Duration) {
        let until = Instant::now() + duration;
        while !self.machine.shutdown.is_shutdown() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }
}

impl<B: ConsumerBackend + fmt::Debug> fmt::Debug for Consumer<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("backend", &self.backend)
            .field("stats", &self.machine.stats)
            .finish_non_exhaustive()
    }
}
