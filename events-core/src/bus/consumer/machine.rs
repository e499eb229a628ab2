//! The consumer's decisions, without I/O: what to do with each delivery, when to retry a
//! dead-letter write, how long to pause after a broker error, when to give up. The blocking
//! and the async loops feed it what the backend returned and carry out what it decides.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crate::bus::message::BusMessage;
use crate::receiver::{ReceiverError, Responses};

use super::backend::{Delivery, Interrupt, Unreadable};
use super::report::{BrokerEvent, ConsumerError, ConsumerOptions, ConsumerStats, Handled, Outcome};
use super::resend::deliver_with;
use super::shutdown::ShutdownHandle;

pub(crate) type Observer = Box<dyn FnMut(&Handled<'_>) + Send>;
pub(crate) type BrokerObserver = Box<dyn FnMut(&BrokerEvent<'_>) + Send>;

/// Broker calls failing since `since`, `failed_calls` of them.
#[derive(Debug, Clone, Copy)]
struct Outage {
    since: Instant,
    failed_calls: u32,
}

/// The state of one consumer between deliveries.
pub(crate) struct Machine {
    pub(crate) options: ConsumerOptions,
    pub(crate) stats: ConsumerStats,
    pub(crate) shutdown: ShutdownHandle,
    observer: Option<Observer>,
    broker_observer: Option<BrokerObserver>,
    outage: Option<Outage>,
    consecutive_errors: u32,
    backoff: Duration,
    /// The delivery whose dead-letter write failed last, and how many times in a row.
    dead_letter_failures: Option<(String, u32)>,
    /// Bytes skipped after the known fields of the delivery being handled.
    unknown_bytes: usize,
}

/// The error limit was reached; the consumer stops.
#[derive(Debug)]
pub(crate) struct LimitReached {
    pub(crate) count: u32,
    pub(crate) last: String,
}

impl LimitReached {
    pub(crate) fn error<E: std::error::Error + 'static>(self, consumer: String) -> ConsumerError<E> {
        ConsumerError::TooManyErrors {
            consumer,
            count: self.count,
            last: self.last,
        }
    }
}

/// What to do after a dead-letter write failed.
#[derive(Debug)]
pub(crate) enum DeadLetterFailed {
    /// Report the broker error; the delivery comes again after recovery and is tried again.
    Retry,
    /// Leave the delivery unacknowledged, for this reason, and go on.
    GiveUp(String),
}

impl Machine {
    /// The machine of a consumer whose backend's blocked calls `interrupter` ends.
    pub(crate) fn new(options: ConsumerOptions, interrupter: Option<Interrupt>) -> Self {
        let shutdown = ShutdownHandle::default();
        if let Some(interrupt) = interrupter {
            shutdown.on_shutdown(interrupt);
        }
        Machine {
            backoff: options.initial_backoff,
            options,
            stats: ConsumerStats::default(),
            shutdown,
            observer: None,
            broker_observer: None,
            outage: None,
            consecutive_errors: 0,
            dead_letter_failures: None,
            unknown_bytes: 0,
        }
    }

    pub(crate) fn observe(&mut self, observer: Observer) {
        self.observer = Some(observer);
    }

    pub(crate) fn observe_broker(&mut self, observer: BrokerObserver) {
        self.broker_observer = Some(observer);
    }

    /// Whether the loop stops: shut down, or `max_messages` handled.
    pub(crate) fn is_done(&self) -> bool {
        self.shutdown.is_shutdown() || self.reached_max()
    }

    /// What a dead-letter write that `written` says how it went means for the delivery: dead
    /// lettered; left unacknowledged once the attempts are used up; or, before that, the
    /// broker's error, for the loop to report and retry.
    pub(crate) fn dead_letter_written<T: fmt::Display, E: fmt::Display>(
        &mut self,
        consumer: &str,
        delivery: &Delivery<T>,
        reason: String,
        written: Result<(), E>,
    ) -> Result<Outcome, E> {
        match written {
            Ok(()) => {
                self.dead_letter_failures = None;
                tracing::error!(%consumer, position = %delivery.token, event_id = %event_id(delivery), %reason,
                    "event dead-lettered");
                Ok(Outcome::DeadLettered(reason))
            }
            Err(error) => match self.dead_letter_failed(&delivery.token.to_string(), &reason, &error) {
                DeadLetterFailed::Retry => Err(error),
                DeadLetterFailed::GiveUp(reason) => Ok(Outcome::LeftPending(reason)),
            },
        }
    }

    /// Counts a handled delivery and shows it to the observer (including the one that reaches
    /// the error limit); an error when the limit is reached.
    pub(crate) fn finish<T: fmt::Display>(
        &mut self,
        consumer: impl FnOnce() -> String,
        delivery: &Delivery<T>,
        outcome: &Outcome,
    ) -> Result<(), LimitReached> {
        if let Outcome::LeftPending(reason) = outcome {
            tracing::error!(consumer = %consumer(), position = %delivery.token, event_id = %event_id(delivery), %reason,
                "event left unacknowledged: it can be neither delivered nor dead-lettered");
        }
        let settled = self.settle(outcome);
        if self.unknown_bytes > 0 && *outcome == Outcome::Delivered {
            self.stats.unknown_fields_skipped += 1;
        }
        if let Some(observer) = &mut self.observer {
            observer(&Handled {
                position: &delivery.token,
                message: delivery.message.as_ref().ok(),
                outcome,
                unknown_bytes: self.unknown_bytes,
            });
        }
        settled
    }

    /// Counts a broker error of `consumer` and logs it; returns how long to pause before
    /// retrying, nothing when the error is the interruption of a shutdown, or an error when
    /// the limit is reached.
    pub(crate) fn after_broker_error(
        &mut self,
        consumer: &str,
        error: &dyn fmt::Display,
    ) -> Result<Option<Duration>, LimitReached> {
        if self.shutdown.is_shutdown() {
            // The shutdown interrupted a call; what was handled is acknowledged by the loop.
            tracing::debug!(%consumer, %error, "a broker call was interrupted by the shutdown");
            return Ok(None);
        }
        let pause = self.broker_failed(&error.to_string());
        tracing::error!(%consumer, %error, consecutive_errors = self.consecutive_errors,
            "an event bus call failed; retrying");
        let retry_in = pause?;
        match &mut self.outage {
            Some(outage) => outage.failed_calls += 1,
            None => {
                self.outage = Some(Outage {
                    since: Instant::now(),
                    failed_calls: 1,
                });
                tracing::warn!(%consumer, %error, ?retry_in, "lost the event bus; retrying");
                if let Some(observer) = &mut self.broker_observer {
                    observer(&BrokerEvent::Lost { error, retry_in });
                }
            }
        }
        Ok(Some(retry_in))
    }

    /// How many deliveries to ask for next.
    pub(crate) fn budget(&self) -> usize {
        let batch = self.options.batch_size.max(1);
        match self.options.max_messages {
            Some(max) => batch.min(usize::try_from(max.saturating_sub(self.stats.handled())).unwrap_or(usize::MAX)),
            None => batch,
        }
    }

    /// Whether `max_messages` deliveries are handled.
    fn reached_max(&self) -> bool {
        self.options.max_messages.is_some_and(|max| self.stats.handled() >= max)
    }

    /// Decodes the message and re-sends it on its signal: `Delivered` when every receiver
    /// succeeded, otherwise the reason to dead-letter it, or, where there are no dead letters
    /// (`keeps_dead_letters` false), to leave it unacknowledged. A panicking receiver is caught
    /// and counted as a failure, so that one bad receiver cannot stop consumption.
    pub(crate) fn judge(&mut self, message: &Result<BusMessage, Unreadable>, keeps_dead_letters: bool) -> Outcome {
        self.unknown_bytes = 0;
        match self.verdict(message) {
            Outcome::DeadLettered(reason) if !keeps_dead_letters => {
                Outcome::LeftPending(format!("{reason}; left where it is: these are dead letters already"))
            }
            outcome => outcome,
        }
    }

    fn verdict(&mut self, message: &Result<BusMessage, Unreadable>) -> Outcome {
        let trailing = self.options.trailing_bytes;
        match message {
            Err(unreadable) => Outcome::DeadLettered(unreadable.to_string()),
            Ok(message) => match catch_unwind(AssertUnwindSafe(|| deliver_with(message, trailing))) {
                Ok(Ok(resent)) => {
                    if resent.skipped_bytes > 0 {
                        self.unknown_bytes = resent.skipped_bytes;
                        warn_unknown_fields(message, resent.skipped_bytes);
                    }
                    if resent.responses.all_ok() {
                        Outcome::Delivered
                    } else {
                        Outcome::DeadLettered(receiver_failures(&resent.responses))
                    }
                }
                Ok(Err(error)) => Outcome::DeadLettered(error.to_string()),
                Err(panic) => {
                    Outcome::DeadLettered(format!("a receiver panicked: {}", ReceiverError::from_panic(panic)))
                }
            },
        }
    }

    /// Counts a failed dead-letter write of the delivery at `position`: retried until
    /// `dead_letter_attempts`, then given up, since retrying without end would block every
    /// delivery behind this one.
    fn dead_letter_failed(&mut self, position: &str, reason: &str, error: &dyn fmt::Display) -> DeadLetterFailed {
        let attempts = match self.dead_letter_failures.take() {
            Some((known, attempts)) if known == position => attempts + 1,
            _ => 1,
        };
        if attempts < self.options.dead_letter_attempts {
            self.dead_letter_failures = Some((position.to_owned(), attempts));
            return DeadLetterFailed::Retry;
        }
        DeadLetterFailed::GiveUp(format!(
            "{reason}; and the dead-letter write failed {attempts} times: {error}"
        ))
    }

    /// Counts a handled delivery; an error when the consecutive-error limit is reached.
    fn settle(&mut self, outcome: &Outcome) -> Result<(), LimitReached> {
        match outcome {
            Outcome::Delivered => {
                self.stats.delivered += 1;
                self.consecutive_errors = 0;
                Ok(())
            }
            Outcome::DeadLettered(reason) => {
                self.stats.dead_lettered += 1;
                self.consecutive_errors += 1;
                self.check_limit(reason)
            }
            Outcome::LeftPending(reason) => {
                self.stats.left_pending += 1;
                self.consecutive_errors += 1;
                self.check_limit(reason)
            }
        }
    }

    /// A poll of `consumer` went through: the backoff starts over, and an outage ends.
    pub(crate) fn broker_ok(&mut self, consumer: impl FnOnce() -> String) {
        self.backoff = self.options.initial_backoff;
        if let Some(outage) = self.outage.take() {
            let down_for = outage.since.elapsed();
            tracing::info!(consumer = %consumer(), ?down_for, failed_calls = outage.failed_calls,
                "regained the event bus");
            if let Some(observer) = &mut self.broker_observer {
                observer(&BrokerEvent::Regained {
                    down_for,
                    failed_calls: outage.failed_calls,
                });
            }
        }
    }

    /// Counts a broker error; returns how long to pause before retrying (doubling up to
    /// `max_backoff`), or an error when the limit is reached.
    fn broker_failed(&mut self, error: &str) -> Result<Duration, LimitReached> {
        self.stats.broker_errors += 1;
        self.consecutive_errors += 1;
        self.check_limit(error)?;
        let pause = self.backoff;
        self.backoff = (self.backoff * 2).min(self.options.max_backoff);
        Ok(pause)
    }

    fn check_limit(&self, last: &str) -> Result<(), LimitReached> {
        match self.options.consecutive_error_limit {
            Some(limit) if self.consecutive_errors >= limit => Err(LimitReached {
                count: self.consecutive_errors,
                last: last.to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Machine")
            .field("options", &self.options)
            .field("stats", &self.stats)
            .field("consecutive_errors", &self.consecutive_errors)
            .finish_non_exhaustive()
    }
}

fn event_id<T>(delivery: &Delivery<T>) -> String {
    delivery
        .message
        .as_ref()
        .map(|message| message.metadata.id().to_string())
        .unwrap_or_default()
}

/// Fields a newer minor version appended are expected; bytes after a payload of the same minor
/// version are a producer that appended fields without raising it, which deserves a warning.
fn warn_unknown_fields(message: &BusMessage, skipped: usize) {
    let metadata = &message.metadata;
    let newer = crate::registry::get_signal_by_type(metadata.event_type())
        .is_ok_and(|signal| metadata.minorversion() > signal.info().minor_version);
    if newer {
        tracing::debug!(event_type = metadata.event_type(), event_id = %metadata.id(),
            minorversion = metadata.minorversion(), skipped, "skipped the fields of a newer minor version");
    } else {
        tracing::warn!(event_type = metadata.event_type(), event_id = %metadata.id(),
            minorversion = metadata.minorversion(), skipped,
            "skipped bytes after the known fields: a newer producer appended fields without raising minorversion?");
    }
}

fn receiver_failures(responses: &Responses) -> String {
    let failures: Vec<String> = responses
        .failures()
        .map(|response| match response.outcome() {
            Err(error) => format!("{}: {error}", response.receiver()),
            Ok(()) => response.receiver().to_string(),
        })
        .collect();
    format!(
        "{} of {} receivers failed: {}",
        failures.len(),
        responses.len(),
        failures.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(options: ConsumerOptions) -> Machine {
        Machine::new(options, None)
    }

    #[test]
    fn an_outage_is_told_once_when_lost_and_once_when_regained() {
        use std::sync::{Arc, Mutex};
        let mut machine = machine(ConsumerOptions {
            initial_backoff: Duration::from_millis(100),
            ..ConsumerOptions::default()
        });
        let told = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&told);
        machine.observe_broker(Box::new(move |event| {
            log.lock().unwrap().push(match event {
                BrokerEvent::Lost { error, retry_in } => format!("lost: {error}, retry in {retry_in:?}"),
                BrokerEvent::Regained { failed_calls, .. } => format!("regained after {failed_calls} failed calls"),
            });
        }));
        machine.broker_ok(String::new);
        for _ in 0..3 {
            assert!(
                machine
                    .after_broker_error("c", &"connection refused")
                    .unwrap()
                    .is_some()
            );
        }
        machine.broker_ok(String::new);
        machine.broker_ok(String::new);
        assert_eq!(
            *told.lock().unwrap(),
            [
                "lost: connection refused, retry in 100ms",
                "regained after 3 failed calls"
            ]
        );
    }

    #[test]
    fn broker_errors_double_the_pause_up_to_the_maximum_and_a_poll_resets_it() {
        let mut machine = machine(ConsumerOptions {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            ..ConsumerOptions::default()
        });
        let pauses: Vec<u128> = (0..4)
            .map(|_| machine.broker_failed("reset").unwrap().as_millis())
            .collect();
        assert_eq!(pauses, [100, 200, 300, 300]);
        machine.broker_ok(String::new);
        assert_eq!(machine.broker_failed("reset").unwrap(), Duration::from_millis(100));
        assert_eq!(machine.stats.broker_errors, 5);
    }

    #[test]
    fn the_error_limit_counts_broker_errors_and_undeliverable_messages_until_a_delivery() {
        let mut machine = machine(ConsumerOptions {
            consecutive_error_limit: Some(3),
            ..ConsumerOptions::default()
        });
        machine.broker_failed("reset").unwrap();
        machine.settle(&Outcome::DeadLettered("bad".into())).unwrap();
        machine.settle(&Outcome::Delivered).unwrap();
        machine.settle(&Outcome::DeadLettered("bad".into())).unwrap();
        machine.broker_failed("reset").unwrap();
        let reached = machine.settle(&Outcome::LeftPending("stuck".into())).unwrap_err();
        assert_eq!((reached.count, reached.last.as_str()), (3, "stuck"));
    }

    #[test]
    fn a_dead_letter_write_is_retried_then_given_up_and_a_new_delivery_starts_the_count_again() {
        let mut machine = machine(ConsumerOptions {
            dead_letter_attempts: 3,
            ..ConsumerOptions::default()
        });
        assert!(matches!(
            machine.dead_letter_failed("1-0", "bad", &"down"),
            DeadLetterFailed::Retry
        ));
        assert!(matches!(
            machine.dead_letter_failed("2-0", "bad", &"down"),
            DeadLetterFailed::Retry
        ));
        assert!(matches!(
            machine.dead_letter_failed("2-0", "bad", &"down"),
            DeadLetterFailed::Retry
        ));
        match machine.dead_letter_failed("2-0", "bad", &"down") {
            DeadLetterFailed::GiveUp(reason) => {
                assert_eq!(reason, "bad; and the dead-letter write failed 3 times: down")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_budget_stops_at_max_messages() {
        let mut machine = machine(ConsumerOptions {
            batch_size: 10,
            max_messages: Some(12),
            ..ConsumerOptions::default()
        });
        assert_eq!(machine.budget(), 10);
        for _ in 0..10 {
            machine.settle(&Outcome::Delivered).unwrap();
        }
        assert_eq!(machine.budget(), 2);
        machine.settle(&Outcome::Delivered).unwrap();
        machine.settle(&Outcome::Delivered).unwrap();
        assert!(machine.reached_max());
    }
}
