//! The schema registry client against the registry stand-in of tests/schema-registry: the two
//! calls, their caches, basic auth, and errors that say whether asking again can help.

use events_bus_kafka::{RegistryError, SchemaRegistry};
use schema_registry_stub::SchemaRegistry as RegistryServer;

const SCHEMA: &str = r#"{"type":"record","name":"CloudEvent","namespace":"a.b.v1","fields":[]}"#;

#[test]
fn a_schema_is_registered_once_per_subject_and_fetched_once_per_id() {
    let server = RegistryServer::start().unwrap();
    let registry = SchemaRegistry::new(&server.url()).unwrap();
    let id = registry.register("t-a.b.v1.CloudEvent", SCHEMA).unwrap();
    assert_eq!(registry.register("t-a.b.v1.CloudEvent", SCHEMA).unwrap(), id);
    assert_eq!(
        registry.register("u-a.b.v1.CloudEvent", SCHEMA).unwrap(),
        id,
        "one id in every subject"
    );
    assert_eq!(&*registry.schema(id).unwrap(), SCHEMA, "known from the registration");
    let other = server.register("v-string", r#"{"type": "string"}"#);
    let fetched = SchemaRegistry::new(&server.url()).unwrap();
    assert_eq!(&*fetched.schema(other).unwrap(), r#"{"type": "string"}"#);
    fetched.schema(other).unwrap();
    let requests = server.requests();
    let posts = requests.iter().filter(|request| request.starts_with("POST ")).count();
    let gets = requests
        .iter()
        .filter(|request| request.starts_with("GET /schemas/ids/"))
        .count();
    assert_eq!((posts, gets), (2, 1), "{requests:?}");
}

#[test]
fn basic_auth_is_sent_and_a_refusal_is_an_error_that_asking_again_cannot_cure() {
    let server = RegistryServer::start_with_basic_auth("key", "secret").unwrap();
    let anonymous = SchemaRegistry::new(&server.url()).unwrap();
    let error = anonymous.register("t-x", SCHEMA).unwrap_err();
    assert!(matches!(error, RegistryError::Status { status: 401, .. }), "{error}");
    assert!(!error.is_transient());
    let wrong = SchemaRegistry::new(&server.url())
        .unwrap()
        .with_basic_auth("key", "nope");
    assert!(matches!(
        wrong.register("t-x", SCHEMA),
        Err(RegistryError::Status { status: 401, .. })
    ));
    let authenticated = SchemaRegistry::new(&server.url())
        .unwrap()
        .with_basic_auth("key", "secret");
    assert!(authenticated.register("t-x", SCHEMA).is_ok());
    assert!(!format!("{authenticated:?}").contains("secret"));
}

#[test]
fn an_unknown_id_is_a_lasting_error_and_an_unreachable_registry_a_transient_one() {
    let server = RegistryServer::start().unwrap();
    let registry = SchemaRegistry::new(&server.url()).unwrap();
    let error = registry.schema(4242).unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Status {
                status: 404,
                code: Some(40403),
                ..
            }
        ),
        "{error}"
    );
    assert!(!error.is_transient());
    let url = server.url();
    drop(server);
    let error = SchemaRegistry::new(&url).unwrap().schema(1).unwrap_err();
    assert!(matches!(error, RegistryError::Transport { .. }), "{error}");
    assert!(error.is_transient());
}
