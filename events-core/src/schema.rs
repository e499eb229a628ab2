//! The shape of payload types, known at compile time.
//!
//! Every type that may appear in an event payload describes itself with a `&'static`
//! [`Schema`] node ([`EventField::SCHEMA`](crate::EventField::SCHEMA)). The macros build these
//! nodes for `#[event_data]` structs, so the whole payload tree of an event is available to
//! `const` evaluation (which is how `key_field` paths are checked while compiling) and at run
//! time (for the Avro schema and the catalog).

/// One node of a payload type's shape.
///
/// The variants follow the Avro types a payload maps to: integers are all `long` on the wire,
/// and types written as text (datetimes, UUIDs, opaque keys) are [`Schema::Custom`] strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schema {
    /// `bool`, Avro `boolean`.
    Boolean,
    /// `i32` or `i64`, Avro `long`.
    Long,
    /// `f64`, Avro `double`.
    Double,
    /// `Vec<u8>`, Avro `bytes`.
    Bytes,
    /// `String`, Avro `string`.
    String,
    /// A type carried as an Avro `string` holding its canonical text, e.g. `datetime`, `UUID`,
    /// `CourseKey`. The name is the type's name in the Python library.
    Custom(&'static str),
    /// An `#[event_data]` struct, an Avro `record`.
    Record(&'static RecordSchema),
    /// `Option<T>`, the Avro union `["null", T]` with a `null` default.
    Optional(&'static Schema),
    /// `Vec<T>`, an Avro `array`.
    Array(&'static Schema),
    /// `BTreeMap<String, T>`, an Avro `map`.
    Map(&'static Schema),
}

impl Schema {
    /// Whether a value of this shape can serve as an event key: a string, number, boolean or
    /// a type written as text. Records, collections, bytes and optional values cannot.
    pub const fn is_key_scalar(&self) -> bool {
        matches!(
            self,
            Schema::Boolean | Schema::Long | Schema::Double | Schema::String | Schema::Custom(_)
        )
    }

    /// What the node is, for messages: `a record`, `an array`, `a long`, …
    pub const fn describe(&self) -> &'static str {
        match self {
            Schema::Boolean => "a boolean",
            Schema::Long => "a long",
            Schema::Double => "a double",
            Schema::Bytes => "bytes",
            Schema::String => "a string",
            Schema::Custom(_) => "a custom string type",
            Schema::Record(_) => "a record",
            Schema::Optional(_) => "an optional value",
            Schema::Array(_) => "an array",
            Schema::Map(_) => "a map",
        }
    }
}

/// The shape of an `#[event_data]` struct: an Avro record.
#[derive(Debug, PartialEq)]
pub struct RecordSchema {
    /// The record name, which is the struct name and, for the standard events, the Python
    /// class name.
    pub name: &'static str,
    /// The struct's documentation.
    pub doc: &'static str,
    /// The fields in wire order.
    pub fields: &'static [FieldSchema],
}

impl RecordSchema {
    /// The field called `name`, if any.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// One field of a record.
#[derive(Debug, PartialEq)]
pub struct FieldSchema {
    /// The field name.
    pub name: &'static str,
    /// The field's documentation.
    pub doc: &'static str,
    /// The field's Rust type as written in the struct.
    pub rust_type: &'static str,
    /// The field's shape.
    pub schema: &'static Schema,
    /// Whether the field holds personally identifiable information.
    pub pii: bool,
    /// Whether the builder fills the field when it is not given (an `Option` or a default).
    pub has_default: bool,
}
