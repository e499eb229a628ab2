//! The async consumer loop, on tokio: the same decisions as the blocking loop, awaiting the
//! backend instead of blocking on it.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::backend::{ConsumerBackend, Delivery, Interrupt};
use super::machine::{LimitReached, Machine};
use super::report::{BrokerEvent, ConsumerError, ConsumerOptions, ConsumerStats, Handled, Outcome};
use super::shutdown::ShutdownHandle;

/// The broker operations an [`AsyncConsumer`] needs: those of [`ConsumerBackend`], as futures.
///
/// A backend with an async client implements it directly; a blocking one runs on tokio's
/// blocking pool through [`OnBlockingPool`].
pub trait AsyncConsumerBackend: Send {
    /// The broker's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// What identifies a delivery to the broker.
    type Token: fmt::Display + Send + Sync + 'static;

    /// See [`ConsumerBackend::receive`].
    fn receive(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Delivery<Self::Token>>, Self::Error>> + Send;

    /// See [`ConsumerBackend::ack`].
    fn ack(&mut self, token: &Self::Token) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// See [`ConsumerBackend::flush`].
    fn flush(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// See [`ConsumerBackend::dead_letter`].
    fn dead_letter(
        &mut self,
        delivery: &Delivery<Self::Token>,
        reason: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// See [`ConsumerBackend::keeps_dead_letters`].
    fn keeps_dead_letters(&self) -> bool {
        true
    }

    /// See [`ConsumerBackend::leave_pending`].
    fn leave_pending(&mut self, token: &Self::Token) -> impl Future<Output = ()> + Send;

    /// See [`ConsumerBackend::recover`].
    fn recover(&mut self) -> impl Future<Output = ()> + Send;

    /// See [`ConsumerBackend::describe`].
    fn describe(&self) -> String;

    /// See [`ConsumerBackend::interrupter`].
    fn interrupter(&self) -> Option<Interrupt>;
}

/// A blocking [`ConsumerBackend`] made async: each call runs on tokio's blocking pool
/// (`spawn_blocking`), so a read waiting for the broker never holds a runtime thread.
/// Acknowledgements are collected and handed over with the next flush, in one call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use events_core::bus::{AsyncConsumer, ConsumerOptions, InMemoryBus, OnBlockingPool, StartFrom};
///
/// let bus = InMemoryBus::new();
/// let backend = OnBlockingPool::new(bus.consumer("sessions", "audit", "worker-1", StartFrom::Backlog));
/// let mut consumer = AsyncConsumer::new(backend, ConsumerOptions::default());
/// let shutdown = consumer.shutdown_handle();
/// shutdown.shutdown(); // e.g. from a signal handler
/// let stats = consumer.run().await?;
/// assert_eq!(stats.handled(), 0);
/// # Ok(())
/// # }
/// ```
pub struct OnBlockingPool<B: ConsumerBackend> {
    backend: Arc<Mutex<B>>,
    description: String,
    interrupter: Option<Interrupt>,
    keeps_dead_letters: bool,
    acks: Vec<B::Token>,
}

impl<B> OnBlockingPool<B>
where
    B: ConsumerBackend + Send + 'static,
    B::Token: Clone + Sync,
{
    /// Wraps `backend`.
    pub fn new(backend: B) -> Self {
        OnBlockingPool {
            description: backend.describe(),
            interrupter: backend.interrupter(),
            keeps_dead_letters: backend.keeps_dead_letters(),
            backend: Arc::new(Mutex::new(backend)),
            acks: Vec::new(),
        }
    }

    /// Runs `call` on the backend on the blocking pool. If the awaiting future is dropped, the
    /// call still runs to its end, and the next call waits for it.
    async fn on_pool<R: Send + 'static>(&self, call: impl FnOnce(&mut B) -> R + Send + 'static) -> R {
        let backend = Arc::clone(&self.backend);
        let task =
            tokio::task::spawn_blocking(move || call(&mut backend.lock().unwrap_or_else(PoisonError::into_inner)));
        match task.await {
            Ok(result) => result,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

impl<B> AsyncConsumerBackend for OnBlockingPool<B>
where
    B: ConsumerBackend + Send + 'static,
    B::Token: Clone + Sync,
{
    type Error = B::Error;
    type Token = B::Token;

    async fn receive(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery<B::Token>>, B::Error> {
        self.on_pool(move |backend| backend.receive(max, wait)).await
    }

    async fn ack(&mut self, token: &B::Token) -> Result<(), B::Error> {
        self.acks.push(token.clone());
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), B::Error> {
        let acks = std::mem::take(&mut self.acks);
        self.on_pool(move |backend| {
            for token in &acks {
                backend.ack(token)?;
            }
            backend.flush()
        })
        .await
    }

    async fn dead_letter(&mut self, delivery: &Delivery<B::Token>, reason: &str) -> Result<(), B::Error> {
        let delivery = Delivery {
            token: delivery.token.clone(),
            message: delivery.message.clone(),
        };
        let reason = reason.to_owned();
        self.on_pool(move |backend| backend.dead_letter(&delivery, &reason))
            .await
    }

    fn keeps_dead_letters(&self) -> bool {
        self.keeps_dead_letters
    }

    async fn leave_pending(&mut self, token: &B::Token) {
        let token = token.clone();
        self.on_pool(move |backend| backend.leave_pending(&token)).await;
    }

    async fn recover(&mut self) {
        self.on_pool(|backend| backend.recover()).await;
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn interrupter(&self) -> Option<Interrupt> {
        self.interrupter.clone()
    }
}

impl<B: ConsumerBackend> fmt::Debug for OnBlockingPool<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnBlockingPool")
            .field("backend", &self.description)
            .field("deferred_acks", &self.acks.len())
            .finish()
    }
}

/// The consumer loop of [`Consumer`](super::Consumer), on tokio: it reads through an
/// [`AsyncConsumerBackend`] and runs until shut down, until `max_messages` deliveries are
/// handled, until the consecutive-error limit is reached, or, with
/// [`run_until`](Self::run_until), until a future completes (`tokio::signal::ctrl_c()`, a
/// cancellation token's `cancelled()`).
///
/// Receivers run on the task that runs the loop, as they run on the thread of the blocking
/// loop.
pub struct AsyncConsumer<B: AsyncConsumerBackend> {
    backend: B,
    machine: Machine,
}

impl<B: ConsumerBackend + Send + 'static> AsyncConsumer<OnBlockingPool<B>>
where
    B::Token: Clone + Sync,
{
    /// A consumer reading through the blocking `backend` on tokio's blocking pool.
    pub fn on_blocking_pool(backend: B, options: ConsumerOptions) -> Self {
        AsyncConsumer::new(OnBlockingPool::new(backend), options)
    }
}

impl<B: AsyncConsumerBackend> AsyncConsumer<B> {
    /// A consumer reading through `backend`.
    pub fn new(backend: B, options: ConsumerOptions) -> Self {
        let machine = Machine::new(options, backend.interrupter());
        AsyncConsumer { backend, machine }
    }

    /// Calls `observer` after each handled delivery.
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

    /// A handle that stops [`run`](Self::run) from another task, thread or signal handler.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.machine.shutdown.clone()
    }

    /// What the consumer has done so far.
    pub fn stats(&self) -> ConsumerStats {
        self.machine.stats
    }

    /// The backend.
    pub fn backend(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Runs until `stop` completes, then stops as [`ShutdownHandle::shutdown`] does: after the
    /// delivery being handled, with what was handled acknowledged.
    pub async fn run_until(
        &mut self,
        stop: impl Future<Output = ()>,
    ) -> Result<ConsumerStats, ConsumerError<B::Error>> {
        let shutdown = self.machine.shutdown.clone();
        let run = self.run();
        tokio::pin!(run, stop);
        tokio::select! {
            result = &mut run => return result,
            () = &mut stop => shutdown.shutdown(),
        }
        run.await
    }

    /// Runs until shut down, until `max_messages` deliveries are handled, or until the
    /// consecutive-error limit is reached. Broker errors are logged and retried with backoff.
    pub async fn run(&mut self) -> Result<ConsumerStats, ConsumerError<B::Error>> {
        tracing::info!(consumer = %self.backend.describe(), "consumer started");
        while !self.machine.is_done() {
            match self.poll().await {
                Ok(_) => self.machine.broker_ok(|| self.backend.describe()),
                Err(ConsumerError::Broker { source, .. }) => {
                    let pause = self.machine.after_broker_error(&self.backend.describe(), &source);
                    if let Some(pause) = pause.map_err(|reached| self.too_many(reached))? {
                        // Woken early by a shutdown.
                        tokio::select! {
                            () = tokio::time::sleep(pause) => {}
                            () = self.machine.shutdown.requested() => {}
                        }
                    }
                }
                Err(other) => return Err(other),
            }
        }
        if let Err(error) = self.backend.flush().await {
            tracing::error!(consumer = %self.backend.describe(), %error,
                "the last acknowledgements could not be sent; those messages will be delivered again");
        }
        tracing::info!(consumer = %self.backend.describe(), stats = ?self.machine.stats, "consumer stopped");
        Ok(self.machine.stats)
    }

    /// Receives one batch and handles it; returns how many deliveries were handled.
    ///
    /// Not cancel-safe: dropping the future while it waits for the broker may leave received
    /// deliveries unhandled and unacknowledged (the broker delivers them again after a
    /// restart). Stop a running consumer with [`run_until`](Self::run_until) or the
    /// [`ShutdownHandle`] instead.
    pub async fn poll(&mut self) -> Result<usize, ConsumerError<B::Error>> {
        let result = self.poll_batch().await;
        if let Err(ConsumerError::Broker { .. }) = &result {
            self.backend.recover().await;
        }
        result
    }

    async fn poll_batch(&mut self) -> Result<usize, ConsumerError<B::Error>> {
        let wait = self.machine.options.poll_timeout;
        let received = self.backend.receive(self.machine.budget(), wait).await;
        let deliveries = received.map_err(|source| self.broker_error(source))?;
        let mut handled = 0;
        let mut result = Ok(());
        for delivery in deliveries {
            if self.machine.shutdown.is_shutdown() {
                break;
            }
            result = self.handle(delivery).await;
            if result.is_err() {
                break;
            }
            handled += 1;
        }
        let flushed = self.backend.flush().await;
        flushed.map_err(|source| self.broker_error(source))?;
        result.map(|()| handled)
    }

    async fn handle(&mut self, delivery: Delivery<B::Token>) -> Result<(), ConsumerError<B::Error>> {
        let mut outcome = self.machine.judge(&delivery.message, self.backend.keeps_dead_letters());
        if let Outcome::DeadLettered(reason) = outcome {
            let written = self.backend.dead_letter(&delivery, &reason).await;
            outcome = self
                .machine
                .dead_letter_written(&self.backend.describe(), &delivery, reason, written)
                .map_err(|source| self.broker_error(source))?;
        }
        match outcome {
            Outcome::LeftPending(_) => self.backend.leave_pending(&delivery.token).await,
            _ => {
                let acked = self.backend.ack(&delivery.token).await;
                acked.map_err(|source| self.broker_error(source))?;
            }
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
}

impl<B: AsyncConsumerBackend> fmt::Debug for AsyncConsumer<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncConsumer")
            .field("backend", &self.backend.describe())
            .field("stats", &self.machine.stats)
            .finish_non_exhaustive()
    }
}
