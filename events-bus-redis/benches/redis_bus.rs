//! The event bus on a local redis-server started by the benchmark:
//!
//! - `xadd/bare_round_trip`: one pre-encoded `XADD` of an enrollment-sized entry written to a
//!   plain socket and its reply read, the floor for publishing one event;
//! - `produce/one_by_one`: [`RedisProducer::add`] of a ready message (fields formatted, command
//!   encoded, one round trip);
//! - `xadd/redis_benchmark_limit` (printed, not a criterion figure): what `redis-benchmark -P 64`
//!   gets from the same server for an `XADD` of the same fields, the broker's own limit;
//! - `produce/signal_send_direct`: `send_event` on a signal with the producer connected in
//!   [`PublishMode::Direct`] mode (metadata, Avro encoding and the round trip, on the sender's thread);
//! - `publish/background_signal_send`: sustained throughput of `send_event` with the producer
//!   connected through the background publisher, each sample ending when the publisher has
//!   published everything (`flush`);
//! - `publish/background_send_cost`: what one `send_event` costs the sender with the background
//!   publisher (the flush after each sample is not timed);
//! - `produce/batch_1000`: [`RedisProducer::add_batch`] of 1000 messages, one pipeline;
//! - `consume/no_op_receiver/batch_*`: the core consumer loop over [`RedisStream`] reading a
//!   backlog of 10,000 entries, decoding each and re-sending it to one no-op receiver.
//!
//! Without a redis-server binary (see `events_bus_redis::testing`) the benchmarks print that
//! they were skipped.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use events_bus_redis::testing::RedisServer;
use events_bus_redis::{RedisOptions, RedisProducer, RedisStream, to_fields};
use events_core::bus::{
    BusMessage, Consumer, ConsumerBackend, ConsumerOptions, EventBusProducer, InMemoryBus, ProducerConfig, PublishMode,
    PublisherOptions, StartFrom, TopicPrefix, connect_producer_with,
};
use events_core::prelude::*;
use std::io::{Read, Write};

/// A user's personal data.
#[event_data]
pub struct PersonalData {
    /// Username.
    username: String,
    /// Email.
    email: String,
    /// Full name.
    name: String,
}

/// A user.
#[event_data]
pub struct User {
    /// Id.
    id: i64,
    /// Whether active.
    is_active: bool,
    /// Personal data.
    pii: PersonalData,
}

/// A course.
#[event_data]
pub struct Course {
    /// Course key.
    course_key: String,
    /// Display name.
    display_name: String,
    /// Start.
    start: Option<DateTime<Utc>>,
    /// End.
    end: Option<DateTime<Utc>>,
}

/// An enrollment, shaped like `CourseEnrollmentData`.
#[event_data]
pub struct Enrollment {
    /// The user.
    user: User,
    /// The course.
    course: Course,
    /// Mode.
    mode: String,
    /// Whether active.
    is_active: bool,
    /// Created.
    creation_date: DateTime<Utc>,
    /// Created by.
    created_by: Option<User>,
}

/// Emitted in the benchmarks.
#[open_edx_event(
    type = "com.example.learning.bench.enrolled.v1",
    key_field = "enrollment.course.course_key"
)]
pub struct Enrolled {
    /// The enrollment.
    enrollment: Enrollment,
}

/// Emitted in the background publishing benchmarks: a signal of its own, so that no other
/// benchmark's producer is bound to it.
#[open_edx_event(
    type = "com.example.learning.bench.published.v1",
    key_field = "enrollment.course.course_key"
)]
pub struct Published {
    /// The enrollment.
    enrollment: Enrollment,
}

const BACKLOG: usize = 10_000;

fn published(n: i64) -> Published {
    Published::new(enrolled(n).enrollment().clone())
}

fn enrolled(n: i64) -> Enrolled {
    let pii = PersonalData::builder()
        .username(format!("learner{n}"))
        .email(format!("learner{n}@example.com"))
        .name("Ada Lovelace")
        .build();
    let user = User::builder().id(n).is_active(true).pii(pii).build();
    let course = Course::builder()
        .course_key("course-v1:edX+DemoX+Demo_Course")
        .display_name("Demonstration Course")
        .build();
    Enrolled::new(
        Enrollment::builder()
            .user(user)
            .course(course)
            .mode("audit")
            .is_active(true)
            .creation_date(Utc::now())
            .build(),
    )
}

fn message(n: i64) -> BusMessage {
    BusMessage::new(EventsMetadata::new(Enrolled::EVENT_TYPE), enrolled(n).to_avro())
}

fn server() -> Option<RedisServer> {
    match RedisServer::binary() {
        Some(_) => Some(RedisServer::start().expect("redis-server starts")),
        None => {
            eprintln!("redis benchmarks skipped: no redis-server in PATH and REDIS_SERVER is not set");
            None
        }
    }
}

fn produce(c: &mut Criterion) {
    let Some(server) = server() else { return };
    let url = server.url();
    let producer = Arc::new(RedisProducer::from_url(&url).unwrap());
    let one = message(1);

    let mut group = c.benchmark_group("xadd");
    group.throughput(Throughput::Elements(1));
    // A plain socket: the command written, the reply (`$15\r\n<id>\r\n`) read, nothing else.
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    socket.set_nodelay(true).unwrap();
    let mut bare = redis::cmd("XADD");
    bare.arg("bare").arg("MAXLEN").arg("~").arg(10_000).arg("*");
    for (name, value) in to_fields(&one) {
        bare.arg(name).arg(&*value);
    }
    let packed = bare.get_packed_command();
    let mut reply = [0u8; 64];
    group.bench_function("bare_round_trip", |b| {
        b.iter(|| {
            socket.write_all(&packed).unwrap();
            let mut read = 0;
            while read < 4 || reply[..read].iter().filter(|&&byte| byte == b'\n').count() < 2 {
                read += socket.read(&mut reply[read..]).unwrap();
            }
            assert_eq!(reply[0], b'$');
            black_box(&reply[..read]);
        })
    });
    group.finish();
    redis_benchmark_limit(&server, &one);

    let mut group = c.benchmark_group("produce");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_by_one", |b| {
        b.iter(|| black_box(producer.add("one", &one).unwrap()))
    });

    let config = ProducerConfig::default()
        .publish(Enrolled::EVENT_TYPE, "signal", "enrollment.course.course_key")
        .unwrap();
    let binding = connect_producer_with(&config, producer.clone(), &TopicPrefix::none(), PublishMode::Direct).unwrap();
    let event = enrolled(2);
    group.bench_function("signal_send_direct", |b| {
        b.iter(|| {
            let responses = BENCH_ENROLLED.send_event(event.clone()).unwrap();
            assert!(responses.all_ok());
        })
    });
    binding.unbind();

    let batch: Vec<BusMessage> = (0..1000).map(message).collect();
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("batch_1000", |b| {
        b.iter(|| black_box(producer.add_batch("batch", &batch).unwrap()))
    });
    group.finish();
}

/// Runs `redis-benchmark -P 64` on the server with an `XADD` of `message`'s fields and prints
/// the requests per second, the limit the publishing benchmarks are compared with. The Avro
/// payload is replaced by as many printable bytes, since command-line arguments cannot carry
/// NUL bytes; the size is what matters to Redis.
fn redis_benchmark_limit(server: &RedisServer, message: &BusMessage) {
    let mut args: Vec<String> = ["-p", &server.port().to_string(), "-P", "64", "-n", "500000", "-q"]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
    args.extend(["XADD", "limit", "MAXLEN", "~", "10000", "*"].map(String::from));
    for (name, value) in to_fields(message) {
        args.push(name.to_owned());
        args.push(if name == "event_data" {
            "x".repeat(value.len())
        } else {
            String::from_utf8_lossy(&value).into_owned()
        });
    }
    match std::process::Command::new("redis-benchmark").args(&args).output() {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            // The last report line: `XADD limit ...: 565610.44 requests per second, p50=…`.
            let rate = text.rsplit(['\r', '\n']).find_map(|line| {
                line.split_once(": ")
                    .and_then(|(_, rest)| rest.split(' ').next()?.parse::<f64>().ok())
            });
            match rate {
                Some(rate) => eprintln!("xadd/redis_benchmark_limit: {rate:.0} XADD/s (redis-benchmark -P 64)"),
                None => eprintln!("xadd/redis_benchmark_limit: unreadable output: {text}"),
            }
        }
        Ok(output) => eprintln!(
            "xadd/redis_benchmark_limit: redis-benchmark failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => eprintln!("xadd/redis_benchmark_limit: skipped, no redis-benchmark ({error})"),
    }
}

fn publish(c: &mut Criterion) {
    let Some(server) = server() else { return };
    let producer = Arc::new(RedisProducer::from_url(&server.url()).unwrap());
    let config = ProducerConfig::default()
        .publish(Published::EVENT_TYPE, "background", "enrollment.course.course_key")
        .unwrap();
    let options = PublisherOptions {
        capacity: 1_000_000,
        ..PublisherOptions::default()
    };
    let binding = connect_producer_with(
        &config,
        producer.clone(),
        &TopicPrefix::none(),
        PublishMode::Background(options),
    )
    .unwrap();
    let event = published(3);
    let flush = Duration::from_secs(60);

    let mut group = c.benchmark_group("publish");
    group.throughput(Throughput::Elements(1));
    group.bench_function("background_signal_send", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                let responses = BENCH_PUBLISHED.send_event(event.clone()).unwrap();
                assert!(responses.all_ok());
            }
            binding.flush(flush).unwrap();
            started.elapsed()
        })
    });
    group.bench_function("background_send_cost", |b| {
        b.iter_custom(|iters| {
            let mut sending = Duration::ZERO;
            // In rounds that fit the queue, each followed by an untimed flush.
            let mut left = iters;
            while left > 0 {
                let round = left.min(100_000);
                let started = Instant::now();
                for _ in 0..round {
                    let responses = BENCH_PUBLISHED.send_event(event.clone()).unwrap();
                    assert!(responses.all_ok());
                }
                sending += started.elapsed();
                binding.flush(flush).unwrap();
                left -= round;
            }
            sending
        })
    });
    group.finish();
    let stats = binding.stats().unwrap();
    assert_eq!(stats.accepted, stats.published, "{stats:?}");
    binding.unbind();
}

fn consume(c: &mut Criterion) {
    let Some(server) = server() else { return };
    let url = server.url();
    let producer = RedisProducer::from_url(&url).unwrap().with_max_len(None);
    let backlog: Vec<BusMessage> = (0..BACKLOG as i64).map(message).collect();
    for chunk in backlog.chunks(1000) {
        producer.add_batch("backlog", chunk).unwrap();
    }
    let _receiver = BENCH_ENROLLED.connect("bench.no_op", |event| {
        black_box(event.data());
        Ok(())
    });

    let mut group = c.benchmark_group("consume");
    group.throughput(Throughput::Elements(BACKLOG as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    let mut groups = 0u64;
    for batch_size in [100, 1000] {
        group.bench_function(format!("no_op_receiver/batch_{batch_size}"), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    // A new consumer group reads the whole backlog.
                    groups += 1;
                    let backend = RedisStream::open(
                        RedisOptions::new(&url).unwrap(),
                        "backlog",
                        &format!("bench-{groups}"),
                        "c1",
                        StartFrom::Backlog,
                    )
                    .unwrap();
                    let mut consumer = Consumer::new(
                        backend,
                        ConsumerOptions {
                            batch_size,
                            max_messages: Some(BACKLOG as u64),
                            ..ConsumerOptions::default()
                        },
                    );
                    let started = Instant::now();
                    let stats = consumer.run().unwrap();
                    total += started.elapsed();
                    assert_eq!(stats.delivered, BACKLOG as u64);
                }
                total
            })
        });
    }

    // Where the time goes: the Redis round trips alone (read, acknowledge; no decoding, no
    // delivery), and the consumer loop alone (decoding and delivery from the in-memory bus).
    group.bench_function("read_and_ack_only/batch_1000", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                groups += 1;
                let mut backend = RedisStream::open(
                    RedisOptions::new(&url).unwrap(),
                    "backlog",
                    &format!("bench-{groups}"),
                    "c1",
                    StartFrom::Backlog,
                )
                .unwrap();
                let started = Instant::now();
                let mut read = 0;
                while read < BACKLOG {
                    let deliveries = backend.receive(1000, Duration::ZERO).unwrap();
                    for delivery in &deliveries {
                        backend.ack(&delivery.token).unwrap();
                    }
                    backend.flush().unwrap();
                    read += deliveries.len();
                }
                total += started.elapsed();
            }
            total
        })
    });
    let bus = InMemoryBus::new();
    for message in &backlog {
        bus.send("backlog", message).unwrap();
    }
    group.bench_function("in_memory_bus/batch_1000", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                groups += 1;
                let backend = bus.consumer("backlog", &format!("bench-{groups}"), "c1", StartFrom::Backlog);
                let mut consumer = Consumer::new(
                    backend,
                    ConsumerOptions {
                        batch_size: 1000,
                        max_messages: Some(BACKLOG as u64),
                        ..ConsumerOptions::default()
                    },
                );
                let started = Instant::now();
                assert_eq!(consumer.run().unwrap().delivered, BACKLOG as u64);
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, produce, publish, consume);
criterion_main!(benches);
