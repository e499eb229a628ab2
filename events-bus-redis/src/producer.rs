//! Publishing: `XADD <stream> MAXLEN ~ <n> * <fields>`, as `edx-event-bus-redis` writes.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use events_core::bus::{BusMessage, EventBusProducer, ProduceError};
use redis::{RedisError, Value};

use crate::connection::{Connection, Link};
use crate::error::RedisBusError;
use crate::options::RedisOptions;
use crate::resp;

/// How many bytes of pipelined commands are buffered before they are written.
const PIPELINE_CHUNK: usize = 64 * 1024;

/// An [`EventBusProducer`] writing to Redis Streams, wire-compatible with the Python
/// `RedisEventProducer`: one `XADD` per event with the fields of [`BusMessage::to_fields`],
/// trimming the stream to about [`max_len`](Self::max_len) entries.
///
/// The producer holds one connection, opened on first use and shared by the threads that
/// publish through it. When a call fails because Redis is unreachable, the error is returned
/// (as [`ProduceError`] through the trait) and the next call connects again. When a connection
/// that was idle turns out to have been closed by the server (Redis restarted), the command is
/// retried once on a new connection, so the first event after a restart is not lost; if the
/// server had in fact applied it before the connection broke, the event is written twice, which
/// consumers tolerate (delivery is at least once).
///
/// ```no_run
/// use std::sync::Arc;
/// use events_bus_redis::RedisProducer;
/// use events_core::bus::{ProducerConfig, TopicPrefix, connect_producer};
///
/// let producer = RedisProducer::from_url("redis://127.0.0.1:6379/0")?.with_max_len(Some(50_000));
/// let config = ProducerConfig::from_file("producer.toml".as_ref())?;
/// // Every event named in the configuration is now published when it is sent.
/// let _binding = connect_producer(&config, Arc::new(producer), &TopicPrefix::from_env())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisProducer {
    link: Mutex<Link>,
    max_len: Option<usize>,
}

impl RedisProducer {
    /// The default stream length limit, as `EVENT_BUS_REDIS_STREAM_MAX_LEN` defaults to.
    pub const DEFAULT_MAX_LEN: usize = 10_000;

    /// A producer for the server in `options`; nothing is connected until the first call.
    pub fn new(options: RedisOptions) -> Self {
        RedisProducer {
            link: Mutex::new(Link::new(options)),
            max_len: Some(Self::DEFAULT_MAX_LEN),
        }
    }

    /// A producer for the server at `url`, with the default timeouts.
    pub fn from_url(url: &str) -> Result<Self, RedisBusError> {
        RedisOptions::new(url).map(Self::new)
    }

    /// Keeps streams at about `max_len` entries (`MAXLEN ~`, trimming whole internal nodes, so
    /// a stream may hold somewhat more); `None` never trims.
    #[must_use]
    pub fn with_max_len(mut self, max_len: Option<usize>) -> Self {
        self.max_len = max_len;
        self
    }

    /// The stream length limit.
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
    }

    /// The server's address, without credentials.
    pub fn address(&self) -> String {
        self.link().options().address().to_owned()
    }

    /// Connects now (if not connected) and checks that the server answers, to report a wrong
    /// URL or an unreachable server at start-up rather than at the first event.
    pub fn ping(&self) -> Result<(), RedisBusError> {
        self.call("PING", "", |connection| connection.query(&redis::cmd("PING")).map(drop))
    }

    /// Appends `message` to `stream`; returns the entry id Redis gave it.
    pub fn add(&self, stream: &str, message: &BusMessage) -> Result<String, RedisBusError> {
        let mut command = Vec::with_capacity(256 + message.data.len());
        resp::xadd(&mut command, stream, self.max_len, message);
        self.call("XADD", stream, |connection| {
            connection.send(&command)?;
            entry_id(connection.receive()?)
        })
    }

    /// Appends `messages` to `stream`, in order, in one round trip (a pipeline); returns their
    /// entry ids.
    ///
    /// The commands are written in chunks as they are encoded, so that Redis works on the first
    /// ones while the rest are encoded. On an error some of the messages may have been written.
    pub fn add_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<Vec<String>, RedisBusError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        self.call("XADD (pipelined)", stream, |connection| {
            let mut chunk = Vec::with_capacity(PIPELINE_CHUNK + 1024);
            for message in messages {
                resp::xadd(&mut chunk, stream, self.max_len, message);
                if chunk.len() >= PIPELINE_CHUNK {
                    connection.send(&chunk)?;
                    chunk.clear();
                }
            }
            if !chunk.is_empty() {
                connection.send(&chunk)?;
            }
            // Every reply is read, even after an error reply, to keep the connection in step.
            let mut ids = Vec::with_capacity(messages.len());
            let mut first_error = None;
            for _ in messages {
                match entry_id(connection.receive()?) {
                    Ok(id) => ids.push(id),
                    Err(error) if error.code().is_some() => {
                        first_error.get_or_insert(error);
                    }
                    Err(error) => return Err(error),
                }
            }
            match first_error {
                Some(error) => Err(error),
                None => Ok(ids),
            }
        })
    }

    /// The number of entries in `stream` (`XLEN`); 0 when it does not exist.
    pub fn stream_len(&self, stream: &str) -> Result<u64, RedisBusError> {
        self.call("XLEN", stream, |connection| {
            let reply = connection.query(redis::cmd("XLEN").arg(stream))?;
            redis::from_redis_value(reply).map_err(RedisError::from)
        })
    }

    fn link(&self) -> MutexGuard<'_, Link> {
        // A panic while holding the lock cannot leave the link inconsistent: at worst a
        // connection mid-reply, which the next error drops.
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call<T>(
        &self,
        command: &str,
        stream: &str,
        mut f: impl FnMut(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, RedisBusError> {
        let mut link = self.link();
        let was_open = link.is_open();
        let result = match link.run(Duration::ZERO, &mut f) {
            Err(error) if was_open && !link.is_open() && closed_by_server(&error) => {
                tracing::warn!(redis = %link.options().address(), %error,
                    "the Redis connection was closed; reconnecting and retrying once");
                link.run(Duration::ZERO, f)
            }
            other => other,
        };
        result.map_err(|error| {
            let on = if stream.is_empty() {
                String::new()
            } else {
                format!(" on `{stream}`")
            };
            RedisBusError::redis(format!("{command}{on} at {}", link.options().address()), error)
        })
    }
}

/// The entry id in the reply to an `XADD`, or the error the server replied with.
fn entry_id(reply: Value) -> Result<String, RedisError> {
    match reply {
        Value::ServerError(error) => Err(error.into()),
        reply => redis::from_redis_value(reply).map_err(RedisError::from),
    }
}

/// A connection that the server closed (reset, end of file, broken pipe): the command never
/// reached a live server, so retrying it on a new connection is safe. Timeouts are not: the
/// server may be slow rather than gone.
fn closed_by_server(error: &RedisError) -> bool {
    error.is_connection_dropped() && !error.is_timeout()
}

impl EventBusProducer for RedisProducer {
    fn send(&self, stream: &str, message: &BusMessage) -> Result<(), ProduceError> {
        self.add(stream, message)
            .map(drop)
            .map_err(|error| ProduceError::new(stream, message, error))
    }

    fn send_batch(&self, stream: &str, messages: &[BusMessage]) -> Result<(), ProduceError> {
        match self.add_batch(stream, messages) {
            Ok(_) => Ok(()),
            Err(error) => Err(match messages.first() {
                Some(first) => ProduceError::new(stream, first, error),
                None => ProduceError {
                    stream: stream.to_owned(),
                    event_type: String::new(),
                    event_id: String::new(),
                    source: error.into(),
                },
            }),
        }
    }
}

impl std::fmt::Debug for RedisProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisProducer")
            .field("address", &self.link().options().address())
            .field("max_len", &self.max_len)
            .finish()
    }
}
