//! The event bus from async code (tokio): the async consumer loop, publishing and flushing
//! without holding a runtime thread, and test isolation of sends made from tokio tasks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use events_core::bus::{
    AsyncConsumer, BusMessage, ConsumerOptions, EnqueueError, EventBusProducer, InMemoryBus, Outcome, ProduceError,
    ProducerConfig, Publisher, PublisherOptions, StartFrom, TopicPrefix, WhenFull, connect_producer,
};
use events_core::prelude::*;
use events_core::testing::isolate_events;

/// A ticket.
#[event_data]
pub struct TicketData {
    /// Its number.
    number: i64,
}

macro_rules! ticket_event {
    ($name:ident, $type:literal) => {
        /// Emitted in a test.
        #[open_edx_event(type = $type)]
        pub struct $name {
            /// The ticket.
            ticket: TicketData,
        }
    };
}

// One event type per test: signals and their producer receivers are process-wide.
ticket_event!(Relayed, "com.example.learning.ticket.relayed.v1");
ticket_event!(Poisoned, "com.example.learning.ticket.poisoned.v1");
ticket_event!(Spawned, "com.example.learning.ticket.spawned.v1");
ticket_event!(Wrapped, "com.example.learning.ticket.wrapped.v1");

fn ticket(number: i64) -> TicketData {
    TicketData::builder().number(number).build()
}

fn quick() -> ConsumerOptions {
    ConsumerOptions {
        poll_timeout: Duration::from_millis(20),
        ..ConsumerOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_consumer_resends_what_a_bound_producer_published_and_acknowledges_it() {
    let bus = InMemoryBus::new();
    let config = ProducerConfig::default()
        .publish("com.example.learning.ticket.relayed.v1", "tickets", "ticket.number")
        .unwrap();
    let binding = connect_producer(&config, Arc::new(bus.clone()), &TopicPrefix::none()).unwrap();
    let events = isolate_events().enable(&TICKET_RELAYED).start();
    let handle = events.handle();
    for number in 0..20 {
        TICKET_RELAYED.send_event(Relayed::new(ticket(number))).unwrap();
    }
    binding.flush_async(Duration::from_secs(10)).await.unwrap();
    assert_eq!(bus.len("tickets"), 20);
    events.clear();

    let mut consumer = AsyncConsumer::on_blocking_pool(
        bus.consumer("tickets", "lms", "c1", StartFrom::Backlog),
        ConsumerOptions {
            max_messages: Some(20),
            batch_size: 7,
            ..quick()
        },
    );
    // The loop runs on this task, under the isolation of the test.
    let stats = handle.scope(consumer.run()).await.unwrap();
    assert_eq!((stats.delivered, stats.dead_lettered), (20, 0));
    let received: Vec<i64> = events
        .sent::<Relayed>()
        .iter()
        .map(|e| e.data().ticket().number())
        .collect();
    assert_eq!(received, (0..20).collect::<Vec<_>>(), "in order");
    assert!(events.sent::<Relayed>().iter().all(|event| event.from_event_bus()));
    assert!(bus.pending("tickets", "lms").is_empty(), "all acknowledged");
    assert_eq!(bus.len("tickets"), 20, "not published again");
    binding.unbind();
}

#[tokio::test(flavor = "current_thread")]
async fn undeliverable_messages_are_dead_lettered_by_the_async_consumer_too() {
    let bus = InMemoryBus::new();
    let good = BusMessage::new(
        EventsMetadata::new("com.example.learning.ticket.poisoned.v1"),
        Poisoned::new(ticket(1)).to_avro(),
    );
    let mut truncated = good.clone();
    truncated.data.clear();
    bus.send("tickets", &truncated).unwrap();
    bus.send("tickets", &good).unwrap();

    let events = isolate_events().enable(&TICKET_POISONED).start();
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let mut consumer = AsyncConsumer::on_blocking_pool(
        bus.consumer("tickets", "lms", "c1", StartFrom::Backlog),
        ConsumerOptions {
            max_messages: Some(2),
            ..quick()
        },
    )
    .observe(move |handled| sink.lock().unwrap().push(handled.outcome.clone()));
    // A current-thread runtime: the loop and the receivers run on the test's thread.
    let stats = consumer.run().await.unwrap();
    assert_eq!((stats.delivered, stats.dead_lettered), (1, 1));
    let outcomes = outcomes.lock().unwrap();
    assert!(
        matches!(&outcomes[0], Outcome::DeadLettered(reason)
            if reason.starts_with("com.example.learning.ticket.poisoned.v1: ticket.number: ")),
        "{:?}",
        outcomes[0]
    );
    assert_eq!(outcomes[1], Outcome::Delivered);
    assert_eq!(bus.dead_letters("tickets")[0].message, truncated);
    assert_eq!(events.sent::<Poisoned>().len(), 1);
    assert!(bus.pending("tickets", "lms").is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn run_until_stops_a_consumer_waiting_on_an_idle_topic_when_the_future_completes() {
    let bus = InMemoryBus::new();
    let mut consumer = AsyncConsumer::on_blocking_pool(
        bus.consumer("idle", "lms", "c1", StartFrom::Latest),
        ConsumerOptions {
            poll_timeout: Duration::from_millis(200),
            ..ConsumerOptions::default()
        },
    );
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    // Another task on the same thread keeps running while the consumer waits for messages:
    // the wait is on the blocking pool, not on the runtime's thread.
    let ticker = tokio::spawn(async move {
        loop {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let started = Instant::now();
    let stats = consumer
        .run_until(tokio::time::sleep(Duration::from_millis(150)))
        .await
        .unwrap();
    ticker.abort();
    assert_eq!(stats.handled(), 0);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(ticks.load(Ordering::SeqCst) >= 10, "the runtime thread was free");
}

/// A broker that holds every call until opened.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    entered: AtomicUsize,
    taken: AtomicUsize,
}

impl EventBusProducer for Gate {
    fn send(&self, _stream: &str, _message: &BusMessage) -> Result<(), ProduceError> {
        self.entered.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        self.taken.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }

    /// Waits until the publisher holds a message in the closed gate.
    async fn holding(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.entered.load(Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline, "the publisher never took a message");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

fn message() -> BusMessage {
    BusMessage::new(EventsMetadata::new("com.example.learning.ticket.queued.v1"), vec![0x02])
}

/// A publisher of one-message batches with room for one message, in front of a closed gate.
fn full_queue(gate: &Arc<Gate>, when_full: WhenFull) -> Arc<Publisher> {
    Arc::new(Publisher::start(
        gate.clone(),
        PublisherOptions {
            capacity: 1,
            when_full,
            max_batch: 1,
            ..PublisherOptions::default()
        },
    ))
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_send_waits_for_room_without_holding_the_runtime_thread() {
    let gate = Arc::new(Gate::default());
    let publisher = full_queue(&gate, WhenFull::Wait(Duration::from_secs(10)));
    // One message held by the broker, one in the queue: the queue is full.
    publisher.send("tickets".into(), message()).await.unwrap();
    gate.holding().await;
    publisher.send("tickets".into(), message()).await.unwrap();
    let waiting = tokio::spawn({
        let publisher = Arc::clone(&publisher);
        async move { publisher.send("tickets".into(), message()).await }
    });
    // The waiting send leaves this thread free: this task goes on, and opens the gate.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "it waits for room");
    gate.open();
    waiting.await.unwrap().unwrap();
    publisher.flush_async(Duration::from_secs(10)).await.unwrap();
    assert_eq!(gate.taken.load(Ordering::SeqCst), 3);
    assert_eq!(publisher.stats().refused, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn a_cancelled_async_send_is_not_waited_for_by_a_flush() {
    let gate = Arc::new(Gate::default());
    let publisher = full_queue(&gate, WhenFull::Wait(Duration::from_secs(10)));
    publisher.send("tickets".into(), message()).await.unwrap();
    gate.holding().await;
    publisher.send("tickets".into(), message()).await.unwrap();
    // The request that sent it was dropped while it waited for room.
    let cancelled = tokio::time::timeout(Duration::from_millis(20), publisher.send("tickets".into(), message())).await;
    assert!(cancelled.is_err(), "it was waiting");
    gate.open();
    publisher.flush_async(Duration::from_secs(10)).await.unwrap();
    assert_eq!(publisher.stats().accepted, 2);
    assert_eq!(gate.taken.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_send_to_a_full_queue_that_refuses_is_an_error_and_a_flush_times_out() {
    let gate = Arc::new(Gate::default());
    let publisher = full_queue(&gate, WhenFull::Refuse);
    publisher.send("tickets".into(), message()).await.unwrap();
    gate.holding().await;
    publisher.send("tickets".into(), message()).await.unwrap();
    let refused = publisher.send("tickets".into(), message()).await;
    assert!(
        matches!(refused, Err(EnqueueError::Full { capacity: 1 })),
        "{refused:?}"
    );
    assert_eq!(publisher.stats().refused, 1);
    let timeout = publisher.flush_async(Duration::from_millis(50)).await.unwrap_err();
    assert_eq!(timeout.unsettled, 2, "one held by the broker, one queued");
    gate.open();
    publisher.flush_async(Duration::from_secs(10)).await.unwrap();
}

#[test]
fn sends_from_tasks_on_an_isolated_runtime_are_captured_and_parallel_tests_do_not_see_them() {
    let run = |offset: i64| {
        std::thread::spawn(move || {
            let events = isolate_events().enable(&TICKET_SPAWNED).start();
            let runtime = events.handle().runtime().unwrap();
            runtime.block_on(async move {
                let tasks: Vec<_> = (0..50)
                    .map(|number| {
                        tokio::spawn(async move {
                            tokio::task::yield_now().await;
                            TICKET_SPAWNED
                                .send_event(Spawned::new(ticket(offset + number)))
                                .unwrap();
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
                tokio::task::spawn_blocking(move || {
                    TICKET_SPAWNED.send_event(Spawned::new(ticket(offset + 50))).unwrap();
                })
                .await
                .unwrap();
            });
            let mut numbers: Vec<i64> = events
                .sent::<Spawned>()
                .iter()
                .map(|e| e.data().ticket().number())
                .collect();
            numbers.sort_unstable();
            numbers
        })
    };
    let (first, second) = (run(0), run(1000));
    assert_eq!(first.join().unwrap(), (0..=50).collect::<Vec<_>>());
    assert_eq!(second.join().unwrap(), (1000..=1050).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_wrapped_in_the_isolation_scope_is_isolated_on_any_worker_thread() {
    let events = isolate_events().enable(&TICKET_WRAPPED).start();
    let handle = events.handle();
    let tasks: Vec<_> = (0..20)
        .map(|number| {
            tokio::spawn(handle.scope(async move {
                tokio::task::yield_now().await;
                TICKET_WRAPPED.send_event(Wrapped::new(ticket(number))).unwrap();
            }))
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    // Unwrapped, a task spawned on this runtime runs on a worker thread outside the isolation:
    // its send is a global one, not captured here.
    tokio::spawn(async { TICKET_WRAPPED.send_event(Wrapped::new(ticket(99))).unwrap() })
        .await
        .unwrap();
    let mut numbers: Vec<i64> = events
        .sent::<Wrapped>()
        .iter()
        .map(|e| e.data().ticket().number())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..20).collect::<Vec<_>>());
}
