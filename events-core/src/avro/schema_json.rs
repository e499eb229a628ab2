//! The Avro schema of an event, as the Python library generates it.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::schema::Schema;

/// The documentation string of every event's top-level record.
pub const CLOUD_EVENT_DOC: &str = "Avro Event Format for CloudEvents created with openedx_events/schema";

/// The Avro schema of an event: a `CloudEvent` record whose fields are the data keys, in the
/// event type's namespace.
///
/// Each nested record is defined at its first use, in depth-first field order, and referenced
/// by name afterwards, as Avro requires and as the Python library writes it. Optional fields
/// are `["null", T]` unions with a `null` default.
///
/// ```
/// use events_core::avro::event_schema;
/// use events_core::schema::Schema;
///
/// let schema = event_schema("com.example.learning.page.viewed.v1", &[("url", &Schema::String)]);
/// assert_eq!(schema["name"], "CloudEvent");
/// assert_eq!(schema["fields"][0], serde_json::json!({"name": "url", "type": "string"}));
/// ```
pub fn event_schema(event_type: &str, data_keys: &[(&str, &'static Schema)]) -> Value {
    let mut seen = HashSet::new();
    let fields: Vec<Value> = data_keys
        .iter()
        .map(|(name, schema)| field(name, schema, &mut seen))
        .collect();
    let mut record = Map::new();
    record.insert("name".into(), json!("CloudEvent"));
    record.insert("type".into(), json!("record"));
    record.insert("doc".into(), json!(CLOUD_EVENT_DOC));
    record.insert("fields".into(), Value::Array(fields));
    record.insert("namespace".into(), json!(event_type));
    Value::Object(record)
}

fn field(name: &str, schema: &'static Schema, seen: &mut HashSet<&'static str>) -> Value {
    let mut field = Map::new();
    field.insert("name".into(), json!(name));
    field.insert("type".into(), type_json(schema, seen));
    if matches!(schema, Schema::Optional(_)) {
        field.insert("default".into(), Value::Null);
    }
    Value::Object(field)
}

fn type_json(schema: &'static Schema, seen: &mut HashSet<&'static str>) -> Value {
    match schema {
        Schema::Boolean => json!("boolean"),
        Schema::Long => json!("long"),
        Schema::Double => json!("double"),
        Schema::Bytes => json!("bytes"),
        Schema::String | Schema::Custom(_) => json!("string"),
        Schema::Record(record) => {
            if !seen.insert(record.name) {
                return json!(record.name);
            }
            let fields: Vec<Value> = record.fields.iter().map(|f| field(f.name, f.schema, seen)).collect();
            let mut object = Map::new();
            object.insert("name".into(), json!(record.name));
            object.insert("type".into(), json!("record"));
            object.insert("fields".into(), Value::Array(fields));
            Value::Object(object)
        }
        Schema::Optional(inner) => Value::Array(vec![json!("null"), type_json(inner, seen)]),
        Schema::Array(items) => {
            let mut object = Map::new();
            object.insert("type".into(), json!("array"));
            object.insert("items".into(), type_json(items, seen));
            Value::Object(object)
        }
        Schema::Map(values) => {
            let mut object = Map::new();
            object.insert("type".into(), json!("map"));
            object.insert("values".into(), type_json(values, seen));
            Value::Object(object)
        }
    }
}

/// The schema as text: JSON indented by two spaces, keys in Avro's conventional order.
pub fn schema_text(schema: &Value) -> String {
    serde_json::to_string_pretty(schema).unwrap_or_default()
}
