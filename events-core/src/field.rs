//! The types a payload may hold, and how each is written.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use uuid::Uuid;

use crate::avro::{self, DecodeError, DecodeErrorKind, Reader};
use crate::datetime::DateTimeRangeError;
use crate::schema::Schema;

/// A type that can be a field of an event payload.
///
/// Implemented for the types the wire supports: `String`, `bool`, `i64`, `i32`, `f64`,
/// `Vec<u8>`, `DateTime<Utc>`, `Uuid`, every `#[event_data]` struct, and `Option<T>`, `Vec<T>`
/// and `BTreeMap<String, T>` of those, nested freely. `HashMap` is deliberately left out: map
/// entries must be written in a deterministic (sorted) order to give the same bytes as Python.
///
/// The JSON methods give the shape of Python's `AvroSignalSerializer.to_dict()`: datetimes in
/// `isoformat()` text, UUIDs and keys as strings, and doubles as numbers except NaN and the
/// infinities, which are the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (JSON has no
/// numbers for them; every NaN reads back as Python's `float('nan')`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of an Open edX event payload",
    label = "not a supported payload type",
    note = "supported: String, bool, i64, i32, f64, Vec<u8>, DateTime<Utc>, Uuid, the opaque keys, \
            #[event_data] structs, and Option<T>, Vec<T>, BTreeMap<String, T> of those",
    note = "if `{Self}` is a payload struct of yours, annotate it with #[event_data]; \
            to send it as text, as opaque keys are, implement `events_core::CustomType` for it"
)]
pub trait EventField: Clone + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The shape of this type.
    const SCHEMA: &'static Schema;

    /// Appends the Avro binary encoding of the value.
    fn encode_avro(&self, out: &mut Vec<u8>);

    /// Reads a value from Avro binary.
    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Writes the value in the JSON shape of Python's `to_dict()`.
    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// Reads the value from the JSON shape of Python's `to_dict()`.
    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Whether [`normalize`](Self::normalize) can change or refuse a value of this type.
    const NORMALIZES: bool = false;

    /// The value as it reads back from the wire: datetimes truncated to the microsecond, the
    /// precision of Python and of the text they travel as. Builders and `with_*` methods apply
    /// it, so a payload equals itself after a round trip through Avro or JSON.
    ///
    /// A datetime outside the years 1 to 9999, which Python cannot hold and no reader accepts,
    /// is refused: builders, `with_*` methods and `new` panic with the error, naming the field,
    /// so that a payload never holds a value its encoding would have to misrepresent.
    #[inline]
    fn normalize(self) -> Result<Self, DateTimeRangeError> {
        Ok(self)
    }

    /// The text of the scalar at the dotted `path` inside this value (the rest of a
    /// `key_field` path, segment by segment), as a message key is read: see
    /// [`KeyText`](crate::key_field::KeyText). A scalar answers for the empty path; a record
    /// passes the rest of the path to the field named by its first segment; a path that leads
    /// nowhere, or into an optional value or a collection, has no key (`None`).
    #[inline]
    fn key_text_at(&self, path: &mut KeyPath<'_>) -> Option<String> {
        let _ = path;
        None
    }
}

/// The segments of a dotted `key_field` path still to be followed, for
/// [`EventField::key_text_at`].
pub type KeyPath<'a> = std::str::Split<'a, char>;

/// [`KeyText`](crate::key_field::KeyText) of a scalar when `path` has no segment left.
#[inline]
fn scalar_key_text<T: crate::key_field::KeyText + ?Sized>(value: &T, path: &mut KeyPath<'_>) -> Option<String> {
    path.next().is_none().then(|| value.key_text())
}

/// Adapts an [`EventField`] to serde, so containers of fields can use serde's own
/// implementations for their structure.
pub(crate) struct Json<T>(pub(crate) T);

impl<T: EventField> Serialize for Json<&T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_json(serializer)
    }
}

impl<'de, T: EventField> Deserialize<'de> for Json<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_json(deserializer).map(Json)
    }
}

macro_rules! serde_native {
    ($($ty:ty => $schema:expr, |$value:ident, $out:ident| $encode:expr, |$reader:ident| $decode:expr;)*) => {$(
        impl EventField for $ty {
            const SCHEMA: &'static Schema = &$schema;

            #[inline]
            fn encode_avro(&self, $out: &mut Vec<u8>) {
                let $value = self;
                $encode
            }

            #[inline]
            fn decode_avro($reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
                $decode
            }

            fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Serialize::serialize(self, serializer)
            }

            fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty as Deserialize>::deserialize(deserializer)
            }

            #[inline]
            fn key_text_at(&self, path: &mut KeyPath<'_>) -> Option<String> {
                scalar_key_text(self, path)
            }
        }
    )*};
}

serde_native! {
    String => Schema::String, |v, out| avro::write_str(out, v), |r| r.read_str().map(str::to_owned);
    bool => Schema::Boolean, |v, out| avro::write_bool(out, *v), |r| r.read_bool();
    i64 => Schema::Long, |v, out| avro::write_long(out, *v), |r| r.read_long();
    i32 => Schema::Long, |v, out| avro::write_long(out, i64::from(*v)), |r| r.read_i32();
}

/// The NaN that every NaN read from JSON becomes: the bits of Python's `float('nan')`, which is
/// what `json.loads("NaN")` gives and what fastavro then writes.
const JSON_NAN: f64 = f64::from_bits(0x7ff8_0000_0000_0000);

impl EventField for f64 {
    const SCHEMA: &'static Schema = &Schema::Double;

    #[inline]
    fn key_text_at(&self, path: &mut KeyPath<'_>) -> Option<String> {
        scalar_key_text(self, path)
    }

    #[inline]
    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_double(out, *self);
    }

    #[inline]
    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.read_double()
    }

    /// A finite double is a JSON number; NaN and the infinities, which JSON has no numbers for,
    /// are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`, as in the protobuf JSON mapping
    /// (serde_json would write `null`, which reads back as no double at all; Python's
    /// `json.dumps` writes bare `NaN` tokens, which are not JSON).
    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_nan() {
            serializer.serialize_str("NaN")
        } else if self.is_infinite() {
            serializer.serialize_str(if *self > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            serializer.serialize_f64(*self)
        }
    }

    /// A number, or one of the three strings [`serialize_json`](Self::serialize_json) writes;
    /// any NaN reads as Python's NaN, so its sign and payload bits do not survive JSON.
    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DoubleVisitor;

        impl de::Visitor<'_> for DoubleVisitor {
            type Value = f64;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a number, or "NaN", "Infinity" or "-Infinity""#)
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
                Ok(if value.is_nan() { JSON_NAN } else { value })
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
                Ok(value as f64)
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
                Ok(value as f64)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<f64, E> {
                match text {
                    "NaN" => Ok(JSON_NAN),
                    "Infinity" => Ok(f64::INFINITY),
                    "-Infinity" => Ok(f64::NEG_INFINITY),
                    _ => Err(E::invalid_value(de::Unexpected::Str(text), &self)),
                }
            }
        }

        deserializer.deserialize_any(DoubleVisitor)
    }
}

impl EventField for Vec<u8> {
    const SCHEMA: &'static Schema = &Schema::Bytes;

    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_bytes(out, self);
    }

    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.read_bytes().map(<[u8]>::to_vec)
    }

    /// Bytes are written as Avro's JSON encoding writes them: a string whose code points
    /// 0–255 are the byte values.
    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text: String = self.iter().map(|&byte| char::from(byte)).collect();
        serializer.serialize_str(&text)
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.chars()
            .map(|ch| u8::try_from(u32::from(ch)))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| de::Error::custom("bytes must be a string of code points 0 to 255"))
    }
}

impl EventField for DateTime<Utc> {
    const SCHEMA: &'static Schema = &Schema::Custom("datetime");
    const NORMALIZES: bool = true;

    #[inline]
    fn key_text_at(&self, path: &mut KeyPath<'_>) -> Option<String> {
        scalar_key_text(self, path)
    }

    #[inline]
    fn normalize(self) -> Result<Self, DateTimeRangeError> {
        crate::datetime::check_range(&self)?;
        Ok(chrono::SubsecRound::trunc_subsecs(self, 6))
    }

    #[inline]
    fn encode_avro(&self, out: &mut Vec<u8>) {
        match crate::datetime::IsoFormat::new(self) {
            Ok(text) => avro::write_str(out, text.as_str()),
            // Every way of building a payload normalizes its datetimes, which refuses this; only
            // a struct literal written inside the payload's own module gets here. Writing text
            // that no reader accepts would make a poison message on the bus.
            Err(error) => panic!("a payload holds a datetime that cannot be encoded: {error}"),
        }
    }

    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = reader.position();
        // The canonical text is ASCII by construction, so when it parses the UTF-8 check that
        // `read_str` would make is not needed.
        let bytes = reader.read_bytes()?;
        if let Some(time) = crate::datetime::parse_canonical(bytes) {
            return Ok(time);
        }
        let data_start = reader.position() - bytes.len();
        let text = std::str::from_utf8(bytes)
            .map_err(|error| DecodeError::new(DecodeErrorKind::InvalidUtf8, data_start + error.valid_up_to()))?;
        crate::datetime::parse_isoformat(text).map_err(|error| {
            DecodeError::new(
                DecodeErrorKind::InvalidText {
                    type_name: "datetime",
                    reason: error.to_string(),
                },
                start,
            )
        })
    }

    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::datetime::serde_isoformat::serialize(self, serializer)
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::datetime::serde_isoformat::deserialize(deserializer)
    }
}

impl EventField for Uuid {
    const SCHEMA: &'static Schema = &Schema::Custom("UUID");

    #[inline]
    fn key_text_at(&self, path: &mut KeyPath<'_>) -> Option<String> {
        scalar_key_text(self, path)
    }

    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_str(out, self.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
    }

    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let text = reader.read_str()?;
        Uuid::parse_str(text).map_err(|error| {
            DecodeError::new(
                DecodeErrorKind::InvalidText {
                    type_name: "UUID",
                    reason: error.to_string(),
                },
                start,
            )
        })
    }

    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Uuid::parse_str(&text).map_err(de::Error::custom)
    }
}

impl<T: EventField> EventField for Option<T> {
    const SCHEMA: &'static Schema = &Schema::Optional(T::SCHEMA);
    const NORMALIZES: bool = T::NORMALIZES;

    #[inline]
    fn normalize(self) -> Result<Self, DateTimeRangeError> {
        if T::NORMALIZES {
            self.map(T::normalize).transpose()
        } else {
            Ok(self)
        }
    }

    #[inline]
    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_optional(out, self.is_some());
        if let Some(value) = self {
            value.encode_avro(out);
        }
    }

    #[inline]
    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if reader.read_optional()? {
            T::decode_avro(reader).map(Some)
        } else {
            Ok(None)
        }
    }

    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&Json(value)),
            None => serializer.serialize_none(),
        }
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<Json<T>>::deserialize(deserializer)?.map(|Json(value)| value))
    }
}

impl<T: EventField> EventField for Vec<T> {
    const SCHEMA: &'static Schema = &Schema::Array(T::SCHEMA);
    const NORMALIZES: bool = T::NORMALIZES;

    fn normalize(self) -> Result<Self, DateTimeRangeError> {
        // Collected in place: the vector's allocation is reused.
        if T::NORMALIZES {
            self.into_iter().map(T::normalize).collect()
        } else {
            Ok(self)
        }
    }

    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_block_start(out, self.len());
        for item in self {
            item.encode_avro(out);
        }
        avro::write_block_end(out);
    }

    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut items = Vec::new();
        loop {
            let block = reader.read_block()?;
            if block.count == 0 {
                return Ok(items);
            }
            // The count is at most the bytes left, but an item may be far larger in memory than
            // its one byte on the wire: reserve no more memory than the input holds, and let the
            // vector grow only as items actually decode.
            items.reserve(block.count.min(reader.remaining() / size_of::<T>().max(1)));
            for _ in 0..block.count {
                let index = items.len();
                items.push(T::decode_avro(reader).map_err(|error| error.at_index(index))?);
            }
            reader.end_block(block)?;
        }
    }

    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for item in self {
            seq.serialize_element(&Json(item))?;
        }
        seq.end()
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Json<T>>::deserialize(deserializer)?
            .into_iter()
            .map(|Json(value)| value)
            .collect())
    }
}

impl<T: EventField> EventField for BTreeMap<String, T> {
    const SCHEMA: &'static Schema = &Schema::Map(T::SCHEMA);
    const NORMALIZES: bool = T::NORMALIZES;

    fn normalize(self) -> Result<Self, DateTimeRangeError> {
        if T::NORMALIZES {
            self.into_iter()
                .map(|(key, value)| Ok((key, value.normalize()?)))
                .collect()
        } else {
            Ok(self)
        }
    }

    /// Entries are written in key order, as the Python library sorts them.
    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_block_start(out, self.len());
        for (key, value) in self {
            avro::write_str(out, key);
            value.encode_avro(out);
        }
        avro::write_block_end(out);
    }

    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut map = BTreeMap::new();
        loop {
            let block = reader.read_block()?;
            if block.count == 0 {
                return Ok(map);
            }
            for _ in 0..block.count {
                let key_at = reader.position();
                let key = reader.read_str()?;
                let value = T::decode_avro(reader).map_err(|error| error.at_key(key))?;
                if map.insert(key.to_owned(), value).is_some() {
                    return Err(DecodeError::new(
                        DecodeErrorKind::DuplicateMapKey {
                            key: key.chars().take(64).collect(),
                        },
                        key_at,
                    ));
                }
            }
            reader.end_block(block)?;
        }
    }

    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            map.serialize_entry(key, &Json(value))?;
        }
        map.end()
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, Json<T>>::deserialize(deserializer)?
            .into_iter()
            .map(|(key, Json(value))| (key, value))
            .collect())
    }
}

/// The value [`EventField::normalize`] gave for a payload field, or a panic naming the field
/// (`field`, as `Struct.field`) if it refused it: what the generated builders, `with_*` methods
/// and `new` call.
///
/// A value that cannot travel (a datetime outside the years 1 to 9999) is a panic rather than an
/// error because these methods return the payload itself; the panic points at the caller's
/// line. Code handling times from outside input checks them first with
/// [`check_range`](crate::datetime::check_range).
#[track_caller]
#[inline]
pub fn expect_normalized<T>(normalized: Result<T, DateTimeRangeError>, field: &'static str) -> T {
    match normalized {
        Ok(value) => value,
        Err(error) => panic!("{field}: {error}"),
    }
}

/// `#[serde(with = ...)]` functions that route a payload field through [`EventField`]; used by
/// the code `#[event_data]` generates.
pub mod serde_field {
    use super::*;

    /// Writes `value` through [`EventField::serialize_json`].
    pub fn serialize<T: EventField, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize_json(serializer)
    }

    /// Reads a value through [`EventField::deserialize_json`].
    pub fn deserialize<'de, T: EventField, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        T::deserialize_json(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn to_json<T: EventField>(value: &T) -> serde_json::Value {
        value.serialize_json(serde_json::value::Serializer).unwrap()
    }

    fn from_json<T: EventField>(value: serde_json::Value) -> Result<T, serde_json::Error> {
        T::deserialize_json(value)
    }

    #[test]
    fn nested_containers_use_python_to_dict_shapes() {
        let t = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap();
        let value: BTreeMap<String, Vec<Option<DateTime<Utc>>>> =
            BTreeMap::from([("b".to_owned(), vec![Some(t), None]), ("a".to_owned(), vec![])]);
        let json = to_json(&value);
        assert_eq!(json, json!({"a": [], "b": ["2024-02-01T12:00:00+00:00", null]}));
        assert_eq!(
            from_json::<BTreeMap<String, Vec<Option<DateTime<Utc>>>>>(json).unwrap(),
            value
        );
    }

    #[test]
    fn uuids_are_lower_case_hyphenated() {
        let id = Uuid::parse_str("5F1A6A4E-C0DE-11EE-8A2B-0242AC120002").unwrap();
        assert_eq!(to_json(&id), json!("5f1a6a4e-c0de-11ee-8a2b-0242ac120002"));
    }

    #[test]
    fn bytes_round_trip_as_latin1_code_points() {
        let bytes = vec![0u8, 65, 255];
        let json = to_json(&bytes);
        assert_eq!(json, json!("\u{0}A\u{ff}"));
        assert_eq!(from_json::<Vec<u8>>(json).unwrap(), bytes);
        assert!(from_json::<Vec<u8>>(json!("€")).is_err());
    }

    #[test]
    fn shapes_compose_at_compile_time() {
        const SHAPE: &Schema = <Option<Vec<BTreeMap<String, i32>>> as EventField>::SCHEMA;
        assert_eq!(SHAPE, &Schema::Optional(&Schema::Array(&Schema::Map(&Schema::Long))));
    }

    #[test]
    fn normalizing_truncates_datetimes_to_microseconds_wherever_they_are_nested() {
        let t = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + chrono::Duration::nanoseconds(1_234_567);
        let truncated = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap() + chrono::Duration::microseconds(1_234);
        let nested = BTreeMap::from([("a".to_owned(), vec![Some(t), None])]);
        assert_eq!(
            nested.normalize(),
            Ok(BTreeMap::from([("a".to_owned(), vec![Some(truncated), None])]))
        );
        const { assert!(!<Vec<String> as EventField>::NORMALIZES) };
        const { assert!(<Option<Vec<DateTime<Utc>>> as EventField>::NORMALIZES) };
    }

    #[test]
    fn normalizing_refuses_datetimes_python_cannot_hold_wherever_they_are_nested() {
        let inside = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let outside = inside + chrono::Duration::seconds(1);
        let nested = BTreeMap::from([("a".to_owned(), vec![Some(inside), None, Some(outside)])]);
        assert_eq!(nested.normalize().unwrap_err().time(), outside);
        assert!(Some(inside).normalize().is_ok());
    }

    #[test]
    #[should_panic(expected = "Slot.starts: the datetime +10000-01-01T00:00:00Z is outside the years 1 to 9999")]
    fn a_field_given_a_datetime_python_cannot_hold_is_a_panic_naming_it() {
        let outside = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::seconds(1);
        expect_normalized(outside.normalize(), "Slot.starts");
    }

    #[test]
    fn non_finite_doubles_are_strings_in_json_inside_every_container() {
        let value: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::from([(
            "a".to_owned(),
            vec![
                Some(f64::NAN),
                Some(f64::INFINITY),
                Some(f64::NEG_INFINITY),
                Some(-0.0),
                None,
            ],
        )]);
        let json = to_json(&value);
        assert_eq!(json, json!({"a": ["NaN", "Infinity", "-Infinity", -0.0, null]}));
        let back = from_json::<BTreeMap<String, Vec<Option<f64>>>>(json).unwrap();
        let bits: Vec<Option<u64>> = back["a"].iter().map(|x| x.map(f64::to_bits)).collect();
        assert_eq!(
            bits,
            [
                Some(0x7ff8_0000_0000_0000),
                Some(f64::INFINITY.to_bits()),
                Some(f64::NEG_INFINITY.to_bits()),
                Some((-0.0f64).to_bits()),
                None
            ]
        );
    }

    #[test]
    fn every_nan_reads_back_from_json_as_python_s_nan() {
        let negative_with_payload = f64::from_bits(0xffff_fff4_0000_0001);
        let back = from_json::<f64>(to_json(&negative_with_payload)).unwrap();
        assert_eq!(back.to_bits(), 0x7ff8_0000_0000_0000);
    }

    #[test]
    fn doubles_read_numbers_and_the_three_names_only() {
        assert_eq!(from_json::<f64>(json!(2)).unwrap(), 2.0);
        assert_eq!(from_json::<f64>(json!(-2)).unwrap(), -2.0);
        assert_eq!(from_json::<f64>(json!(0.25)).unwrap(), 0.25);
        for bad in [
            json!("nan"),
            json!("inf"),
            json!("1.5"),
            json!(null),
            json!(true),
            json!([]),
        ] {
            let error = from_json::<f64>(bad.clone()).unwrap_err().to_string();
            assert!(
                error.contains(r#"expected a number, or "NaN", "Infinity" or "-Infinity""#),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn wrong_json_types_are_errors() {
        assert!(from_json::<i64>(json!("1")).is_err());
        assert!(from_json::<DateTime<Utc>>(json!("soon")).is_err());
        assert!(from_json::<Uuid>(json!("not-a-uuid")).is_err());
    }
}
