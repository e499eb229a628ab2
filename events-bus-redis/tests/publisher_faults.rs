//! The background publisher against a Redis that stalls (`SIGSTOP`) or dies (`SIGKILL`) in the
//! middle of a burst of 10,000 sends: no send waits longer than the queue's policy allows, every
//! accepted event reaches the stream once Redis is back (counted by event id), and every refused
//! one was reported to its sender and is not in the stream.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use events_bus_redis::{RedisOptions, RedisProducer};
use events_core::OpenEdxEvent;
use events_core::OpenEdxPublicSignal;
use events_core::bus::{ProducerConfig, PublishMode, PublisherOptions, TopicPrefix, WhenFull, connect_producer_with};
use support::{RunData, redis, run, xrange};

run_event!(Stalled, "com.example.learning.publisher.stalled.v1");
run_event!(StalledRefused, "com.example.learning.publisher.stalled_refused.v1");
run_event!(Killed, "com.example.learning.publisher.killed.v1");

const SENDS: usize = 10_000;
/// When the fault starts: after this many sends.
const FAULT_AT: usize = 2_000;

enum Fault {
    /// Redis frozen for this long.
    Pause(Duration),
    /// Redis killed, and restarted (with its data) after this long.
    Kill(Duration),
}

/// What a burst did.
struct Burst {
    accepted: Vec<String>,
    refused: Vec<String>,
    longest_send: Duration,
    /// Event ids in the stream, with how many times each is there.
    stored: BTreeMap<String, usize>,
}

fn burst<T: OpenEdxEvent>(
    signal: &'static OpenEdxPublicSignal<T>,
    make: fn(RunData) -> T,
    server: &mut RedisServer,
    publisher: PublisherOptions,
    fault: Fault,
) -> Burst {
    let options = RedisOptions::new(&server.url())
        .unwrap()
        .connect_timeout(Duration::from_millis(500))
        .io_timeout(Duration::from_millis(500));
    let producer = Arc::new(RedisProducer::new(options));
    let config = ProducerConfig::default()
        .publish(T::INFO.event_type, "burst", "run.run_id")
        .unwrap();
    let binding = connect_producer_with(
        &config,
        producer,
        &TopicPrefix::none(),
        PublishMode::Background(PublisherOptions {
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(500),
            ..publisher
        }),
    )
    .unwrap();
    let last_id = Arc::new(Mutex::new(String::new()));
    let slot = last_id.clone();
    let _ids = signal.connect("ids", move |event| {
        *slot.lock().unwrap() = event.metadata().id().to_string();
        Ok(())
    });

    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    let mut longest_send = Duration::ZERO;
    let mut fault_ends = None;
    for index in 0..SENDS {
        if index == FAULT_AT {
            fault_ends = Some(match fault {
                Fault::Pause(duration) => {
                    server.pause().unwrap();
                    Instant::now() + duration
                }
                Fault::Kill(duration) => {
                    server.kill();
                    Instant::now() + duration
                }
            });
        }
        if let Some(ends) = fault_ends
            && Instant::now() >= ends
        {
            match fault {
                Fault::Pause(_) => server.resume().unwrap(),
                Fault::Kill(_) => server.restart().unwrap(),
            }
            fault_ends = None;
        }
        let started = Instant::now();
        let responses = signal.send_event(make(run(&format!("run-{index}")))).unwrap();
        longest_send = longest_send.max(started.elapsed());
        let id = last_id.lock().unwrap().clone();
        match responses.failures().next() {
            None => accepted.push(id),
            Some(failure) => {
                let error = failure.outcome().unwrap_err().to_string();
                assert!(error.contains("queue") && error.contains(&id), "{error}");
                refused.push(id);
            }
        }
        // About 5,000 sends a second, so that the fault falls in the middle of the burst.
        if index % 10 == 9 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    if fault_ends.is_some() {
        match fault {
            Fault::Pause(_) => server.resume().unwrap(),
            Fault::Kill(_) => server.restart().unwrap(),
        }
    }
    binding
        .flush(Duration::from_secs(60))
        .expect("everything accepted is published once Redis is back");
    let stats = binding.stats().unwrap();
    assert_eq!(stats.given_up, 0, "{stats:?}");
    binding.unbind();
    eprintln!(
        "{}: {} accepted, {} refused, longest send {:?}, {} retries",
        T::INFO.event_type,
        accepted.len(),
        refused.len(),
        longest_send,
        stats.retries
    );

    let mut stored = BTreeMap::new();
    for entry in xrange(&mut redis(&server.url()), "burst") {
        let id = entry.message().unwrap().metadata.id().to_string();
        *stored.entry(id).or_insert(0) += 1;
    }
    Burst {
        accepted,
        refused,
        longest_send,
        stored,
    }
}

/// Checks that every accepted event is stored and no refused one is; returns how many were
/// stored more than once.
fn check_delivery(burst: &Burst) -> usize {
    assert_eq!(burst.accepted.len() + burst.refused.len(), SENDS);
    let missing: Vec<&String> = burst
        .accepted
        .iter()
        .filter(|id| !burst.stored.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} accepted events lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    let refused: BTreeSet<&String> = burst.refused.iter().collect();
    assert!(
        burst.stored.keys().all(|id| !refused.contains(id)),
        "a refused event was published"
    );
    assert_eq!(
        burst.stored.len(),
        burst.accepted.len(),
        "only accepted events are stored"
    );
    burst.stored.values().filter(|&&count| count > 1).count()
}

macro_rules! server {
    ($persistent:expr) => {{
        let server = if $persistent {
            RedisServer::persistent_for_test(module_path!())
        } else {
            RedisServer::for_test(module_path!())
        };
        match server {
            Some(server) => server,
            None => return,
        }
    }};
}

#[test]
fn a_stalled_redis_makes_sends_wait_no_longer_than_the_policy_and_loses_nothing_accepted() {
    let mut server = server!(false);
    let wait = Duration::from_millis(100);
    let burst = burst(
        &PUBLISHER_STALLED,
        Stalled::new,
        &mut server,
        PublisherOptions {
            capacity: 1_000,
            when_full: WhenFull::Wait(wait),
            ..PublisherOptions::default()
        },
        Fault::Pause(Duration::from_millis(1500)),
    );
    // The queue filled while Redis was frozen: some sends waited, then were refused.
    assert!(!burst.refused.is_empty(), "the stall was long enough to fill the queue");
    // The policy's wait, and some room for a busy machine's scheduling.
    assert!(
        burst.longest_send < wait + Duration::from_millis(400),
        "{:?}",
        burst.longest_send
    );
    assert_eq!(check_delivery(&burst), 0, "nothing published twice");
}

#[test]
fn a_stalled_redis_with_the_refuse_policy_refuses_at_once_and_delivers_the_rest() {
    let mut server = server!(false);
    let burst = burst(
        &PUBLISHER_STALLED_REFUSED,
        StalledRefused::new,
        &mut server,
        PublisherOptions {
            capacity: 1_000,
            when_full: WhenFull::Refuse,
            ..PublisherOptions::default()
        },
        Fault::Pause(Duration::from_millis(1500)),
    );
    assert!(!burst.refused.is_empty());
    assert!(
        burst.longest_send < Duration::from_millis(300),
        "{:?}",
        burst.longest_send
    );
    assert_eq!(check_delivery(&burst), 0, "nothing published twice");
}

#[test]
fn a_killed_and_restarted_redis_gets_every_accepted_event_after_it_is_back() {
    let mut server = server!(true);
    let burst = burst(
        &PUBLISHER_KILLED,
        Killed::new,
        &mut server,
        PublisherOptions::default(),
        Fault::Kill(Duration::from_millis(1000)),
    );
    assert!(burst.refused.is_empty(), "the default queue holds the outage");
    assert!(
        burst.longest_send < Duration::from_millis(300),
        "{:?}",
        burst.longest_send
    );
    let twice = check_delivery(&burst);
    // A batch applied by the dying server without its reply, and not yet synced to disk, is
    // gone with it and sent again; one that was synced is found in the stream and not resent.
    assert_eq!(twice, 0, "nothing published twice");
}
