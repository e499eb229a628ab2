//! TLS for `rediss://` URLs: the client configuration (trusted roots, client certificate)
//! built with rustls and its `ring` provider, the handshake, and TLS errors said in words.
//!
//! The server is verified against the system's root certificates plus those of the CA files
//! given with [`RedisOptions::tls_ca_file`](crate::RedisOptions::tls_ca_file), with the URL's
//! host (a name or an IP address) as the name its certificate must hold. There is no way to
//! turn verification off: a private CA is what the CA file is for.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::{AlertDescription, CertificateError, ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::error::RedisBusError;

/// The largest certificate or key file read: PEM files are a few kilobytes, and a path to
/// something endless (`/dev/zero`) must not exhaust memory.
const MAX_PEM_FILE: u64 = 16 * 1024 * 1024;

/// The TLS settings of one `rediss://` URL, with the rustls configuration they make.
#[derive(Clone)]
pub(crate) struct TlsSettings {
    /// The URL's host, as the name the server's certificate must be valid for.
    server_name: ServerName<'static>,
    /// The system roots plus every CA file's certificates.
    roots: Arc<RootCertStore>,
    ca_files: Vec<PathBuf>,
    client_auth: Option<Arc<ClientAuth>>,
    config: Arc<ClientConfig>,
}

/// A client certificate chain and its private key, for servers that require one.
struct ClientAuth {
    cert_file: PathBuf,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl TlsSettings {
    /// Settings that verify the server at `host` against the system's root certificates.
    /// `address` (without credentials) names the URL in errors.
    pub(crate) fn new(host: &str, address: &str) -> Result<Self, RedisBusError> {
        let server_name = ServerName::try_from(host.to_owned()).map_err(|error| {
            RedisBusError::url(
                address,
                format!("the host `{host}` cannot be checked against a TLS certificate: {error}"),
            )
        })?;
        let roots = Arc::new(system_roots().clone());
        let config = build_config(roots.clone(), None)
            .map_err(|error| RedisBusError::tls(format!("TLS settings for {address}"), error))?;
        Ok(TlsSettings {
            server_name,
            roots,
            ca_files: Vec::new(),
            client_auth: None,
            config,
        })
    }

    /// Trusts the certificates of the PEM file at `path` too.
    pub(crate) fn add_ca_file(&mut self, path: &Path) -> Result<(), RedisBusError> {
        let context = || format!("TLS CA file `{}`", path.display());
        let certificates = read_certificates(path).map_err(|detail| RedisBusError::tls(context(), detail))?;
        let mut roots = (*self.roots).clone();
        for (index, certificate) in certificates.into_iter().enumerate() {
            roots.add(certificate).map_err(|error| {
                RedisBusError::tls(
                    context(),
                    format!("certificate {} cannot be used as a CA certificate: {error}", index + 1),
                )
            })?;
        }
        let roots = Arc::new(roots);
        self.config = build_config(roots.clone(), self.client_auth.as_deref())
            .map_err(|error| RedisBusError::tls(context(), error))?;
        self.roots = roots;
        self.ca_files.push(path.to_owned());
        Ok(())
    }

    /// Presents the certificate chain of the PEM file `cert_file`, with the private key of the
    /// PEM file `key_file`, to servers that ask for a client certificate.
    pub(crate) fn set_client_cert(&mut self, cert_file: &Path, key_file: &Path) -> Result<(), RedisBusError> {
        let chain = read_certificates(cert_file).map_err(|detail| {
            RedisBusError::tls(format!("TLS client certificate file `{}`", cert_file.display()), detail)
        })?;
        let key = read_private_key(key_file)
            .map_err(|detail| RedisBusError::tls(format!("TLS client key file `{}`", key_file.display()), detail))?;
        let client_auth = Arc::new(ClientAuth {
            cert_file: cert_file.to_owned(),
            chain,
            key,
        });
        self.config = build_config(self.roots.clone(), Some(&client_auth)).map_err(|error| {
            let detail = match error {
                rustls::Error::InconsistentKeys(_) => "the private key does not belong to the certificate".to_owned(),
                other => format!("cannot be used: {other}"),
            };
            RedisBusError::tls(
                format!(
                    "TLS client certificate `{}` with key `{}`",
                    cert_file.display(),
                    key_file.display()
                ),
                detail,
            )
        })?;
        self.client_auth = Some(client_auth);
        Ok(())
    }

    /// Runs the TLS handshake over `transport`, whose reads and writes must be bounded by the
    /// caller's deadline (a handshake is a few round trips, all within the connect timeout).
    pub(crate) fn handshake<T: Read + Write>(&self, mut transport: T) -> io::Result<StreamOwned<ClientConnection, T>> {
        let mut connection = ClientConnection::new(self.config.clone(), self.server_name.clone())
            .map_err(|error| self.failure(error, Phase::Handshake))?;
        while connection.is_handshaking() {
            match connection.complete_io(&mut transport) {
                Ok((0, 0)) => {
                    // No progress and no error: stop rather than spin.
                    return Err(self.closed_during_handshake());
                }
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(self.closed_during_handshake());
                }
                Err(error) if matches!(error.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "the TLS handshake with {} did not finish within the connect timeout \
                             (is this the server's TLS port?)",
                            self.host()
                        ),
                    ));
                }
                Err(error) => return Err(self.explain(error, Phase::Handshake)),
            }
        }
        Ok(StreamOwned::new(connection, transport))
    }

    fn closed_during_handshake(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            TlsFailure(format!(
                "the TLS handshake with {} failed: the server closed the connection \
                 (is this the server's TLS port?)",
                self.host()
            )),
        )
    }

    /// `error`, from TLS I/O during `phase`, as a [`TlsFailure`] that says what went wrong
    /// when it is a TLS error; other errors (timeouts, resets) as they are.
    pub(crate) fn explain(&self, error: io::Error, phase: Phase) -> io::Error {
        let kind = error.kind();
        match error.into_inner() {
            Some(inner) => match inner.downcast::<rustls::Error>() {
                Ok(tls_error) => self.failure(*tls_error, phase),
                Err(inner) => io::Error::new(kind, inner),
            },
            None => io::Error::from(kind),
        }
    }

    fn failure(&self, error: rustls::Error, phase: Phase) -> io::Error {
        let host = self.host();
        let what = match phase {
            Phase::Handshake => format!("the TLS handshake with {host} failed"),
            Phase::Session => format!("the TLS connection to {host} failed"),
        };
        let why = match &error {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                let files = if self.ca_files.is_empty() {
                    " (no CA file was given: see RedisOptions::tls_ca_file)".to_owned()
                } else {
                    format!(
                        " nor by a certificate of {}",
                        self.ca_files
                            .iter()
                            .map(|path| format!("`{}`", path.display()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!("the server's certificate is not trusted: it is not signed by a system root certificate{files}")
            }
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!("the server's certificate is not valid for `{host}`"),
            rustls::Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
                "the server's certificate has expired".to_owned()
            }
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
            ) => "the server's certificate is not valid yet".to_owned(),
            rustls::Error::InvalidCertificate(_) => "the server's certificate was refused".to_owned(),
            rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => match &self.client_auth {
                Some(_) => "the server requires a client certificate".to_owned(),
                None => "the server requires a client certificate: see RedisOptions::tls_client_cert".to_owned(),
            },
            rustls::Error::AlertReceived(
                AlertDescription::UnknownCA
                | AlertDescription::BadCertificate
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::CertificateExpired
                | AlertDescription::AccessDenied,
            ) => match &self.client_auth {
                Some(auth) => format!(
                    "the server refused the client certificate `{}`",
                    auth.cert_file.display()
                ),
                None => "the server refused the connection".to_owned(),
            },
            rustls::Error::AlertReceived(AlertDescription::HandshakeFailure) => match &self.client_auth {
                Some(_) => "the server refused the handshake".to_owned(),
                None => "the server refused the handshake (does it require a client certificate?)".to_owned(),
            },
            rustls::Error::InvalidMessage(_) if phase == Phase::Handshake => {
                "the server does not speak TLS (is this the server's TLS port?)".to_owned()
            }
            _ => "a TLS error".to_owned(),
        };
        io::Error::new(
            io::ErrorKind::InvalidData,
            TlsFailure(format!("{what}: {why} ({error})")),
        )
    }

    fn host(&self) -> String {
        self.server_name.to_str().into_owned()
    }
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("server_name", &self.host())
            .field("ca_files", &self.ca_files)
            .field(
                "client_cert",
                &self.client_auth.as_ref().map(|auth| auth.cert_file.as_path()),
            )
            .finish()
    }
}

/// When a TLS error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// While connecting.
    Handshake,
    /// On an established connection, e.g. an alert after the handshake, as a TLS 1.3 server
    /// sends when it refuses the client's certificate.
    Session,
}

/// A TLS failure explained: the error inside the `io::Error` that TLS I/O fails with, so that
/// [`RedisBusError`] can tell it from a broken connection.
#[derive(Debug)]
pub(crate) struct TlsFailure(String);

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsFailure {}

/// Whether `error` is a TLS failure (a certificate refused by either side, a TLS protocol
/// error), rather than a connection that could not be made or broke.
pub(crate) fn is_tls_failure(error: &redis::RedisError) -> bool {
    let Some(source) = std::error::Error::source(error) else {
        return false;
    };
    // The redis crate keeps the `io::Error` it was made from behind an `Arc` (and its source
    // is that `Arc`); either form is accepted, so that the check survives a change there.
    let io_error = source.downcast_ref::<io::Error>().or_else(|| {
        source
            .downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()
            .and_then(|shared| shared.downcast_ref::<io::Error>())
    });
    io_error
        .and_then(io::Error::get_ref)
        .is_some_and(|inner| inner.is::<TlsFailure>())
}

/// The rustls configuration: TLS 1.2 and 1.3 with the `ring` provider, trusting `roots`,
/// presenting `client_auth` when given.
fn build_config(
    roots: Arc<RootCertStore>,
    client_auth: Option<&ClientAuth>,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let builder = ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let builder = builder.with_root_certificates(roots);
    let config = match client_auth {
        Some(auth) => builder.with_client_auth_cert(auth.chain.clone(), auth.key.clone_key())?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The `ring` provider, chosen explicitly rather than installed process-wide, so that this
/// crate neither needs nor disturbs another crate's choice of provider.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The system's root certificates, loaded once per process (it reads and parses a few hundred
/// certificates). Certificates that cannot be loaded are skipped with a warning: a private CA
/// in a CA file still works without them.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let loaded = rustls_native_certs::load_native_certs();
        for error in &loaded.errors {
            tracing::warn!(%error, "cannot load a system root certificate for Redis TLS");
        }
        let mut roots = RootCertStore::empty();
        let (_, ignored) = roots.add_parsable_certificates(loaded.certs);
        if ignored > 0 {
            tracing::debug!(ignored, "system root certificates that cannot be used were skipped");
        }
        roots
    })
}

/// Every certificate of the PEM file at `path` (at least one), or why not.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read_pem_file(path)?;
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| pem_error(&error))?;
    if certificates.is_empty() {
        return Err("holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` section)".to_owned());
    }
    Ok(certificates)
}

/// The first private key of the PEM file at `path` (PKCS#8, PKCS#1 or SEC1), or why not.
fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = read_pem_file(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|error| match error {
        pem::Error::NoItemsFound => "holds no PEM private key (a `-----BEGIN PRIVATE KEY-----`, \
                                     `RSA PRIVATE KEY` or `EC PRIVATE KEY` section)"
            .to_owned(),
        other => pem_error(&other),
    })
}

fn read_pem_file(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("cannot be read: {error}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot be read: {error}"))?;
    if bytes.len() as u64 > MAX_PEM_FILE {
        return Err(format!("is larger than {MAX_PEM_FILE} bytes: not a PEM file"));
    }
    Ok(bytes)
}

fn pem_error(error: &pem::Error) -> String {
    format!("is not valid PEM: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_file_without_certificates_is_refused_saying_what_it_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "empty.pem", "just words\n");
        let detail = read_certificates(&path).unwrap_err();
        assert_eq!(
            detail,
            "holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` section)"
        );
        let detail = read_private_key(&path).unwrap_err();
        assert!(detail.starts_with("holds no PEM private key"), "{detail}");
    }

    #[test]
    fn a_truncated_pem_section_is_refused_as_invalid_pem() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "cut.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n");
        let detail = read_certificates(&path).unwrap_err();
        assert!(
            detail.starts_with("is not valid PEM: missing section end marker"),
            "{detail}"
        );
    }

    #[test]
    fn a_missing_file_says_it_cannot_be_read() {
        let detail = read_certificates(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(detail.starts_with("cannot be read: "), "{detail}");
    }

    #[test]
    fn a_tls_failure_is_told_from_other_io_errors_through_the_redis_error() {
        let failure = io::Error::new(io::ErrorKind::InvalidData, TlsFailure("refused".to_owned()));
        assert!(is_tls_failure(&redis::RedisError::from(failure)));
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(!is_tls_failure(&redis::RedisError::from(reset)));
        let other = io::Error::other("not TLS");
        assert!(!is_tls_failure(&redis::RedisError::from(other)));
    }

    #[test]
    fn a_host_that_is_no_name_cannot_be_verified() {
        let error = TlsSettings::new("bad host", "rediss://bad host:6379/0").unwrap_err();
        assert_eq!(error.kind(), crate::RedisErrorKind::Url);
        assert!(
            error
                .to_string()
                .contains("cannot be checked against a TLS certificate"),
            "{error}"
        );
    }
}
