//! The payload structs of the catalog against the data classes of openedx-events 11.2, class by
//! class and field by field.
//!
//! `tests/fixtures/data_classes.json` is a snapshot of the reference `catalog.json` (written by
//! `tests/interop/data_classes_snapshot.py`): every data class with its fields in order, their
//! Python types and defaults, and every event's data keys. From each event's data keys this walks
//! the `Schema` tree the macros generate (the registry's `DataKeyInfo::schema`, and, for the three
//! classes only unserializable events use, the structs' `EventField::SCHEMA`) and checks:
//!
//! - the record name is the class name, and the fields are the same, in the same order;
//! - each field's shape: `str` → `String`, `int` → `Long`, `float` → `Double`, `bool` →
//!   `Boolean`, `BinaryIO` → `Bytes`, `datetime`, `UUID` and the opaque keys → `Custom` with the
//!   Python type name, `List[T]` → `Array`, `Dict[str, T]` → `Map`, a class → its record;
//! - `Option<T>` exactly for the fields that default to `None`, and `has_default` exactly for
//!   the fields with a default;
//! - the default values: a payload with every defaulted field left out reads back (through the
//!   event's codec, JSON to Avro to JSON, or the struct's JSON methods for the unserializable
//!   ones) with Python's default (`''`, `[]`, `{}`, `False`, `True`, `None`) in each.
//!
//! Every one of the 50 classes is reached.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use events_catalog::content_authoring::CertificateConfigData;
use events_catalog::learning::ExternalGraderScoreData;
use events_core::EventField;
use events_core::registry::get_signal_by_type;
use events_core::schema::{FieldSchema, RecordSchema, Schema};
use serde_json::{Map, Value, json};

const DATA_CLASSES: usize = 50;

fn fixture() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data_classes.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// Walks the Rust schemas alongside the snapshot and collects the differences.
struct Comparison<'a> {
    classes: &'a Map<String, Value>,
    /// The record each class was found as, by catalog key (`learning.UserData`).
    seen: BTreeMap<String, &'static RecordSchema>,
    problems: Vec<String>,
}

impl<'a> Comparison<'a> {
    fn new(classes: &'a Map<String, Value>) -> Self {
        Comparison {
            classes,
            seen: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn class(&self, key: &str) -> &'a Value {
        self.classes
            .get(key)
            .unwrap_or_else(|| panic!("the snapshot has no class {key}"))
    }

    fn record(&mut self, key: &str, record: &'static RecordSchema) {
        if let Some(&earlier) = self.seen.get(key) {
            if earlier != record {
                self.problems.push(format!(
                    "{key}: two different structs ({} and {})",
                    earlier.name, record.name
                ));
            }
            return;
        }
        self.seen.insert(key.to_owned(), record);
        let class = self.class(key);
        if record.name != class["name"] {
            self.problems.push(format!(
                "{key}: the struct is called {}, the class {}",
                record.name, class["name"]
            ));
        }
        let expected = class["fields"].as_array().expect("fields");
        let ours: Vec<&str> = record.fields.iter().map(|field| field.name).collect();
        let theirs: Vec<&str> = expected
            .iter()
            .map(|field| field["name"].as_str().expect("a field name"))
            .collect();
        if ours != theirs {
            self.problems
                .push(format!("{key}: fields {ours:?}, expected {theirs:?} (in this order)"));
            return;
        }
        for (field, expected) in record.fields.iter().zip(expected) {
            self.field(key, field, expected);
        }
    }

    fn field(&mut self, key: &str, field: &'static FieldSchema, expected: &Value) {
        let at = format!("{key}.{}", field.name);
        let optional = expected["optional"].as_bool().expect("optional");
        let has_default = expected["has_default"].as_bool().expect("has_default");
        if field.has_default != has_default {
            self.problems.push(format!(
                "{at}: has_default is {}, but the Python default is {} ({})",
                field.has_default, expected["default"], field.rust_type
            ));
        }
        let shape = match (field.schema, optional) {
            (Schema::Optional(inner), true) => inner,
            (schema, false) if !matches!(schema, Schema::Optional(_)) => schema,
            _ => {
                self.problems.push(format!(
                    "{at}: `{}` is {}optional, but the Python default is {}",
                    field.rust_type,
                    if optional { "not " } else { "" },
                    expected["default"]
                ));
                return;
            }
        };
        self.shape(&at, shape, &expected["shape"], field.rust_type);
    }

    fn shape(&mut self, at: &str, schema: &'static Schema, expected: &Value, rust_type: &str) {
        let kind = expected["type"].as_str().expect("a shape type");
        let matches = match (kind, schema) {
            ("string", Schema::String)
            | ("long", Schema::Long)
            | ("double", Schema::Double)
            | ("boolean", Schema::Boolean)
            | ("bytes", Schema::Bytes) => true,
            ("custom", Schema::Custom(name)) => expected["name"] == *name,
            ("array", Schema::Array(items)) => {
                self.shape(at, items, &expected["items"], rust_type);
                true
            }
            ("map", Schema::Map(values)) => {
                self.shape(at, values, &expected["values"], rust_type);
                true
            }
            ("record", Schema::Record(record)) => {
                self.record(expected["class"].as_str().expect("a class"), record);
                true
            }
            _ => false,
        };
        if !matches {
            self.problems.push(format!(
                "{at}: `{rust_type}` is {schema:?}, but the Python type is {expected}"
            ));
        }
    }
}

/// A valid value of a required field of this shape: the shortest text, zero, an empty list…
/// with one element in lists and maps of records, so that the records inside are reached.
fn required_value(classes: &Map<String, Value>, shape: &Value, expand: bool) -> (Value, Value) {
    match shape["type"].as_str().expect("a shape type") {
        "string" => (json!(""), json!("")),
        "long" => (json!(0), json!(0)),
        "double" => (json!(0.0), json!(0.0)),
        "boolean" => (json!(false), json!(false)),
        // Bytes are text in JSON, one character per byte (Latin-1).
        "bytes" => (json!(""), json!("")),
        "custom" => {
            let text = match shape["name"].as_str().expect("a custom type") {
                "datetime" => "1970-01-01T00:00:00+00:00",
                "UUID" => "00000000-0000-0000-0000-000000000000",
                "CourseKey" => "course-v1:a+b+c",
                "UsageKey" => "block-v1:a+b+c+type@html+block@d",
                "CCXLocator" => "ccx-v1:a+b+c+ccx@0",
                "LibraryLocatorV2" => "lib:a:b",
                "LibraryUsageLocatorV2" => "lb:a:b:c:d",
                "LibraryContainerLocator" => "lct:a:b:c:d",
                "LibraryCollectionLocator" => "lib-collection:a:b:c",
                other => panic!("no example value for {other}"),
            };
            (json!(text), json!(text))
        }
        "array" if holds_record(&shape["items"]) => {
            let (input, expected) = required_value(classes, &shape["items"], expand);
            (json!([input]), json!([expected]))
        }
        "map" if holds_record(&shape["values"]) => {
            let (input, expected) = required_value(classes, &shape["values"], expand);
            (json!({"k": input}), json!({"k": expected}))
        }
        "array" => (json!([]), json!([])),
        "map" => (json!({}), json!({})),
        "record" => record_value(classes, shape["class"].as_str().expect("a class"), expand),
        other => panic!("unknown shape {other}"),
    }
}

fn holds_record(shape: &Value) -> bool {
    match shape["type"].as_str() {
        Some("record") => true,
        Some("array") => holds_record(&shape["items"]),
        Some("map") => holds_record(&shape["values"]),
        _ => false,
    }
}

/// `(input, expected)`: a payload of the class with every defaulted field left out, and what it
/// must read back as (those fields at their Python default). With `expand`, defaulted fields that
/// hold records are given one instead (built the same way), so the defaults inside are checked.
fn record_value(classes: &Map<String, Value>, key: &str, expand: bool) -> (Value, Value) {
    let class = classes.get(key).unwrap_or_else(|| panic!("no class {key}"));
    let (mut input, mut expected) = (Map::new(), Map::new());
    for field in class["fields"].as_array().expect("fields") {
        let name = field["name"].as_str().expect("a name").to_owned();
        let has_default = field["has_default"].as_bool().expect("has_default");
        if has_default && !(expand && holds_record(&field["shape"])) {
            expected.insert(name, field["default_value"].clone());
            continue;
        }
        let (field_input, field_expected) = required_value(classes, &field["shape"], expand);
        input.insert(name.clone(), field_input);
        expected.insert(name, field_expected);
    }
    (Value::Object(input), Value::Object(expected))
}

#[test]
fn every_data_class_has_the_fields_types_and_defaults_of_openedx_events() {
    let fixture = fixture();
    let classes = fixture["data_classes"].as_object().expect("data_classes");
    assert_eq!(classes.len(), DATA_CLASSES, "classes in the snapshot");
    let mut comparison = Comparison::new(classes);
    let mut roots_of_unserializable = BTreeSet::new();

    for (event_type, event) in fixture["events"].as_object().expect("events") {
        let info = get_signal_by_type(event_type)
            .unwrap_or_else(|error| panic!("{event_type}: {error}"))
            .info();
        let data = event["data"].as_object().expect("data keys");
        let keys: BTreeSet<&str> = info.data.iter().map(|key| key.name).collect();
        assert_eq!(
            keys,
            data.keys().map(String::as_str).collect(),
            "{event_type}: data keys"
        );
        assert_eq!(
            info.is_serializable(),
            event["serializable"] == true,
            "{event_type}: serializable"
        );
        for key in info.data {
            let class = data[key.name].as_str().expect("a class");
            match key.schema {
                Some(Schema::Record(record)) => comparison.record(class, record),
                Some(other) => comparison
                    .problems
                    .push(format!("{event_type}.{}: {other:?} is not a record", key.name)),
                None => {
                    assert!(!info.is_serializable(), "{event_type}.{}: no schema", key.name);
                    roots_of_unserializable.insert((class.to_owned(), key.rust_type));
                }
            }
        }
    }

    // The registry gives no schema for the data of unserializable events: reach their classes
    // through the structs themselves.
    let structs: [(&str, &'static Schema); 2] = [
        ("CertificateConfigData", <CertificateConfigData as EventField>::SCHEMA),
        (
            "ExternalGraderScoreData",
            <ExternalGraderScoreData as EventField>::SCHEMA,
        ),
    ];
    for (class, rust_type) in &roots_of_unserializable {
        let (_, schema) = structs
            .iter()
            .find(|(name, _)| name == rust_type)
            .unwrap_or_else(|| panic!("{class}: add the struct {rust_type} to this test"));
        match schema {
            Schema::Record(record) => comparison.record(class, record),
            other => panic!("{rust_type} is {other:?}"),
        }
    }
    assert_eq!(roots_of_unserializable.len(), 2, "{roots_of_unserializable:?}");

    let reached: BTreeSet<&String> = comparison.seen.keys().collect();
    let all: BTreeSet<&String> = classes.keys().collect();
    assert_eq!(reached, all, "classes reached from the events");
    assert!(
        comparison.problems.is_empty(),
        "{} differences from openedx-events 11.2:\n{}",
        comparison.problems.len(),
        comparison.problems.join("\n")
    );
    println!(
        "{} data classes match the snapshot of openedx-events 11.2",
        reached.len()
    );
}

/// `T`'s JSON round trip: the value as `from_json` then `to_json` give it.
fn json_round_trip<T: EventField>(input: Value) -> Result<Value, String> {
    let value = T::deserialize_json(input).map_err(|error| error.to_string())?;
    value
        .serialize_json(serde_json::value::Serializer)
        .map_err(|error| error.to_string())
}

#[test]
fn defaulted_fields_left_out_take_the_python_defaults() {
    let fixture = fixture();
    let classes = fixture["data_classes"].as_object().expect("data_classes");
    let mut problems = Vec::new();
    let mut checked_events = 0;
    let mut defaults_checked = BTreeSet::new();

    for (event_type, event) in fixture["events"].as_object().expect("events") {
        let info = get_signal_by_type(event_type)
            .unwrap_or_else(|error| panic!("{event_type}: {error}"))
            .info();
        for expand in [false, true] {
            let (mut input, mut expected) = (Map::new(), Map::new());
            for (key, class) in event["data"].as_object().expect("data keys") {
                let class = class.as_str().expect("a class");
                let (class_input, class_expected) = record_value(classes, class, expand);
                input.insert(key.clone(), class_input);
                expected.insert(key.clone(), class_expected);
            }
            let (input, expected) = (Value::Object(input), Value::Object(expected));
            let result = match info.codec {
                Some(codec) => (codec.json_to_avro)(input.clone())
                    .map_err(|error| format!("cannot encode: {error}"))
                    .and_then(|bytes| (codec.avro_to_json)(&bytes).map_err(|error| format!("cannot decode: {error}"))),
                None => {
                    let (key, class_input) = input.as_object().and_then(|map| map.iter().next()).expect("a data key");
                    let rust_type = info
                        .data
                        .iter()
                        .find(|data_key| data_key.name == key)
                        .expect("the data key")
                        .rust_type;
                    match rust_type {
                        "CertificateConfigData" => json_round_trip::<CertificateConfigData>(class_input.clone()),
                        "ExternalGraderScoreData" => json_round_trip::<ExternalGraderScoreData>(class_input.clone()),
                        other => panic!("{event_type}: add the struct {other} to this test"),
                    }
                    .map(|value| json!({key: value}))
                }
            };
            match result {
                Ok(output) if output == expected => {}
                Ok(output) => problems.push(format!(
                    "{event_type} (expand: {expand}): read back as {output}, expected {expected}"
                )),
                Err(error) => problems.push(format!("{event_type} (expand: {expand}): {error} for {input}")),
            }
        }
        checked_events += 1;
        for class in event["data"].as_object().expect("data keys").values() {
            collect_defaulted(classes, class.as_str().expect("a class"), &mut defaults_checked);
        }
    }

    assert!(
        problems.is_empty(),
        "{} events differ from the Python defaults:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let in_snapshot: BTreeSet<String> = classes
        .iter()
        .flat_map(|(key, class)| {
            class["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .filter(|field| field["has_default"] == true)
                .map(move |field| format!("{key}.{}", field["name"].as_str().unwrap_or_default()))
        })
        .collect();
    assert_eq!(defaults_checked, in_snapshot, "every defaulted field is checked");
    assert_eq!(checked_events, 75);
    println!(
        "{} defaulted fields of {checked_events} events take the Python default",
        defaults_checked.len()
    );
}

/// The defaulted fields `record_value` leaves out, for `key` and the classes it reaches with
/// either value of `expand`.
fn collect_defaulted(classes: &Map<String, Value>, key: &str, out: &mut BTreeSet<String>) {
    let mut stack = vec![key.to_owned()];
    let mut visited = BTreeSet::new();
    while let Some(key) = stack.pop() {
        if !visited.insert(key.clone()) {
            continue;
        }
        for field in classes[&key]["fields"].as_array().expect("fields") {
            if field["has_default"] == true {
                out.insert(format!("{key}.{}", field["name"].as_str().unwrap_or_default()));
            }
            records_in(&field["shape"], &mut stack);
        }
    }
}

fn records_in(shape: &Value, out: &mut Vec<String>) {
    match shape["type"].as_str() {
        Some("record") => out.push(shape["class"].as_str().expect("a class").to_owned()),
        Some("array") => records_in(&shape["items"], out),
        Some("map") => records_in(&shape["values"], out),
        _ => {}
    }
}
