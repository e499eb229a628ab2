//! One connection to Redis: a socket, the handshake, commands out and replies in; and the
//! [`Link`] that opens it on first use and again after it broke.
//!
//! The `redis` crate parses the URL, encodes commands and provides the value and error types;
//! the socket and the reply reader ([`crate::resp::Reader`]) are ours, because reading stream
//! entries is the consumer's hot path (see the `resp` module).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::{Cmd, ConnectionAddr, ConnectionInfo, ErrorKind, RedisError, Value};

use crate::error::breaks_connection;
use crate::options::RedisOptions;
use crate::resp::Reader;

enum Socket {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Socket {
    fn connect(info: &ConnectionInfo, timeout: Duration) -> Result<Socket, RedisError> {
        match info.addr() {
            ConnectionAddr::Tcp(host, port) => {
                let mut last_error = io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address"));
                for address in (host.as_str(), *port).to_socket_addrs()? {
                    match TcpStream::connect_timeout(&address, timeout) {
                        Ok(stream) => {
                            stream.set_nodelay(true)?;
                            return Ok(Socket::Tcp(stream));
                        }
                        Err(error) => last_error = error,
                    }
                }
                Err(last_error.into())
            }
            #[cfg(unix)]
            ConnectionAddr::Unix(path) => Ok(Socket::Unix(std::os::unix::net::UnixStream::connect(path)?)),
            _ => Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "unsupported connection",
                "TLS (rediss://) is not supported".to_owned(),
            ))),
        }
    }

    fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
        match self {
            Socket::Tcp(stream) => stream.set_read_timeout(Some(timeout)),
            #[cfg(unix)]
            Socket::Unix(stream) => stream.set_read_timeout(Some(timeout)),
        }
    }

    fn try_clone(&self) -> io::Result<Socket> {
        match self {
            Socket::Tcp(stream) => stream.try_clone().map(Socket::Tcp),
            #[cfg(unix)]
            Socket::Unix(stream) => stream.try_clone().map(Socket::Unix),
        }
    }

    /// Ends the connection for both sides: a read blocked on it (in another thread) returns.
    fn shutdown(&self) {
        let _ = match self {
            Socket::Tcp(stream) => stream.shutdown(Shutdown::Both),
            #[cfg(unix)]
            Socket::Unix(stream) => stream.shutdown(Shutdown::Both),
        };
    }

    fn set_write_timeout(&self, timeout: Duration) -> io::Result<()> {
        match self {
            Socket::Tcp(stream) => stream.set_write_timeout(Some(timeout)),
            #[cfg(unix)]
            Socket::Unix(stream) => stream.set_write_timeout(Some(timeout)),
        }
    }
}

impl Read for Socket {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(stream) => stream.read(out),
            #[cfg(unix)]
            Socket::Unix(stream) => stream.read(out),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(stream) => stream.write(bytes),
            #[cfg(unix)]
            Socket::Unix(stream) => stream.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How far the socket's read timeout may be from the time left before a deadline before it is
/// set again: setting it is a system call, made only when a reply is slow.
const TIMEOUT_SLACK: Duration = Duration::from_millis(10);

/// The socket as a source for one reply, which must arrive whole before `deadline`: each read
/// waits at most the time left, so a server that trickles bytes cannot hold the caller longer.
struct Deadline<'a> {
    socket: &'a mut Socket,
    deadline: Instant,
    /// The read timeout the socket has now.
    socket_timeout: &'a mut Duration,
}

impl Read for Deadline<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        if left.abs_diff(*self.socket_timeout) > TIMEOUT_SLACK {
            self.socket.set_read_timeout(left)?;
            *self.socket_timeout = left;
        }
        match self.socket.read(out) {
            // The socket's timeout is the time left: the deadline has passed.
            Err(error) if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                Err(timed_out())
            }
            other => other,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the reply did not arrive whole in time")
}

/// An open connection, speaking RESP2.
pub(crate) struct Connection {
    socket: Socket,
    reader: Reader,
    /// How long a reply may take to arrive whole.
    reply_timeout: Duration,
    /// The socket's read timeout: the reply timeout, or less when a reply was slow.
    socket_timeout: Duration,
}

impl Connection {
    /// Connects, authenticates and selects the database within `options`' connect timeout;
    /// replies are then awaited for at most its I/O timeout.
    fn open(options: &RedisOptions) -> Result<Self, RedisError> {
        let info = options.client().get_connection_info();
        let connect_timeout = options.get_connect_timeout();
        let socket = Socket::connect(info, connect_timeout)?;
        socket.set_read_timeout(connect_timeout)?;
        socket.set_write_timeout(connect_timeout)?;
        let mut connection = Connection {
            socket,
            reader: Reader::new(options.get_max_reply_bytes()),
            reply_timeout: connect_timeout,
            socket_timeout: connect_timeout,
        };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(username) = settings.username() {
                auth.arg(username);
            }
            connection.query_ok(auth.arg(password), "AUTH")?;
        }
        if settings.db() != 0 {
            connection.query_ok(redis::cmd("SELECT").arg(settings.db()), "SELECT")?;
        }
        connection.socket.set_write_timeout(options.get_io_timeout())?;
        connection.set_reply_timeout(options.get_io_timeout());
        Ok(connection)
    }

    /// How long each reply may take from now on.
    fn set_reply_timeout(&mut self, timeout: Duration) {
        self.reply_timeout = timeout;
    }

    /// Writes encoded commands.
    pub(crate) fn send(&mut self, commands: &[u8]) -> Result<(), RedisError> {
        self.socket.write_all(commands).map_err(RedisError::from)
    }

    /// Reads one reply, which must arrive whole within the reply timeout; an error reply is a
    /// [`Value::ServerError`].
    pub(crate) fn receive(&mut self) -> Result<Value, RedisError> {
        let mut source = Deadline {
            socket: &mut self.socket,
            deadline: Instant::now() + self.reply_timeout,
            socket_timeout: &mut self.socket_timeout,
        };
        self.reader.read(&mut source)
    }

    /// Sends `command` and returns its reply as it is, an error reply as a
    /// [`Value::ServerError`].
    pub(crate) fn receive_reply(&mut self, command: &Cmd) -> Result<Value, RedisError> {
        self.send(&command.get_packed_command())?;
        self.receive()
    }

    /// Sends `command` and returns its reply; an error reply is an error.
    pub(crate) fn query(&mut self, command: &Cmd) -> Result<Value, RedisError> {
        self.send(&command.get_packed_command())?;
        match self.receive()? {
            Value::ServerError(error) => Err(error.into()),
            reply => Ok(reply),
        }
    }

    /// Sends `command`, whose reply must be `+OK`.
    pub(crate) fn query_ok(&mut self, command: &Cmd, name: &str) -> Result<(), RedisError> {
        match self.query(command)? {
            Value::Okay => Ok(()),
            other => Err(unexpected_reply(name, "OK", &other)),
        }
    }
}

/// An error for a reply that is not of the shape `command` returns; the connection is out of
/// step with the server (or the server is not Redis) and is dropped.
pub(crate) fn unexpected_reply(command: &str, expected: &str, found: &Value) -> RedisError {
    RedisError::from((
        ErrorKind::Parse,
        "unexpected reply",
        format!(
            "{command} should reply {expected}, found {}",
            crate::reply::summary(found)
        ),
    ))
}

/// Interrupts whatever a [`Link`] is waiting for, from another thread: the open connection is
/// shut down, so that a blocked read returns at once with an error. Later calls connect again.
#[derive(Clone, Default)]
pub(crate) struct Interrupter(Arc<Mutex<Option<Socket>>>);

impl Interrupter {
    pub(crate) fn interrupt(&self) {
        if let Some(socket) = self.0.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            socket.shutdown();
        }
    }

    fn watch(&self, socket: Option<Socket>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = socket;
    }
}

/// A lazily opened [`Connection`] with the time limits of [`RedisOptions`].
///
/// After an error that leaves the connection unusable (anything but an error reply), the
/// connection is dropped and the next call opens a new one; [`generation`](Self::generation)
/// counts the connections opened, so that callers can redo per-connection setup.
pub(crate) struct Link {
    options: RedisOptions,
    connection: Option<Connection>,
    generation: u64,
    interrupter: Interrupter,
}

impl Link {
    pub(crate) fn new(options: RedisOptions) -> Self {
        Link {
            options,
            connection: None,
            generation: 0,
            interrupter: Interrupter::default(),
        }
    }

    /// A handle that interrupts this link's calls from another thread.
    pub(crate) fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    pub(crate) fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// How many connections have been opened so far.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether a connection is open (it may still turn out to be broken).
    pub(crate) fn is_open(&self) -> bool {
        self.connection.is_some()
    }

    /// Opens the connection if there is none.
    pub(crate) fn connect(&mut self) -> Result<(), RedisError> {
        if self.connection.is_none() {
            let connection = Connection::open(&self.options)?;
            // Without a clone, an interrupt cannot reach this connection; it still works.
            self.interrupter.watch(connection.socket.try_clone().ok());
            self.connection = Some(connection);
            self.generation += 1;
            if self.generation > 1 {
                tracing::info!(redis = %self.options.address(), "reconnected to Redis");
            }
        }
        Ok(())
    }

    /// Runs `f` on the connection, waiting at most `block` longer than the I/O timeout for a
    /// reply; drops the connection if `f` fails in a way that leaves it unusable.
    pub(crate) fn run<T>(
        &mut self,
        block: Duration,
        f: impl FnOnce(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, RedisError> {
        self.connect()?;
        let timeout = self.options.get_io_timeout() + block;
        let Some(connection) = self.connection.as_mut() else {
            return Err(io::Error::from(io::ErrorKind::NotConnected).into());
        };
        connection.set_reply_timeout(timeout);
        let result = f(connection);
        if let Err(error) = &result
            && breaks_connection(error)
        {
            tracing::debug!(redis = %self.options.address(), %error, "dropping the Redis connection");
            self.disconnect();
        }
        result
    }

    /// Forgets the connection, e.g. when a reply could not be understood.
    pub(crate) fn disconnect(&mut self) {
        // The interrupter's copy of the socket would keep the connection open.
        self.interrupter.watch(None);
        self.connection = None;
    }
}
