//! A server that speaks broken RESP, on loopback: closing, garbage, unknown type bytes, huge
//! announced lengths, deep nesting, trickling bytes and replies of the wrong type. Against each,
//! the producer and the consumer end with a typed error, within a bounded time and without
//! holding more memory than a reply's budget. A proxy in front of a real Redis that cuts the
//! connection after an `XADD` was applied checks that the retry does not write it twice.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use events_bus_redis::{RedisBusError, RedisErrorKind, RedisOptions, RedisProducer, RedisStream};
use events_core::bus::{BusMessage, Consumer, ConsumerOptions, StartFrom};
use support::{message_of, run, xlen, xrange};

run_event!(Published, "com.example.learning.broken.published.v1");

/// What the server does with a command, given its name (`PING`, `XADD`, …).
#[derive(Clone)]
enum Reply {
    /// Writes these bytes.
    Bytes(Vec<u8>),
    /// Closes the connection.
    Close,
    /// Writes these bytes one at a time, pausing between them.
    Trickle(Vec<u8>, Duration),
    /// Writes the head, then repeats the body until `total` bytes are written or the client
    /// goes away.
    Endless { head: Vec<u8>, body: Vec<u8>, total: usize },
    /// Never answers.
    Silence,
}

/// A fake Redis on a loopback port, answering each command as `script` says.
struct BrokenServer {
    port: u16,
    /// Connections accepted so far.
    connections: Arc<AtomicUsize>,
}

impl BrokenServer {
    fn start(script: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let script = Arc::new(script);
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = connections.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                accepted.fetch_add(1, Ordering::SeqCst);
                let script = script.clone();
                thread::spawn(move || serve(stream, &*script));
            }
        });
        BrokenServer { port, connections }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn options(&self) -> RedisOptions {
        RedisOptions::new(&self.url())
            .unwrap()
            .connect_timeout(Duration::from_secs(1))
            .io_timeout(Duration::from_secs(1))
    }
}

fn serve(mut stream: TcpStream, script: &(dyn Fn(&str) -> Reply + Send + Sync)) {
    let mut pending = Vec::new();
    loop {
        let Some(name) = next_command(&mut stream, &mut pending) else {
            return;
        };
        let written = match script(&name) {
            Reply::Bytes(bytes) => stream.write_all(&bytes).is_ok(),
            Reply::Close => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            Reply::Trickle(bytes, pause) => bytes.iter().all(|byte| {
                thread::sleep(pause);
                stream.write_all(&[*byte]).is_ok()
            }),
            Reply::Endless { head, body, total } => {
                let mut ok = stream.write_all(&head).is_ok();
                let chunk = body.repeat(64 * 1024 / body.len().max(1) + 1);
                let mut written = head.len();
                while ok && written < total {
                    ok = stream.write_all(&chunk).is_ok();
                    written += chunk.len();
                }
                ok
            }
            Reply::Silence => {
                // Holds the connection until the client closes it.
                let mut sink = [0; 1024];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
        };
        if !written {
            return;
        }
    }
}

/// Reads one command (an array of bulk strings) and returns its name, upper-cased.
fn next_command(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some((name, used)) = parse_command(pending) {
            pending.drain(..used);
            return Some(name);
        }
        let mut buffer = [0; 4096];
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&buffer[..n]),
        }
    }
}

fn parse_command(bytes: &[u8]) -> Option<(String, usize)> {
    let line = |at: usize| -> Option<(&[u8], usize)> {
        let end = bytes[at..].windows(2).position(|pair| pair == b"\r\n")? + at;
        Some((&bytes[at..end], end + 2))
    };
    let (count, mut at) = line(0)?;
    let count: usize = std::str::from_utf8(count.strip_prefix(b"*")?).ok()?.parse().ok()?;
    let mut name = None;
    for _ in 0..count {
        let (len, next) = line(at)?;
        let len: usize = std::str::from_utf8(len.strip_prefix(b"$")?).ok()?.parse().ok()?;
        let value = bytes.get(next..next + len)?;
        name.get_or_insert_with(|| String::from_utf8_lossy(value).to_uppercase());
        at = next + len + 2;
        if bytes.len() < at {
            return None;
        }
    }
    Some((name?, at))
}

fn message() -> BusMessage {
    message_of(&Published::new(run("r1")))
}

/// Runs `f`, checking that it fails within `limit`, and returns its error.
fn fails_within<T: std::fmt::Debug>(limit: Duration, f: impl FnOnce() -> Result<T, RedisBusError>) -> RedisBusError {
    let started = Instant::now();
    let error = f().expect_err("a broken server must give an error");
    let took = started.elapsed();
    assert!(took < limit, "took {took:?} (limit {limit:?}): {error}");
    error
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

const QUICK: Duration = Duration::from_secs(3);

#[test]
fn a_closed_connection_is_a_connection_error() {
    let server = BrokenServer::start(|_| Reply::Close);
    let producer = RedisProducer::new(server.options());
    let error = fails_within(QUICK, || producer.ping());
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
    let error = fails_within(QUICK, || producer.add("runs", &message()));
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
    let error = fails_within(QUICK, || {
        RedisStream::open(server.options(), "runs", "g", "c", StartFrom::Backlog)
    });
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
}

#[test]
fn garbage_and_unknown_type_bytes_are_reply_errors() {
    for garbage in [&b"hello world\r\n"[..], b"\x00\x01\x02", b"%2\r\n", b"~1\r\n"] {
        let bytes = garbage.to_vec();
        let server = BrokenServer::start(move |_| Reply::Bytes(bytes.clone()));
        let producer = RedisProducer::new(server.options());
        let error = fails_within(QUICK, || producer.add("runs", &message()));
        assert_eq!(error.kind(), RedisErrorKind::Reply, "{error}");
        assert!(error.to_string().contains("unknown reply type byte"), "{error}");
    }
}

#[test]
fn a_huge_announced_length_allocates_nothing_and_times_out() {
    // Announces a 100 MB string, then sends nothing more.
    let server = BrokenServer::start(|_| Reply::Bytes(b"$100000000\r\nabc".to_vec()));
    let producer = RedisProducer::new(server.options());
    let error = fails_within(QUICK, || producer.add("runs", &message()));
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
    // Beyond the reply budget, it is refused from the length alone.
    let server = BrokenServer::start(|_| Reply::Bytes(b"$536870912\r\n".to_vec()));
    let producer = RedisProducer::new(server.options().max_reply_bytes(1024 * 1024));
    let error = fails_within(QUICK, || producer.add("runs", &message()));
    assert_eq!(error.kind(), RedisErrorKind::Reply, "{error}");
    assert!(
        error.to_string().contains("larger than the limit of 1048576 bytes"),
        "{error}"
    );
}

#[test]
fn an_endless_array_is_cut_at_the_reply_budget() {
    // Announces 2^29 items and streams empty arrays: 4 bytes each on the wire, a value each
    // in memory. 64 MiB of them would be a gigabyte held.
    let server = BrokenServer::start(|name| match name {
        "XGROUP" => Reply::Bytes(b"+OK\r\n".to_vec()),
        _ => Reply::Endless {
            head: b"*536870912\r\n".to_vec(),
            body: b"*0\r\n".to_vec(),
            total: 64 * 1024 * 1024,
        },
    });
    let before = peak_rss_bytes();
    let budget = 4 * 1024 * 1024;
    let producer = RedisProducer::new(server.options().max_reply_bytes(budget));
    let error = fails_within(QUICK, || producer.add("runs", &message()));
    assert!(error.to_string().contains("larger than the limit"), "{error}");
    let mut backend = RedisStream::open(
        server.options().max_reply_bytes(budget),
        "runs",
        "g",
        "c",
        StartFrom::Backlog,
    )
    .unwrap();
    let error = fails_within(QUICK, || {
        events_core::bus::ConsumerBackend::receive(&mut backend, 10, Duration::ZERO)
    });
    assert!(error.to_string().contains("larger than the limit"), "{error}");
    if let (Some(before), Some(after)) = (before, peak_rss_bytes()) {
        // Other tests run in parallel threads of this process: allow them some room.
        assert!(
            after.saturating_sub(before) < 200 * 1024 * 1024,
            "peak memory grew by {} MiB",
            (after - before) >> 20
        );
    }
}

#[test]
fn deep_nesting_is_refused() {
    let server = BrokenServer::start(|_| Reply::Bytes(b"*1\r\n".repeat(100_000)));
    let producer = RedisProducer::new(server.options());
    let error = fails_within(QUICK, || producer.add("runs", &message()));
    assert!(error.to_string().contains("nested too deeply"), "{error}");
}

#[test]
fn a_trickling_reply_times_out_as_a_whole() {
    // Each byte comes well within the I/O timeout of one second; the reply as a whole does not.
    let pause = Duration::from_millis(300);
    let server = BrokenServer::start(move |name| match name {
        "PING" => Reply::Trickle(b"+PONG\r\n".to_vec(), pause),
        "XADD" => Reply::Trickle(b"$15\r\n1700000000000-0\r\n".to_vec(), pause),
        _ => Reply::Trickle(b"+OK\r\n".to_vec(), pause),
    });
    let producer = RedisProducer::new(server.options());
    let limit = Duration::from_millis(1800);
    let error = fails_within(limit, || producer.ping());
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
    assert!(error.to_string().contains("did not arrive whole in time"), "{error}");
    let error = fails_within(limit, || producer.add("runs", &message()));
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
    let error = fails_within(limit, || {
        RedisStream::open(server.options(), "runs", "g", "c", StartFrom::Backlog)
    });
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
}

#[test]
fn replies_of_the_wrong_type_are_refused() {
    for (reply, expected) in [
        (&b":12345\r\n"[..], "the integer 12345"),
        (b"+OK\r\n", "found OK"),
        (b"$5\r\nhello\r\n", "a string of 5 bytes, \"hello\""),
        (b"*0\r\n", "an array of 0 items"),
        (b"$-1\r\n", "found nil"),
    ] {
        let bytes = reply.to_vec();
        let server = BrokenServer::start(move |_| Reply::Bytes(bytes.clone()));
        let producer = RedisProducer::new(server.options());
        let error = fails_within(QUICK, || producer.add("runs", &message()));
        assert_eq!(error.kind(), RedisErrorKind::Reply, "{error}");
        assert!(
            error
                .to_string()
                .contains(&format!("XADD should reply an entry id, {expected}"))
                || error.to_string().contains(expected),
            "{error}"
        );
    }
    let server = BrokenServer::start(|_| Reply::Bytes(b"+NOTPONG\r\n".to_vec()));
    let error = fails_within(QUICK, || RedisProducer::new(server.options()).ping());
    assert!(error.to_string().contains("PING should reply PONG"), "{error}");

    let server = BrokenServer::start(|_| Reply::Bytes(b":1\r\n".to_vec()));
    let error = fails_within(QUICK, || {
        RedisStream::open(server.options(), "runs", "g", "c", StartFrom::Backlog)
    });
    assert!(error.to_string().contains("XGROUP CREATE should reply OK"), "{error}");

    let server = BrokenServer::start(|name| match name {
        "XGROUP" => Reply::Bytes(b"+OK\r\n".to_vec()),
        _ => Reply::Bytes(b"*1\r\n*2\r\n$4\r\nruns\r\n*1\r\n*2\r\n$6\r\nnot-id\r\n*0\r\n".to_vec()),
    });
    let mut backend = RedisStream::open(server.options(), "runs", "g", "c", StartFrom::Backlog).unwrap();
    let error = fails_within(QUICK, || {
        events_core::bus::ConsumerBackend::receive(&mut backend, 10, Duration::ZERO)
    });
    assert!(error.to_string().contains("expected an entry id"), "{error}");
}

#[test]
fn an_error_carrying_a_huge_reply_is_short() {
    let mut line = b"-ERR ".to_vec();
    line.extend(std::iter::repeat_n(b'x', 900_000));
    line.extend(b"\r\n");
    let server = BrokenServer::start(move |_| Reply::Bytes(line.clone()));
    let error = fails_within(QUICK, || RedisProducer::new(server.options()).add("runs", &message()));
    assert!(error.to_string().len() < 2048, "{} bytes", error.to_string().len());
    let mut big = b"$200000\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'y', 200_000));
    big.extend(b"\r\n");
    let server = BrokenServer::start(move |_| Reply::Bytes(big.clone()));
    let error = fails_within(QUICK, || RedisProducer::new(server.options()).add("runs", &message()));
    assert_eq!(error.kind(), RedisErrorKind::Reply);
    assert!(error.to_string().len() < 2048, "{} bytes", error.to_string().len());
}

#[test]
fn a_shutdown_interrupts_a_consumer_waiting_for_a_reply() {
    let server = BrokenServer::start(|name| match name {
        "XGROUP" => Reply::Bytes(b"+OK\r\n".to_vec()),
        _ => Reply::Silence,
    });
    let options = server.options().io_timeout(Duration::from_secs(60));
    let backend = RedisStream::open(options, "runs", "g", "c", StartFrom::Backlog).unwrap();
    let mut consumer = Consumer::new(backend, ConsumerOptions::default());
    let shutdown = consumer.shutdown_handle();
    let started = Instant::now();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        shutdown.shutdown();
    });
    let stats = consumer.run().expect("a clean stop");
    stopper.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(stats.handled(), 0);
    assert!(server.connections.load(Ordering::SeqCst) >= 1);
}

/// A proxy to `upstream` that, on the `nth` connection, forwards the client's bytes but cuts the
/// connection instead of returning the reply to the first `XADD`.
fn cutting_proxy(upstream: u16, nth: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for (index, client) in listener.incoming().enumerate() {
            let Ok(mut client) = client else { return };
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                return;
            };
            let cut = index + 1 == nth;
            let muted = Arc::new(AtomicBool::new(false));
            let (mut client_out, mut server_in) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let mute = muted.clone();
            thread::spawn(move || {
                let mut buffer = [0; 64 * 1024];
                while let Ok(n @ 1..) = server_in.read(&mut buffer) {
                    if mute.load(Ordering::SeqCst) || client_out.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
                let _ = client_out.shutdown(Shutdown::Both);
            });
            thread::spawn(move || {
                let mut buffer = [0; 64 * 1024];
                loop {
                    let n = match client.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let xadd = cut && buffer[..n].windows(4).any(|window| window == b"XADD");
                    if xadd {
                        muted.store(true, Ordering::SeqCst);
                    }
                    if server.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                    if xadd {
                        // Redis applies the command; its reply never reaches the client.
                        thread::sleep(Duration::from_millis(200));
                        let _ = client.shutdown(Shutdown::Both);
                        let _ = server.shutdown(Shutdown::Both);
                        break;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn an_xadd_applied_before_the_connection_was_cut_is_not_written_twice() {
    let Some(redis) = RedisServer::for_test(module_path!()) else {
        return;
    };
    let port = cutting_proxy(redis.port(), 1);
    let options = RedisOptions::new(&format!("redis://127.0.0.1:{port}/0"))
        .unwrap()
        .io_timeout(Duration::from_secs(5));
    let producer = RedisProducer::new(options);
    producer.ping().unwrap();
    let message = message();
    let id = producer.add("runs", &message).expect("the retry finds the entry");
    let mut connection = support::redis(&redis.url());
    assert_eq!(xlen(&mut connection, "runs"), 1, "written once");
    let entries = xrange(&mut connection, "runs");
    assert_eq!(entries[0].id, id, "the entry found is the one returned");
    assert_eq!(entries[0].message().unwrap().metadata.id(), message.metadata.id());

    // A pipelined batch cut the same way: each message is written once, in order.
    let port = cutting_proxy(redis.port(), 1);
    let producer = RedisProducer::new(RedisOptions::new(&format!("redis://127.0.0.1:{port}/0")).unwrap());
    producer.ping().unwrap();
    let batch: Vec<BusMessage> = (0..50)
        .map(|i| message_of(&Published::new(run(&format!("b{i}")))))
        .collect();
    let ids = producer
        .add_batch("batch", &batch)
        .expect("the retry finds the entries");
    let entries = xrange(&mut connection, "batch");
    assert_eq!(entries.len(), 50, "written once each");
    let written: Vec<String> = entries.iter().map(|entry| entry.id.clone()).collect();
    assert_eq!(ids, written);
}

#[test]
fn an_xadd_whose_reply_was_lost_is_not_written_again_by_a_later_call() {
    let Some(redis) = RedisServer::for_test(module_path!()) else {
        return;
    };
    // The first connection is cut after the XADD; the call fails (it was not idle-retried,
    // the connection being new), and the caller sends the same message again.
    let port = cutting_proxy(redis.port(), 1);
    let producer = RedisProducer::new(RedisOptions::new(&format!("redis://127.0.0.1:{port}/0")).unwrap());
    let message = message();
    let error = producer.add("again", &message).expect_err("the reply was lost");
    assert_eq!(error.kind(), RedisErrorKind::Connection, "{error}");
    let id = producer.add("again", &message).expect("found");
    let mut connection = support::redis(&redis.url());
    assert_eq!(xlen(&mut connection, "again"), 1, "written once");
    assert_eq!(xrange(&mut connection, "again")[0].id, id);
}
