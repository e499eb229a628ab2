//! The async consumer loop on Redis Streams: the same deliveries and acknowledgements as the
//! blocking loop, and a stop that interrupts a read blocked in `XREADGROUP … BLOCK`.

mod support;

use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use events_bus_redis::{RedisOptions, RedisProducer, RedisStream};
use events_core::bus::{AsyncConsumer, BusMessage, ConsumerOptions, StartFrom};
use events_core::testing::isolate_events;
use support::{message_of, options, pending, redis, run};

run_event!(Awaited, "com.example.learning.run.awaited.v1");

macro_rules! server {
    () => {
        match RedisServer::for_test(module_path!()) {
            Some(server) => server,
            None => return,
        }
    };
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_consumer_delivers_and_acknowledges_every_entry() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let messages: Vec<BusMessage> = (0..50)
        .map(|i| message_of(&Awaited::new(run(&i.to_string()))))
        .collect();
    producer.add_batch("runs", &messages).unwrap();

    let events = isolate_events().enable(&RUN_AWAITED).start();
    let backend = RedisStream::open(
        RedisOptions::new(&server.url()).unwrap(),
        "runs",
        "lms",
        "c1",
        StartFrom::Backlog,
    )
    .unwrap();
    let mut consumer = AsyncConsumer::on_blocking_pool(
        backend,
        ConsumerOptions {
            max_messages: Some(50),
            batch_size: 16,
            ..options()
        },
    );
    let stats = consumer.run().await.unwrap();
    assert_eq!((stats.delivered, stats.dead_lettered), (50, 0));
    let ids: Vec<String> = events
        .sent::<Awaited>()
        .iter()
        .map(|event| event.data().run().run_id().to_owned())
        .collect();
    assert_eq!(ids, (0..50).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(pending(&mut redis(&server.url()), "runs", "lms").is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn run_until_interrupts_a_read_blocked_on_an_idle_stream() {
    let server = server!();
    let backend = RedisStream::open(
        RedisOptions::new(&server.url()).unwrap(),
        "idle",
        "lms",
        "c1",
        StartFrom::Latest,
    )
    .unwrap();
    let mut consumer = AsyncConsumer::on_blocking_pool(
        backend,
        ConsumerOptions {
            // Far longer than the test waits: only the interruption can end the read in time.
            poll_timeout: Duration::from_secs(30),
            ..ConsumerOptions::default()
        },
    );
    let started = Instant::now();
    let stats = consumer
        .run_until(tokio::time::sleep(Duration::from_millis(200)))
        .await
        .unwrap();
    assert_eq!(stats.handled(), 0);
    assert_eq!(stats.broker_errors, 0, "an interrupted read is not a broker error");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}
