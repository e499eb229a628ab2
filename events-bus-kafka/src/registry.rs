//! A client of the Confluent schema registry's REST API: registering a schema under a subject
//! and looking a schema up by id, each cached for the life of the client, with basic auth.
//!
//! Written on `ureq` rather than taken from a registry crate: the two calls this bus needs are
//! a few lines each, and the registry crates on crates.io pull an async HTTP stack or an Avro
//! library of their own into every user of this crate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A schema registry, e.g. `http://127.0.0.1:8081` or a Confluent Cloud endpoint.
///
/// ```no_run
/// use events_bus_kafka::SchemaRegistry;
///
/// let registry = SchemaRegistry::new("https://psrc-123.us-east-2.aws.confluent.cloud")?
///     .with_basic_auth("API_KEY", "API_SECRET");
/// let id = registry.register("dev-enrollments-org.openedx.learning.course.enrollment.created.v1.CloudEvent", "{…}")?;
/// let schema = registry.schema(id)?;
/// # Ok::<(), events_bus_kafka::RegistryError>(())
/// ```
pub struct SchemaRegistry {
    url: String,
    authorization: Option<String>,
    agent: ureq::Agent,
    ids: Mutex<HashMap<(String, String), u32>>,
    schemas: Mutex<HashMap<u32, Arc<str>>>,
}

impl SchemaRegistry {
    /// How long one request may take, connecting included.
    pub const TIMEOUT: Duration = Duration::from_secs(10);

    /// A client of the registry at `url` (`http://` or `https://`).
    pub fn new(url: &str) -> Result<Self, RegistryError> {
        let url = url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(RegistryError::Url {
                url: url.to_owned(),
                reason: "expected an http:// or https:// URL".into(),
            });
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Self::TIMEOUT))
            // Error statuses carry the registry's reason in their body: read it, not a bare status.
            .http_status_as_error(false)
            .build()
            .into();
        Ok(SchemaRegistry {
            url: url.to_owned(),
            authorization: None,
            agent,
            ids: Mutex::new(HashMap::new()),
            schemas: Mutex::new(HashMap::new()),
        })
    }

    /// The client, authenticating with HTTP basic auth (the registry's API key and secret).
    #[must_use]
    pub fn with_basic_auth(mut self, key: &str, secret: &str) -> Self {
        use base64::Engine as _;
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
        self.authorization = Some(format!("Basic {credentials}"));
        self
    }

    /// The registry's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The id of `schema` under `subject`, registering it there if it is new (the registry
    /// gives a schema the same id under every subject). Asked once per subject and schema.
    pub fn register(&self, subject: &str, schema: &str) -> Result<u32, RegistryError> {
        let key = (subject.to_owned(), schema.to_owned());
        if let Some(id) = self.ids.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(*id);
        }
        let path = format!("/subjects/{}/versions", encode_segment(subject));
        let body = serde_json::json!({ "schema": schema }).to_string();
        let reply = self.call("POST", &path, Some(&body))?;
        let id = reply
            .get("id")
            .and_then(serde_json::Value::as_u64)
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| self.bad_reply(&path, "no schema `id` in the reply"))?;
        self.ids.lock().unwrap_or_else(PoisonError::into_inner).insert(key, id);
        self.schemas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_insert_with(|| Arc::from(schema));
        Ok(id)
    }

    /// The schema registered with `id`. Asked once per id.
    pub fn schema(&self, id: u32) -> Result<Arc<str>, RegistryError> {
        if let Some(schema) = self.schemas.lock().unwrap_or_else(PoisonError::into_inner).get(&id) {
            return Ok(Arc::clone(schema));
        }
        let path = format!("/schemas/ids/{id}");
        let reply = self.call("GET", &path, None)?;
        if reply
            .get("schemaType")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|kind| kind != "AVRO")
        {
            return Err(self.bad_reply(&path, "the schema is not an Avro schema"));
        }
        let schema: Arc<str> = reply
            .get("schema")
            .and_then(serde_json::Value::as_str)
            .map(Arc::from)
            .ok_or_else(|| self.bad_reply(&path, "no `schema` in the reply"))?;
        self.schemas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::clone(&schema));
        Ok(schema)
    }

    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Result<serde_json::Value, RegistryError> {
        let url = format!("{}{path}", self.url);
        let transport = |error: ureq::Error| RegistryError::Transport {
            url: url.clone(),
            reason: error.to_string(),
        };
        let content_type = "application/vnd.schemaregistry.v1+json";
        let response = match body {
            Some(body) => {
                let mut request = self.agent.post(&url).header("Content-Type", content_type);
                if let Some(authorization) = &self.authorization {
                    request = request.header("Authorization", authorization);
                }
                request.send(body).map_err(transport)?
            }
            None => {
                let mut request = self.agent.get(&url).header("Accept", content_type);
                if let Some(authorization) = &self.authorization {
                    request = request.header("Authorization", authorization);
                }
                debug_assert_eq!(method, "GET");
                request.call().map_err(transport)?
            }
        };
        let status = response.status().as_u16();
        let text = response
            .into_body()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
            .map_err(transport)?;
        let reply: serde_json::Value = serde_json::from_str(&text).map_err(|error| RegistryError::Reply {
            url: url.clone(),
            reason: format!("not JSON ({error}): {}", snippet(&text)),
        })?;
        if (200..300).contains(&status) {
            return Ok(reply);
        }
        Err(RegistryError::Status {
            url,
            status,
            code: reply.get("error_code").and_then(serde_json::Value::as_i64),
            message: reply
                .get("message")
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| snippet(&text), str::to_owned),
        })
    }

    fn bad_reply(&self, path: &str, reason: &str) -> RegistryError {
        RegistryError::Reply {
            url: format!("{}{path}", self.url),
            reason: reason.to_owned(),
        }
    }
}

impl std::fmt::Debug for SchemaRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaRegistry")
            .field("url", &self.url)
            .field("basic_auth", &self.authorization.is_some())
            .finish_non_exhaustive()
    }
}

/// A subject in a URL path: everything but unreserved characters percent-encoded.
fn encode_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn snippet(text: &str) -> String {
    let mut cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// A registry call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The URL cannot be used.
    #[error("schema registry URL {url:?}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The registry could not be reached, or the connection broke.
    #[error("schema registry {url}: {reason}")]
    Transport {
        /// The request's URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The registry answered with an error status.
    #[error("schema registry {url}: HTTP {status}{}: {message}", code.map(|code| format!(" (error code {code})")).unwrap_or_default())]
    Status {
        /// The request's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The registry's `error_code`, e.g. 40403 for an unknown schema id.
        code: Option<i64>,
        /// The registry's message.
        message: String,
    },
    /// The reply is not what the API gives.
    #[error("schema registry {url}: unexpected reply: {reason}")]
    Reply {
        /// The request's URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl RegistryError {
    /// Whether asking again later may succeed (the registry is down or overloaded), as
    /// opposed to an answer that stays the same (an unknown schema id, refused credentials).
    pub fn is_transient(&self) -> bool {
        match self {
            RegistryError::Transport { .. } => true,
            RegistryError::Status { status, .. } => *status >= 500 || *status == 429,
            RegistryError::Url { .. } | RegistryError::Reply { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_percent_encoded_in_paths() {
        assert_eq!(
            encode_segment("dev-t-org.openedx.x.v1.CloudEvent"),
            "dev-t-org.openedx.x.v1.CloudEvent"
        );
        assert_eq!(encode_segment("a/b c+d"), "a%2Fb%20c%2Bd");
    }

    #[test]
    fn only_http_urls_are_taken() {
        let error = SchemaRegistry::new("kafka://x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "schema registry URL \"kafka://x\": expected an http:// or https:// URL"
        );
    }

    #[test]
    fn errors_the_registry_answers_with_are_not_transient_but_outages_are() {
        let status = |status| RegistryError::Status {
            url: String::new(),
            status,
            code: None,
            message: String::new(),
        };
        assert!(!status(404).is_transient());
        assert!(!status(401).is_transient());
        assert!(status(503).is_transient());
        assert!(
            RegistryError::Transport {
                url: String::new(),
                reason: String::new()
            }
            .is_transient()
        );
    }
}
