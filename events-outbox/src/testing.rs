//! Test support: throw-away PostgreSQL servers on free loopback ports.
//!
//! Each test that needs PostgreSQL starts its own server in a temporary directory, so that it
//! can restart it under a relay. PostgreSQL refuses to run as root, so when the tests run as
//! root the server runs as the `postgres` user of Debian's package (through `runuser`). Without
//! PostgreSQL's binaries (`$POSTGRES_BIN`, else `pg_config --bindir`, else
//! /usr/lib/postgresql/*/bin) the tests are skipped, unless `OPENEDX_EVENTS_REQUIRE_INTEROP=1`.

use std::io;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use events_core::testing::{REQUIRE_INTEROP_ENV, interop_required, skip};

/// The environment variable naming the directory of PostgreSQL's binaries.
pub const POSTGRES_BIN_ENV: &str = "POSTGRES_BIN";

/// A PostgreSQL server on `127.0.0.1`, its data in a temporary directory, stopped on drop.
#[derive(Debug)]
pub struct PostgresServer {
    bin: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    running: bool,
}

impl PostgresServer {
    /// The directory of PostgreSQL's binaries, if installed.
    pub fn bin_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os(POSTGRES_BIN_ENV).filter(|dir| !dir.is_empty()) {
            return Some(PathBuf::from(dir));
        }
        if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
            && output.status.success()
        {
            let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
            if dir.join("initdb").is_file() {
                return Some(dir);
            }
        }
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
            .filter(|dir| dir.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop()
    }

    /// Starts a server for `test`, or skips the test when PostgreSQL is not installed.
    pub fn for_test(test: &str) -> Option<Self> {
        if Self::bin_dir().is_none() {
            return skip(
                test,
                &format!("no PostgreSQL binaries (install postgresql, or set {POSTGRES_BIN_ENV})"),
            );
        }
        Some(Self::start().unwrap_or_else(|error| panic!("{test}: cannot start PostgreSQL: {error}")))
    }

    /// Initializes a cluster and starts it on a free port.
    pub fn start() -> io::Result<Self> {
        let bin = Self::bin_dir().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no PostgreSQL binaries"))?;
        let dir = tempfile::Builder::new().prefix("postgres-test-").tempdir()?;
        let mut server = PostgresServer {
            bin,
            port: free_port()?,
            dir,
            running: false,
        };
        if is_root() {
            // The server runs as `postgres`, which must own its directory.
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(server.dir.path()))?;
        }
        let data = server.data_dir();
        server.run_as_owner(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        server.start_again()?;
        Ok(server)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server again on the same port and data, after [`stop`](Self::stop).
    pub fn start_again(&mut self) -> io::Result<()> {
        let data = self.data_dir();
        let log = self.dir.path().join("postgres.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.run_as_owner(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        )?;
        self.running = true;
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "PostgreSQL did not accept connections",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Stops the server, fast (open transactions are rolled back).
    pub fn stop(&mut self) -> io::Result<()> {
        if !self.running {
            return Ok(());
        }
        let data = self.data_dir();
        self.run_as_owner("pg_ctl", &["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"])?;
        self.running = false;
        Ok(())
    }

    /// A connection string for `database`, e.g. `host=127.0.0.1 port=… user=postgres dbname=…`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates `database` and returns its connection string.
    pub fn create_database(&self, database: &str) -> io::Result<String> {
        let psql = self.bin.join("psql");
        run(Command::new(psql)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-q",
                "-c",
            ])
            .arg(format!("CREATE DATABASE \"{database}\"")))?;
        Ok(self.url(database))
    }

    fn run_as_owner(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        run(command.args(args).current_dir(self.dir.path()))
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn run(command: &mut Command) -> io::Result<()> {
    let output = command.stdin(Stdio::null()).output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{command:?}: {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}
