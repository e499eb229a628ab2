//! The event bus on Redis Streams behaves as the in-memory reference model
//! (events-core/tests/bus.rs) and as edx-event-bus-redis: entry layout, trimming, start
//! positions, pending entries, claiming, dead letters, acknowledgements, shutdown.
//!
//! Each test starts its own redis-server on a free loopback port; without one installed the
//! tests are skipped (they fail instead under `OPENEDX_EVENTS_REQUIRE_INTEROP=1`).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use events_bus_redis::testing::{RedisServer, skip};
use events_bus_redis::{
    EntryId, HEADER_FIELDS, Position, RedisErrorKind, RedisOptions, RedisProducer, RedisStream, StreamEntry,
};
use events_core::bus::{
    BusMessage, Consumer, ConsumerBackend, ConsumerOptions, EventBusProducer, Outcome, ProducerConfig, StartFrom,
    TopicPrefix, connect_producer,
};
use events_core::testing::isolate_events;
use support::{message_of, options, pending, redis, run, xadd_fields, xlen, xrange};

run_event!(Written, "com.example.learning.run.written.v1");
run_event!(Published, "com.example.learning.run.published.v1");
run_event!(Redelivered, "com.example.learning.run.redelivered.v1");
run_event!(Claimed, "com.example.learning.run.claimed.v1");
run_event!(Refused, "com.example.learning.run.refused.v1");
run_event!(Positioned, "com.example.learning.run.positioned.v1");
run_event!(Stopped, "com.example.learning.run.stopped.v1");
run_event!(Foreign, "com.example.learning.run.foreign.v1");

macro_rules! server {
    () => {
        match RedisServer::for_test(module_path!()) {
            Some(server) => server,
            None => return,
        }
    };
}

fn stream_of(server: &RedisServer, stream: &str, group: &str, consumer: &str, start: StartFrom) -> RedisStream {
    RedisStream::open(
        RedisOptions::new(&server.url()).unwrap(),
        stream,
        group,
        consumer,
        start,
    )
    .unwrap()
}

// --- producing ------------------------------------------------------------------------------

#[test]
fn entries_hold_exactly_the_fields_the_python_producer_writes() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let message = message_of(&Written::new(run("run-1")));
    let id = producer.add("runs", &message).unwrap();

    let entries = xrange(&mut redis(&server.url()), "runs");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id, id);
    let names: Vec<&[u8]> = entries[0].fields.iter().map(|(name, _)| name.as_slice()).collect();
    let expected: Vec<&[u8]> = HEADER_FIELDS
        .iter()
        .map(|name| name.as_bytes())
        .chain([&b"event_data"[..]])
        .collect();
    assert_eq!(
        names, expected,
        "type,id,source,time,minorversion,sourcehost,sourcelib,event_data"
    );
    let written = StreamEntry::from_message(id, &message);
    assert_eq!(entries[0], written, "every value byte for byte");
    assert_eq!(entries[0].message().unwrap(), message);
}

#[test]
fn streams_are_trimmed_to_about_max_len_and_untrimmed_without_one() {
    let server = server!();
    let message = message_of(&Written::new(run("run-1")));
    let batch = vec![message; 1000];

    let trimmed = RedisProducer::from_url(&server.url()).unwrap().with_max_len(Some(100));
    assert_eq!(trimmed.max_len(), Some(100));
    trimmed.add_batch("trimmed", &batch).unwrap();
    let len = xlen(&mut redis(&server.url()), "trimmed");
    // `MAXLEN ~` removes whole internal nodes (100 entries by default): about, never under.
    assert!((100..=200).contains(&len), "{len}");

    let unlimited = RedisProducer::from_url(&server.url()).unwrap().with_max_len(None);
    unlimited.add_batch("unlimited", &batch).unwrap();
    assert_eq!(xlen(&mut redis(&server.url()), "unlimited"), 1000);
    assert_eq!(RedisProducer::from_url(&server.url()).unwrap().max_len(), Some(10_000));
}

#[test]
fn a_batch_is_written_in_order_and_returns_the_entry_ids() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let messages: Vec<BusMessage> = (0..50)
        .map(|i| message_of(&Written::new(run(&format!("run-{i}")))))
        .collect();
    let ids = producer.add_batch("batch", &messages).unwrap();
    assert!(producer.add_batch("batch", &[]).unwrap().is_empty());
    producer.send_batch("batch", &messages[..2]).unwrap();

    let entries = xrange(&mut redis(&server.url()), "batch");
    assert_eq!(entries.len(), 52);
    let stored_ids: Vec<&str> = entries[..50].iter().map(|entry| entry.id.as_str()).collect();
    assert_eq!(stored_ids, ids.iter().map(String::as_str).collect::<Vec<_>>());
    for (entry, message) in entries.iter().zip(messages.iter().chain(&messages[..2])) {
        assert_eq!(&entry.message().unwrap(), message);
    }
    assert_eq!(producer.stream_len("batch").unwrap(), 52);
    assert_eq!(producer.stream_len("nothing-here").unwrap(), 0);
}

#[test]
fn an_error_reply_in_a_batch_is_returned_and_the_connection_stays_usable() {
    let server = server!();
    let mut raw = redis(&server.url());
    let _: () = redis::cmd("SET").arg("not-a-stream").arg("x").query(&mut raw).unwrap();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let messages = vec![message_of(&Written::new(run("x"))); 3];
    let error = producer.add_batch("not-a-stream", &messages).unwrap_err();
    assert_eq!(error.server_code(), Some("WRONGTYPE"), "{error}");
    assert_eq!(error.kind(), RedisErrorKind::Server);
    assert_eq!(producer.add_batch("runs", &messages).unwrap().len(), 3);
    assert_eq!(xlen(&mut raw, "runs"), 3);
}

#[test]
fn events_sent_on_a_signal_are_published_and_consumed_once() {
    let server = server!();
    let config = ProducerConfig::default()
        .publish("com.example.learning.run.published.v1", "runs", "run.run_id")
        .unwrap();
    let prefix = TopicPrefix::new("stage");
    let producer = Arc::new(RedisProducer::from_url(&server.url()).unwrap());
    let binding = connect_producer(&config, producer.clone(), &prefix).unwrap();
    let mut consumer = Consumer::new(
        stream_of(&server, "stage-runs", "lms", "c1", StartFrom::Latest),
        options(),
    );

    let events = isolate_events().enable(&RUN_PUBLISHED).start();
    RUN_PUBLISHED.send_event(Published::new(run("run-2"))).unwrap();
    binding.flush(Duration::from_secs(10)).unwrap();
    let produced = events.sent::<Published>()[0].clone();
    events.clear();
    assert_eq!(producer.stream_len("stage-runs").unwrap(), 1);

    assert_eq!(consumer.poll().unwrap(), 1);
    binding.flush(Duration::from_secs(10)).unwrap();
    let received = events.sent::<Published>();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].metadata(), produced.metadata());
    assert_eq!(received[0].data(), produced.data());
    assert!(received[0].from_event_bus());
    assert_eq!(
        producer.stream_len("stage-runs").unwrap(),
        1,
        "an event from the bus is not published again"
    );
    assert!(
        pending(&mut redis(&server.url()), "stage-runs", "lms").is_empty(),
        "acknowledged"
    );
    binding.unbind();
}

// --- consuming ------------------------------------------------------------------------------

#[test]
fn unacknowledged_entries_are_redelivered_first_after_a_restart() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    producer
        .add("runs", &message_of(&Redelivered::new(run("run-3"))))
        .unwrap();

    // A first process reads the entry and dies before acknowledging it.
    let mut crashed = stream_of(&server, "runs", "lms", "worker", StartFrom::Backlog);
    assert_eq!(crashed.receive(10, Duration::ZERO).unwrap().len(), 1);
    drop(crashed);
    producer
        .add("runs", &message_of(&Redelivered::new(run("run-4"))))
        .unwrap();
    assert_eq!(pending(&mut redis(&server.url()), "runs", "lms")[0].1, "worker");

    // The restarted process reads its pending entry before new ones, even starting at Latest.
    let events = isolate_events().enable(&RUN_REDELIVERED).start();
    let mut restarted = Consumer::new(
        stream_of(&server, "runs", "lms", "worker", StartFrom::Latest),
        options(),
    );
    assert_eq!(restarted.poll().unwrap(), 1);
    let ids: Vec<String> = events
        .sent::<Redelivered>()
        .iter()
        .map(|e| e.data().run().run_id().to_owned())
        .collect();
    assert_eq!(ids, ["run-3"]);
    assert!(pending(&mut redis(&server.url()), "runs", "lms").is_empty());
    // Latest skipped run-4, which was added before the restart.
    assert_eq!(restarted.poll().unwrap(), 0);
}

#[test]
fn entries_left_pending_by_a_dead_consumer_are_claimed_by_another() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    for id in ["a", "b", "c"] {
        producer.add("runs", &message_of(&Claimed::new(run(id)))).unwrap();
    }
    let mut dead = stream_of(&server, "runs", "lms", "dead", StartFrom::Backlog);
    assert_eq!(dead.receive(10, Duration::ZERO).unwrap().len(), 3);

    let events = isolate_events().enable(&RUN_CLAIMED).start();
    let mut survivor = Consumer::new(
        stream_of(&server, "runs", "lms", "survivor", StartFrom::Backlog).with_claim_idle(Some(Duration::ZERO)),
        ConsumerOptions {
            batch_size: 2,
            ..options()
        },
    );
    assert_eq!(survivor.poll().unwrap(), 2);
    assert_eq!(survivor.poll().unwrap(), 1);
    let ids: Vec<String> = events
        .sent::<Claimed>()
        .iter()
        .map(|e| e.data().run().run_id().to_owned())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(pending(&mut redis(&server.url()), "runs", "lms").is_empty());
}

#[test]
fn undeliverable_entries_are_dead_lettered_with_the_reason_and_acknowledged() {
    let server = server!();
    let mut raw = redis(&server.url());
    let good = message_of(&Refused::new(run("ok")));
    let fields_of = |message: &BusMessage| StreamEntry::from_message("0-0", message).fields;
    let mut missing_header = fields_of(&good);
    missing_header.retain(|(name, _)| name != b"time");
    let mut unknown_type = fields_of(&good);
    unknown_type[0].1 = b"com.example.learning.run.nonexistent.v1".to_vec();
    let mut bad_avro = fields_of(&good);
    bad_avro.last_mut().unwrap().1 = vec![0xff];
    for fields in [missing_header, unknown_type, bad_avro, fields_of(&good).clone()] {
        xadd_fields(&mut raw, "runs", &fields);
    }

    let events = isolate_events().enable(&RUN_REFUSED).robust().start();
    events.connect(&RUN_REFUSED, "picky", |_| Err("downstream service unavailable".into()));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let mut consumer = Consumer::new(stream_of(&server, "runs", "lms", "c1", StartFrom::Backlog), options())
        .observe(move |handled| sink.lock().unwrap().push(handled.outcome.clone()));
    assert_eq!(consumer.poll().unwrap(), 4);
    let _ = &mut raw;

    let reasons: Vec<String> = outcomes
        .lock()
        .unwrap()
        .iter()
        .map(|outcome| match outcome {
            Outcome::DeadLettered(reason) => reason.clone(),
            Outcome::LeftPending(reason) => format!("left pending: {reason}"),
            Outcome::Delivered => "delivered".into(),
        })
        .collect();
    assert_eq!(reasons[0], "unreadable message: the entry has no `time` field");
    assert!(
        reasons[1].starts_with("unknown event type `com.example.learning.run.nonexistent.v1`"),
        "{}",
        reasons[1]
    );
    assert!(
        reasons[2].starts_with("com.example.learning.run.refused.v1: run.run_id: "),
        "{}",
        reasons[2]
    );
    assert_eq!(
        reasons[3],
        "1 of 1 receivers failed: picky: downstream service unavailable"
    );

    let dead = xrange(&mut raw, "runs-dead-letter");
    let originals = xrange(&mut raw, "runs");
    assert_eq!(dead.len(), 4);
    for ((dead, original), reason) in dead.iter().zip(&originals).zip(&reasons) {
        assert_eq!(
            &dead.fields[..original.fields.len()],
            &original.fields[..],
            "original fields kept"
        );
        assert_eq!(dead.field("dead_letter_reason"), Some(reason.as_bytes()));
        assert_eq!(dead.field("dead_letter_entry_id"), Some(original.id.as_bytes()));
        assert_eq!(dead.field("dead_letter_group"), Some(&b"lms"[..]));
        assert_eq!(dead.field("dead_letter_consumer"), Some(&b"c1"[..]));
    }
    assert!(
        pending(&mut raw, "runs", "lms").is_empty(),
        "everything read is acknowledged"
    );
    assert_eq!(consumer.stats().dead_lettered, 4);
}

#[test]
fn consuming_a_dead_letter_stream_never_writes_a_dead_letter_stream_of_dead_letters() {
    let server = server!();
    let mut raw = redis(&server.url());
    let good = message_of(&Refused::new(run("ok")));
    let mut unknown_type = StreamEntry::from_message("0-0", &good).fields;
    unknown_type[0].1 = b"com.example.learning.run.nonexistent.v1".to_vec();
    xadd_fields(&mut raw, "runs", &unknown_type);
    let mut consumer = Consumer::new(stream_of(&server, "runs", "lms", "c1", StartFrom::Backlog), options());
    assert_eq!(consumer.poll().unwrap(), 1);
    assert_eq!(xlen(&mut raw, "runs-dead-letter"), 1);

    let mut replayer = Consumer::new(
        stream_of(&server, "runs-dead-letter", "replay", "r1", StartFrom::Backlog),
        options(),
    );
    assert_eq!(replayer.poll().unwrap(), 1);
    assert_eq!(replayer.stats().left_pending, 1);
    assert_eq!(replayer.stats().broker_errors, 0);
    assert_eq!(xlen(&mut raw, "runs-dead-letter-dead-letter"), 0);
    assert_eq!(
        pending(&mut raw, "runs-dead-letter", "replay").len(),
        1,
        "kept, unacknowledged"
    );
}

#[test]
fn entries_written_by_another_producer_in_another_field_order_are_read() {
    let server = server!();
    let mut raw = redis(&server.url());
    let message = message_of(&Foreign::new(run("from-python")));
    let mut fields = StreamEntry::from_message("0-0", &message).fields;
    fields.reverse();
    fields.push((b"trace".to_vec(), b"abc".to_vec()));
    xadd_fields(&mut raw, "runs", &fields);

    let events = isolate_events().enable(&RUN_FOREIGN).start();
    let mut consumer = Consumer::new(stream_of(&server, "runs", "lms", "c1", StartFrom::Backlog), options());
    assert_eq!(consumer.poll().unwrap(), 1);
    assert_eq!(events.sent::<Foreign>()[0].metadata(), &message.metadata);
}

#[test]
fn start_positions_follow_edx_event_bus_redis() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let first_id = producer
        .add("runs", &message_of(&Positioned::new(run("before"))))
        .unwrap();
    producer
        .add("runs", &message_of(&Positioned::new(run("second"))))
        .unwrap();
    let all: Vec<String> = xrange(&mut redis(&server.url()), "runs")
        .into_iter()
        .map(|e| e.id)
        .collect();

    let ids = |start: Position, group: &str| -> Vec<String> {
        let mut backend = RedisStream::new(RedisOptions::new(&server.url()).unwrap(), "runs", group, "c", start);
        let deliveries = backend.receive(10, Duration::ZERO).unwrap();
        // Acknowledged, so that the next backend of the same name has nothing pending to
        // deliver first and reads from the group's position.
        for delivery in &deliveries {
            backend.ack(&delivery.token).unwrap();
        }
        backend.flush().unwrap();
        deliveries.into_iter().map(|delivery| delivery.token.id).collect()
    };
    assert_eq!(
        ids(Position::Backlog, "backlog"),
        all,
        "a new group with check_backlog reads the whole stream"
    );
    assert!(
        ids(Position::Latest, "latest").is_empty(),
        "by default only new entries are read"
    );
    assert_eq!(
        ids(first_id.parse::<EntryId>().unwrap().into(), "after"),
        all[1..],
        "last_read_msg_id replays after that entry"
    );

    // An existing group keeps its position with check_backlog; Latest moves it to the end.
    let third = producer
        .add("runs", &message_of(&Positioned::new(run("third"))))
        .unwrap();
    assert_eq!(ids(Position::Backlog, "backlog"), [third]);
    producer
        .add("runs", &message_of(&Positioned::new(run("fourth"))))
        .unwrap();
    assert!(ids(Position::Latest, "backlog").is_empty());
    // A stream that does not exist yet is created with the group.
    assert!(ids(Position::Backlog, "new").len() == 4);
    let mut empty = stream_of(&server, "not-yet", "g", "c", StartFrom::Latest);
    assert!(empty.receive(10, Duration::ZERO).unwrap().is_empty());
}

#[test]
fn acknowledgements_wait_for_flush_and_go_out_in_one_call() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let messages: Vec<BusMessage> = (0..3)
        .map(|i| message_of(&Written::new(run(&format!("{i}")))))
        .collect();
    producer.add_batch("runs", &messages).unwrap();
    let mut backend = stream_of(&server, "runs", "lms", "c1", StartFrom::Backlog);
    let deliveries = backend.receive(10, Duration::ZERO).unwrap();
    for delivery in &deliveries {
        backend.ack(&delivery.token).unwrap();
    }
    assert_eq!(backend.deferred_acks(), 3);
    assert_eq!(
        pending(&mut redis(&server.url()), "runs", "lms").len(),
        3,
        "not sent yet"
    );
    backend.flush().unwrap();
    assert_eq!(backend.deferred_acks(), 0);
    assert!(pending(&mut redis(&server.url()), "runs", "lms").is_empty());
}

#[test]
fn pending_entries_trimmed_away_are_acknowledged_not_delivered() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let messages: Vec<BusMessage> = (0..3)
        .map(|i| message_of(&Written::new(run(&format!("{i}")))))
        .collect();
    producer.add_batch("runs", &messages).unwrap();
    let mut backend = stream_of(&server, "runs", "lms", "c1", StartFrom::Backlog);
    assert_eq!(backend.receive(10, Duration::ZERO).unwrap().len(), 3);
    let mut raw = redis(&server.url());
    let _: u64 = redis::cmd("XTRIM")
        .arg("runs")
        .arg("MAXLEN")
        .arg(1)
        .query(&mut raw)
        .unwrap();

    // Read again from the pending list, as after a broker error.
    backend.recover();
    let deliveries = backend.receive(1, Duration::ZERO).unwrap();
    assert_eq!(
        deliveries.len(),
        1,
        "the trimmed ones are skipped, the survivor returned"
    );
    backend.ack(&deliveries[0].token).unwrap();
    backend.flush().unwrap();
    backend.recover();
    assert!(backend.receive(10, Duration::ZERO).unwrap().is_empty());
    assert!(pending(&mut raw, "runs", "lms").is_empty());
}

#[test]
fn a_group_deleted_under_a_consumer_is_recreated() {
    let server = server!();
    let producer = RedisProducer::from_url(&server.url()).unwrap();
    let mut backend = stream_of(&server, "runs", "lms", "c1", StartFrom::Latest);
    let mut raw = redis(&server.url());
    let _: u64 = redis::cmd("XGROUP")
        .arg("DESTROY")
        .arg("runs")
        .arg("lms")
        .query(&mut raw)
        .unwrap();
    producer.add("runs", &message_of(&Written::new(run("x")))).unwrap();

    let error = backend.receive(10, Duration::ZERO).unwrap_err();
    assert_eq!(error.server_code(), Some("NOGROUP"), "{error}");
    // Recreated at the start of the stream: nothing is skipped.
    assert_eq!(backend.receive(10, Duration::ZERO).unwrap().len(), 1);
}

#[test]
fn shutdown_stops_a_running_consumer_blocked_on_an_idle_stream() {
    let server = server!();
    let _ = &RUN_STOPPED;
    let mut consumer = Consumer::new(stream_of(&server, "idle", "lms", "c1", StartFrom::Latest), options());
    let handle = consumer.shutdown_handle();
    let started = Instant::now();
    let runner = std::thread::spawn(move || consumer.run());
    std::thread::sleep(Duration::from_millis(200));
    handle.shutdown();
    let stats = runner.join().unwrap().unwrap();
    assert_eq!(stats.handled(), 0);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn a_blocking_read_returns_as_soon_as_an_entry_arrives() {
    let server = server!();
    let mut backend = stream_of(&server, "runs", "lms", "c1", StartFrom::Latest);
    let url = server.url();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let producer = RedisProducer::from_url(&url).unwrap();
        producer.add("runs", &message_of(&Written::new(run("late")))).unwrap();
    });
    let started = Instant::now();
    let entries = backend.receive(10, Duration::from_secs(5)).unwrap();
    writer.join().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

// --- connections ----------------------------------------------------------------------------

#[test]
fn the_password_user_and_database_of_the_url_are_used() {
    if RedisServer::binary().is_none() {
        return skip::<()>(module_path!(), "no redis-server").unwrap_or_default();
    }
    let server = RedisServer::start_with(&["--requirepass", "s3cret"]).unwrap();
    let port = server.port();
    let message = message_of(&Written::new(run("x")));

    for url in [
        format!("redis://:s3cret@127.0.0.1:{port}/3"),
        format!("redis://default:s3cret@127.0.0.1:{port}/3"),
    ] {
        let producer = RedisProducer::from_url(&url).unwrap();
        producer.add("runs", &message).unwrap();
        let mut backend = stream_of_url(&url, "runs", "g", StartFrom::Backlog);
        assert!(!backend.receive(10, Duration::ZERO).unwrap().is_empty());
    }
    let mut db3 = redis(&format!("redis://:s3cret@127.0.0.1:{port}/3"));
    assert_eq!(xlen(&mut db3, "runs"), 2, "written to database 3");
    let mut db0 = redis(&format!("redis://:s3cret@127.0.0.1:{port}/0"));
    assert_eq!(xlen(&mut db0, "runs"), 0);

    let error = RedisProducer::from_url(&format!("redis://:wrong@127.0.0.1:{port}/0"))
        .unwrap()
        .add("runs", &message)
        .unwrap_err();
    assert_eq!(error.kind(), RedisErrorKind::Server, "{error}");
    assert!(!error.to_string().contains("wrong"), "no password in messages: {error}");
    let error = RedisProducer::from_url(&server.url()).unwrap().ping().unwrap_err();
    assert_eq!(error.server_code(), Some("NOAUTH"), "{error}");
}

fn stream_of_url(url: &str, stream: &str, group: &str, start: StartFrom) -> RedisStream {
    RedisStream::open(RedisOptions::new(url).unwrap(), stream, group, "c", start).unwrap()
}

// --- unreachable and hung servers -----------------------------------------------------------

#[test]
fn an_unreachable_server_is_a_connection_error() {
    let server = server!();
    let url = server.url();
    drop(server);
    let producer = RedisProducer::from_url(&url).unwrap();
    let error = producer.add("runs", &message_of(&Written::new(run("x")))).unwrap_err();
    assert!(error.is_connection_error(), "{error}");
    assert!(
        error.to_string().starts_with(&format!("XADD on `runs` at {url}")),
        "{error}"
    );

    let error = RedisStream::open(RedisOptions::new(&url).unwrap(), "runs", "g", "c", StartFrom::Latest).unwrap_err();
    assert!(error.is_connection_error(), "{error}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Not Redis, but a socket that accepts and stays silent: calls must not hang.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}/0", listener.local_addr().unwrap());
    let accepted = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            if let Ok((socket, _)) = listener.accept() {
                held.push(socket);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let options = RedisOptions::new(&url)
        .unwrap()
        .connect_timeout(Duration::from_millis(300))
        .io_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let error = RedisProducer::new(options.clone())
        .add("runs", &message_of(&Written::new(run("x"))))
        .unwrap_err();
    assert!(error.is_connection_error(), "{error}");
    let error = RedisStream::open(options, "runs", "g", "c", StartFrom::Latest).unwrap_err();
    assert!(error.is_connection_error(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    accepted.join().unwrap();
}
