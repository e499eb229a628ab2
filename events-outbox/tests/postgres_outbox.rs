//! The outbox on PostgreSQL, against a real server each test starts: a rollback publishes
//! nothing (sync and async clients), two relays never publish a row twice and keep each key's
//! order, and a relay rides out the database restarting under it. Without PostgreSQL the tests
//! are skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use events_core::bus::{
    BatchError, BusMessage, EventBusProducer, InMemoryBus, ProducerConfig, ShutdownHandle, TopicPrefix,
};
use events_core::prelude::*;
use events_outbox::testing::PostgresServer;
use events_outbox::{Outbox, PostgresRelay, RelayOptions, migrate_postgres, status_postgres};
use postgres::{Client, NoTls};

/// A course run.
#[event_data]
pub struct RunData {
    /// The run's id.
    run_id: String,
    /// Seats left.
    seats: i64,
}

/// Emitted when a run opens.
#[open_edx_event(type = "com.example.learning.run.opened.v1", key_field = "run.run_id")]
pub struct RunOpened {
    /// The run.
    run: RunData,
}

fn opened(id: &str, seats: i64) -> RunOpened {
    RunOpened::new(RunData::builder().run_id(id).seats(seats).build())
}

fn outbox() -> Outbox {
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.opened.v1", "runs", "run.run_id")
        .unwrap();
    Outbox::new(&config, &TopicPrefix::none())
}

fn options() -> RelayOptions {
    RelayOptions {
        batch_size: 25,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        poll_interval: Duration::from_millis(10),
        ..RelayOptions::default()
    }
}

fn database(server: &PostgresServer) -> (String, Client) {
    let url = server.create_database("service").unwrap();
    let mut client = Client::connect(&url, NoTls).unwrap();
    migrate_postgres(&mut client).unwrap();
    client
        .batch_execute("CREATE TABLE runs (id TEXT PRIMARY KEY, seats BIGINT NOT NULL)")
        .unwrap();
    (url, client)
}

#[test]
fn a_committed_event_is_published_and_a_rolled_back_one_is_not_with_either_client() {
    let Some(server) = PostgresServer::for_test("a_committed_event_is_published_on_postgres") else {
        return;
    };
    let (url, mut client) = database(&server);
    let outbox = outbox();
    let mut transaction = client.transaction().unwrap();
    transaction
        .execute("INSERT INTO runs VALUES ('run-1', 3)", &[])
        .unwrap();
    let committed = outbox.send_postgres(&mut transaction, &opened("run-1", 3)).unwrap();
    transaction.commit().unwrap();
    let mut transaction = client.transaction().unwrap();
    outbox.send_postgres(&mut transaction, &opened("run-2", 1)).unwrap();
    transaction.rollback().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let committed_async = runtime.block_on(async {
        let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let transaction = client.transaction().await.unwrap();
        let metadata = outbox
            .send_postgres_async(&transaction, &opened("run-3", 5))
            .await
            .unwrap();
        transaction.commit().await.unwrap();
        let transaction = client.transaction().await.unwrap();
        outbox
            .send_postgres_async(&transaction, &opened("run-4", 5))
            .await
            .unwrap();
        transaction.rollback().await.unwrap();
        metadata
    });
    assert_eq!(status_postgres(&mut client).unwrap().pending, 2);

    let bus = InMemoryBus::new();
    let mut relay = PostgresRelay::connect(&url, Arc::new(bus.clone()), options()).unwrap();
    assert_eq!(relay.relay_once().unwrap().published, 2);
    let published: Vec<_> = bus
        .messages("runs")
        .iter()
        .map(|message| message.metadata.clone())
        .collect();
    assert_eq!(published, [committed, committed_async]);
    assert_eq!(bus.messages("runs")[0].key.as_deref(), Some("run-1"));
    let status = status_postgres(&mut client).unwrap();
    assert_eq!((status.pending, status.sent), (0, 2));
}

/// Publishes to an in-memory bus slowly, so that relays overlap.
struct Slow(InMemoryBus);

impl EventBusProducer for Slow {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), events_core::bus::ProduceError> {
        self.0.send(stream, message)
    }

    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), BatchError> {
        std::thread::sleep(Duration::from_millis(2));
        self.0.send_batch(stream, messages)
    }
}

#[test]
fn two_relays_never_publish_a_row_twice_and_keep_each_keys_order() {
    let Some(server) = PostgresServer::for_test("two_relays_on_postgres") else {
        return;
    };
    let (url, mut client) = database(&server);
    let outbox = outbox();
    let mut written: HashMap<String, Vec<i64>> = HashMap::new();
    for index in 0..600 {
        let run = format!("run-{}", index % 9);
        let mut transaction = client.transaction().unwrap();
        outbox.send_postgres(&mut transaction, &opened(&run, index)).unwrap();
        transaction.commit().unwrap();
        written.entry(run).or_default().push(index);
    }
    let bus = InMemoryBus::new();
    let producer: Arc<dyn EventBusProducer> = Arc::new(Slow(bus.clone()));
    let passes = Arc::new(Mutex::new([0usize; 2]));
    let relays: Vec<_> = (0..2)
        .map(|index| {
            let mut relay = PostgresRelay::connect(&url, Arc::clone(&producer), options()).unwrap();
            let passes = Arc::clone(&passes);
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(60);
                while Instant::now() < deadline {
                    let report = relay.relay_once().unwrap();
                    passes.lock().unwrap()[index] += report.published;
                    if report.published == 0 && report.failed == 0 {
                        // Empty for this relay: the other may still hold the last batch.
                        std::thread::sleep(Duration::from_millis(20));
                        let again = relay.relay_once().unwrap().published;
                        passes.lock().unwrap()[index] += again;
                        if again == 0 {
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    for relay in relays {
        relay.join().unwrap();
    }
    let published = bus.messages("runs");
    assert_eq!(published.len(), 600, "every row once: {:?}", passes.lock().unwrap());
    let mut ids: Vec<_> = published.iter().map(|message| message.metadata.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 600, "no row twice");
    let mut by_key: HashMap<String, Vec<i64>> = HashMap::new();
    for message in &published {
        let event = RunOpened::from_avro(&message.data).unwrap();
        by_key
            .entry(event.run().run_id().to_owned())
            .or_default()
            .push(event.run().seats());
    }
    assert_eq!(by_key, written, "each key's events in the order they were written");
    // Which relay took which batch depends on timing (a relay holds back the keys the other
    // has claimed); what they published together is every row, once.
    let shares = *passes.lock().unwrap();
    assert_eq!(shares.iter().sum::<usize>(), 600, "{shares:?}");
}

#[test]
fn a_relay_rides_out_the_database_restarting_under_it() {
    let Some(mut server) = PostgresServer::for_test("a_relay_rides_out_the_database_restarting") else {
        return;
    };
    let (url, mut client) = database(&server);
    let outbox = outbox();
    let write = |client: &mut Client, from: i64, to: i64| {
        for index in from..to {
            let mut transaction = client.transaction().unwrap();
            outbox.send_postgres(&mut transaction, &opened("run-1", index)).unwrap();
            transaction.commit().unwrap();
        }
    };
    write(&mut client, 0, 100);
    let bus = InMemoryBus::new();
    let mut relay = PostgresRelay::connect(&url, Arc::new(bus.clone()), options()).unwrap();
    let shutdown = ShutdownHandle::default();
    let stop = shutdown.clone();
    let running = std::thread::spawn(move || relay.run(&stop));
    let wait_for = |count: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while bus.len("runs") < count && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        bus.len("runs")
    };
    assert_eq!(wait_for(100), 100);

    server.stop().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    server.start_again().unwrap();
    let mut client = Client::connect(&url, NoTls).unwrap();
    write(&mut client, 100, 200);
    assert_eq!(wait_for(200), 200, "published after the restart");
    shutdown.shutdown();
    running.join().unwrap().unwrap();
    let seats: Vec<i64> = bus
        .messages("runs")
        .iter()
        .map(|message| RunOpened::from_avro(&message.data).unwrap().run().seats())
        .collect();
    assert_eq!(seats, (0..200).collect::<Vec<_>>(), "each once, in order");
}
