//! One connection to Redis: a socket, the handshake, commands out and replies in; and the
//! [`Link`] that opens it on first use and again after it broke.
//!
//! The `redis` crate parses the URL, encodes commands and provides the value and error types;
//! the socket and the reply reader ([`crate::resp::Reader`]) are ours, because reading stream
//! entries is the consumer's hot path (see the `resp` module).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

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

/// An open connection, speaking RESP2.
pub(crate) struct Connection {
    socket: Socket,
    reader: Reader,
    read_timeout: Duration,
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
            reader: Reader::new(),
            read_timeout: connect_timeout,
        };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(username) = settings.username() {
                auth.arg(username);
            }
            connection.query(auth.arg(password))?;
        }
        if settings.db() != 0 {
            connection.query(redis::cmd("SELECT").arg(settings.db()))?;
        }
        connection.socket.set_write_timeout(options.get_io_timeout())?;
        connection.set_read_timeout(options.get_io_timeout())?;
        Ok(connection)
    }

    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        // A system call: only when the limit changes.
        if timeout != self.read_timeout {
            self.socket.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        Ok(())
    }

    /// Writes encoded commands.
    pub(crate) fn send(&mut self, commands: &[u8]) -> Result<(), RedisError> {
        self.socket.write_all(commands).map_err(RedisError::from)
    }

    /// Reads one reply; an error reply is a [`Value::ServerError`].
    pub(crate) fn receive(&mut self) -> Result<Value, RedisError> {
        self.reader.read(&mut self.socket)
    }

    /// Sends `command` and returns its reply; an error reply is an error.
    pub(crate) fn query(&mut self, command: &Cmd) -> Result<Value, RedisError> {
        self.send(&command.get_packed_command())?;
        match self.receive()? {
            Value::ServerError(error) => Err(error.into()),
            reply => Ok(reply),
        }
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
}

impl Link {
    pub(crate) fn new(options: RedisOptions) -> Self {
        Link {
            options,
            connection: None,
            generation: 0,
        }
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
            self.connection = Some(Connection::open(&self.options)?);
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
        let result = connection
            .set_read_timeout(timeout)
            .map_err(RedisError::from)
            .and_then(|()| f(connection));
        if let Err(error) = &result
            && breaks_connection(error)
        {
            tracing::debug!(redis = %self.options.address(), %error, "dropping the Redis connection");
            self.connection = None;
        }
        result
    }

    /// Forgets the connection, e.g. when a reply could not be understood.
    pub(crate) fn disconnect(&mut self) {
        self.connection = None;
    }
}
