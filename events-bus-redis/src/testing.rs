//! Test support: throw-away `redis-server` processes on free loopback ports.
//!
//! Tests that need Redis start their own server, so that they run anywhere `redis-server` is
//! installed, in parallel, and can kill and restart it. Where it is not installed they are
//! skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1` says that they must run (as the project's
//! test script does), in which case they fail.
//!
//! ```no_run
//! use events_bus_redis::testing::RedisServer;
//!
//! let Some(server) = RedisServer::for_test("my_test") else { return }; // skipped
//! let url = server.url(); // redis://127.0.0.1:<port>/0
//! // … the server is killed when `server` is dropped.
//! ```
//!
//! A server can listen for TLS too ([`RedisServer::start_tls`]), on a second port, with the
//! certificates the test gives it; its plain port stays open, for the test's own look into
//! Redis and to see that the server is ready.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming the `redis-server` binary (else it is looked up in `PATH`).
pub const REDIS_SERVER_ENV: &str = "REDIS_SERVER";

pub use events_core::testing::{REQUIRE_INTEROP_ENV, interop_required, skip};

/// How long a starting server may take to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A `redis-server` child process listening on `127.0.0.1`, killed on drop.
///
/// Its data directory is a temporary directory removed on drop. An ephemeral server
/// ([`start`](Self::start)) keeps nothing on disk; a persistent one
/// ([`start_persistent`](Self::start_persistent)) writes an append-only file synced on every
/// write, so that every acknowledged write survives [`kill`](Self::kill) and
/// [`restart`](Self::restart), as on a production server that restarts.
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    /// The TLS port of a server started with [`start_tls`](Self::start_tls).
    tls_port: Option<u16>,
    persistent: bool,
    extra_args: Vec<String>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// The `redis-server` binary: `$REDIS_SERVER` if set, else the first in `PATH`.
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(REDIS_SERVER_ENV).filter(|path| !path.is_empty()) {
            return Some(PathBuf::from(path));
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    }

    /// Starts a server for `test`, or skips the test when no `redis-server` is installed (see
    /// [`skip`]). Panics if the server does not start.
    pub fn for_test(test: &str) -> Option<Self> {
        Self::binary_for_test(test)?;
        Some(Self::start().unwrap_or_else(|error| panic!("{test}: cannot start redis-server: {error}")))
    }

    /// Like [`for_test`](Self::for_test), with a persistent server.
    pub fn persistent_for_test(test: &str) -> Option<Self> {
        Self::binary_for_test(test)?;
        Some(Self::start_persistent().unwrap_or_else(|error| panic!("{test}: cannot start redis-server: {error}")))
    }

    /// Like [`for_test`](Self::for_test), with a server that also listens for TLS (see
    /// [`start_tls`](Self::start_tls)).
    pub fn tls_for_test(test: &str, args: &[&str]) -> Option<Self> {
        Self::binary_for_test(test)?;
        Some(
            Self::start_tls(args).unwrap_or_else(|error| panic!("{test}: cannot start redis-server with TLS: {error}")),
        )
    }

    fn binary_for_test(test: &str) -> Option<PathBuf> {
        match Self::binary() {
            Some(binary) => Some(binary),
            None => skip(
                test,
                &format!("no redis-server in PATH and {REDIS_SERVER_ENV} is not set"),
            ),
        }
    }

    /// Starts a server that keeps nothing on disk.
    pub fn start() -> io::Result<Self> {
        Self::launch(false, false, &[])
    }

    /// Starts a server that keeps nothing on disk, with more configuration directives, e.g.
    /// `["--requirepass", "secret"]`.
    pub fn start_with(args: &[&str]) -> io::Result<Self> {
        Self::launch(false, false, args)
    }

    /// Starts a server that keeps nothing on disk and also listens for TLS on a second free
    /// port ([`tls_port`](Self::tls_port)), with `args` giving at least its certificate, e.g.
    /// `["--tls-cert-file", "server.pem", "--tls-key-file", "server.key", "--tls-ca-cert-file",
    /// "ca.pem", "--tls-auth-clients", "no"]` (`redis-server` must be built with TLS).
    pub fn start_tls(args: &[&str]) -> io::Result<Self> {
        Self::launch(false, true, args)
    }

    /// Starts a server whose data survives kills and restarts (append-only file,
    /// `appendfsync always`).
    pub fn start_persistent() -> io::Result<Self> {
        Self::launch(true, false, &[])
    }

    fn launch(persistent: bool, tls: bool, extra_args: &[&str]) -> io::Result<Self> {
        let binary =
            Self::binary().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no redis-server binary found"))?;
        let mut last_error = None;
        // The free port found may be taken by someone else before the server binds it: retry.
        for _ in 0..5 {
            let port = free_port()?;
            let tls_port = if tls { Some(free_port_besides(port)?) } else { None };
            let mut server = RedisServer {
                binary: binary.clone(),
                port,
                tls_port,
                persistent,
                extra_args: extra_args.iter().map(|arg| (*arg).to_owned()).collect(),
                dir: tempfile::Builder::new().prefix("redis-test-").tempdir()?,
                child: None,
            };
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("redis-server did not start")))
    }

    fn spawn(&mut self) -> io::Result<()> {
        let mut command = Command::new(&self.binary);
        command
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(self.log_path());
        if let Some(tls_port) = self.tls_port {
            command.arg("--tls-port").arg(tls_port.to_string());
        }
        if self.persistent {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        command.args(&self.extra_args);
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = &mut self.child
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                return Err(io::Error::other(format!(
                    "redis-server on port {} exited with {status}: {}",
                    self.port,
                    self.log_tail()
                )));
            }
            if ping(self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("redis-server on port {} did not answer PING", self.port),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the server listens on for TLS, if it was started with
    /// [`start_tls`](Self::start_tls).
    pub fn tls_port(&self) -> Option<u16> {
        self.tls_port
    }

    /// `rediss://127.0.0.1:<TLS port>/0`, if the server was started with
    /// [`start_tls`](Self::start_tls).
    pub fn tls_url(&self) -> Option<String> {
        self.tls_port.map(|port| format!("rediss://127.0.0.1:{port}/0"))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the server process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the server at once (`SIGKILL`), as a crash would; a no-op if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (`SIGSTOP`), as a stalled host would: connections stay open and
    /// accept bytes, nothing is answered until [`resume`](Self::resume).
    pub fn pause(&mut self) -> io::Result<()> {
        self.signal("-STOP")
    }

    /// Lets a [`pause`](Self::pause)d server run again (`SIGCONT`).
    pub fn resume(&mut self) -> io::Result<()> {
        self.signal("-CONT")
    }

    fn signal(&mut self, signal: &str) -> io::Result<()> {
        let Some(child) = &self.child else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "the server is not running"));
        };
        let status = Command::new("kill").arg(signal).arg(child.id().to_string()).status()?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!("kill {signal} exited with {status}")))
        }
    }

    /// Starts the server again on the same port and data directory (after [`kill`](Self::kill));
    /// a persistent server comes back with its data.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            // The port may linger for a moment after the kill.
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(error) if Instant::now() > deadline => return Err(error),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// A free port other than `taken` (which is free too until the server binds it).
fn free_port_besides(taken: u16) -> io::Result<u16> {
    for _ in 0..10 {
        let port = free_port()?;
        if port != taken {
            return Ok(port);
        }
    }
    Err(io::Error::other("no second free port"))
}

/// Whether a server on `port` is ready: it answers `PING` with `PONG`, or asks for a password
/// (not `LOADING`).
fn ping(port: u16) -> bool {
    let attempt = || -> io::Result<bool> {
        let mut stream = TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), Duration::from_millis(200))?;
        stream.set_read_timeout(Some(Duration::from_millis(500)))?;
        stream.write_all(b"PING\r\n")?;
        let mut reply = [0u8; 7];
        let read = stream.read(&mut reply)?;
        Ok(reply[..read].starts_with(b"+PONG") || reply[..read].starts_with(b"-NOAUTH"))
    };
    attempt().unwrap_or(false)
}
