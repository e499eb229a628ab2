//! What the outbox costs and how fast it relays, on real databases started by the benchmark:
//!
//! - `transaction/sqlite/alone` and `transaction/sqlite/with_outbox_send`: a SQLite transaction
//!   (WAL, `synchronous=NORMAL`, as services run it) inserting one application row, committed,
//!   without and with an [`Outbox::send`] of an enrollment-sized event in it; the difference is
//!   what the outbox adds to a transaction;
//! - `transaction/postgres/alone` and `transaction/postgres/with_outbox_send`: the same on a
//!   local PostgreSQL (`fsync` off, so that the disk does not hide the difference);
//! - `relay/sqlite_to_redis/batch_100`: relaying 1,000 committed rows to a local redis-server in
//!   batches of 100 (reading, publishing in one pipeline per batch, marking sent), per row.
//!
//! Without PostgreSQL or redis-server, their benchmarks print that they were skipped.

use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use events_bus_redis::RedisProducer;
use events_bus_redis::testing::RedisServer;
use events_core::bus::{ProducerConfig, TopicPrefix};
use events_core::prelude::*;
use events_outbox::testing::PostgresServer;
use events_outbox::{Outbox, Relay, RelayOptions, migrate, migrate_postgres};

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

/// An enrollment, about the size of the LMS's.
#[event_data]
pub struct EnrollmentData {
    /// The user's id.
    user_id: i64,
    /// Personal data.
    pii: PersonalData,
    /// The course.
    course_key: String,
    /// The mode.
    mode: String,
    /// Whether active.
    is_active: bool,
}

/// Emitted when a learner enrolls.
#[open_edx_event(
    type = "com.example.learning.course.enrollment.created.v1",
    key_field = "enrollment.course_key"
)]
pub struct EnrollmentCreated {
    /// The enrollment.
    enrollment: EnrollmentData,
}

fn event(index: i64) -> EnrollmentCreated {
    let pii = PersonalData::builder()
        .username(format!("learner{index}"))
        .email(format!("learner{index}@example.com"))
        .name("Ada Lovelace")
        .build();
    EnrollmentCreated::new(
        EnrollmentData::builder()
            .user_id(index)
            .pii(pii)
            .course_key("course-v1:edX+DemoX+Demo_Course")
            .mode("verified")
            .is_active(true)
            .build(),
    )
}

fn outbox() -> Outbox {
    let config = ProducerConfig::default()
        .publish(
            EnrollmentCreated::INFO.event_type,
            "enrollments",
            "enrollment.course_key",
        )
        .unwrap();
    Outbox::new(&config, &TopicPrefix::none())
}

fn sqlite(path: &std::path::Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE IF NOT EXISTS enrollments (user_id INTEGER, course TEXT)")
        .unwrap();
    migrate(&connection).unwrap();
    connection
}

fn transactions(c: &mut Criterion) {
    let outbox = outbox();
    let dir = tempfile::tempdir().unwrap();
    let mut connection = sqlite(&dir.path().join("bench.sqlite"));
    let mut group = c.benchmark_group("transaction/sqlite");
    let mut index = 0;
    group.bench_function("alone", |b| {
        b.iter(|| {
            index += 1;
            let transaction = connection.transaction().unwrap();
            transaction
                .execute(
                    "INSERT INTO enrollments VALUES (?1, 'course-v1:edX+DemoX+Demo_Course')",
                    [index],
                )
                .unwrap();
            transaction.commit().unwrap();
        });
    });
    group.bench_function("with_outbox_send", |b| {
        b.iter(|| {
            index += 1;
            let transaction = connection.transaction().unwrap();
            transaction
                .execute(
                    "INSERT INTO enrollments VALUES (?1, 'course-v1:edX+DemoX+Demo_Course')",
                    [index],
                )
                .unwrap();
            outbox.send(&transaction, &event(index)).unwrap();
            transaction.commit().unwrap();
        });
    });
    group.finish();

    let Some(server) = PostgresServer::bin_dir().and_then(|_| PostgresServer::start().ok()) else {
        eprintln!("transaction/postgres: skipped: no PostgreSQL");
        return;
    };
    let url = server.create_database("bench").unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrate_postgres(&mut client).unwrap();
    client
        .batch_execute("CREATE TABLE enrollments (user_id BIGINT, course TEXT)")
        .unwrap();
    let mut group = c.benchmark_group("transaction/postgres");
    group.bench_function("alone", |b| {
        b.iter(|| {
            index += 1;
            let mut transaction = client.transaction().unwrap();
            transaction
                .execute(
                    "INSERT INTO enrollments VALUES ($1, 'course-v1:edX+DemoX+Demo_Course')",
                    &[&index],
                )
                .unwrap();
            transaction.commit().unwrap();
        });
    });
    group.bench_function("with_outbox_send", |b| {
        b.iter(|| {
            index += 1;
            let mut transaction = client.transaction().unwrap();
            transaction
                .execute(
                    "INSERT INTO enrollments VALUES ($1, 'course-v1:edX+DemoX+Demo_Course')",
                    &[&index],
                )
                .unwrap();
            outbox.send_postgres(&mut transaction, &event(index)).unwrap();
            transaction.commit().unwrap();
        });
    });
    group.finish();
}

fn relay(c: &mut Criterion) {
    let Some(server) = RedisServer::binary().and_then(|_| RedisServer::start().ok()) else {
        eprintln!("relay/sqlite_to_redis: skipped: no redis-server");
        return;
    };
    const ROWS: i64 = 1000;
    let outbox = outbox();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.sqlite");
    let mut connection = sqlite(&path);
    let producer = Arc::new(
        RedisProducer::from_url(&server.url())
            .unwrap()
            .with_max_len(Some(10_000)),
    );
    let mut relay = Relay::open(
        &path,
        producer,
        RelayOptions {
            batch_size: 100,
            ..RelayOptions::default()
        },
    )
    .unwrap();
    let mut group = c.benchmark_group("relay/sqlite_to_redis");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("batch_100", |b| {
        b.iter_batched(
            || {
                let transaction = connection.transaction().unwrap();
                for index in 0..ROWS {
                    outbox.send(&transaction, &event(index)).unwrap();
                }
                transaction.commit().unwrap();
            },
            |()| {
                let mut relayed = 0;
                while relayed < ROWS as usize {
                    relayed += relay.relay_once().unwrap().published;
                }
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, transactions, relay);
criterion_main!(benches);
