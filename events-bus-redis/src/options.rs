//! Where Redis is and how long to wait for it.

use std::fmt;
use std::time::Duration;

use redis::ConnectionAddr;

use crate::error::RedisBusError;

/// The Redis server to use and the time limits of every call to it: the Rust form of
/// `EVENT_BUS_REDIS_CONNECTION_URL`.
///
/// Every operation of the producer and the consumer backend is bounded: connecting over TCP
/// waits at most [`connect_timeout`](Self::connect_timeout) (a Unix socket connects at once or
/// fails, so it has no timeout), a command waits at most
/// [`io_timeout`](Self::io_timeout) for its reply (a blocking read waits for its block time
/// plus `io_timeout`), so a dead or hung server produces an error instead of hanging the
/// caller. The limit on a reply is a deadline for the whole reply, not for each read from the
/// socket, so that a server that trickles bytes cannot hold a call forever; and each reply may
/// take at most [`max_reply_bytes`](Self::max_reply_bytes) of memory, so that a broken or
/// hostile server cannot exhaust it.
///
/// ```
/// use std::time::Duration;
/// use events_bus_redis::RedisOptions;
///
/// let options = RedisOptions::new("redis://:secret@127.0.0.1:6379/2")?
///     .connect_timeout(Duration::from_secs(1))
///     .io_timeout(Duration::from_secs(2));
/// // The address shown in logs and errors carries no credentials.
/// assert_eq!(options.address(), "redis://127.0.0.1:6379/2");
/// assert_eq!(options.get_io_timeout(), Duration::from_secs(2));
/// # Ok::<(), events_bus_redis::RedisBusError>(())
/// ```
#[derive(Clone)]
pub struct RedisOptions {
    client: redis::Client,
    address: String,
    connect_timeout: Duration,
    io_timeout: Duration,
    max_reply_bytes: usize,
}

impl RedisOptions {
    /// The default for [`connect_timeout`](Self::connect_timeout): 5 seconds.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default for [`io_timeout`](Self::io_timeout): 5 seconds, the limit
    /// `edx-event-bus-redis` puts on its non-blocking consumer calls.
    pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default for [`max_reply_bytes`](Self::max_reply_bytes): 256 MiB, room for a batch of
    /// a thousand entries of 256 KiB each.
    pub const DEFAULT_MAX_REPLY_BYTES: usize = 256 * 1024 * 1024;

    /// Options for the server at `url`: `redis://[[user]:password@]host[:port][/db]` or
    /// `unix:///path/to/socket[?db=N]` (TLS, `rediss://`, is not supported). Nothing is
    /// connected yet.
    pub fn new(url: &str) -> Result<Self, RedisBusError> {
        let client = redis::Client::open(url).map_err(|error| RedisBusError::url(&redact(url), error))?;
        let info = client.get_connection_info();
        let db = info.redis_settings().db();
        let address = match info.addr() {
            ConnectionAddr::Unix(path) => format!("unix://{}?db={db}", path.display()),
            ConnectionAddr::TcpTls { host, port, .. } => format!("rediss://{host}:{port}/{db}"),
            other => format!("redis://{other}/{db}"),
        };
        Ok(RedisOptions {
            client,
            address,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            io_timeout: Self::DEFAULT_IO_TIMEOUT,
            max_reply_bytes: Self::DEFAULT_MAX_REPLY_BYTES,
        })
    }

    /// How long connecting (including authentication and `SELECT`) may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a command may wait for its reply, on top of the block time of a blocking read.
    #[must_use]
    pub fn io_timeout(mut self, timeout: Duration) -> Self {
        self.io_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The most memory one reply may take: its strings, plus a few dozen bytes for each value
    /// in it. A larger reply is refused with an error (and the connection closed) before it is
    /// held; a consumer reading batches of large events may need more than the default.
    #[must_use]
    pub fn max_reply_bytes(mut self, bytes: usize) -> Self {
        self.max_reply_bytes = bytes.max(1024);
        self
    }

    /// The reply size limit.
    pub fn get_max_reply_bytes(&self) -> usize {
        self.max_reply_bytes
    }

    /// The connect timeout.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The command timeout.
    pub fn get_io_timeout(&self) -> Duration {
        self.io_timeout
    }

    /// The server's address without credentials, for logs and errors.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }
}

impl fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisOptions")
            .field("address", &self.address)
            .field("connect_timeout", &self.connect_timeout)
            .field("io_timeout", &self.io_timeout)
            .field("max_reply_bytes", &self.max_reply_bytes)
            .finish()
    }
}

/// `url` with anything between `://` and the last `@` of the authority hidden.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_messages() {
        assert_eq!(redact("redis://user:pw@host:1/0"), "redis://***@host:1/0");
        assert_eq!(redact("redis://host:1/0"), "redis://host:1/0");
        let error = RedisOptions::new("redis://user:pw@host:notaport/0").unwrap_err();
        assert!(!error.to_string().contains("pw"), "{error}");
    }

    #[test]
    fn the_address_defaults_port_and_database() {
        let options = RedisOptions::new("redis://localhost").unwrap();
        assert_eq!(options.address(), "redis://localhost:6379/0");
    }
}
