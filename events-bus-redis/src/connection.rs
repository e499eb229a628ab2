//! One connection to Redis: a socket (TCP, TLS over TCP, or Unix), the handshake, commands
//! out and replies in; and the [`Link`] that opens it on first use and again after it broke.
//!
//! The `redis` crate parses the URL, encodes commands and provides the value and error types;
//! the socket and the reply reader ([`crate::resp::Reader`]) are ours, because reading stream
//! entries is the consumer's hot path (see the `resp` module). TLS is rustls over our own
//! [`Transport`], so that its reads keep the whole-reply deadline.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::{Cmd, ConnectionAddr, ConnectionInfo, ErrorKind, RedisError, Value};
use rustls::{ClientConnection, StreamOwned};

use crate::error::breaks_connection;
use crate::options::RedisOptions;
use crate::resp::Reader;
use crate::tls::{Phase, TlsSettings};

/// The operating system's socket under a connection.
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Stream {
    fn connect(info: &ConnectionInfo, timeout: Duration) -> Result<Stream, RedisError> {
        match info.addr() {
            ConnectionAddr::Tcp(host, port) => {
                let mut last_error = io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address"));
                for address in (host.as_str(), *port).to_socket_addrs()? {
                    match TcpStream::connect_timeout(&address, timeout) {
                        Ok(stream) => {
                            stream.set_nodelay(true)?;
                            return Ok(Stream::Tcp(stream));
                        }
                        Err(error) => last_error = error,
                    }
                }
                Err(last_error.into())
            }
            #[cfg(unix)]
            ConnectionAddr::Unix(path) => Ok(Stream::Unix(std::os::unix::net::UnixStream::connect(path)?)),
            // `RedisOptions` parses `rediss://` as `redis://` and keeps TLS to itself, so the
            // redis crate's TLS address never reaches here.
            _ => Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "unsupported connection",
                "this kind of address is not supported".to_owned(),
            ))),
        }
    }

    fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(stream) => stream.set_read_timeout(Some(timeout)),
            #[cfg(unix)]
            Stream::Unix(stream) => stream.set_read_timeout(Some(timeout)),
        }
    }

    fn set_write_timeout(&self, timeout: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(stream) => stream.set_write_timeout(Some(timeout)),
            #[cfg(unix)]
            Stream::Unix(stream) => stream.set_write_timeout(Some(timeout)),
        }
    }

    fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Tcp(stream) => stream.try_clone().map(Stream::Tcp),
            #[cfg(unix)]
            Stream::Unix(stream) => stream.try_clone().map(Stream::Unix),
        }
    }

    /// Ends the connection for both sides: a read blocked on it (in another thread, through a
    /// clone, with or without TLS on top) returns.
    fn shutdown(&self) {
        let _ = match self {
            Stream::Tcp(stream) => stream.shutdown(Shutdown::Both),
            #[cfg(unix)]
            Stream::Unix(stream) => stream.shutdown(Shutdown::Both),
        };
    }
}

/// How far the socket's read timeout may be from the time left before a deadline before it is
/// set again: setting it is a system call, made only when a reply is slow.
const TIMEOUT_SLACK: Duration = Duration::from_millis(10);

/// The socket as a byte stream whose reads end by a deadline: each read waits at most the time
/// left, so that a server that trickles bytes cannot hold the caller past it. TLS reads through
/// it too, so the deadline holds for a whole reply however many records (and socket reads) it
/// takes. Writes wait at most the socket's write timeout each.
struct Transport {
    stream: Stream,
    read_deadline: Instant,
    /// The read timeout the socket has now.
    read_timeout: Duration,
}

impl Transport {
    fn new(stream: Stream, timeout: Duration) -> io::Result<Self> {
        stream.set_read_timeout(timeout)?;
        stream.set_write_timeout(timeout)?;
        Ok(Transport {
            stream,
            read_deadline: Instant::now() + timeout,
            read_timeout: timeout,
        })
    }
}

impl Read for Transport {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.read_deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(read_timed_out());
        }
        if left.abs_diff(self.read_timeout) > TIMEOUT_SLACK {
            self.stream.set_read_timeout(left)?;
            self.read_timeout = left;
        }
        let read = match &mut self.stream {
            Stream::Tcp(stream) => stream.read(out),
            #[cfg(unix)]
            Stream::Unix(stream) => stream.read(out),
        };
        match read {
            // The socket's timeout is the time left: the deadline has passed.
            Err(error) if is_timeout(&error) => Err(read_timed_out()),
            other => other,
        }
    }
}

impl Write for Transport {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = match &mut self.stream {
            Stream::Tcp(stream) => stream.write(bytes),
            #[cfg(unix)]
            Stream::Unix(stream) => stream.write(bytes),
        };
        match written {
            // A timed-out write is final: as `TimedOut` rather than `WouldBlock`, rustls gives
            // up on it instead of waiting to read in its place.
            Err(error) if is_timeout(&error) => Err(write_timed_out()),
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether `error` is a socket timeout (`SO_RCVTIMEO`/`SO_SNDTIMEO` report `EAGAIN`).
fn is_timeout(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

fn read_timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the reply did not arrive whole in time")
}

fn write_timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the server did not take the command in time")
}

/// A connection's byte stream: plain, or TLS on top of the transport.
enum Socket {
    Plain(Transport),
    /// Boxed: a TLS connection's state is a few kilobytes.
    Tls {
        stream: Box<StreamOwned<ClientConnection, Transport>>,
        /// For explaining TLS errors.
        settings: TlsSettings,
    },
}

impl Socket {
    /// Connects to the address of `options`, with TLS for a `rediss://` URL: connecting, and
    /// the TLS handshake after it, each within the connect timeout.
    fn connect(options: &RedisOptions) -> Result<Socket, RedisError> {
        let timeout = options.get_connect_timeout();
        let stream = Stream::connect(options.client().get_connection_info(), timeout)?;
        let transport = Transport::new(stream, timeout)?;
        match options.tls() {
            None => Ok(Socket::Plain(transport)),
            Some(settings) => Ok(Socket::Tls {
                stream: Box::new(settings.handshake(transport)?),
                settings: settings.clone(),
            }),
        }
    }

    fn transport(&self) -> &Transport {
        match self {
            Socket::Plain(transport) => transport,
            Socket::Tls { stream, .. } => stream.get_ref(),
        }
    }

    fn transport_mut(&mut self) -> &mut Transport {
        match self {
            Socket::Plain(transport) => transport,
            Socket::Tls { stream, .. } => stream.get_mut(),
        }
    }

    /// Reads from now on end at `deadline`.
    fn set_read_deadline(&mut self, deadline: Instant) {
        self.transport_mut().read_deadline = deadline;
    }

    fn set_write_timeout(&self, timeout: Duration) -> io::Result<()> {
        self.transport().stream.set_write_timeout(timeout)
    }

    /// A handle on the operating system's socket, for [`Interrupter`].
    fn try_clone_stream(&self) -> io::Result<Stream> {
        self.transport().stream.try_clone()
    }
}

impl Read for Socket {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Plain(transport) => transport.read(out),
            Socket::Tls { stream, settings } => stream
                .read(out)
                .map_err(|error| settings.explain(error, Phase::Session)),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Plain(transport) => transport.write(bytes),
            Socket::Tls { stream, settings } => stream
                .write(bytes)
                .map_err(|error| settings.explain(error, Phase::Session)),
        }
    }

    /// Sends what TLS still holds: a TLS write may leave encrypted bytes behind (and its
    /// errors are only reported here).
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Socket::Plain(transport) => transport.flush(),
            Socket::Tls { stream, settings } => stream.flush().map_err(|error| settings.explain(error, Phase::Session)),
        }
    }
}

/// An open connection, speaking RESP2.
pub(crate) struct Connection {
    socket: Socket,
    reader: Reader,
    /// How long a reply may take to arrive whole.
    reply_timeout: Duration,
    /// How long writing a command may take: also the limit on what TLS reads while writing.
    write_timeout: Duration,
}

impl Connection {
    /// Connects (with the TLS handshake of a `rediss://` URL), authenticates and selects the
    /// database, each step within `options`' connect timeout; replies are then awaited for at
    /// most its I/O timeout.
    fn open(options: &RedisOptions) -> Result<Self, RedisError> {
        let connect_timeout = options.get_connect_timeout();
        let mut connection = Connection {
            socket: Socket::connect(options)?,
            reader: Reader::new(options.get_max_reply_bytes()),
            reply_timeout: connect_timeout,
            write_timeout: connect_timeout,
        };
        let settings = options.client().get_connection_info().redis_settings();
        if let Some(password) = settings.password() {
            // `AUTH user password` for an ACL user (Redis 6 and later); `AUTH password` for the
            // default user, which older servers understand too.
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
        connection.write_timeout = options.get_io_timeout();
        connection.set_reply_timeout(options.get_io_timeout());
        Ok(connection)
    }

    /// How long each reply may take from now on.
    fn set_reply_timeout(&mut self, timeout: Duration) {
        self.reply_timeout = timeout;
    }

    /// Writes encoded commands.
    pub(crate) fn send(&mut self, commands: &[u8]) -> Result<(), RedisError> {
        // TLS may read while it writes (records the server sent meanwhile): within the time
        // a write may take.
        self.socket.set_read_deadline(Instant::now() + self.write_timeout);
        self.socket.write_all(commands)?;
        self.socket.flush().map_err(RedisError::from)
    }

    /// Reads one reply, which must arrive whole within the reply timeout; an error reply is a
    /// [`Value::ServerError`].
    pub(crate) fn receive(&mut self) -> Result<Value, RedisError> {
        self.socket.set_read_deadline(Instant::now() + self.reply_timeout);
        self.reader.read(&mut self.socket)
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

/// Interrupts whatever a [`Link`] is waiting for, from another thread: the open connection's
/// socket is shut down (under TLS too: the TLS layer's read of the socket returns), so that a
/// blocked read returns at once with an error. Later calls connect again.
#[derive(Clone, Default)]
pub(crate) struct Interrupter(Arc<Mutex<Option<Stream>>>);

impl Interrupter {
    pub(crate) fn interrupt(&self) {
        if let Some(socket) = self.0.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            socket.shutdown();
        }
    }

    fn watch(&self, socket: Option<Stream>) {
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
            self.interrupter.watch(connection.socket.try_clone_stream().ok());
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
