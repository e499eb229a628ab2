//! The Parsing Canonical Form of an Avro schema and its CRC-64-AVRO fingerprint, as the Avro
//! specification defines them: two schemas that read the same bytes the same way have the
//! same canonical form, whatever their documentation, defaults, namespaces or key order.

use std::fmt::Write as _;

use serde_json::Value;

/// The CRC-64-AVRO fingerprint of `canonical` (a Parsing Canonical Form), the 64-bit Rabin
/// fingerprint of the Avro specification; Avro's single-object encoding writes it little-endian.
///
/// ```
/// use events_core::avro::crc64_avro;
///
/// // The empty input leaves the fingerprint at its initial value.
/// assert_eq!(crc64_avro(b""), 0xc15d_213a_a4d7_a795);
/// ```
pub fn crc64_avro(canonical: &[u8]) -> u64 {
    const EMPTY: u64 = 0xc15d_213a_a4d7_a795;
    const TABLE: [u64; 256] = {
        let mut table = [0u64; 256];
        let mut i = 0;
        while i < 256 {
            let mut fp = i as u64;
            let mut bit = 0;
            while bit < 8 {
                fp = (fp >> 1) ^ (EMPTY & (fp & 1).wrapping_neg());
                bit += 1;
            }
            table[i] = fp;
            i += 1;
        }
        table
    };
    canonical.iter().fold(EMPTY, |fp, byte| {
        (fp >> 8) ^ TABLE[((fp ^ u64::from(*byte)) & 0xff) as usize]
    })
}

/// The Parsing Canonical Form of `schema`: primitives in their short form, full names for
/// named types and references to them, only the attributes that matter for reading (`name`,
/// `type`, `fields`, `symbols`, `items`, `values`, `size`) in that order, and no whitespace.
///
/// ```
/// use events_core::avro::parsing_canonical_form;
/// use serde_json::json;
///
/// let schema = json!({
///     "type": "record", "name": "CloudEvent", "namespace": "org.example.v1", "doc": "An event",
///     "fields": [{"name": "when", "type": {"type": "string"}, "doc": "When it happened"}],
/// });
/// assert_eq!(
///     parsing_canonical_form(&schema),
///     r#"{"name":"org.example.v1.CloudEvent","type":"record","fields":[{"name":"when","type":"string"}]}"#,
/// );
/// ```
pub fn parsing_canonical_form(schema: &Value) -> String {
    let mut out = String::new();
    write_schema(schema, "", &mut out);
    out
}

const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

fn write_schema(schema: &Value, namespace: &str, out: &mut String) {
    match schema {
        Value::String(name) if PRIMITIVES.contains(&name.as_str()) => write_string(name, out),
        Value::String(name) => write_string(&full_name(name, None, namespace), out),
        Value::Array(branches) => {
            out.push('[');
            for (index, branch) in branches.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_schema(branch, namespace, out);
            }
            out.push(']');
        }
        Value::Object(object) => {
            let kind = object.get("type").and_then(Value::as_str).unwrap_or_default();
            if PRIMITIVES.contains(&kind) {
                return write_string(kind, out);
            }
            if !matches!(kind, "record" | "error" | "enum" | "fixed") {
                // `array` and `map`, or a `type` that is itself a schema.
                out.push('{');
                let mut first = true;
                for attribute in ["type", "items", "values"] {
                    let Some(value) = object.get(attribute) else { continue };
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_string(attribute, out);
                    out.push(':');
                    if attribute == "type" {
                        match value {
                            Value::String(kind) => write_string(kind, out),
                            nested => write_schema(nested, namespace, out),
                        }
                    } else {
                        write_schema(value, namespace, out);
                    }
                }
                out.push('}');
                return;
            }
            let name = object.get("name").and_then(Value::as_str).unwrap_or_default();
            let own_namespace = object.get("namespace").and_then(Value::as_str);
            let full = full_name(name, own_namespace, namespace);
            // Names inside a named type are relative to its namespace.
            let inner = full.rsplit_once('.').map_or("", |(space, _)| space).to_owned();
            out.push_str("{\"name\":");
            write_string(&full, out);
            out.push_str(",\"type\":");
            write_string(kind, out);
            if let Some(Value::Array(fields)) = object.get("fields") {
                out.push_str(",\"fields\":[");
                for (index, field) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str("{\"name\":");
                    write_string(field.get("name").and_then(Value::as_str).unwrap_or_default(), out);
                    out.push_str(",\"type\":");
                    write_schema(field.get("type").unwrap_or(&Value::Null), &inner, out);
                    out.push('}');
                }
                out.push(']');
            }
            if let Some(Value::Array(symbols)) = object.get("symbols") {
                out.push_str(",\"symbols\":[");
                for (index, symbol) in symbols.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_string(symbol.as_str().unwrap_or_default(), out);
                }
                out.push(']');
            }
            if let Some(size) = object.get("size").and_then(Value::as_u64) {
                let _ = write!(out, ",\"size\":{size}");
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn full_name(name: &str, own_namespace: Option<&str>, enclosing: &str) -> String {
    if name.contains('.') {
        return name.to_owned();
    }
    match own_namespace.unwrap_or(enclosing) {
        "" => name.to_owned(),
        namespace => format!("{namespace}.{name}"),
    }
}

/// A JSON string literal with the escapes JSON requires and nothing else: the canonical form
/// keeps every other character as UTF-8.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_fingerprint_of_the_specification_example_matches() {
        // The canonical form of the primitive `"int"`, a vector of the Avro test suite.
        assert_eq!(crc64_avro(br#""int""#), 0x7275_d51a_3f39_5c8f);
    }

    #[test]
    fn nested_records_and_references_take_the_enclosing_namespace() {
        let schema = json!({
            "name": "CloudEvent", "type": "record", "namespace": "a.b",
            "fields": [
                {"name": "user", "type": {"name": "UserData", "type": "record",
                    "fields": [{"name": "id", "type": "long"}]}},
                {"name": "other", "type": ["null", "UserData"], "default": null},
                {"name": "tags", "type": {"type": "array", "items": {"type": "map", "values": "string"}}},
            ],
        });
        assert_eq!(
            parsing_canonical_form(&schema),
            concat!(
                r#"{"name":"a.b.CloudEvent","type":"record","fields":["#,
                r#"{"name":"user","type":{"name":"a.b.UserData","type":"record","fields":[{"name":"id","type":"long"}]}},"#,
                r#"{"name":"other","type":["null","a.b.UserData"]},"#,
                r#"{"name":"tags","type":{"type":"array","items":{"type":"map","values":"string"}}}]}"#,
            )
        );
    }
}
