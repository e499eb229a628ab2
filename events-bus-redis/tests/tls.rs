//! `rediss://`: TLS with the server verified against a CA file (and the system roots), mutual
//! TLS, ACL users with passwords, and the guarantees of plain connections (timeouts, the
//! interrupter) kept under TLS.
//!
//! Each test makes its own certificates with rcgen (a CA, a server certificate for 127.0.0.1
//! and localhost, a client certificate) and starts its own redis-server with TLS on loopback;
//! without redis-server installed the tests are skipped (they fail instead under
//! `OPENEDX_EVENTS_REQUIRE_INTEROP=1`), as the other Redis tests are.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use events_bus_redis::testing::RedisServer;
use events_bus_redis::{RedisBusError, RedisErrorKind, RedisOptions, RedisProducer, RedisStream, StreamEntry};
use events_core::bus::{BusMessage, Consumer, ConsumerBackend, ConsumerOptions, StartFrom};
use events_core::testing::isolate_events;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use support::{message_of, options as consumer_options, pending, redis, run, xadd_fields, xlen};

run_event!(Secured, "com.example.learning.run.secured.v1");
run_event!(Mutual, "com.example.learning.run.mutual.v1");
run_event!(Authorized, "com.example.learning.run.authorized.v1");
run_event!(Waiting, "com.example.learning.run.waiting.v1");

// --- certificates ---------------------------------------------------------------------------

/// A certificate authority that signs server and client certificates, written as PEM files.
struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    dir: tempfile::TempDir,
    name: &'static str,
}

/// A certificate and its key, as PEM files.
struct Issued {
    cert: PathBuf,
    key: PathBuf,
}

impl TestCa {
    fn new(name: &'static str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let dir = tempfile::Builder::new().prefix("redis-tls-").tempdir().unwrap();
        std::fs::write(dir.path().join(format!("{name}-ca.pem")), issuer.pem()).unwrap();
        TestCa { issuer, dir, name }
    }

    /// The CA's certificate file.
    fn ca_file(&self) -> PathBuf {
        self.dir.path().join(format!("{}-ca.pem", self.name))
    }

    /// A server certificate valid for `names` (IP addresses or host names).
    fn server(&self, names: &[&str]) -> Issued {
        let mut params =
            CertificateParams::new(names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, "redis test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue("server", params)
    }

    /// A client certificate.
    fn client(&self) -> Issued {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, "events client");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue("client", params)
    }

    fn issue(&self, role: &str, params: CertificateParams) -> Issued {
        static ISSUED: AtomicUsize = AtomicUsize::new(0);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        // Each certificate its own files, however many a CA issues.
        let serial = ISSUED.fetch_add(1, Ordering::Relaxed);
        let issued = Issued {
            cert: self.dir.path().join(format!("{}-{role}-{serial}.pem", self.name)),
            key: self.dir.path().join(format!("{}-{role}-{serial}.key", self.name)),
        };
        std::fs::write(&issued.cert, cert.pem()).unwrap();
        std::fs::write(&issued.key, key.serialize_pem()).unwrap();
        issued
    }
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Starts redis-server with TLS: `server` as its certificate, clients verified against
/// `client_ca` when `auth_clients` is `yes` or `optional`; or skips the test.
fn tls_server(server: &Issued, client_ca: &TestCa, auth_clients: &str, more: &[&str]) -> Option<RedisServer> {
    let ca_file = client_ca.ca_file();
    let mut args = vec![
        "--tls-cert-file",
        path(&server.cert),
        "--tls-key-file",
        path(&server.key),
        "--tls-ca-cert-file",
        path(&ca_file),
        "--tls-auth-clients",
        auth_clients,
    ];
    args.extend_from_slice(more);
    RedisServer::tls_for_test(module_path!(), &args)
}

macro_rules! tls_server {
    ($server:expr, $ca:expr, $auth_clients:expr) => {
        tls_server!($server, $ca, $auth_clients, &[])
    };
    ($server:expr, $ca:expr, $auth_clients:expr, $more:expr) => {
        match tls_server(&$server, &$ca, $auth_clients, $more) {
            Some(server) => server,
            None => return,
        }
    };
}

/// Options for a short test: failures show within a second.
fn quick(options: RedisOptions) -> RedisOptions {
    options
        .connect_timeout(Duration::from_secs(1))
        .io_timeout(Duration::from_secs(1))
}

fn event_ids(messages: &[BusMessage]) -> BTreeSet<String> {
    messages
        .iter()
        .map(|message| message.metadata.id().to_string())
        .collect()
}

/// Asserts that `error` is a TLS error about the server at `address` that says `says`.
fn assert_tls_error(error: &RedisBusError, address: &str, says: &str) {
    let message = error.to_string();
    assert_eq!(error.kind(), RedisErrorKind::Tls, "{message}");
    assert!(!error.is_connection_error(), "{message}");
    assert!(message.contains(address), "names the server: {message}");
    assert!(message.contains("TLS"), "says it is TLS: {message}");
    assert!(message.contains(says), "says `{says}`: {message}");
}

// --- TLS with a CA file ---------------------------------------------------------------------

#[test]
fn events_produced_over_tls_are_consumed_over_tls_once_each() {
    let ca = TestCa::new("main");
    let server = tls_server!(ca.server(&["127.0.0.1", "localhost"]), ca, "no");
    let url = server.tls_url().unwrap();
    let options = RedisOptions::new(&url).unwrap().tls_ca_file(ca.ca_file()).unwrap();
    assert!(options.uses_tls());

    let messages: Vec<BusMessage> = (0..200)
        .map(|i| message_of(&Secured::new(run(&format!("run-{i}")))))
        .collect();
    let producer = RedisProducer::new(options.clone());
    producer.add_batch("runs", &messages[..150]).unwrap();
    for message in &messages[150..] {
        producer.add("runs", message).unwrap();
    }
    assert_eq!(
        xlen(&mut redis(&server.url()), "runs"),
        200,
        "written through TLS, seen on the plain port"
    );

    let events = isolate_events().enable(&RUN_SECURED).start();
    let backend = RedisStream::open(options, "runs", "lms", "c1", StartFrom::Backlog).unwrap();
    let mut consumer = Consumer::new(
        backend,
        ConsumerOptions {
            max_messages: Some(200),
            batch_size: 64,
            ..consumer_options()
        },
    );
    assert_eq!(consumer.run().unwrap().delivered, 200);
    let received: Vec<String> = events
        .sent::<Secured>()
        .iter()
        .map(|event| event.metadata().id().to_string())
        .collect();
    assert_eq!(received.len(), 200, "each event once");
    assert_eq!(received.into_iter().collect::<BTreeSet<_>>(), event_ids(&messages));
    assert!(
        pending(&mut redis(&server.url()), "runs", "lms").is_empty(),
        "all acknowledged"
    );
}

#[test]
fn the_certificate_is_checked_against_the_url_host_by_name_or_address() {
    let ca = TestCa::new("names");
    let server = tls_server!(ca.server(&["localhost"]), ca, "no");
    let port = server.tls_port().unwrap();
    let message = message_of(&Secured::new(run("by-name")));

    let by_name = RedisOptions::new(&format!("rediss://localhost:{port}/0"))
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap();
    RedisProducer::new(quick(by_name)).add("runs", &message).unwrap();

    // The certificate names localhost only: 127.0.0.1 is not a name it is valid for.
    let by_address = format!("rediss://127.0.0.1:{port}/0");
    let options = RedisOptions::new(&by_address)
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap();
    let error = RedisProducer::new(quick(options)).add("runs", &message).unwrap_err();
    assert_tls_error(
        &error,
        &by_address,
        "the server's certificate is not valid for `127.0.0.1`",
    );
    assert_eq!(xlen(&mut redis(&server.url()), "runs"), 1);
}

#[test]
fn a_server_certificate_from_another_ca_is_not_trusted() {
    let trusted = TestCa::new("trusted");
    let other = TestCa::new("other");
    let server = tls_server!(other.server(&["127.0.0.1"]), other, "no");
    let url = server.tls_url().unwrap();
    let message = message_of(&Secured::new(run("x")));

    let options = RedisOptions::new(&url).unwrap().tls_ca_file(trusted.ca_file()).unwrap();
    let error = RedisProducer::new(quick(options.clone()))
        .add("runs", &message)
        .unwrap_err();
    assert_tls_error(&error, &url, "the server's certificate is not trusted");
    assert!(
        error.to_string().contains(path(&trusted.ca_file())),
        "names the CA file it checked: {error}"
    );
    let error = RedisStream::open(options, "runs", "g", "c", StartFrom::Latest).unwrap_err();
    assert_tls_error(&error, &url, "the server's certificate is not trusted");

    // Without a CA file, only the system roots are trusted, and they did not sign it either.
    let error = RedisProducer::new(quick(RedisOptions::new(&url).unwrap()))
        .add("runs", &message)
        .unwrap_err();
    assert_tls_error(&error, &url, "not signed by a system root certificate");
    assert_eq!(xlen(&mut redis(&server.url()), "runs"), 0, "nothing was sent");
}

// --- mutual TLS -----------------------------------------------------------------------------

#[test]
fn a_server_requiring_client_certificates_accepts_the_configured_one() {
    let ca = TestCa::new("mutual");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "yes");
    let url = server.tls_url().unwrap();
    let client = ca.client();
    let options = RedisOptions::new(&url)
        .unwrap()
        .tls_client_cert(&client.cert, &client.key)
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap();

    let message = message_of(&Mutual::new(run("mtls")));
    RedisProducer::new(options.clone()).add("runs", &message).unwrap();
    let events = isolate_events().enable(&RUN_MUTUAL).start();
    let mut consumer = Consumer::new(
        RedisStream::open(options, "runs", "lms", "c1", StartFrom::Backlog).unwrap(),
        consumer_options(),
    );
    assert_eq!(consumer.poll().unwrap(), 1);
    let received = events.sent::<Mutual>();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].metadata().id(), message.metadata.id());
}

#[test]
fn a_server_requiring_client_certificates_refuses_a_client_without_one() {
    let ca = TestCa::new("required");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "yes");
    let url = server.tls_url().unwrap();
    let options = quick(RedisOptions::new(&url).unwrap().tls_ca_file(ca.ca_file()).unwrap());

    let error = RedisProducer::new(options.clone())
        .add("runs", &message_of(&Mutual::new(run("x"))))
        .unwrap_err();
    assert_tls_error(&error, &url, "the server requires a client certificate");
    let error = RedisStream::open(options, "runs", "g", "c", StartFrom::Latest).unwrap_err();
    assert_tls_error(&error, &url, "the server requires a client certificate");
    assert_eq!(xlen(&mut redis(&server.url()), "runs"), 0, "nothing was written");
}

#[test]
fn a_client_certificate_from_another_ca_is_refused_by_the_server() {
    let ca = TestCa::new("server-side");
    let stranger = TestCa::new("stranger");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "yes");
    let url = server.tls_url().unwrap();
    let client = stranger.client();
    let options = RedisOptions::new(&url)
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap()
        .tls_client_cert(&client.cert, &client.key)
        .unwrap();

    let error = RedisProducer::new(quick(options))
        .add("runs", &message_of(&Mutual::new(run("x"))))
        .unwrap_err();
    assert_tls_error(&error, &url, "the server refused the client certificate");
    assert!(error.to_string().contains(path(&client.cert)), "{error}");
}

// --- TLS files ------------------------------------------------------------------------------

#[test]
fn unusable_tls_files_are_errors_that_name_the_file_and_the_problem() {
    let ca = TestCa::new("files");
    let client = ca.client();
    let other = ca.client();
    let tls = || RedisOptions::new("rediss://127.0.0.1:6380/0").unwrap();

    let missing = ca.dir.path().join("missing.pem");
    let error = tls().tls_ca_file(&missing).unwrap_err();
    assert_eq!(error.kind(), RedisErrorKind::Tls);
    assert!(
        error
            .to_string()
            .starts_with(&format!("TLS CA file `{}`: cannot be read: ", missing.display())),
        "{error}"
    );

    // A key is no certificate.
    let error = tls().tls_ca_file(&client.key).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "TLS CA file `{}`: holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` section)",
            client.key.display()
        )
    );

    let error = tls().tls_client_cert(&client.cert, &client.cert).unwrap_err();
    assert_eq!(error.kind(), RedisErrorKind::Tls);
    assert!(
        error.to_string().starts_with(&format!(
            "TLS client key file `{}`: holds no PEM private key",
            client.cert.display()
        )),
        "{error}"
    );

    let error = tls().tls_client_cert(&client.cert, &other.key).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "TLS client certificate `{}` with key `{}`: the private key does not belong to the certificate",
            client.cert.display(),
            other.key.display()
        )
    );

    // Several certificates in one CA file are all trusted: here the client's and the CA's.
    let bundle = ca.dir.path().join("bundle.pem");
    let text = std::fs::read_to_string(&client.cert).unwrap() + &std::fs::read_to_string(ca.ca_file()).unwrap();
    std::fs::write(&bundle, text).unwrap();
    tls().tls_ca_file(&bundle).unwrap();
}

// --- ACL users ------------------------------------------------------------------------------

/// An ACL user with only the permissions the producer and the consumer need (the stream
/// commands, `PING` and `SELECT`, on the keys of the `runs` streams and their dead letters),
/// and the default user turned off, so that only the password opens the server.
const ACL: &[&str] = &[
    "--user",
    "events",
    "on",
    ">s3cret-pass",
    "~runs*",
    "+@stream",
    "+ping",
    "+select",
    "--user",
    "default",
    "off",
];

#[test]
fn an_acl_user_with_a_password_produces_and_consumes_over_tls() {
    let ca = TestCa::new("acl");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "no", ACL);
    let port = server.tls_port().unwrap();
    let url = format!("rediss://events:s3cret-pass@127.0.0.1:{port}/2");
    let options = RedisOptions::new(&url).unwrap().tls_ca_file(ca.ca_file()).unwrap();
    assert_eq!(options.address(), format!("rediss://127.0.0.1:{port}/2"));

    let message = message_of(&Authorized::new(run("acl")));
    RedisProducer::new(options.clone()).add("runs", &message).unwrap();
    // An entry without its `time` field, to be dead-lettered: `XADD` to `runs-dead-letter`.
    let plain = format!("redis://events:s3cret-pass@127.0.0.1:{}/2", server.port());
    let mut unreadable = StreamEntry::from_message("0-0", &message).fields;
    unreadable.retain(|(name, _)| name != b"time");
    xadd_fields(&mut redis(&plain), "runs", &unreadable);

    let events = isolate_events().enable(&RUN_AUTHORIZED).start();
    let backend = RedisStream::open(options, "runs", "lms", "c1", StartFrom::Backlog)
        .unwrap()
        // `XAUTOCLAIM` too, as a consumer that takes over idle entries runs it.
        .with_claim_idle(Some(Duration::from_secs(60)));
    let mut consumer = Consumer::new(backend, consumer_options());
    assert_eq!(consumer.poll().unwrap(), 2);
    let received = events.sent::<Authorized>();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].metadata().id(), message.metadata.id());

    // The same user on the plain port, with `redis://`: the entries are in database 2.
    let mut raw = redis(&plain);
    assert_eq!(xlen(&mut raw, "runs"), 2);
    assert_eq!(xlen(&mut raw, "runs-dead-letter"), 1);
    assert!(pending(&mut raw, "runs", "lms").is_empty(), "both acknowledged");
    RedisProducer::from_url(&plain).unwrap().add("runs", &message).unwrap();
    assert_eq!(xlen(&mut raw, "runs"), 3);

    // Without credentials the server refuses: the default user is off.
    let error = RedisProducer::new(
        RedisOptions::new(&server.tls_url().unwrap())
            .unwrap()
            .tls_ca_file(ca.ca_file())
            .unwrap(),
    )
    .ping()
    .unwrap_err();
    assert_eq!(error.server_code(), Some("NOAUTH"), "{error}");
}

#[test]
fn a_wrong_password_is_a_server_error_naming_the_address_and_not_the_password() {
    let ca = TestCa::new("wrongpass");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "no", ACL);
    let port = server.tls_port().unwrap();
    let url = format!("rediss://events:not-the-pass-9f3@127.0.0.1:{port}/0");
    let options = RedisOptions::new(&url).unwrap().tls_ca_file(ca.ca_file()).unwrap();

    let error = RedisProducer::new(options.clone())
        .add("runs", &message_of(&Authorized::new(run("x"))))
        .unwrap_err();
    let message = error.to_string();
    assert_eq!(error.kind(), RedisErrorKind::Server, "{message}");
    assert_eq!(error.server_code(), Some("WRONGPASS"), "{message}");
    assert!(
        message.starts_with(&format!("XADD on `runs` at rediss://127.0.0.1:{port}/0: ")),
        "{message}"
    );
    assert!(
        !message.contains("not-the-pass-9f3"),
        "no password in messages: {message}"
    );
    assert!(
        !format!("{error:?}").contains("not-the-pass-9f3"),
        "nor in its debug form"
    );
    let error = RedisStream::open(options, "runs", "g", "c", StartFrom::Latest).unwrap_err();
    assert_eq!(error.server_code(), Some("WRONGPASS"), "{error}");
}

// --- the guarantees of plain connections, under TLS -----------------------------------------

#[test]
fn shutdown_stops_a_consumer_blocked_in_xreadgroup_over_tls_at_once() {
    let ca = TestCa::new("shutdown");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "no");
    let options = RedisOptions::new(&server.tls_url().unwrap())
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap();
    let _ = &RUN_WAITING;
    let mut consumer = Consumer::new(
        RedisStream::open(options, "idle", "lms", "c1", StartFrom::Latest).unwrap(),
        ConsumerOptions {
            // Far longer than the test may take: only the interrupt can end the read.
            poll_timeout: Duration::from_secs(60),
            ..consumer_options()
        },
    );
    let handle = consumer.shutdown_handle();
    let runner = std::thread::spawn(move || consumer.run());

    let mut raw = redis(&server.url());
    let until = Instant::now() + Duration::from_secs(10);
    while blocked_clients(&mut raw) != 1 {
        assert!(Instant::now() < until, "the consumer never blocked in XREADGROUP");
        std::thread::sleep(Duration::from_millis(10));
    }
    let asked = Instant::now();
    handle.shutdown();
    let stats = runner.join().unwrap().unwrap();
    assert_eq!(stats.handled(), 0);
    assert!(asked.elapsed() < Duration::from_secs(1), "{:?}", asked.elapsed());
}

fn blocked_clients(connection: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("clients").query(connection).unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("blocked_clients:"))
        .map(|count| count.trim().parse().unwrap())
        .unwrap()
}

#[test]
fn a_paused_tls_server_times_out_within_the_io_timeout() {
    let ca = TestCa::new("paused");
    let mut server = tls_server!(ca.server(&["127.0.0.1"]), ca, "no");
    let options = RedisOptions::new(&server.tls_url().unwrap())
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap()
        .connect_timeout(Duration::from_millis(500))
        .io_timeout(Duration::from_millis(300));
    let producer = RedisProducer::new(options.clone());
    producer.ping().unwrap();

    server.pause().unwrap();
    let started = Instant::now();
    let error = producer.add("runs", &message_of(&Secured::new(run("x")))).unwrap_err();
    let waited = started.elapsed();
    // A fresh connection: the TCP connection is accepted by the kernel, the handshake is not.
    let fresh = RedisProducer::new(options).ping().unwrap_err();
    let fresh_waited = started.elapsed() - waited;
    server.resume().unwrap();
    assert!(error.is_connection_error(), "{error}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    assert!(fresh.is_connection_error(), "{fresh}");
    assert!(fresh.to_string().contains("TLS handshake"), "{fresh}");
    assert!(fresh_waited < Duration::from_secs(2), "{fresh_waited:?}");
    producer.ping().unwrap();
}

#[test]
fn a_reply_over_the_byte_budget_is_refused_over_tls() {
    let ca = TestCa::new("budget");
    let server = tls_server!(ca.server(&["127.0.0.1"]), ca, "no");
    let options = RedisOptions::new(&server.tls_url().unwrap())
        .unwrap()
        .tls_ca_file(ca.ca_file())
        .unwrap()
        .max_reply_bytes(4096);
    let big = run(&"r".repeat(10_000));
    RedisProducer::new(options.clone())
        .add("runs", &message_of(&Secured::new(big)))
        .unwrap();

    let mut backend = RedisStream::open(options, "runs", "lms", "c1", StartFrom::Backlog).unwrap();
    let error = backend.receive(10, Duration::ZERO).unwrap_err();
    assert_eq!(error.kind(), RedisErrorKind::Reply, "{error}");
    assert!(
        error.to_string().contains("larger than the limit of 4096 bytes"),
        "{error}"
    );
}

#[test]
fn a_rediss_url_to_a_port_without_tls_fails_within_the_connect_timeout() {
    // Not Redis, but a socket that accepts and stays silent, as a port without TLS does
    // while it waits for the end of a command line.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("rediss://{}/0", listener.local_addr().unwrap());
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        // Silent until the client gave up.
        let _ = finished.recv_timeout(Duration::from_secs(10));
        drop(socket);
    });
    let options = RedisOptions::new(&url)
        .unwrap()
        .connect_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let error = RedisProducer::new(options).ping().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(error.is_connection_error(), "{error}");
    assert!(
        error
            .to_string()
            .contains("the TLS handshake with 127.0.0.1 did not finish within the connect timeout"),
        "{error}"
    );
    done.send(()).unwrap();
    holder.join().unwrap();
}
