//! The async consumer loop on Kafka: a `KafkaConsumer` on tokio's blocking pool delivers and
//! commits as the blocking loop does.

use std::sync::Arc;
use std::time::Duration;

use events_bus_kafka::testing::KafkaBroker;
use events_bus_kafka::{KafkaConsumer, KafkaOptions, KafkaProducer, KafkaStart, SchemaRegistry};
use events_core::bus::{AsyncConsumer, BusMessage, ConsumerOptions, EventBusProducer};
use events_core::prelude::*;
use events_core::testing::isolate_events;
use schema_registry_stub::SchemaRegistry as RegistryServer;

/// A course run.
#[event_data]
pub struct RunData {
    /// The run's id.
    run_id: String,
}

/// Emitted in a test.
#[open_edx_event(type = "com.example.learning.run.awaited.v1", key_field = "run.run_id")]
pub struct Awaited {
    /// The run.
    run: RunData,
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_consumer_delivers_and_commits_every_message() {
    let Some(broker) = KafkaBroker::for_test("the_async_consumer_on_kafka") else {
        return;
    };
    broker.create_topic("runs", 2).unwrap();
    broker.create_topic("runs-dead-letter", 1).unwrap();
    let server = RegistryServer::start().unwrap();
    let registry = Arc::new(SchemaRegistry::new(&server.url()).unwrap());
    let options = KafkaOptions::new(&broker.bootstrap_servers());
    let producer = KafkaProducer::new(&options, Arc::clone(&registry)).unwrap();
    let messages: Vec<BusMessage> = (0..20)
        .map(|index| {
            let event = Awaited::new(RunData::builder().run_id(index.to_string()).build());
            BusMessage::new(EventsMetadata::new(Awaited::INFO.event_type), event.to_avro())
                .with_key(event.key_text().unwrap())
        })
        .collect();
    producer.send_batch("runs", &messages).unwrap();

    let events = isolate_events().enable(&RUN_AWAITED).start();
    let backend = KafkaConsumer::new(&options, registry, "runs", "lms", KafkaStart::Earliest).unwrap();
    let mut consumer = AsyncConsumer::on_blocking_pool(
        backend,
        ConsumerOptions {
            max_messages: Some(20),
            poll_timeout: Duration::from_millis(500),
            ..ConsumerOptions::default()
        },
    );
    let stats = tokio::time::timeout(Duration::from_secs(60), consumer.run())
        .await
        .expect("all 20 within a minute")
        .unwrap();
    assert_eq!((stats.delivered, stats.dead_lettered), (20, 0));
    let mut ids: Vec<u32> = events
        .sent::<Awaited>()
        .iter()
        .map(|event| event.data().run().run_id().parse().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..20).collect::<Vec<_>>());
}
