//! A stand-in for the Confluent Schema Registry, for tests only.
//!
//! No Confluent-compatible registry installs from the package registries this project can
//! reach, so the Kafka tests start this one instead: a small HTTP server, in the test's own
//! process, that answers the subset of the Schema Registry REST API used by Python's
//! `confluent-kafka` (`SchemaRegistryClient` with `AvroSerializer` and `AvroDeserializer`) and
//! by this project's Rust client. It is test infrastructure, not a registry to run in
//! production:
//!
//! - it implements only that subset (below) and only Avro schemas without references;
//! - it keeps everything in memory, and forgets it when dropped;
//! - it checks no compatibility: any schema can be registered as a new version of any
//!   subject, and `GET /config` always reports `BACKWARD`;
//! - it validates a schema only as JSON: two texts are the same schema when their JSON values
//!   are equal, whitespace and key order aside;
//! - it handles one request at a time, on plain HTTP.
//!
//! The API, with Confluent's reply shapes and error codes (replies are
//! `application/vnd.schemaregistry.v1+json`; query parameters are accepted and ignored;
//! subjects in paths are percent-decoded):
//!
//! | request | reply |
//! | --- | --- |
//! | `POST /subjects/{subject}/versions` `{"schema": …}` | `{"id", "subject", "version", "schema"}`; 422 (42201) if the schema is not JSON |
//! | `POST /subjects/{subject}` `{"schema": …}` | the same for a registered schema; 404 40401 (no subject), 40403 (not in subject) |
//! | `GET /subjects` | the subjects, sorted |
//! | `GET /subjects/{subject}/versions` | `[1, 2, …]`; 404 40401 |
//! | `GET /subjects/{subject}/versions/{version or latest}` | `{"subject", "id", "version", "schema"}`; 404 40401, 40402; 422 42202 |
//! | `GET /schemas/ids/{id}` | `{"schema"}`, the text as first registered; 404 40403 |
//! | `GET /schemas/ids/{id}/versions` | `[{"subject", "version"}, …]`; 404 40403 |
//! | `GET /schemas/ids/{id}/subjects` | `["subject", …]`; 404 40403 |
//! | `GET /config`, `GET /config/{subject}` | `{"compatibilityLevel": "BACKWARD"}` |
//!
//! Any other path is 404 (`error_code` 404), another method on a known path 405. That
//! includes `GET /associations/resources/…`, which confluent-kafka 2.16's `AvroDeserializer`
//! asks first (its default subject name strategy looks for a topic's associated subject): it
//! reads a 404 as "no association" and falls back to the topic name strategy, as it does with a
//! Confluent Platform registry that has no associations. With
//! [`SchemaRegistry::start_with_basic_auth`], a request without the right
//! `Authorization: Basic …` header is 401 (`error_code` 401).
//!
//! ```
//! let registry = schema_registry_stub::SchemaRegistry::start()?;
//! let id = registry.register("dev-topic-value", r#"{"type": "string"}"#);
//! assert_eq!(id, 1);
//! assert!(registry.url().starts_with("http://127.0.0.1:"));
//! # Ok::<(), std::io::Error>(())
//! ```

mod http;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::http::State;
use crate::store::StoreError;

/// A running registry: a server on `127.0.0.1` and its in-memory store.
///
/// Dropping it stops the server and waits for its thread.
pub struct SchemaRegistry {
    server: Arc<tiny_http::Server>,
    /// Set before the server is unblocked, so that the serving thread can tell the wake-up
    /// that means "stop" from an error accepting one connection.
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    address: SocketAddr,
    state: Arc<State>,
}

impl SchemaRegistry {
    /// Starts on 127.0.0.1 on a free port, in a background thread.
    pub fn start() -> std::io::Result<SchemaRegistry> {
        Self::start_on(0, None)
    }

    /// Same, but every request must carry HTTP basic auth `user:password` (else 401 with a
    /// Confluent-style error body).
    pub fn start_with_basic_auth(user: &str, password: &str) -> std::io::Result<SchemaRegistry> {
        Self::start_on(0, Some((user, password)))
    }

    /// Starts on 127.0.0.1 on `port` (0 for a free one), requiring basic auth with
    /// `(user, password)` if given.
    pub fn start_on(port: u16, basic_auth: Option<(&str, &str)>) -> std::io::Result<SchemaRegistry> {
        let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(std::io::Error::other)?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("the server did not listen on an IP address"))?;
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State {
            credentials: basic_auth.map(|(user, password)| format!("{user}:{password}")),
            ..State::default()
        });

        let thread = std::thread::Builder::new()
            .name(format!("schema-registry-stub-{}", address.port()))
            .spawn({
                let (server, stopping, state) = (Arc::clone(&server), Arc::clone(&stopping), Arc::clone(&state));
                move || serve(&server, &stopping, &state)
            })?;

        Ok(SchemaRegistry {
            server,
            stopping,
            thread: Some(thread),
            address,
            state,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Registers directly (for tests that need a writer schema in place), returning the id,
    /// same rules as POST.
    ///
    /// It is not a request, so [`requests`](Self::requests) does not list it.
    ///
    /// # Panics
    ///
    /// If `schema` is not JSON: a test's own schema should be valid.
    pub fn register(&self, subject: &str, schema: &str) -> u32 {
        let registered = self.state.store().register(subject, schema);
        registered
            .map(|registered| registered.id)
            .unwrap_or_else(|error| match error {
                StoreError::InvalidSchema(detail) => panic!("invalid schema for subject {subject:?}: {detail}"),
                other => panic!("cannot register for subject {subject:?}: {other:?}"),
            })
    }

    /// Every request seen so far as "METHOD /path?query", for tests to assert on what a client
    /// called.
    ///
    /// The path and query are as the client sent them, still percent-encoded; requests turned
    /// away for lack of credentials are listed too.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests().clone()
    }
}

impl std::fmt::Debug for SchemaRegistry {
    // By hand: `tiny_http::Server` is not `Debug`, and the URL is what a failing test wants to see.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaRegistry")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Drop for SchemaRegistry {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            // A panic in the serving thread has already been reported on stderr; panicking
            // again in a destructor would only abort the test run.
            let _ = thread.join();
        }
    }
}

/// Answers requests, one at a time, until [`SchemaRegistry`] is dropped.
fn serve(server: &tiny_http::Server, stopping: &AtomicBool, state: &State) {
    loop {
        match server.recv() {
            Ok(request) => http::handle(state, request),
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            // One connection failed to be accepted; the others are still served.
            Err(_) => {}
        }
    }
}
