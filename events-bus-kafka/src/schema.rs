//! Schemas as the schema registry knows them: the subjects a value and a key are registered
//! under, the key's schema, and decoding a value written with another version of ours.

use std::collections::BTreeMap;

use apache_avro::Schema;
use events_core::avro::{EventSchema, crc64_avro, parsing_canonical_form, write_str};
use serde_json::Value;

/// The value's subject under `topic_record_subject_name_strategy`: `{full topic}-{record full
/// name}`, e.g. `dev-enrollments-org.openedx.learning.course.enrollment.created.v1.CloudEvent`.
pub fn value_subject(full_topic: &str, schema: &EventSchema) -> String {
    let json: Value = serde_json::from_str(schema.json()).unwrap_or(Value::Null);
    format!(
        "{full_topic}-{}",
        schema_name(&json).unwrap_or_else(|| "CloudEvent".to_owned())
    )
}

/// The name confluent-kafka's serializer gives a schema: a named type's full name
/// (`namespace.name`), else the type's own name (`string` for `{"name": "course_key", "type":
/// "string"}`, since fastavro does not keep a field's name on a primitive).
fn schema_name(schema: &Value) -> Option<String> {
    let object = schema.as_object()?;
    match object.get("type")? {
        Value::String(kind) if matches!(kind.as_str(), "record" | "enum" | "fixed") => {
            let name = object.get("name")?.as_str()?;
            match object.get("namespace").and_then(Value::as_str) {
                Some(namespace) if !name.contains('.') && !namespace.is_empty() => Some(format!("{namespace}.{name}")),
                _ => Some(name.to_owned()),
            }
        }
        Value::String(primitive) => Some(primitive.clone()),
        Value::Object(_) => schema_name(object.get("type")?),
        _ => None,
    }
}

/// The schema of an event's key: the key field's entry in the event's schema, as upstream's
/// `extract_key_schema` takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySchema {
    /// The schema text registered for the key: the field's JSON with sorted keys, as Python's
    /// `json.dumps(…, sort_keys=True)` writes it.
    pub text: String,
    /// The name the key's subject ends with (`string` for a text key).
    pub name: String,
    kind: KeyKind,
}

#[derive(Debug, Clone, PartialEq)]
enum KeyKind {
    /// An Avro string: the key text is the value.
    Text,
    /// Anything else, encoded from the field's value in the payload.
    Other { field_schema: Box<Schema> },
}

impl KeySchema {
    /// The key schema of the field at `path` (`enrollment.course.course_key`) in `schema`.
    pub fn at(schema: &EventSchema, path: &str) -> Result<KeySchema, String> {
        let json: Value =
            serde_json::from_str(schema.json()).map_err(|error| format!("the event's schema is not JSON: {error}"))?;
        let mut node = &json;
        for name in path.split('.') {
            // A field's record is in its `type`; the top-level schema is the record itself.
            let record = if node.get("fields").is_some() {
                node
            } else {
                node.get("type").unwrap_or(node)
            };
            node = record
                .get("fields")
                .and_then(Value::as_array)
                .and_then(|fields| {
                    fields
                        .iter()
                        .find(|field| field.get("name").and_then(Value::as_str) == Some(name))
                })
                .ok_or_else(|| {
                    format!(
                        "the key field `{path}` is not in the schema of {}: no `{name}`",
                        schema.event_type()
                    )
                })?;
        }
        let text = events_core::python_json::to_python_json(&sorted(node))
            .map_err(|error| format!("the key field's schema cannot be written: {error}"))?;
        let name = schema_name(node).ok_or_else(|| {
            format!(
                "the key field `{path}` of {} has a type that cannot name a subject",
                schema.event_type()
            )
        })?;
        let kind = match node.get("type") {
            Some(Value::String(kind)) if kind == "string" => KeyKind::Text,
            Some(field_type) => KeyKind::Other {
                field_schema: Box::new(Schema::parse(field_type).map_err(|error| {
                    format!(
                        "the key field `{path}` of {} has a type this bus cannot encode as a key: {error}",
                        schema.event_type()
                    )
                })?),
            },
            None => return Err(format!("the key field `{path}` has no type")),
        };
        Ok(KeySchema { text, name, kind })
    }

    /// The key's Avro binary: from `key_text` for a text key, else from the field's value in
    /// `payload`, the event's Avro binary under `schema`.
    pub fn encode(
        &self,
        path: &str,
        key_text: Option<&str>,
        payload: &[u8],
        schema: &EventSchema,
    ) -> Result<Vec<u8>, String> {
        match &self.kind {
            KeyKind::Text => {
                let text = key_text.ok_or_else(|| format!("the event has no value at its key field `{path}`"))?;
                let mut out = Vec::with_capacity(text.len() + 2);
                write_str(&mut out, text);
                Ok(out)
            }
            KeyKind::Other { field_schema } => {
                let whole = Schema::parse_str(schema.json()).map_err(|error| error.to_string())?;
                let mut value = read_value(&whole, None, &mut &payload[..])?;
                for name in path.split('.') {
                    value = field_of(value, name)
                        .ok_or_else(|| format!("the event has no value at its key field `{path}`: no `{name}`"))?;
                }
                write_value(field_schema, value)
            }
        }
    }
}

/// The field `name` of a record, or of the record an optional holds.
fn field_of(value: apache_avro::types::Value, name: &str) -> Option<apache_avro::types::Value> {
    use apache_avro::types::Value as Avro;
    match value {
        Avro::Record(fields) => fields
            .into_iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value),
        Avro::Union(_, inner) => field_of(*inner, name),
        _ => None,
    }
}

/// The value `input` holds, written with `writer`, resolved to `reader` if given.
fn read_value(
    writer: &Schema,
    reader: Option<&Schema>,
    input: &mut &[u8],
) -> Result<apache_avro::types::Value, String> {
    apache_avro::reader::datum::GenericDatumReader::builder(writer)
        .maybe_reader_schema(reader)
        .build()
        .and_then(|datum_reader| datum_reader.read_value(input))
        .map_err(|error| error.to_string())
}

/// `value` in the Avro binary of `schema`.
fn write_value(schema: &Schema, value: apache_avro::types::Value) -> Result<Vec<u8>, String> {
    apache_avro::writer::datum::GenericDatumWriter::builder(schema)
        .build()
        .and_then(|writer| writer.write_value_to_vec(value))
        .map_err(|error| error.to_string())
}

/// A JSON value with every object's keys sorted.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let sorted: BTreeMap<&String, Value> = object.iter().map(|(key, value)| (key, sorted(value))).collect();
            Value::Object(sorted.into_iter().map(|(key, value)| (key.clone(), value)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// How a value written with a registered schema becomes the Avro binary of our schema.
#[derive(Debug)]
pub enum Resolution {
    /// The writer's schema is ours (the same canonical form): the bytes are ours.
    Same,
    /// Another version of the schema that ours can read: resolved field by field.
    Resolve {
        /// The writer's schema.
        writer: Box<Schema>,
        /// Ours.
        reader: Box<Schema>,
    },
    /// A schema ours cannot read, and why.
    Incompatible(String),
}

impl Resolution {
    /// How to read what `writer` (the registered schema's text) wrote, as `ours`.
    pub fn between(writer: &str, ours: &EventSchema) -> Resolution {
        let json: Value = match serde_json::from_str(writer) {
            Ok(json) => json,
            Err(error) => return Resolution::Incompatible(format!("the writer's schema is not JSON: {error}")),
        };
        if crc64_avro(parsing_canonical_form(&json).as_bytes()) == ours.fingerprint() {
            return Resolution::Same;
        }
        let (writer, reader) = match (Schema::parse(&json), Schema::parse_str(ours.json())) {
            (Ok(writer), Ok(reader)) => (writer, reader),
            (Err(error), _) => {
                return Resolution::Incompatible(format!("the writer's schema is not a valid Avro schema: {error}"));
            }
            (_, Err(error)) => return Resolution::Incompatible(format!("our schema does not parse: {error}")),
        };
        if let Err(error) = apache_avro::schema_compatibility::SchemaCompatibility::can_read(&writer, &reader) {
            return Resolution::Incompatible(format!("our schema cannot read the writer's: {error}"));
        }
        Resolution::Resolve {
            writer: Box::new(writer),
            reader: Box::new(reader),
        }
    }

    /// `payload` as the Avro binary of our schema.
    pub fn apply(&self, payload: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Resolution::Same => Ok(payload.to_vec()),
            Resolution::Resolve { writer, reader } => {
                let mut input = payload;
                let value = read_value(writer, Some(reader), &mut input)
                    .map_err(|error| format!("the payload does not decode with the writer's schema: {error}"))?;
                if !input.is_empty() {
                    return Err(format!(
                        "{} bytes after the payload the writer's schema describes",
                        input.len()
                    ));
                }
                write_value(reader, value)
                    .map_err(|error| format!("the resolved payload does not encode with our schema: {error}"))
            }
            Resolution::Incompatible(reason) => Err(reason.clone()),
        }
    }
}
