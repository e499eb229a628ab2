//! Test support: throw-away Kafka-protocol brokers (tansu) on free loopback ports.
//!
//! Tests that need Kafka start their own broker, in memory, so that they run in parallel and
//! can pause it. tansu is a Kafka-compatible broker written in Rust that installs from
//! crates.io (`scripts/tansu` builds it once per machine); it does not create topics on demand,
//! so a test creates the topics it uses with [`KafkaBroker::create_topic`]. Where no tansu
//! binary is found the tests are skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1` says they
//! must run, in which case they fail.
//!
//! ```no_run
//! use events_bus_kafka::testing::KafkaBroker;
//!
//! let Some(broker) = KafkaBroker::for_test("my_test") else { return Ok(()) }; // skipped
//! broker.create_topic("enrollments", 3)?;
//! let servers = broker.bootstrap_servers(); // 127.0.0.1:<port>
//! // … the broker is killed when `broker` is dropped.
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming the `tansu` binary.
pub const TANSU_ENV: &str = "TANSU";

pub use events_core::testing::{REQUIRE_INTEROP_ENV, interop_required, skip};

/// The tansu version `scripts/tansu` installs, and where.
const TANSU_VERSION: &str = "0.6.0";

/// How long a starting broker may take to accept connections and answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A tansu broker child process on `127.0.0.1`, with memory storage, killed on drop.
#[derive(Debug)]
pub struct KafkaBroker {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl KafkaBroker {
    /// The `tansu` binary: `$TANSU` if set, else the one `scripts/tansu` installs under
    /// `~/.cache/openedx-events`, else the first in `PATH`.
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(TANSU_ENV).filter(|path| !path.is_empty()) {
            return Some(PathBuf::from(path));
        }
        if let Some(home) = std::env::var_os("HOME") {
            let cached = PathBuf::from(home)
                .join(".cache/openedx-events")
                .join(format!("tansu-{TANSU_VERSION}"))
                .join("bin/tansu");
            if cached.is_file() {
                return Some(cached);
            }
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("tansu"))
            .find(|candidate| candidate.is_file())
    }

    /// Starts a broker for `test`, or skips the test when no tansu is installed (see
    /// [`skip`]). Panics if the broker does not start.
    pub fn for_test(test: &str) -> Option<Self> {
        if Self::binary().is_none() {
            return skip(
                test,
                &format!("no tansu binary (run scripts/tansu, or set {TANSU_ENV})"),
            );
        }
        Some(Self::start().unwrap_or_else(|error| panic!("{test}: cannot start tansu: {error}")))
    }

    /// Starts a broker on a free port.
    pub fn start() -> io::Result<Self> {
        let binary = Self::binary().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no tansu binary found"))?;
        let mut last_error = None;
        // The free port found may be taken before the broker binds it: retry.
        for _ in 0..5 {
            let mut broker = KafkaBroker {
                binary: binary.clone(),
                port: free_port()?,
                child: None,
            };
            match broker.spawn() {
                Ok(()) => return Ok(broker),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("tansu did not start")))
    }

    fn spawn(&mut self) -> io::Result<()> {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let mut child = Command::new(&self.binary)
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/", "--silent"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait()? {
                return Err(io::Error::other(format!(
                    "tansu on port {} exited with {status}",
                    self.port
                )));
            }
            if TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, self.port).into(), Duration::from_millis(200)).is_ok()
            {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("tansu on port {} did not accept connections", self.port),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `127.0.0.1:<port>`, for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates `topic` with `partitions` partitions (tansu does not create topics on demand).
    pub fn create_topic(&self, topic: &str, partitions: u32) -> io::Result<()> {
        let output = Command::new(&self.binary)
            .args(["topic", "create", "--broker", &format!("tcp://127.0.0.1:{}", self.port)])
            .args(["--partitions", &partitions.to_string(), topic])
            .stdin(Stdio::null())
            .output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "tansu topic create {topic}: {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }

    /// Freezes the broker (`SIGSTOP`), as a stalled host would: connections stay open and
    /// nothing is answered until [`resume`](Self::resume).
    pub fn pause(&mut self) -> io::Result<()> {
        self.signal("-STOP")
    }

    /// Lets a [`pause`](Self::pause)d broker run again (`SIGCONT`).
    pub fn resume(&mut self) -> io::Result<()> {
        self.signal("-CONT")
    }

    fn signal(&mut self, signal: &str) -> io::Result<()> {
        let Some(child) = &self.child else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "the broker is not running"));
        };
        let status = Command::new("kill").arg(signal).arg(child.id().to_string()).status()?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!("kill {signal} exited with {status}")))
        }
    }

    /// Kills the broker at once (`SIGKILL`); its topics and messages are gone with it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = self.resume_quietly(&child);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn resume_quietly(&self, child: &Child) -> io::Result<()> {
        Command::new("kill")
            .arg("-CONT")
            .arg(child.id().to_string())
            .stderr(Stdio::null())
            .status()
            .map(drop)
    }
}

impl Drop for KafkaBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}
