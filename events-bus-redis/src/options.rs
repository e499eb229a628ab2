//! Where Redis is, how to reach it (TLS, credentials) and how long to wait for it.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use redis::ConnectionAddr;

use crate::error::RedisBusError;
use crate::tls::TlsSettings;

/// The Redis server to use, how to reach it, and the time limits of every call to it: the Rust
/// form of `EVENT_BUS_REDIS_CONNECTION_URL`.
///
/// Every operation of the producer and the consumer backend is bounded: connecting over TCP
/// (with the TLS handshake of a `rediss://` URL) waits at most
/// [`connect_timeout`](Self::connect_timeout) (a Unix socket connects at once or
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
///
/// # TLS
///
/// A `rediss://` URL connects with TLS (rustls, TLS 1.2 or 1.3). The server's certificate must
/// be valid for the URL's host (a name or an IP address) and be signed by one of the system's
/// root certificates or by a certificate of a CA file given with
/// [`tls_ca_file`](Self::tls_ca_file); certificates are always verified. A server that
/// requires client certificates (`tls-auth-clients yes`) gets the one given with
/// [`tls_client_cert`](Self::tls_client_cert). A user and password in the URL authenticate
/// with `AUTH user password`, as for `redis://`.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let ca_file = dir.path().join("ca.pem");
/// # let cert = rcgen::generate_simple_self_signed(["redis.internal".to_owned()])?;
/// # std::fs::write(&ca_file, cert.cert.pem())?;
/// use events_bus_redis::{RedisErrorKind, RedisOptions};
///
/// let options = RedisOptions::new("rediss://events:secret@redis.internal:6380/0")?.tls_ca_file(&ca_file)?;
/// assert!(options.uses_tls());
/// assert_eq!(options.address(), "rediss://redis.internal:6380/0");
///
/// // A file that holds no certificate is an error that names it.
/// let error = RedisOptions::new("rediss://redis.internal:6380/0")?.tls_ca_file("Cargo.toml").unwrap_err();
/// assert_eq!(error.kind(), RedisErrorKind::Tls);
/// assert!(error.to_string().starts_with("TLS CA file `Cargo.toml`: holds no PEM certificate"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedisOptions {
    client: redis::Client,
    address: String,
    /// Present for a `rediss://` URL.
    tls: Option<TlsSettings>,
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

    /// Options for the server at `url`: `redis://[[user]:password@]host[:port][/db]`,
    /// `rediss://[[user]:password@]host[:port][/db]` (TLS, see [the type's
    /// documentation](Self#tls)) or `unix:///path/to/socket[?db=N]`. Nothing is connected yet.
    pub fn new(url: &str) -> Result<Self, RedisBusError> {
        let redacted = redact(url);
        let (url_for_parsing, uses_tls) = match tls_url_rest(url) {
            Some(rest) => {
                // `#insecure` is the redis crate's way of turning verification off.
                if rest.contains('#') {
                    return Err(RedisBusError::url(
                        &redacted,
                        "a fragment (such as `#insecure`) is not supported: the server's certificate is always \
                         verified; give its CA with RedisOptions::tls_ca_file",
                    ));
                }
                // Without its TLS features the redis crate refuses `rediss://`; the URL is the same
                // otherwise, so it is parsed as `redis://` and TLS is remembered here.
                (format!("redis://{rest}"), true)
            }
            None => (url.to_owned(), false),
        };
        let client = redis::Client::open(url_for_parsing).map_err(|error| RedisBusError::url(&redacted, error))?;
        let info = client.get_connection_info();
        let db = info.redis_settings().db();
        let (address, tls) = match info.addr() {
            ConnectionAddr::Tcp(host, port) if uses_tls => {
                let address = format!("rediss://{}/{db}", host_and_port(host, *port));
                let tls = TlsSettings::new(host, &address)?;
                (address, Some(tls))
            }
            ConnectionAddr::Tcp(host, port) => (format!("redis://{}/{db}", host_and_port(host, *port)), None),
            ConnectionAddr::Unix(path) => (format!("unix://{}?db={db}", path.display()), None),
            other => (format!("redis://{other}/{db}"), None),
        };
        Ok(RedisOptions {
            client,
            address,
            tls,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            io_timeout: Self::DEFAULT_IO_TIMEOUT,
            max_reply_bytes: Self::DEFAULT_MAX_REPLY_BYTES,
        })
    }

    /// Trusts the CA certificates of the PEM file at `path` (one or several certificates), on
    /// top of the system's root certificates, to verify the server of a `rediss://` URL: for a
    /// server whose certificate a private CA signed. Each call adds a file.
    ///
    /// A file that cannot be read, is not PEM, holds no certificate or a certificate that
    /// cannot be a CA is an error of kind [`Tls`](crate::RedisErrorKind::Tls) naming the file;
    /// so is calling this for a URL without TLS.
    pub fn tls_ca_file(mut self, path: impl AsRef<Path>) -> Result<Self, RedisBusError> {
        self.tls_settings()?.add_ca_file(path.as_ref())?;
        Ok(self)
    }

    /// Presents the certificate chain of the PEM file `cert_file` (the client's certificate
    /// first), signed with the private key of the PEM file `key_file` (PKCS#8, PKCS#1 or SEC1),
    /// to a `rediss://` server that asks for client certificates (mutual TLS).
    ///
    /// A file that cannot be read or holds no certificate or key, or a key that does not belong
    /// to the certificate, is an error of kind [`Tls`](crate::RedisErrorKind::Tls) naming the
    /// file; so is calling this for a URL without TLS.
    pub fn tls_client_cert(
        mut self,
        cert_file: impl AsRef<Path>,
        key_file: impl AsRef<Path>,
    ) -> Result<Self, RedisBusError> {
        self.tls_settings()?
            .set_client_cert(cert_file.as_ref(), key_file.as_ref())?;
        Ok(self)
    }

    /// Whether connections use TLS (a `rediss://` URL).
    pub fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }

    fn tls_settings(&mut self) -> Result<&mut TlsSettings, RedisBusError> {
        match &mut self.tls {
            Some(tls) => Ok(tls),
            None => Err(RedisBusError::tls(
                format!("TLS settings for {}", self.address),
                "the URL does not use TLS: use a rediss:// URL",
            )),
        }
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

    /// The TLS settings of a `rediss://` URL.
    pub(crate) fn tls(&self) -> Option<&TlsSettings> {
        self.tls.as_ref()
    }
}

impl fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisOptions")
            .field("address", &self.address)
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .field("io_timeout", &self.io_timeout)
            .field("max_reply_bytes", &self.max_reply_bytes)
            .finish()
    }
}

/// What follows `rediss://` (or `valkeys://`, the same for Valkey) in `url`, whatever the
/// case of the scheme; `None` for a URL without TLS.
fn tls_url_rest(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    (scheme.eq_ignore_ascii_case("rediss") || scheme.eq_ignore_ascii_case("valkeys")).then_some(rest)
}

/// `host:port`, with an IPv6 host in brackets as URLs write it.
fn host_and_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
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
        assert!(!options.uses_tls());
    }

    #[test]
    fn a_rediss_url_uses_tls_and_keeps_user_password_and_database() {
        let options = RedisOptions::new("rediss://events:s3cret@redis.internal:6380/4").unwrap();
        assert!(options.uses_tls());
        assert_eq!(options.address(), "rediss://redis.internal:6380/4");
        let settings = options.client().get_connection_info().redis_settings();
        assert_eq!(settings.username(), Some("events"));
        assert_eq!(settings.password(), Some("s3cret"));
        assert_eq!(settings.db(), 4);
        assert!(!format!("{options:?}").contains("s3cret"));

        let options = RedisOptions::new("REDISS://[::1]").unwrap();
        assert!(options.uses_tls());
        assert_eq!(options.address(), "rediss://[::1]:6379/0");
        assert_eq!(
            RedisOptions::new("redis://[::1]:7000").unwrap().address(),
            "redis://[::1]:7000/0"
        );
    }

    #[test]
    fn turning_certificate_verification_off_is_refused() {
        let error = RedisOptions::new("rediss://user:pw@127.0.0.1:6380/0#insecure").unwrap_err();
        assert_eq!(error.kind(), crate::RedisErrorKind::Url);
        assert!(error.to_string().contains("always verified"), "{error}");
        assert!(!error.to_string().contains("pw"), "{error}");
    }

    #[test]
    fn tls_files_for_a_url_without_tls_are_refused() {
        let error = RedisOptions::new("redis://127.0.0.1:6379/0")
            .unwrap()
            .tls_ca_file("ca.pem")
            .unwrap_err();
        assert_eq!(error.kind(), crate::RedisErrorKind::Tls);
        assert_eq!(
            error.to_string(),
            "TLS settings for redis://127.0.0.1:6379/0: the URL does not use TLS: use a rediss:// URL"
        );
    }
}
