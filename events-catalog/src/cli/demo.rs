//! `openedx-events demo`: the enrollment story, from the event's definition to a receiver in
//! another service, through the event bus.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use events_bus_kafka::{KafkaAdmin, KafkaConsumer, KafkaOptions, KafkaProducer, KafkaStart, SchemaRegistry};
use events_bus_redis::{RedisOptions, RedisProducer, RedisStream};
use events_catalog::learning::{
    COURSE_ENROLLMENT_CREATED, CourseData, CourseEnrollmentCreated, CourseEnrollmentData, UserData, UserPersonalData,
};
use events_core::bus::{
    Consumer, ConsumerBackend, ConsumerOptions, EventBusProducer, InMemoryBus, ProducerConfig, StartFrom, TopicPrefix,
    connect_producer,
};
use events_core::keys::CourseKey;
use events_core::prelude::*;
use events_outbox::{Outbox, Relay, RelayOptions};

use super::CliError;

const TOPIC: &str = "course-enrollment-lifecycle";

/// Runs the demo on the embedded in-memory bus.
pub(crate) fn run(out: &mut dyn Write) -> Result<(), CliError> {
    let bus = InMemoryBus::new();
    let consumer = bus.consumer(TOPIC, "demo-notifications", "worker-1", StartFrom::Latest);
    run_with(
        out,
        Arc::new(bus.clone()),
        consumer,
        "the embedded in-memory bus",
        &TopicPrefix::none(),
        &|stream| bus.len(stream),
    )
}

/// Runs the demo over Redis Streams at `url`; `EVENT_BUS_TOPIC_PREFIX` applies.
pub(crate) fn run_on_redis(out: &mut dyn Write, url: &str) -> Result<(), CliError> {
    let options = RedisOptions::new(url)?;
    let prefix = TopicPrefix::from_env();
    // A consumer name of its own per run: entries left pending by an interrupted earlier run
    // stay out of this one.
    let worker = format!("worker-{}", std::process::id());
    let consumer = RedisStream::open(
        options.clone(),
        &prefix.full_topic(TOPIC),
        "demo-notifications",
        &worker,
        StartFrom::Latest,
    )?;
    let producer = Arc::new(RedisProducer::new(options.clone()));
    let len_of = Arc::clone(&producer);
    run_with(
        out,
        producer,
        consumer,
        &format!("Redis at {}", options.address()),
        &prefix,
        &|stream| {
            len_of
                .stream_len(stream)
                .map_or(0, |len| usize::try_from(len).unwrap_or(usize::MAX))
        },
    )
}

/// Runs the demo over Kafka at `options`, with schemas in `registry`; `EVENT_BUS_TOPIC_PREFIX`
/// applies. The topic must exist.
pub(crate) fn run_on_kafka(
    out: &mut dyn Write,
    options: &KafkaOptions,
    registry: Arc<SchemaRegistry>,
    prefix: &TopicPrefix,
) -> Result<(), CliError> {
    let topic = prefix.full_topic(TOPIC);
    // A group of its own per run, joined and positioned at the end of the topic before the
    // event is published, so that it reads that event and none of earlier runs.
    let group = format!("demo-notifications-{}", std::process::id());
    let mut consumer = KafkaConsumer::new(options, Arc::clone(&registry), &topic, &group, KafkaStart::Latest)?;
    if !consumer.wait_until_positioned(Duration::from_secs(30))? {
        return Err(format!("the consumer of `{topic}` was not assigned its partitions within 30 s").into());
    }
    let producer = Arc::new(KafkaProducer::new(options, registry)?);
    let admin = KafkaAdmin::new(options)?;
    run_with(
        out,
        producer,
        consumer,
        &format!("Kafka at {}", options.bootstrap_servers()),
        prefix,
        &|topic| {
            admin
                .status(topic, None)
                .map_or(0, |status| usize::try_from(status.messages).unwrap_or(0))
        },
    )
}

/// The demo on any bus: `producer` publishes to the topic `consumer` reads.
pub(crate) fn run_with<B: ConsumerBackend>(
    out: &mut dyn Write,
    producer: Arc<dyn EventBusProducer>,
    consumer: B,
    bus_name: &str,
    prefix: &TopicPrefix,
    stream_len: &dyn Fn(&str) -> usize,
) -> Result<(), CliError> {
    let info = COURSE_ENROLLMENT_CREATED.info();
    writeln!(out, "1. define")?;
    writeln!(out, "   {} = {}", info.name, info.event_type)?;
    writeln!(
        out,
        "   payload {} {{ enrollment: CourseEnrollmentData }}",
        info.payload_type
    )?;
    writeln!(out, "   key field {}", info.key_field.unwrap_or("-"))?;
    writeln!(
        out,
        "   {}",
        info.description.split_whitespace().collect::<Vec<_>>().join(" ")
    )?;

    writeln!(out, "2. connect")?;
    let received = Arc::new(Mutex::new(Vec::new()));
    let inbox = Arc::clone(&received);
    let connection = COURSE_ENROLLMENT_CREATED.connect("demo.welcome_email", move |event| {
        let enrollment = event.data().enrollment();
        let line = format!(
            "{} enrolled in {} ({}) as {}; event {} at {} from {}{}",
            enrollment.user().pii().username(),
            enrollment.course().course_key(),
            enrollment.course().display_name(),
            enrollment.mode(),
            event.metadata().id(),
            event.metadata().time_isoformat(),
            event.metadata().source(),
            if event.from_event_bus() {
                ", received from the event bus"
            } else {
                ", sent in this process"
            },
        );
        inbox.lock().map_err(|_| "inbox poisoned")?.push(line);
        Ok(())
    });
    writeln!(out, "   receiver `{}` connected", connection.id())?;
    let stream = prefix.full_topic(TOPIC);
    let config = ProducerConfig::default().publish(info.event_type, TOPIC, info.key_field.unwrap_or_default())?;
    let binding = connect_producer(&config, producer, prefix)?;
    writeln!(
        out,
        "   event bus producer connected (publishing off the sender's thread): {} -> `{stream}` on {bus_name}",
        info.event_type
    )?;

    writeln!(out, "3. send")?;
    let event = enrollment_event()?;
    writeln!(out, "   {event:?}")?;
    writeln!(out, "   Avro payload: {} bytes", event.to_avro().len())?;
    let responses = COURSE_ENROLLMENT_CREATED.send_event(event)?;
    for response in &responses {
        writeln!(
            out,
            "   response from `{}`: {}",
            response.receiver(),
            outcome_text(response.outcome())
        )?;
    }
    // The producer publishes from a background thread; wait until it has.
    binding.flush(Duration::from_secs(10))?;
    writeln!(
        out,
        "   published by the background publisher: `{stream}` now holds {}",
        entries(stream_len(&stream))
    )?;

    writeln!(out, "4. receive")?;
    let mut consumer = Consumer::new(
        consumer,
        ConsumerOptions {
            max_messages: Some(1),
            poll_timeout: Duration::from_secs(5),
            ..ConsumerOptions::default()
        },
    );
    // The event was published before: it comes at once, or something is wrong.
    let shutdown = consumer.shutdown_handle();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        shutdown.shutdown();
    });
    let stats = consumer.run()?;
    if stats.handled() == 0 {
        return Err(format!("the consumer received nothing from {bus_name} within 60 s").into());
    }
    writeln!(
        out,
        "   consumer handled {} entry: {} delivered, {} dead-lettered",
        stats.handled(),
        stats.delivered,
        stats.dead_lettered
    )?;
    for line in received.lock().map_err(|_| "inbox poisoned")?.iter() {
        writeln!(out, "   {line}")?;
    }
    writeln!(
        out,
        "   `{stream}` still holds {}: events from the bus are not published again",
        entries(stream_len(&stream))
    )?;
    binding.unbind();
    connection.disconnect();
    Ok(())
}

/// The enrollment of the demo.
fn enrollment_event() -> Result<CourseEnrollmentCreated, CliError> {
    let pii = UserPersonalData::builder()
        .username("ada")
        .email("ada@example.com")
        .name("Ada Lovelace")
        .build();
    let user = UserData::builder().id(7).is_active(true).pii(pii).build();
    let course_key: CourseKey = "course-v1:edX+DemoX+Demo_Course".parse()?;
    let course = CourseData::builder()
        .course_key(course_key)
        .display_name("Demonstration Course")
        .build();
    let enrollment = CourseEnrollmentData::builder()
        .user(user)
        .course(course)
        .mode("audit")
        .is_active(true)
        .creation_date(Utc::now())
        .build();
    Ok(CourseEnrollmentCreated::new(enrollment))
}

/// Runs the demo through the transactional outbox of the SQLite database at `path`: the event
/// is written in the transaction of the enrollment itself, relayed once committed, and
/// received from the embedded in-memory bus.
pub(crate) fn run_with_outbox(out: &mut dyn Write, path: &std::path::Path) -> Result<(), CliError> {
    let info = COURSE_ENROLLMENT_CREATED.info();
    writeln!(out, "1. define")?;
    writeln!(out, "   {} = {}", info.name, info.event_type)?;
    writeln!(out, "   key field {}", info.key_field.unwrap_or("-"))?;

    writeln!(out, "2. migrate the outbox")?;
    let mut connection = super::outbox::open(path)?;
    events_outbox::migrate(&connection)?;
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS demo_enrollments (user_id INTEGER, course_key TEXT, mode TEXT)")?;
    let config = ProducerConfig::default().publish(info.event_type, TOPIC, info.key_field.unwrap_or_default())?;
    let outbox = Outbox::new(&config, &TopicPrefix::none());
    writeln!(out, "   outbox tables current in {}", path.display())?;

    writeln!(out, "3. send on commit")?;
    let event = enrollment_event()?;
    let enrollment = event.enrollment();
    let transaction = connection.transaction()?;
    transaction.execute(
        "INSERT INTO demo_enrollments VALUES (?1, ?2, ?3)",
        rusqlite::params![
            enrollment.user().id(),
            enrollment.course().course_key().to_string(),
            enrollment.mode()
        ],
    )?;
    let metadata = outbox.send(&transaction, &event)?;
    transaction.commit()?;
    writeln!(out, "   enrollment row and event {} committed together", metadata.id())?;
    let transaction = connection.transaction()?;
    outbox.send(&transaction, &enrollment_event()?)?;
    transaction.rollback()?;
    let status = events_outbox::status(&connection)?;
    writeln!(
        out,
        "   a second enrollment rolled back took its event with it: {} pending",
        status.pending
    )?;

    writeln!(out, "4. relay")?;
    let bus = InMemoryBus::new();
    let consumer = bus.consumer(TOPIC, "demo-notifications", "worker-1", StartFrom::Backlog);
    let mut relay = Relay::open(path, Arc::new(bus.clone()), RelayOptions::default())?;
    let report = relay.relay_once()?;
    writeln!(
        out,
        "   relayed {} to `{TOPIC}` on the embedded in-memory bus; {} pending",
        entries(report.published),
        events_outbox::status(&connection)?.pending
    )?;

    writeln!(out, "5. receive")?;
    let received = Arc::new(Mutex::new(Vec::new()));
    let inbox = Arc::clone(&received);
    let connection_id = COURSE_ENROLLMENT_CREATED.connect("demo.welcome_email", move |event| {
        let line = format!(
            "{} enrolled in {} as {}; event {}{}",
            event.data().enrollment().user().pii().username(),
            event.data().enrollment().course().course_key(),
            event.data().enrollment().mode(),
            event.metadata().id(),
            if event.from_event_bus() {
                ", received from the event bus"
            } else {
                ""
            },
        );
        inbox.lock().map_err(|_| "inbox poisoned")?.push(line);
        Ok(())
    });
    let mut consumer = Consumer::new(
        consumer,
        ConsumerOptions {
            max_messages: Some(1),
            poll_timeout: Duration::from_secs(5),
            ..ConsumerOptions::default()
        },
    );
    let stats = consumer.run()?;
    writeln!(
        out,
        "   consumer handled {}: {} delivered",
        entries(stats.handled() as usize),
        stats.delivered
    )?;
    for line in received.lock().map_err(|_| "inbox poisoned")?.iter() {
        writeln!(out, "   {line}")?;
    }
    connection_id.disconnect();
    Ok(())
}

fn entries(count: usize) -> String {
    if count == 1 {
        "1 entry".to_owned()
    } else {
        format!("{count} entries")
    }
}

fn outcome_text(outcome: Result<(), &events_core::ReceiverError>) -> String {
    match outcome {
        Ok(()) => "ok".to_owned(),
        Err(error) => format!("failed: {error}"),
    }
}
