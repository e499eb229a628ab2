//! The registry's REST API over real HTTP, as a client sees it.

use std::time::{Duration, Instant};

use schema_registry_stub::SchemaRegistry;
use serde_json::{Value, json};

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

const RECORD: &str = r#"{"type":"record","name":"ThingData","fields":[{"name":"course_key","type":"string"}]}"#;
/// `RECORD` with other whitespace and key order: the same schema.
const RECORD_REFORMATTED: &str = r#"{
  "name": "ThingData",
  "fields": [ {"type": "string", "name": "course_key"} ],
  "type": "record"
}"#;
const OTHER_RECORD: &str = r#"{"type":"record","name":"OtherData","fields":[{"name":"user_id","type":"long"}]}"#;

/// A minimal HTTP client that returns every status as a value, not as an error.
struct Client {
    base: String,
    agent: ureq::Agent,
    authorization: Option<String>,
}

/// A reply: status, `Content-Type` and JSON body.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: Option<String>,
    body: Value,
}

impl Client {
    fn new(registry: &SchemaRegistry) -> Self {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        Client {
            base: registry.url(),
            agent,
            authorization: None,
        }
    }

    fn with_authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_owned());
        self
    }

    fn get(&self, path: &str) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        read(request.call())
    }

    fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_raw(path, Some(CONTENT_TYPE), &body.to_string())
    }

    fn post_raw(&self, path: &str, content_type: Option<&str>, body: &str) -> Reply {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        if let Some(content_type) = content_type {
            request = request.content_type(content_type);
        }
        read(request.send(body))
    }

    fn delete(&self, path: &str) -> Reply {
        read(self.agent.delete(format!("{}{path}", self.base)).call())
    }

    /// Registers `schema` under `subject` and returns `(id, version)`.
    fn register(&self, subject: &str, schema: &str) -> (u64, u64) {
        let reply = self.post(&format!("/subjects/{subject}/versions"), &json!({"schema": schema}));
        assert_eq!(reply.status, 200, "{reply:?}");
        (
            reply.body["id"].as_u64().unwrap(),
            reply.body["version"].as_u64().unwrap(),
        )
    }
}

fn read(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.expect("the registry answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let text = response.body_mut().read_to_string().unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text:?}"));
    Reply {
        status,
        content_type,
        body,
    }
}

fn start() -> (SchemaRegistry, Client) {
    let registry = SchemaRegistry::start().unwrap();
    let client = Client::new(&registry);
    (registry, client)
}

#[test]
fn registering_a_first_schema_returns_id_1_and_version_1_with_subject_and_schema() {
    let (_registry, client) = start();
    let reply = client.post(
        "/subjects/dev-topic-value/versions?normalize=False",
        &json!({"schema": RECORD, "schemaType": "AVRO", "references": []}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type.as_deref(), Some(CONTENT_TYPE));
    assert_eq!(
        reply.body,
        json!({"id": 1, "subject": "dev-topic-value", "version": 1, "schema": RECORD})
    );
}

#[test]
fn the_same_schema_with_other_whitespace_gets_the_same_id_in_another_subject() {
    let (_registry, client) = start();
    assert_eq!(client.register("first", RECORD), (1, 1));
    assert_eq!(client.register("second", RECORD_REFORMATTED), (1, 1));
    // The schema served by id is the text registered first.
    assert_eq!(client.get("/schemas/ids/1").body, json!({"schema": RECORD}));
}

#[test]
fn registering_a_schema_again_in_its_subject_returns_its_existing_id_and_version() {
    let (_registry, client) = start();
    client.register("s", RECORD);
    client.register("s", OTHER_RECORD);
    assert_eq!(client.register("s", RECORD_REFORMATTED), (1, 1));
    assert_eq!(client.get("/subjects/s/versions").body, json!([1, 2]));
}

#[test]
fn a_new_schema_in_a_subject_gets_the_next_id_and_version() {
    let (_registry, client) = start();
    assert_eq!(client.register("s", RECORD), (1, 1));
    assert_eq!(client.register("s", OTHER_RECORD), (2, 2));
}

#[test]
fn ids_are_global_so_a_subjects_versions_need_not_match_ids() {
    let (_registry, client) = start();
    assert_eq!(client.register("a", RECORD), (1, 1));
    assert_eq!(client.register("b", OTHER_RECORD), (2, 1));
    assert_eq!(client.register("b", RECORD), (1, 2));
    assert_eq!(
        client.get("/schemas/ids/1/versions").body,
        json!([{"subject": "a", "version": 1}, {"subject": "b", "version": 2}])
    );
    assert_eq!(client.get("/schemas/ids/1/subjects").body, json!(["a", "b"]));
}

#[test]
fn lookup_returns_the_registered_version_of_a_schema() {
    let (_registry, client) = start();
    client.register("s", OTHER_RECORD);
    client.register("s", RECORD);
    let reply = client.post(
        "/subjects/s?normalize=False&deleted=true",
        &json!({"schema": RECORD_REFORMATTED}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"subject": "s", "id": 2, "version": 2, "schema": RECORD})
    );
}

#[test]
fn lookup_in_an_unknown_subject_is_40401() {
    let (_registry, client) = start();
    let reply = client.post("/subjects/nobody", &json!({"schema": RECORD}));
    assert_eq!(reply.status, 404);
    assert_eq!(reply.content_type.as_deref(), Some(CONTENT_TYPE));
    assert_eq!(
        reply.body,
        json!({"error_code": 40401, "message": "Subject 'nobody' not found."})
    );
}

#[test]
fn lookup_of_a_schema_the_subject_does_not_hold_is_40403() {
    let (_registry, client) = start();
    client.register("s", RECORD);
    client.register("t", OTHER_RECORD);
    let reply = client.post("/subjects/s", &json!({"schema": OTHER_RECORD}));
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body, json!({"error_code": 40403, "message": "Schema not found"}));
}

#[test]
fn get_by_id_returns_the_schema_and_an_unknown_id_is_40403() {
    let (_registry, client) = start();
    client.register("s", RECORD);
    let found = client.get("/schemas/ids/1?subject=s&fetchMaxId=false");
    assert_eq!((found.status, found.body), (200, json!({"schema": RECORD})));
    for path in [
        "/schemas/ids/7",
        "/schemas/ids/7/versions",
        "/schemas/ids/0",
        "/schemas/ids/x",
    ] {
        let missing = client.get(path);
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(missing.body["error_code"], 40403, "{path}");
    }
    assert_eq!(client.get("/schemas/ids/7").body["message"], "Schema 7 not found");
}

#[test]
fn latest_is_the_highest_version_and_numbered_versions_are_found_too() {
    let (_registry, client) = start();
    client.register("s", RECORD);
    client.register("s", OTHER_RECORD);
    let latest = client.get("/subjects/s/versions/latest");
    assert_eq!(latest.status, 200);
    assert_eq!(
        latest.body,
        json!({"subject": "s", "id": 2, "version": 2, "schema": OTHER_RECORD})
    );
    assert_eq!(client.get("/subjects/s/versions/-1").body, latest.body);
    assert_eq!(client.get("/subjects/s/versions/1").body["schema"], RECORD);
}

#[test]
fn missing_subjects_and_versions_are_40401_and_40402_and_bad_versions_42202() {
    let (_registry, client) = start();
    client.register("s", RECORD);
    let no_subject = client.get("/subjects/t/versions/latest");
    assert_eq!(
        (no_subject.status, &no_subject.body["error_code"]),
        (404, &json!(40401))
    );
    let no_versions = client.get("/subjects/t/versions");
    assert_eq!(
        (no_versions.status, &no_versions.body["error_code"]),
        (404, &json!(40401))
    );
    let no_version = client.get("/subjects/s/versions/2");
    assert_eq!(
        (no_version.status, no_version.body),
        (404, json!({"error_code": 40402, "message": "Version 2 not found."}))
    );
    for bad in ["0", "-2", "one", "99999999999"] {
        let reply = client.get(&format!("/subjects/s/versions/{bad}"));
        assert_eq!((reply.status, &reply.body["error_code"]), (422, &json!(42202)), "{bad}");
    }
}

#[test]
fn subjects_are_listed_sorted() {
    let (_registry, client) = start();
    assert_eq!(client.get("/subjects").body, json!([]));
    client.register("b-value", RECORD);
    client.register("a-key", OTHER_RECORD);
    assert_eq!(client.get("/subjects?deleted=false").body, json!(["a-key", "b-value"]));
}

#[test]
fn a_schema_that_is_not_json_is_422_42201_and_not_registered() {
    let (_registry, client) = start();
    let reply = client.post("/subjects/s/versions", &json!({"schema": "{\"type\": record"}));
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["error_code"], 42201);
    assert!(
        reply.body["message"].as_str().unwrap().starts_with("Invalid schema"),
        "{reply:?}"
    );
    assert_eq!(client.get("/subjects").body, json!([]));
}

#[test]
fn only_avro_schemas_without_references_are_accepted() {
    let (_registry, client) = start();
    let json_schema = client.post("/subjects/s/versions", &json!({"schema": "{}", "schemaType": "JSON"}));
    assert_eq!(
        (json_schema.status, &json_schema.body["error_code"]),
        (422, &json!(42201))
    );
    let with_references = client.post(
        "/subjects/s/versions",
        &json!({"schema": RECORD, "references": [{"name": "x", "subject": "y", "version": 1}]}),
    );
    assert_eq!(
        (with_references.status, &with_references.body["error_code"]),
        (422, &json!(42201))
    );
    let empty = client.post("/subjects/s/versions", &json!({"schemaType": "AVRO"}));
    assert_eq!(empty.status, 422);
}

#[test]
fn bodies_are_accepted_as_json_or_without_a_content_type_but_not_as_text() {
    let (_registry, client) = start();
    let body = json!({"schema": RECORD, "metadata": null, "ruleSet": null, "somethingNew": 1}).to_string();
    assert_eq!(
        client
            .post_raw("/subjects/a/versions", Some("application/json"), &body)
            .status,
        200
    );
    assert_eq!(
        client
            .post_raw("/subjects/b/versions", Some("application/json; charset=utf-8"), &body)
            .status,
        200
    );
    assert_eq!(client.post_raw("/subjects/c/versions", None, &body).status, 200);
    assert_eq!(
        client
            .post_raw("/subjects/d/versions", Some("text/plain"), &body)
            .status,
        415
    );
    assert_eq!(client.post_raw("/subjects/e/versions", None, "{not json").status, 400);
}

#[test]
fn percent_encoded_subjects_are_decoded() {
    let (_registry, client) = start();
    let subject = "dev-topic-org.openedx.learning.x.v1/a+b c";
    let encoded = "dev-topic-org.openedx.learning.x.v1%2Fa%2Bb%20c";
    assert_eq!(client.register(encoded, RECORD), (1, 1));
    assert_eq!(client.get("/subjects").body, json!([subject]));
    // A `+` in a path is a plus sign, not a space.
    client.register("a+b", OTHER_RECORD);
    assert_eq!(client.get("/subjects/a%2Bb/versions").body, json!([1]));
    assert_eq!(
        client.get(&format!("/subjects/{encoded}/versions/latest")).body["subject"],
        subject
    );
}

#[test]
fn basic_auth_rejects_requests_without_or_with_wrong_credentials() {
    let registry = SchemaRegistry::start_with_basic_auth("user", "secret").unwrap();
    let anonymous = Client::new(&registry);
    let reply = anonymous.get("/subjects");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.content_type.as_deref(), Some(CONTENT_TYPE));
    assert_eq!(reply.body, json!({"error_code": 401, "message": "Unauthorized"}));
    // base64("user:wrong"), base64("user:secret") as a bearer token, and garbage.
    for wrong in ["Basic dXNlcjp3cm9uZw==", "Bearer dXNlcjpzZWNyZXQ=", "Basic !!!"] {
        let reply = Client::new(&registry).with_authorization(wrong).get("/subjects");
        assert_eq!(reply.status, 401, "{wrong}");
    }
    let posted = anonymous.post("/subjects/s/versions", &json!({"schema": RECORD}));
    assert_eq!(posted.status, 401);
    assert!(registry.requests().contains(&"POST /subjects/s/versions".to_owned()));
}

#[test]
fn basic_auth_accepts_the_right_credentials() {
    let registry = SchemaRegistry::start_with_basic_auth("user", "secret").unwrap();
    // base64("user:secret")
    let client = Client::new(&registry).with_authorization("Basic dXNlcjpzZWNyZXQ=");
    assert_eq!(client.register("s", RECORD), (1, 1));
    let reply = client.get("/subjects");
    assert_eq!((reply.status, reply.body), (200, json!(["s"])));
    let lowercase_scheme = Client::new(&registry).with_authorization("basic dXNlcjpzZWNyZXQ=");
    assert_eq!(lowercase_scheme.get("/subjects").status, 200);
}

#[test]
fn config_reports_backward_globally_and_per_subject() {
    let (_registry, client) = start();
    for path in ["/config", "/config/dev-topic-value?defaultToGlobal=true"] {
        let reply = client.get(path);
        assert_eq!(
            (reply.status, reply.body),
            (200, json!({"compatibilityLevel": "BACKWARD"})),
            "{path}"
        );
    }
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_on_known_paths_405() {
    let (_registry, client) = start();
    for path in [
        "/",
        "/schemas",
        "/subjects/s/versions/1/referencedby",
        "/subjects//versions",
        "/mode",
    ] {
        let reply = client.get(path);
        assert_eq!(
            (reply.status, reply.body),
            (404, json!({"error_code": 404, "message": "HTTP 404 Not Found"})),
            "{path}"
        );
    }
    let reply = client.delete("/subjects/s");
    assert_eq!((reply.status, &reply.body["error_code"]), (405, &json!(405)));
    assert_eq!(client.post("/subjects", &json!({})).status, 405);
    assert_eq!(client.post("/schemas/ids/1", &json!({})).status, 405);
}

#[test]
fn requests_lists_each_method_path_and_query_as_sent() {
    let (registry, client) = start();
    client.register("a%2Fb", RECORD);
    client.get("/schemas/ids/1?subject=a%2Fb");
    client.get("/nowhere");
    assert_eq!(
        registry.requests(),
        vec![
            "POST /subjects/a%2Fb/versions",
            "GET /schemas/ids/1?subject=a%2Fb",
            "GET /nowhere"
        ]
    );
}

#[test]
fn register_on_the_handle_follows_the_same_rules_as_post() {
    let (registry, client) = start();
    assert_eq!(registry.register("s", RECORD), 1);
    assert_eq!(registry.register("t", RECORD_REFORMATTED), 1);
    assert_eq!(registry.register("s", OTHER_RECORD), 2);
    assert_eq!(client.register("t", RECORD), (1, 1));
    assert_eq!(client.get("/subjects/s/versions/latest").body["id"], 2);
    // Not a request: nothing was asked over HTTP before the client's call.
    assert_eq!(registry.requests().len(), 2);
}

#[test]
#[should_panic(expected = "invalid schema")]
fn register_on_the_handle_panics_on_a_schema_that_is_not_json() {
    let registry = SchemaRegistry::start().unwrap();
    registry.register("s", "not json");
}

#[test]
fn dropping_the_registry_stops_the_server_promptly() {
    let registry = SchemaRegistry::start().unwrap();
    let client = Client::new(&registry);
    // Leave a kept-alive connection open, as clients do, to show it does not hold the server up.
    assert_eq!(client.get("/subjects").status, 200);
    let address = registry.url().trim_start_matches("http://").to_owned();

    let started = Instant::now();
    drop(registry);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        started.elapsed()
    );
    // tiny_http's accept thread closes the listening socket on its own, just after the drop.
    while std::net::TcpStream::connect(&address).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "still listening on {address}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
