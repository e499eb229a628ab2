//! What can go wrong talking to Redis.

use std::fmt;

/// The broad class of a [`RedisBusError`], to decide what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedisErrorKind {
    /// The connection URL cannot be used.
    Url,
    /// Redis could not be reached or the connection broke (refused, reset, timed out). The
    /// connection is dropped; the next call connects again.
    Connection,
    /// Redis answered with an error (`NOGROUP`, `WRONGTYPE`, `OOM`, …).
    Server,
    /// Redis answered, but not in the shape the command promises.
    Reply,
    /// TLS failed or cannot be set up: the server's certificate is not trusted or not valid
    /// for the URL's host, the server refused the client certificate or requires one, or a
    /// certificate or key file cannot be used. Unlike a [`Connection`](Self::Connection) error,
    /// retrying does not help until the certificates or the settings change.
    Tls,
}

impl fmt::Display for RedisErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RedisErrorKind::Url => "invalid URL",
            RedisErrorKind::Connection => "connection error",
            RedisErrorKind::Server => "server error",
            RedisErrorKind::Reply => "unexpected reply",
            RedisErrorKind::Tls => "TLS error",
        })
    }
}

/// A failed Redis operation: what was attempted, on which server and stream, and why.
///
/// The message never contains the password of the connection URL.
///
/// ```
/// use events_bus_redis::{RedisErrorKind, RedisOptions};
///
/// let error = RedisOptions::new("http://localhost").unwrap_err();
/// assert_eq!(error.kind(), RedisErrorKind::Url);
/// assert!(error.to_string().starts_with("invalid Redis URL `http://localhost`"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{context}: {detail}")]
pub struct RedisBusError {
    kind: RedisErrorKind,
    context: String,
    detail: String,
    #[source]
    source: Option<redis::RedisError>,
}

impl RedisBusError {
    pub(crate) fn url(url: &str, detail: impl fmt::Display) -> Self {
        RedisBusError {
            kind: RedisErrorKind::Url,
            context: format!("invalid Redis URL `{url}`"),
            detail: detail.to_string(),
            source: None,
        }
    }

    /// `context` says what was attempted, e.g. "XADD to `runs` on redis://127.0.0.1:6379/0".
    pub(crate) fn redis(context: String, error: redis::RedisError) -> Self {
        let kind = if error.code().is_some() {
            RedisErrorKind::Server
        } else if crate::tls::is_tls_failure(&error) {
            RedisErrorKind::Tls
        } else if is_connection_error(&error) {
            RedisErrorKind::Connection
        } else {
            RedisErrorKind::Reply
        };
        RedisBusError {
            kind,
            context,
            detail: truncate(error.to_string()),
            source: Some(error),
        }
    }

    /// A TLS setting that cannot be used; `context` names it, e.g. "TLS CA file `ca.pem`".
    pub(crate) fn tls(context: String, detail: impl fmt::Display) -> Self {
        RedisBusError {
            kind: RedisErrorKind::Tls,
            context,
            detail: truncate(detail.to_string()),
            source: None,
        }
    }

    pub(crate) fn reply(context: String, detail: impl fmt::Display) -> Self {
        RedisBusError {
            kind: RedisErrorKind::Reply,
            context,
            detail: truncate(detail.to_string()),
            source: None,
        }
    }

    /// The class of the error.
    pub fn kind(&self) -> RedisErrorKind {
        self.kind
    }

    /// Whether Redis could not be reached or the connection broke: worth retrying later.
    pub fn is_connection_error(&self) -> bool {
        self.kind == RedisErrorKind::Connection
    }

    /// The Redis error code when Redis answered with an error, e.g. `NOGROUP`.
    pub fn server_code(&self) -> Option<&str> {
        self.source.as_ref().and_then(redis::RedisError::code)
    }
}

/// The longest detail an error message carries: a server's error line can be a megabyte.
const MAX_DETAIL: usize = 1024;

/// `detail` cut to [`MAX_DETAIL`] bytes at a character boundary, saying how long it was.
fn truncate(mut detail: String) -> String {
    if detail.len() > MAX_DETAIL {
        let total = detail.len();
        let mut end = MAX_DETAIL;
        while !detail.is_char_boundary(end) {
            end -= 1;
        }
        detail.truncate(end);
        detail.push_str(&format!("… ({total} bytes in all)"));
    }
    detail
}

/// Whether `error` leaves the connection unusable: anything but an error reply from the
/// server (after which the connection is still in sync).
pub(crate) fn breaks_connection(error: &redis::RedisError) -> bool {
    error.code().is_none()
}

fn is_connection_error(error: &redis::RedisError) -> bool {
    error.is_io_error() || error.is_connection_dropped() || error.is_timeout() || error.is_connection_refusal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_server_error_is_cut_in_the_message() {
        let error = redis::RedisError::from((redis::ErrorKind::Parse, "unexpected reply", "é".repeat(100_000)));
        let error = RedisBusError::redis("XADD to `runs`".to_owned(), error);
        let message = error.to_string();
        assert!(message.len() < 1200, "{} bytes", message.len());
        assert!(message.ends_with("bytes in all)"), "{message}");
    }
}
