//! Compile-time resolution of an event's `key_field` through its payload shape.
//!
//! `#[open_edx_event(key_field = "enrollment.course.course_key")]` expands to a `const` item
//! that calls [`check_key_field`]. The first segment (a data key) is checked by the macro
//! itself; the rest needs the shapes of types that may live in other crates, which only `const`
//! evaluation can see. A path that does not resolve to a scalar makes the evaluation panic, and
//! the compiler reports the panic message as an error at the `key_field` literal.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::schema::{RecordSchema, Schema};

/// The text of a value that an event's `key_field` can lead to, as Python's `str(value)` gives
/// it: what the Python producer uses as a message key. Strings and opaque keys as they are,
/// `True`/`False`, integers in decimal, floats as `repr` writes them (`nan`, `inf`), UUIDs
/// hyphenated and datetimes in `isoformat()`.
///
/// The macros call it on the field at `key_field` through the payload's getters, so an event's
/// key is read without going through JSON or `Any`.
///
/// ```
/// use events_core::key_field::KeyText;
///
/// assert_eq!(true.key_text(), "True");
/// assert_eq!(1e16_f64.key_text(), "1e+16");
/// assert_eq!("course-v1:a+b+c".key_text(), "course-v1:a+b+c");
/// ```
pub trait KeyText {
    /// The text.
    fn key_text(&self) -> String;
}

impl KeyText for str {
    fn key_text(&self) -> String {
        self.to_owned()
    }
}

impl KeyText for String {
    fn key_text(&self) -> String {
        self.clone()
    }
}

impl KeyText for bool {
    fn key_text(&self) -> String {
        if *self { "True" } else { "False" }.to_owned()
    }
}

impl KeyText for i64 {
    fn key_text(&self) -> String {
        self.to_string()
    }
}

impl KeyText for i32 {
    fn key_text(&self) -> String {
        self.to_string()
    }
}

impl KeyText for f64 {
    fn key_text(&self) -> String {
        python_float_str(*self)
    }
}

impl KeyText for Uuid {
    fn key_text(&self) -> String {
        self.hyphenated().to_string()
    }
}

impl KeyText for DateTime<Utc> {
    fn key_text(&self) -> String {
        // A payload's datetimes are in range: building one refuses the others.
        crate::datetime::to_isoformat(self).unwrap_or_default()
    }
}

/// Python's `str(float)`: `repr` digits, with `nan`, `inf` and `-inf` for the others.
pub(crate) fn python_float_str(value: f64) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        crate::python_json::python_float_repr(value)
    }
}

/// Checks that `path` (starting with a data key) resolves to a scalar through `data_keys`, and
/// panics at compile time with a description of the problem when it does not.
///
/// ```
/// use events_core::schema::Schema;
/// use events_core::key_field::check_key_field;
///
/// const _: () = check_key_field("t", &[("name", &Schema::String)], "name");
/// ```
///
/// ```compile_fail
/// use events_core::schema::Schema;
/// use events_core::key_field::check_key_field;
///
/// const _: () = check_key_field("t", &[("name", &Schema::String)], "name.first");
/// ```
pub const fn check_key_field(event_type: &str, data_keys: &[(&str, &'static Schema)], path: &str) {
    if let Err(message) = resolve_key_field(event_type, data_keys, path) {
        let text = message.as_str();
        panic!("{}", text);
    }
}

/// Resolves `path` through `data_keys`, returning the scalar shape it ends at or a message
/// saying why it does not resolve.
// The message is built in a fixed buffer because `const` evaluation cannot allocate.
#[allow(clippy::result_large_err)]
pub const fn resolve_key_field(
    event_type: &str,
    data_keys: &[(&str, &'static Schema)],
    path: &str,
) -> Result<&'static Schema, Message> {
    let path_bytes = path.as_bytes();
    let (first, mut rest) = split_first_segment(path_bytes);
    let mut current: &'static Schema = match find_data_key(data_keys, first) {
        Some(schema) => schema,
        None => {
            let mut m = Message::new().key_field(path, event_type);
            m = m
                .push("the event has no data key `")
                .push_bytes(first)
                .push("`; its data keys are: ");
            let mut i = 0;
            while i < data_keys.len() {
                if i > 0 {
                    m = m.push(", ");
                }
                m = m.push("`").push(data_keys[i].0).push("`");
                i += 1;
            }
            return Err(m);
        }
    };
    let mut walked: &[u8] = first;
    while !rest.is_empty() {
        let (segment, remaining) = split_first_segment(rest);
        let record: &'static RecordSchema = match current {
            Schema::Record(record) => record,
            Schema::Optional(_) => {
                let m = Message::new().key_field(path, event_type);
                return Err(m
                    .push("`")
                    .push_bytes(walked)
                    .push("` is optional and may be absent, but an event key must always be present; key on a required field instead"));
            }
            Schema::Array(_) | Schema::Map(_) => {
                let m = Message::new().key_field(path, event_type);
                return Err(m
                    .push("`")
                    .push_bytes(walked)
                    .push("` is ")
                    .push(current.describe())
                    .push(" holding many values, but an event has one key; key on a field outside the collection"));
            }
            other => {
                let m = Message::new().key_field(path, event_type);
                return Err(m
                    .push("`")
                    .push_bytes(walked)
                    .push("` is ")
                    .push(other.describe())
                    .push(", which has no field `")
                    .push_bytes(segment)
                    .push("`; end the path at `")
                    .push_bytes(walked)
                    .push("`"));
            }
        };
        current = match find_field(record, segment) {
            Some(schema) => schema,
            None => {
                let mut m = Message::new().key_field(path, event_type);
                m = m
                    .push("`")
                    .push(record.name)
                    .push("` (at `")
                    .push_bytes(walked)
                    .push("`) has no field `")
                    .push_bytes(segment)
                    .push("`; its fields are: ");
                m = m.push_field_names(record);
                return Err(m);
            }
        };
        walked = path_bytes.split_at(walked.len() + 1 + segment.len()).0;
        rest = remaining;
    }
    if current.is_key_scalar() {
        return Ok(current);
    }
    let mut m = Message::new().key_field(path, event_type);
    m = m.push("it ends at ").push(current.describe());
    match current {
        Schema::Record(record) => {
            m = m
                .push(" `")
                .push(record.name)
                .push("`; continue the path into one of its fields: ");
            m = m.push_field_names(record);
            Err(m)
        }
        Schema::Optional(_) => {
            Err(m.push(", but an event key must always be present; key on a required field instead"))
        }
        Schema::Array(_) | Schema::Map(_) => Err(m.push(
            " holding many values, but an event has one key; key on a string, number, boolean, key, UUID or datetime outside it",
        )),
        _ => Err(m.push(", but an event key must be a string, number, boolean, key, UUID or datetime")),
    }
}

const fn split_first_segment(path: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'.' {
            let (head, tail) = path.split_at(i);
            return (head, tail.split_at(1).1);
        }
        i += 1;
    }
    (path, &[])
}

const fn find_data_key(data_keys: &[(&str, &'static Schema)], name: &[u8]) -> Option<&'static Schema> {
    let mut i = 0;
    while i < data_keys.len() {
        if bytes_eq(data_keys[i].0.as_bytes(), name) {
            return Some(data_keys[i].1);
        }
        i += 1;
    }
    None
}

const fn find_field(record: &'static RecordSchema, name: &[u8]) -> Option<&'static Schema> {
    let mut i = 0;
    while i < record.fields.len() {
        if bytes_eq(record.fields[i].name.as_bytes(), name) {
            return Some(record.fields[i].schema);
        }
        i += 1;
    }
    None
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const CAPACITY: usize = 1024;

/// A message assembled during `const` evaluation, where `String` is not available.
#[derive(Clone, Copy)]
pub struct Message {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message {
            bytes: [0; CAPACITY],
            len: 0,
        }
    }

    const fn key_field(self, path: &str, event_type: &str) -> Self {
        self.push("key_field `")
            .push(path)
            .push("` of `")
            .push(event_type)
            .push("` does not resolve: ")
    }

    /// The record's field names, quoted and separated by commas.
    const fn push_field_names(mut self, record: &RecordSchema) -> Self {
        let mut i = 0;
        while i < record.fields.len() {
            if i > 0 {
                self = self.push(", ");
            }
            self = self.push("`").push(record.fields[i].name).push("`");
            i += 1;
        }
        self
    }

    const fn push(self, text: &str) -> Self {
        self.push_bytes(text.as_bytes())
    }

    const fn push_bytes(mut self, text: &[u8]) -> Self {
        let mut i = 0;
        // Whole UTF-8 sequences only: stop before a character that does not fit.
        while i < text.len() {
            let width = utf8_width(text[i]);
            if self.len + width > CAPACITY - 3 || i + width > text.len() {
                return self.ellipsis();
            }
            let mut j = 0;
            while j < width {
                self.bytes[self.len] = text[i + j];
                self.len += 1;
                j += 1;
            }
            i += width;
        }
        self
    }

    const fn ellipsis(mut self) -> Self {
        if self.len + 3 <= CAPACITY && !self.ends_with_ellipsis() {
            self.bytes[self.len] = b'.';
            self.bytes[self.len + 1] = b'.';
            self.bytes[self.len + 2] = b'.';
            self.len += 3;
        }
        self
    }

    const fn ends_with_ellipsis(&self) -> bool {
        self.len >= 3
            && self.bytes[self.len - 1] == b'.'
            && self.bytes[self.len - 2] == b'.'
            && self.bytes[self.len - 3] == b'.'
    }

    /// The message text.
    pub const fn as_str(&self) -> &str {
        match std::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(text) => text,
            Err(_) => "key_field does not resolve",
        }
    }
}

const fn utf8_width(first: u8) -> usize {
    if first < 0x80 {
        1
    } else if first >= 0xF0 {
        4
    } else if first >= 0xE0 {
        3
    } else {
        2
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FieldSchema;

    const PII: RecordSchema = RecordSchema {
        name: "UserPersonalData",
        doc: "",
        fields: &[field("username", &Schema::String), field("email", &Schema::String)],
    };
    const USER: RecordSchema = RecordSchema {
        name: "UserData",
        doc: "",
        fields: &[
            field("id", &Schema::Long),
            field("pii", &Schema::Record(&PII)),
            field("tags", &Schema::Array(&Schema::String)),
            field("manager", &Schema::Optional(&Schema::Record(&PII))),
            field("nickname", &Schema::Optional(&Schema::String)),
        ],
    };

    const fn field(name: &'static str, schema: &'static Schema) -> FieldSchema {
        FieldSchema {
            name,
            doc: "",
            rust_type: "",
            schema,
            pii: false,
            has_default: false,
        }
    }

    fn resolve(path: &str) -> Result<&'static Schema, String> {
        resolve_key_field(
            "org.openedx.learning.user.x.v1",
            &[("user", &Schema::Record(&USER))],
            path,
        )
        .map_err(|m| m.as_str().to_owned())
    }

    #[test]
    fn nested_scalar_fields_resolve() {
        assert_eq!(resolve("user.pii.username"), Ok(&Schema::String));
        assert_eq!(resolve("user.id"), Ok(&Schema::Long));
    }

    #[test]
    fn an_unknown_field_lists_the_fields_at_that_level() {
        assert_eq!(
            resolve("user.pii.name").unwrap_err(),
            "key_field `user.pii.name` of `org.openedx.learning.user.x.v1` does not resolve: \
             `UserPersonalData` (at `user.pii`) has no field `name`; its fields are: `username`, `email`"
        );
    }

    #[test]
    fn an_unknown_data_key_lists_the_data_keys() {
        assert!(
            resolve("enrollment.id")
                .unwrap_err()
                .ends_with("the event has no data key `enrollment`; its data keys are: `user`")
        );
    }

    #[test]
    fn a_path_ending_at_a_record_suggests_its_fields() {
        assert!(resolve("user.pii").unwrap_err().ends_with(
            "it ends at a record `UserPersonalData`; continue the path into one of its fields: `username`, `email`"
        ));
    }

    #[test]
    fn collections_optionals_and_scalars_stop_the_path() {
        assert!(resolve("user.tags").unwrap_err().ends_with(
            "it ends at an array holding many values, but an event has one key; key on a string, number, boolean, key, UUID or datetime outside it"
        ));
        assert!(
            resolve("user.manager.email")
                .unwrap_err()
                .contains("`user.manager` is optional and may be absent")
        );
        assert!(
            resolve("user.nickname")
                .unwrap_err()
                .contains("an event key must always be present")
        );
        assert!(
            resolve("user.id.value")
                .unwrap_err()
                .ends_with("`user.id` is a long, which has no field `value`; end the path at `user.id`")
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let long = "é".repeat(2000);
        let message = resolve(&long).unwrap_err();
        assert!(message.ends_with("..."));
        assert!(message.len() <= CAPACITY);
    }
}
