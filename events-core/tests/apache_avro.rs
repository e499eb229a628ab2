//! Cross-checks the generated codec against an independent Avro implementation, the
//! `apache-avro` crate: our bytes read with our schema there, and its bytes read by our decoder,
//! for random payloads nesting every supported type.

use std::collections::{BTreeMap, HashMap};

use apache_avro::types::Value as AvroValue;
use events_core::prelude::*;
use events_core::schema::Schema;
use proptest::prelude::*;
use serde_json::Value as Json;

/// A leaf record.
#[event_data]
pub struct LeafData {
    /// A name.
    name: String,
    /// A score.
    score: f64,
    /// A small number.
    small: i32,
    /// Raw bytes.
    raw: Vec<u8>,
    /// Labels.
    tags: Vec<String>,
    /// A note, maybe.
    note: Option<String>,
}

/// A record nesting every container.
#[event_data]
pub struct TreeData {
    /// An id.
    id: i64,
    /// A flag.
    flag: bool,
    /// A time.
    when: DateTime<Utc>,
    /// A UUID.
    uid: Uuid,
    /// A list of records.
    leaves: Vec<LeafData>,
    /// A map of lists.
    by_name: BTreeMap<String, Vec<i64>>,
    /// A list of maps.
    maps: Vec<BTreeMap<String, bool>>,
    /// An optional record.
    maybe_leaf: Option<LeafData>,
    /// An optional list of optionals.
    maybe_list: Option<Vec<Option<String>>>,
    /// A map of optional records.
    nested: BTreeMap<String, Option<LeafData>>,
}

/// Emitted when a tree grows.
#[open_edx_event(type = "com.example.analytics.tree.grown.v1")]
pub struct TreeGrown {
    /// The tree.
    tree: TreeData,
    /// A second leaf, referencing the record defined inside `tree`.
    extra: Option<LeafData>,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "\\PC{0,12}", "[a-z]{1,4}"]
}

fn leaf() -> impl Strategy<Value = LeafData> {
    (
        text(),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        any::<i32>(),
        prop::collection::vec(any::<u8>(), 0..8),
        prop::collection::vec(text(), 0..4),
        prop::option::of(text()),
    )
        .prop_map(|(name, score, small, raw, tags, note)| {
            LeafData::builder()
                .name(name)
                .score(score)
                .small(small)
                .raw(raw)
                .tags(tags)
                .note(note)
                .build()
        })
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..253_402_300_799, 0u32..1_000_000)
        .prop_map(|(seconds, micros)| DateTime::from_timestamp(seconds, micros * 1_000).unwrap())
}

fn tree() -> impl Strategy<Value = TreeData> {
    let first = (
        any::<i64>(),
        any::<bool>(),
        time(),
        any::<u128>().prop_map(Uuid::from_u128),
        prop::collection::vec(leaf(), 0..3),
    );
    let second = (
        prop::collection::btree_map(text(), prop::collection::vec(any::<i64>(), 0..4), 0..4),
        prop::collection::vec(prop::collection::btree_map(text(), any::<bool>(), 0..3), 0..3),
        prop::option::of(leaf()),
        prop::option::of(prop::collection::vec(prop::option::of(text()), 0..3)),
        prop::collection::btree_map(text(), prop::option::of(leaf()), 0..3),
    );
    (first, second).prop_map(
        |((id, flag, when, uid, leaves), (by_name, maps, maybe_leaf, maybe_list, nested))| {
            TreeData::builder()
                .id(id)
                .flag(flag)
                .when(when)
                .uid(uid)
                .leaves(leaves)
                .by_name(by_name)
                .maps(maps)
                .maybe_leaf(maybe_leaf)
                .maybe_list(maybe_list)
                .nested(nested)
                .build()
        },
    )
}

fn event() -> impl Strategy<Value = TreeGrown> {
    (tree(), prop::option::of(leaf())).prop_map(|(tree, extra)| TreeGrown::new(tree, extra))
}

/// The apache-avro value of a payload, built from its `to_dict()` JSON and its shape.
fn to_apache(json: &Json, schema: &Schema) -> AvroValue {
    match (schema, json) {
        (Schema::Boolean, Json::Bool(b)) => AvroValue::Boolean(*b),
        (Schema::Long, Json::Number(n)) => AvroValue::Long(n.as_i64().unwrap()),
        (Schema::Double, Json::Number(n)) => AvroValue::Double(n.as_f64().unwrap()),
        (Schema::Bytes, Json::String(s)) => AvroValue::Bytes(s.chars().map(|c| c as u8).collect()),
        (Schema::String | Schema::Custom(_), Json::String(s)) => AvroValue::String(s.clone()),
        (Schema::Optional(_), Json::Null) => AvroValue::Union(0, Box::new(AvroValue::Null)),
        (Schema::Optional(inner), value) => AvroValue::Union(1, Box::new(to_apache(value, inner))),
        (Schema::Array(items), Json::Array(values)) => {
            AvroValue::Array(values.iter().map(|value| to_apache(value, items)).collect())
        }
        (Schema::Map(values), Json::Object(map)) => AvroValue::Map(
            map.iter()
                .map(|(key, value)| (key.clone(), to_apache(value, values)))
                .collect::<HashMap<_, _>>(),
        ),
        (Schema::Record(record), Json::Object(map)) => AvroValue::Record(
            record
                .fields
                .iter()
                .map(|field| (field.name.to_owned(), to_apache(&map[field.name], field.schema)))
                .collect(),
        ),
        (schema, json) => panic!("{json} does not fit {schema:?}"),
    }
}

fn event_to_apache(event: &TreeGrown) -> AvroValue {
    let json = event.to_json_value();
    AvroValue::Record(
        TreeGrown::DATA_SCHEMA
            .iter()
            .map(|(name, schema)| ((*name).to_owned(), to_apache(&json[*name], schema)))
            .collect(),
    )
}

fn apache_schema() -> apache_avro::Schema {
    apache_avro::Schema::parse(&TreeGrown::avro_schema()).expect("our schema is valid Avro")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn apache_avro_reads_our_bytes_as_our_value(event in event()) {
        let schema = apache_schema();
        let bytes = event.to_avro();
        let reader = apache_avro::reader::datum::GenericDatumReader::builder(&schema).build().unwrap();
        let read = reader.read_value(&mut bytes.as_slice()).unwrap();
        prop_assert_eq!(read, event_to_apache(&event));
    }

    #[test]
    fn our_decoder_reads_apache_avro_bytes(event in event()) {
        let schema = apache_schema();
        let writer = apache_avro::writer::datum::GenericDatumWriter::builder(&schema).build().unwrap();
        let bytes = writer.write_value_to_vec(event_to_apache(&event)).unwrap();
        prop_assert_eq!(TreeGrown::from_avro(&bytes).unwrap(), event);
    }

    #[test]
    fn json_round_trips_through_the_to_dict_shape(event in event()) {
        prop_assert_eq!(TreeGrown::from_json_value(event.to_json_value()).unwrap(), event);
    }
}

#[test]
fn our_schema_parses_in_apache_avro_with_records_defined_once() {
    let schema = TreeGrown::avro_schema();
    let text = schema.to_string();
    assert_eq!(
        text.matches(r#""name":"LeafData","type":"record""#).count(),
        1,
        "{text}"
    );
    assert_eq!(
        schema["fields"][1],
        serde_json::json!({"name": "extra", "type": ["null", "LeafData"], "default": null})
    );
    apache_schema();
}
