//! The REST API: from an HTTP request to a JSON reply, in the Confluent Schema Registry's
//! shapes and error codes.
//!
//! [`route`] is a plain function of the request's parts, so that the whole API is one match
//! on method and path; [`handle`] moves a `tiny_http` request in and the reply out.

use std::io::Read;
use std::sync::{Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::store::{Store, StoreError, SubjectVersion, VersionSelector};

/// The media type of every reply, as the Confluent registry sends it.
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// Request body media types the registry accepts (parameters such as `charset` aside).
const ACCEPTED_BODY_TYPES: [&str; 4] = [
    "application/vnd.schemaregistry.v1+json",
    "application/vnd.schemaregistry+json",
    "application/json",
    "application/octet-stream",
];

/// Request bodies are schemas: anything larger is a client bug, not a schema.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// What the server shares between the handling thread and the [`SchemaRegistry`] handle.
///
/// [`SchemaRegistry`]: crate::SchemaRegistry
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Subjects, versions and schemas.
    pub(crate) store: Mutex<Store>,
    /// Every request seen, as `METHOD /path?query`.
    pub(crate) requests: Mutex<Vec<String>>,
    /// `user:password` that every request must present with basic auth, if any.
    pub(crate) credentials: Option<String>,
}

impl State {
    /// Locks the store, even if a panic poisoned it: the store's methods leave it consistent
    /// at every point where they could panic, and a test that failed while holding the lock
    /// should not make every later request fail too.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the request log, poisoned or not (see [`State::store`]).
    pub(crate) fn requests(&self) -> MutexGuard<'_, Vec<String>> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An HTTP request, reduced to what the API looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming<'a> {
    /// `GET`, `POST`, …
    pub(crate) method: &'a str,
    /// Path and query, still percent-encoded: `/subjects/a%2Fb/versions?normalize=false`.
    pub(crate) url: &'a str,
    /// The `Content-Type` header, if any.
    pub(crate) content_type: Option<&'a str>,
    /// The `Authorization` header, if any.
    pub(crate) authorization: Option<&'a str>,
    /// The request body, empty if none.
    pub(crate) body: &'a [u8],
}

/// An HTTP reply: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// The JSON body.
    pub(crate) body: Value,
    /// The methods the path allows, sent as `Allow` with a 405.
    pub(crate) allow: Option<&'static str>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            body,
            allow: None,
        }
    }

    /// A Confluent error body: `{"error_code": …, "message": …}`.
    fn error(status: u16, error_code: u32, message: impl Into<String>) -> Self {
        let body = json!({"error_code": error_code, "message": message.into()});
        Reply {
            status,
            body,
            allow: None,
        }
    }

    /// Jersey's reply to a path no resource matches, which Confluent passes on as is.
    fn not_found() -> Self {
        Reply::error(404, 404, "HTTP 404 Not Found")
    }

    fn method_not_allowed(allow: &'static str) -> Self {
        Reply {
            allow: Some(allow),
            ..Reply::error(405, 405, "HTTP 405 Method Not Allowed")
        }
    }
}

/// Reads a `tiny_http` request, answers it, and records it in the request log.
pub(crate) fn handle(state: &State, mut request: tiny_http::Request) {
    state.requests().push(format!("{} {}", request.method(), request.url()));

    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|header| header.field.equiv(name))
            .map(|header| header.value.to_string())
    };
    let content_type = header("Content-Type");
    let authorization = header("Authorization");
    let mut body = Vec::new();
    let reply = match request.as_reader().take(MAX_BODY_BYTES + 1).read_to_end(&mut body) {
        Ok(_) if body.len() as u64 > MAX_BODY_BYTES => Reply::error(413, 413, "HTTP 413 Request Entity Too Large"),
        Ok(_) => route(
            state,
            Incoming {
                method: request.method().as_str(),
                url: request.url(),
                content_type: content_type.as_deref(),
                authorization: authorization.as_deref(),
                body: &body,
            },
        ),
        Err(error) => Reply::error(400, 400, format!("Could not read the request body: {error}")),
    };

    let mut response = tiny_http::Response::from_string(reply.body.to_string())
        .with_status_code(reply.status)
        .with_header(header_line("Content-Type", CONTENT_TYPE));
    if let Some(allow) = reply.allow {
        response.add_header(header_line("Allow", allow));
    }
    if reply.status == 401 {
        response.add_header(header_line("WWW-Authenticate", "Basic realm=\"SchemaRegistry\""));
    }
    // The client may have gone away; there is no one left to tell.
    let _ = request.respond(response);
}

fn header_line(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name, value).expect("the reply headers are valid ASCII")
}

/// Answers one request.
pub(crate) fn route(state: &State, request: Incoming<'_>) -> Reply {
    if let Some(expected) = &state.credentials
        && !authorized(request.authorization, expected)
    {
        return Reply::error(401, 401, "Unauthorized");
    }

    // The query carries options (`normalize`, `deleted`, `format`, `subject`, …) that change
    // nothing in this registry, so it is ignored whole.
    let path = request.url.split_once('?').map_or(request.url, |(path, _)| path);
    let Some(segments) = segments(path) else {
        return Reply::not_found();
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method;

    match segments.as_slice() {
        ["subjects"] => match method {
            "GET" => Reply::ok(json!(state.store().subjects())),
            _ => Reply::method_not_allowed("GET"),
        },
        ["subjects", subject] => match method {
            "POST" => with_schema(request, subject, |text| state.store().lookup(subject, text)),
            _ => Reply::method_not_allowed("POST"),
        },
        ["subjects", subject, "versions"] => match method {
            "GET" => match state.store().versions(subject) {
                Some(versions) => Reply::ok(json!(versions)),
                None => store_error(&StoreError::SubjectNotFound, subject),
            },
            "POST" => with_schema(request, subject, |text| state.store().register(subject, text)),
            _ => Reply::method_not_allowed("GET, POST"),
        },
        ["subjects", subject, "versions", version] => match method {
            "GET" => match version_selector(version) {
                Some(selector) => match state.store().version(subject, selector) {
                    Ok(found) => Reply::ok(subject_version(found)),
                    Err(StoreError::VersionNotFound) => {
                        Reply::error(404, 40402, format!("Version {version} not found."))
                    }
                    Err(error) => store_error(&error, subject),
                },
                None => Reply::error(
                    422,
                    42202,
                    format!(
                        "The specified version '{version}' is not a valid version id. \
                         Allowed values are between [1, 2^31-1] and the string \"latest\""
                    ),
                ),
            },
            _ => Reply::method_not_allowed("GET"),
        },
        ["schemas", "ids", id] => match method {
            "GET" => match schema_text(state, id) {
                // Confluent leaves `schemaType` out for Avro, and clients read its absence so.
                Some(text) => Reply::ok(json!({"schema": text})),
                None => schema_id_not_found(id),
            },
            _ => Reply::method_not_allowed("GET"),
        },
        ["schemas", "ids", id, "versions"] => match method {
            "GET" => match schema_versions(state, id) {
                Some(versions) => Reply::ok(Value::Array(
                    versions
                        .into_iter()
                        .map(|(subject, version)| json!({"subject": subject, "version": version}))
                        .collect(),
                )),
                None => schema_id_not_found(id),
            },
            _ => Reply::method_not_allowed("GET"),
        },
        ["schemas", "ids", id, "subjects"] => match method {
            "GET" => match schema_versions(state, id) {
                Some(versions) => {
                    let mut subjects: Vec<String> = versions.into_iter().map(|(subject, _)| subject).collect();
                    subjects.dedup();
                    Reply::ok(json!(subjects))
                }
                None => schema_id_not_found(id),
            },
            _ => Reply::method_not_allowed("GET"),
        },
        // There is no compatibility checking; this is the level a default Confluent install reports.
        ["config"] | ["config", _] => match method {
            "GET" => Reply::ok(json!({"compatibilityLevel": "BACKWARD"})),
            _ => Reply::method_not_allowed("GET"),
        },
        _ => Reply::not_found(),
    }
}

/// Whether an `Authorization` header carries basic auth with exactly `user:password`.
fn authorized(header: Option<&str>, expected: &str) -> bool {
    let Some((scheme, encoded)) = header.and_then(|header| header.trim().split_once(' ')) else {
        return false;
    };
    scheme.eq_ignore_ascii_case("Basic")
        && STANDARD
            .decode(encoded.trim())
            .is_ok_and(|decoded| decoded == expected.as_bytes())
}

/// The percent-decoded segments of a path, `None` if one is empty or not UTF-8.
///
/// Subjects are topic names with suffixes, which clients percent-encode whole
/// (`a%2Fb` is the subject `a/b`), so the path is split before decoding. A `+` stays a `+`:
/// it means a space only in form-encoded queries, never in a path.
fn segments(path: &str) -> Option<Vec<String>> {
    let path = path.strip_prefix('/').unwrap_or(path);
    path.split('/')
        .map(|segment| match percent_decode_str(segment).decode_utf8() {
            Ok(decoded) if !decoded.is_empty() => Some(decoded.into_owned()),
            _ => None,
        })
        .collect()
}

/// `latest` (or `-1`, its other spelling) or a version number from 1 to 2^31-1.
fn version_selector(version: &str) -> Option<VersionSelector> {
    match version {
        "latest" | "-1" => Some(VersionSelector::Latest),
        _ => match version.parse::<i32>() {
            Ok(number) if number >= 1 => u32::try_from(number).ok().map(VersionSelector::Number),
            _ => None,
        },
    }
}

/// The body of `POST /subjects/{subject}` and `POST /subjects/{subject}/versions`.
///
/// `metadata` and `ruleSet` are accepted and ignored, as are fields unknown to this stub (the
/// Python client asks for that with `Confluent-Accept-Unknown-Properties`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaRequest {
    schema: Option<String>,
    schema_type: Option<String>,
    #[serde(default)]
    references: Vec<Value>,
}

/// Checks the body of a schema request about `subject` and hands its schema text to `then`.
fn with_schema(
    request: Incoming<'_>,
    subject: &str,
    then: impl FnOnce(&str) -> Result<SubjectVersion, StoreError>,
) -> Reply {
    if let Some(content_type) = request.content_type {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !ACCEPTED_BODY_TYPES
            .iter()
            .any(|accepted| media_type.eq_ignore_ascii_case(accepted))
        {
            return Reply::error(415, 415, "HTTP 415 Unsupported Media Type");
        }
    }
    let body: SchemaRequest = match serde_json::from_slice(request.body) {
        Ok(body) => body,
        Err(error) => return Reply::error(400, 400, format!("Unrecognized request body: {error}")),
    };
    if let Some(schema_type) = &body.schema_type
        && !schema_type.eq_ignore_ascii_case("AVRO")
    {
        return Reply::error(
            422,
            42201,
            format!("Invalid schema type {schema_type}: this stub knows only AVRO"),
        );
    }
    if !body.references.is_empty() {
        return Reply::error(
            422,
            42201,
            "Invalid schema: this stub does not support schema references",
        );
    }
    let Some(text) = body.schema.filter(|text| !text.trim().is_empty()) else {
        return Reply::error(422, 42201, "Empty schema");
    };
    match then(&text) {
        Ok(found) => Reply::ok(subject_version(found)),
        Err(error) => store_error(&error, subject),
    }
}

/// `{"subject", "version", "id", "schema"}`.
///
/// The reply to a registration is this too: older clients read only `id`, newer ones
/// (confluent-kafka 2.x's `register_schema_full_response`) read the rest when present.
fn subject_version(found: SubjectVersion) -> Value {
    json!({"subject": found.subject, "version": found.version, "id": found.id, "schema": found.schema})
}

/// The Confluent reply to a store error about `subject`.
fn store_error(error: &StoreError, subject: &str) -> Reply {
    match error {
        StoreError::InvalidSchema(detail) => Reply::error(422, 42201, format!("Invalid schema: {detail}")),
        StoreError::SubjectNotFound => Reply::error(404, 40401, format!("Subject '{subject}' not found.")),
        StoreError::VersionNotFound => Reply::error(404, 40402, "Version not found."),
        StoreError::SchemaNotFound => Reply::error(404, 40403, "Schema not found"),
    }
}

/// The text of the schema `id`, `None` if there is no such schema.
fn schema_text(state: &State, id: &str) -> Option<String> {
    let id: u32 = id.parse().ok()?;
    state.store().schema_text(id).map(str::to_owned)
}

/// The (subject, version) pairs of the schema `id`, `None` if there is no such schema.
fn schema_versions(state: &State, id: &str) -> Option<Vec<(String, u32)>> {
    let id: u32 = id.parse().ok()?;
    let store = state.store();
    store.schema_text(id)?;
    Some(store.versions_of_id(id))
}

fn schema_id_not_found(id: &str) -> Reply {
    Reply::error(404, 40403, format!("Schema {id} not found"))
}
