//! The consumer loop against a backend that fails: replies lost, dead letters refused, reads
//! that block until interrupted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use events_core::EventsMetadata;
use events_core::bus::{
    BusMessage, Consumer, ConsumerBackend, ConsumerError, ConsumerOptions, Delivery, EventBusProducer, InMemoryBus,
    InMemoryConsumer, Interrupt, Offset, Outcome, StartFrom,
};

#[derive(Debug, thiserror::Error)]
#[error("connection reset")]
struct Reset;

/// The in-memory backend with faults: the first read taken by the broker but its reply lost,
/// or dead letters that cannot be written (`WRONGTYPE`, out of memory).
struct Faulty {
    inner: InMemoryConsumer,
    lose_first_read: bool,
    refuse_dead_letters: bool,
    dead_letter_attempts: u32,
}

impl Faulty {
    fn new(inner: InMemoryConsumer) -> Self {
        Faulty {
            inner,
            lose_first_read: false,
            refuse_dead_letters: false,
            dead_letter_attempts: 0,
        }
    }
}

impl ConsumerBackend for Faulty {
    type Error = Reset;
    type Token = Offset;

    fn receive(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery<Offset>>, Reset> {
        let deliveries = self.inner.receive(max, wait).unwrap_or_default();
        if self.lose_first_read && !deliveries.is_empty() {
            self.lose_first_read = false;
            return Err(Reset);
        }
        Ok(deliveries)
    }

    fn ack(&mut self, token: &Offset) -> Result<(), Reset> {
        self.inner.ack(token).map_err(|never| match never {})
    }

    fn dead_letter(&mut self, delivery: &Delivery<Offset>, reason: &str) -> Result<(), Reset> {
        self.dead_letter_attempts += 1;
        if self.refuse_dead_letters {
            return Err(Reset);
        }
        self.inner.dead_letter(delivery, reason).map_err(|never| match never {})
    }

    fn leave_pending(&mut self, token: &Offset) {
        self.inner.leave_pending(token);
    }

    fn recover(&mut self) {
        self.inner.recover();
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// A message no linked crate defines: undeliverable, so it is to be dead-lettered.
fn poison() -> BusMessage {
    BusMessage::new(EventsMetadata::new("com.example.learning.nobody.defines.v1"), vec![])
}

#[test]
fn deliveries_whose_read_reply_was_lost_are_received_again_after_recovery() {
    let bus = InMemoryBus::new();
    let inner = bus.consumer("runs", "lms", "c1", StartFrom::Latest);
    let mut consumer = Consumer::new(
        Faulty {
            lose_first_read: true,
            ..Faulty::new(inner)
        },
        ConsumerOptions {
            poll_timeout: Duration::ZERO,
            ..ConsumerOptions::default()
        },
    );
    assert_eq!(consumer.poll().unwrap(), 0);
    bus.send("runs", &poison()).unwrap();
    assert!(matches!(consumer.poll(), Err(ConsumerError::Broker { .. })));
    assert_eq!(bus.pending("runs", "lms").len(), 1, "taken by the broker, never seen");
    assert_eq!(consumer.poll().unwrap(), 1);
    assert!(bus.pending("runs", "lms").is_empty());
    assert_eq!(bus.dead_letters("runs").len(), 1);
}

#[test]
fn a_delivery_that_cannot_be_dead_lettered_is_left_pending_and_the_ones_behind_it_are_handled() {
    let bus = InMemoryBus::new();
    let inner = bus.consumer("runs", "lms", "c1", StartFrom::Backlog);
    let first = bus.publish("runs", poison());
    let second = bus.publish("runs", poison());
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let seen = outcomes.clone();
    let mut consumer = Consumer::new(
        Faulty {
            refuse_dead_letters: true,
            ..Faulty::new(inner)
        },
        ConsumerOptions {
            poll_timeout: Duration::ZERO,
            initial_backoff: Duration::from_millis(1),
            max_messages: Some(2),
            ..ConsumerOptions::default()
        },
    )
    .observe(move |handled| {
        seen.lock()
            .unwrap()
            .push((handled.position.to_string(), handled.outcome.clone()));
    });
    let stats = consumer.run().unwrap();
    assert_eq!(stats.left_pending, 2);
    assert_eq!(stats.broker_errors, 4, "two failed attempts for each before giving up");
    assert_eq!(consumer.backend().dead_letter_attempts, 6);
    let outcomes = outcomes.lock().unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].0, first.to_string());
    assert_eq!(outcomes[1].0, second.to_string());
    match &outcomes[0].1 {
        Outcome::LeftPending(reason) => assert!(
            reason.starts_with("unknown event type `com.example.learning.nobody.defines.v1`")
                && reason.ends_with("; and the dead-letter write failed 3 times: connection reset"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    let pending: Vec<Offset> = bus
        .pending("runs", "lms")
        .into_iter()
        .map(|(offset, _, _)| offset)
        .collect();
    assert_eq!(pending, [first, second], "never acknowledged");
}

/// A backend whose reads block until interrupted.
struct Blocking {
    interrupted: Arc<AtomicBool>,
}

impl ConsumerBackend for Blocking {
    type Error = Reset;
    type Token = Offset;

    fn receive(&mut self, _: usize, _: Duration) -> Result<Vec<Delivery<Offset>>, Reset> {
        while !self.interrupted.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        Err(Reset)
    }

    fn ack(&mut self, _: &Offset) -> Result<(), Reset> {
        Ok(())
    }

    fn dead_letter(&mut self, _: &Delivery<Offset>, _: &str) -> Result<(), Reset> {
        Ok(())
    }

    fn leave_pending(&mut self, _: &Offset) {}

    fn describe(&self) -> String {
        "blocking".into()
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let interrupted = self.interrupted.clone();
        Some(Arc::new(move || interrupted.store(true, Ordering::SeqCst)))
    }
}

#[test]
fn a_shutdown_interrupts_a_blocked_read_and_the_consumer_stops_without_an_error() {
    let mut consumer = Consumer::new(
        Blocking {
            interrupted: Arc::default(),
        },
        ConsumerOptions::default(),
    );
    let shutdown = consumer.shutdown_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        shutdown.shutdown();
    });
    let stats = consumer.run().unwrap();
    stopper.join().unwrap();
    assert_eq!(stats.broker_errors, 0, "an interrupted read is not a broker error");
}
