//! JSON text byte-identical to Python's `json.dumps()` with its default arguments.
//!
//! `EventsMetadata.to_json()` and the tools around the Python event bus write JSON with
//! `json.dumps(value)`: `", "` and `": "` separators, every non-ASCII character escaped as
//! `\uXXXX` (`ensure_ascii=True`), and floats in Python's `repr` form (`1.0`, `1e+16`). Writing
//! the same text makes output comparable byte for byte with what the Python stack writes.
//!
//! One difference is deliberate: NaN and the infinities. `json.dumps` writes them as the bare
//! tokens `NaN`, `Infinity` and `-Infinity`, which are not JSON and which no strict reader
//! accepts. The double fields of a payload serialize them as the strings `"NaN"`, `"Infinity"`
//! and `"-Infinity"` instead (see [`EventField`](crate::EventField) for `f64`), so a payload's
//! Python-shaped text carries those strings. A bare non-finite `f64` never reaches the formatter:
//! serde_json writes `null` for it itself, so serialize payloads, not loose floats, through here.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

/// A [`serde_json`] formatter producing the text of Python's `json.dumps()`.
///
/// ```
/// use events_core::python_json::to_python_json;
///
/// let value = serde_json::json!({"name": "Jürgen", "scores": [1.0, 0.5, 1e16]});
/// assert_eq!(
///     to_python_json(&value).unwrap(),
///     r#"{"name": "J\u00fcrgen", "scores": [1.0, 0.5, 1e+16]}"#,
/// );
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonFormatter;

/// Serializes `value` as Python's `json.dumps(value)` would.
pub fn to_python_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    let mut serializer = Serializer::with_formatter(&mut out, PythonFormatter);
    value.serialize(&mut serializer)?;
    // The formatter only writes ASCII.
    Ok(String::from_utf8(out).unwrap_or_default())
}

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (index, ch) in fragment.char_indices() {
            // `json.dumps` escapes everything outside printable ASCII, DEL included; serde_json
            // has already escaped the quote, the backslash and the C0 controls.
            if ch.is_ascii() && ch != '\x7f' {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..index])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = index + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        let text: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write!(writer, "\\u{byte:04x}"),
        };
        writer.write_all(text)
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }
}

/// Python's `repr(float)`: the shortest text that reads back to the same value, positional for
/// decimal exponents from -4 to 15 and scientific (`1e+16`, `1.5e-05`) outside that range.
/// Non-finite values are spelled as `json.dumps` spells them (`NaN`, `Infinity`, `-Infinity`),
/// not as `repr` does (`nan`, `inf`).
pub fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // `{:e}` gives the shortest round-trip digits in the form `d.ddde±x`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{sign}{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{sign}{whole}.{fraction}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{fraction}e{exponent_sign}{:02}", exponent.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn separators_match_json_dumps() {
        let text = to_python_json(&json!({"a": [1, 2], "b": {"c": null, "d": true}})).unwrap();
        assert_eq!(text, r#"{"a": [1, 2], "b": {"c": null, "d": true}}"#);
    }

    #[test]
    fn non_ascii_is_escaped_including_surrogate_pairs() {
        let text = to_python_json(&json!("é ☃ 😀")).unwrap();
        assert_eq!(text, r#""\u00e9 \u2603 \ud83d\ude00""#);
    }

    #[test]
    fn control_characters_use_python_escapes() {
        let text = to_python_json(&json!("\"\\/\u{8}\u{c}\n\r\t\u{1}\u{7f}")).unwrap();
        assert_eq!(text, "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u007f\"");
    }

    #[test]
    fn floats_follow_python_repr() {
        for (value, text) in [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
        ] {
            assert_eq!(python_float_repr(value), text, "{value:e}");
        }
    }

    #[test]
    fn non_finite_floats_are_written_as_python_does() {
        assert_eq!(python_float_repr(f64::NAN), "NaN");
        assert_eq!(python_float_repr(f64::INFINITY), "Infinity");
        assert_eq!(python_float_repr(f64::NEG_INFINITY), "-Infinity");
    }
}
