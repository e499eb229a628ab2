//! Faults: Redis killed and restarted under a producer and under a consumer, and a consumer
//! process killed in the middle of a batch. Nothing acknowledged is lost; what was not
//! acknowledged is delivered again.
//!
//! The servers here persist every write (`appendfsync always`) so that a restart on the same
//! port brings the data back, as a production server does.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use events_bus_redis::{RedisOptions, RedisProducer, RedisStream};
use events_core::AvroEvent;
use events_core::bus::{BusMessage, Consumer, ConsumerOptions, StartFrom};
use events_core::testing::isolate_events;
use support::{message_of, options, pending, redis, run, xlen, xrange};

run_event!(Produced, "com.example.learning.fault.produced.v1");
run_event!(Consumed, "com.example.learning.fault.consumed.v1");
run_event!(Restarted, "com.example.learning.fault.restarted.v1");
run_event!(Rescued, "com.example.learning.fault.rescued.v1");

/// The environment of the consumer process that the kill tests start (this test binary,
/// running only `child_consumer_process`).
const CHILD_URL: &str = "REDIS_FAULT_CHILD_URL";
const CHILD_EVENT: &str = "REDIS_FAULT_CHILD_EVENT";

macro_rules! persistent_server {
    () => {
        match RedisServer::persistent_for_test(module_path!()) {
            Some(server) => server,
            None => return,
        }
    };
}

fn quick(url: &str) -> RedisOptions {
    RedisOptions::new(url)
        .unwrap()
        .connect_timeout(Duration::from_millis(500))
        .io_timeout(Duration::from_secs(2))
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run_ids(entries: &[events_bus_redis::StreamEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| {
            let message = entry.message().unwrap();
            Produced::from_avro(&message.data).unwrap().run().run_id().to_owned()
        })
        .collect()
}

#[test]
fn a_producer_returns_errors_while_redis_is_down_and_recovers_when_it_is_back() {
    let mut server = persistent_server!();
    let url = server.url();
    let producer = Arc::new(RedisProducer::new(quick(&url)));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));

    // Producing all along, one event every millisecond.
    let writer = {
        let (producer, accepted, failed, stop) = (producer.clone(), accepted.clone(), failed.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = format!("run-{n}");
                match producer.add("runs", &message_of(&Produced::new(run(&id)))) {
                    Ok(_) => accepted.lock().unwrap().push(id),
                    Err(error) => {
                        // Down, or up and still loading its data.
                        let loading = error.server_code() == Some("LOADING");
                        assert!(error.is_connection_error() || loading, "{error}");
                        failed.lock().unwrap().push(id);
                    }
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    wait_until("events are produced", Duration::from_secs(10), || {
        accepted.lock().unwrap().len() >= 50
    });
    server.kill();
    wait_until("sends fail", Duration::from_secs(10), || {
        failed.lock().unwrap().len() >= 5
    });
    let accepted_while_down = accepted.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        accepted.lock().unwrap().len(),
        accepted_while_down,
        "nothing is accepted while Redis is down"
    );
    server.restart().unwrap();
    wait_until("sends succeed again", Duration::from_secs(10), || {
        accepted.lock().unwrap().len() >= accepted_while_down + 50
    });
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();

    // Every accepted event is in the stream, in order, once. A send that failed as the server
    // died may have been applied without its reply arriving: such an event may be there too.
    let stored = run_ids(&xrange(&mut redis(&url), "runs"));
    let accepted = accepted.lock().unwrap().clone();
    let failed: BTreeSet<String> = failed.lock().unwrap().iter().cloned().collect();
    let stored_accepted: Vec<&String> = stored.iter().filter(|id| !failed.contains(*id)).collect();
    assert_eq!(stored_accepted, accepted.iter().collect::<Vec<_>>());
    assert!(
        stored.len() - accepted.len() <= 1,
        "at most the send in flight at the kill: {stored:?}"
    );
}

#[test]
fn the_first_event_after_a_restart_is_not_lost_on_the_stale_connection() {
    let mut server = persistent_server!();
    let producer = RedisProducer::new(quick(&server.url()));
    producer
        .add("runs", &message_of(&Produced::new(run("before"))))
        .unwrap();
    // Redis restarts while the producer is idle: its connection is dead without its knowing.
    server.kill();
    server.restart().unwrap();
    producer.add("runs", &message_of(&Produced::new(run("after")))).unwrap();
    assert_eq!(run_ids(&xrange(&mut redis(&server.url()), "runs")), ["before", "after"]);
}

#[test]
fn a_consumer_reconnects_after_a_restart_and_loses_no_entry() {
    let mut server = persistent_server!();
    let url = server.url();
    let producer = RedisProducer::new(quick(&url));
    let first: Vec<BusMessage> = (0..300)
        .map(|i| message_of(&Consumed::new(run(&i.to_string()))))
        .collect();
    producer.add_batch("runs", &first).unwrap();

    let events = isolate_events().enable(&FAULT_CONSUMED).start();
    let delivered = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = delivered.clone();
    events.connect(&FAULT_CONSUMED, "slow", move |event| {
        sink.lock().unwrap().push(event.data().run().run_id().to_owned());
        std::thread::sleep(Duration::from_micros(500));
        Ok(())
    });
    let mut consumer = Consumer::new(
        RedisStream::open(quick(&url), "runs", "lms", "c1", StartFrom::Backlog).unwrap(),
        ConsumerOptions {
            batch_size: 50,
            ..options()
        },
    );
    let shutdown = consumer.shutdown_handle();
    let isolation = events.handle();
    let runner = std::thread::spawn(move || {
        let _entered = isolation.enter();
        consumer.run().map(|stats| (stats, consumer))
    });

    wait_until("some entries are consumed", Duration::from_secs(10), || {
        delivered.lock().unwrap().len() >= 100
    });
    server.kill();
    std::thread::sleep(Duration::from_millis(300));
    server.restart().unwrap();
    let second: Vec<BusMessage> = (300..400)
        .map(|i| message_of(&Consumed::new(run(&i.to_string()))))
        .collect();
    producer.add_batch("runs", &second).unwrap();

    let expected: BTreeSet<String> = (0..400).map(|i| i.to_string()).collect();
    wait_until("every entry is delivered", Duration::from_secs(30), || {
        delivered.lock().unwrap().iter().cloned().collect::<BTreeSet<_>>() == expected
    });
    shutdown.shutdown();
    let (stats, mut consumer) = runner.join().unwrap().unwrap();
    assert!(stats.broker_errors >= 1, "{stats:?}");
    assert!(
        pending(&mut redis(&url), "runs", "lms").is_empty(),
        "everything acknowledged in the end"
    );
    assert_eq!(consumer.backend().deferred_acks(), 0);
    // At least once: the entries of the batch in flight at the kill may come twice, no more.
    let total = delivered.lock().unwrap().len();
    assert!((400..=450).contains(&total), "{total} deliveries");
    assert_eq!(xlen(&mut redis(&url), "runs-dead-letter"), 0);
}

/// Not a test on its own: the consumer process that the kill tests start and kill. It prints
/// `delivered <run id>` for each event and runs until killed.
#[test]
fn child_consumer_process() {
    let (Ok(url), Ok(name)) = (std::env::var(CHILD_URL), std::env::var(CHILD_EVENT)) else {
        return;
    };
    assert_eq!(name, "victim");
    let _ = &FAULT_RESCUED;
    let events = isolate_events().enable(&FAULT_RESTARTED).enable(&FAULT_RESCUED).start();
    let print = |event_id: &str| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "delivered {event_id}").unwrap();
        out.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    };
    events.connect(&FAULT_RESTARTED, "print", move |event| {
        print(event.data().run().run_id());
        Ok(())
    });
    events.connect(&FAULT_RESCUED, "print", move |event| {
        print(event.data().run().run_id());
        Ok(())
    });
    let mut consumer = Consumer::new(
        RedisStream::open(quick(&url), "runs", "lms", "victim", StartFrom::Backlog).unwrap(),
        ConsumerOptions {
            batch_size: 20,
            ..options()
        },
    );
    consumer.run().unwrap();
}

/// Starts the consumer process on `url`, lets it deliver `before_kill` events and kills it
/// (`SIGKILL`) in the middle of its first batch; returns what it delivered.
fn kill_a_consumer_mid_batch(url: &str, before_kill: usize) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_consumer_process",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_URL, url)
        .env(CHILD_EVENT, "victim")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut delivered = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while delivered.len() < before_kill {
        let line = lines.next().expect("the consumer process ended early").unwrap();
        // libtest may print `test child_consumer_process ... ` before the first line.
        if let Some((_, id)) = line.split_once("delivered ") {
            delivered.push(id.to_owned());
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    delivered
}

#[test]
fn a_consumer_killed_mid_batch_gets_its_pending_entries_back_after_a_restart() {
    let server = persistent_server!();
    let url = server.url();
    let messages: Vec<BusMessage> = (0..60)
        .map(|i| message_of(&Restarted::new(run(&i.to_string()))))
        .collect();
    RedisProducer::new(quick(&url)).add_batch("runs", &messages).unwrap();

    let before = kill_a_consumer_mid_batch(&url, 5);
    assert_eq!(before[..], ["0", "1", "2", "3", "4"]);
    let left = pending(&mut redis(&url), "runs", "lms");
    assert_eq!(left.len(), 20, "the whole first batch is still pending: {left:?}");
    assert!(left.iter().all(|(_, consumer, _)| consumer == "victim"));

    // The restarted consumer (same name) handles its pending entries first, then the rest.
    let events = isolate_events().enable(&FAULT_RESTARTED).start();
    let mut restarted = Consumer::new(
        RedisStream::open(quick(&url), "runs", "lms", "victim", StartFrom::Backlog).unwrap(),
        ConsumerOptions {
            max_messages: Some(60),
            ..options()
        },
    );
    assert_eq!(restarted.run().unwrap().delivered, 60);
    let after: Vec<String> = events
        .sent::<Restarted>()
        .iter()
        .map(|event| event.data().run().run_id().to_owned())
        .collect();
    let all: Vec<String> = (0..60).map(|i| i.to_string()).collect();
    assert_eq!(after, all, "pending entries first, in order, then the new ones");
    assert!(pending(&mut redis(&url), "runs", "lms").is_empty());
}

#[test]
fn a_consumer_killed_mid_batch_has_its_pending_entries_claimed_by_another() {
    let server = persistent_server!();
    let url = server.url();
    let messages: Vec<BusMessage> = (0..60)
        .map(|i| message_of(&Rescued::new(run(&i.to_string()))))
        .collect();
    RedisProducer::new(quick(&url)).add_batch("runs", &messages).unwrap();

    let before = kill_a_consumer_mid_batch(&url, 3);
    assert_eq!(before.len(), 3);
    assert_eq!(pending(&mut redis(&url), "runs", "lms").len(), 20);

    let events = isolate_events().enable(&FAULT_RESCUED).start();
    let mut rescuer = Consumer::new(
        RedisStream::open(quick(&url), "runs", "lms", "rescuer", StartFrom::Backlog)
            .unwrap()
            .with_claim_idle(Some(Duration::from_millis(100))),
        ConsumerOptions {
            max_messages: Some(60),
            ..options()
        },
    );
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(rescuer.run().unwrap().delivered, 60);
    let ids: BTreeSet<String> = events
        .sent::<Rescued>()
        .iter()
        .map(|event| event.data().run().run_id().to_owned())
        .collect();
    assert_eq!(ids, (0..60).map(|i| i.to_string()).collect());
    assert!(pending(&mut redis(&url), "runs", "lms").is_empty());
}
