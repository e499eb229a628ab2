//! Reading stream entries out of Redis replies (`XREADGROUP`, `XAUTOCLAIM`), moving the bytes
//! instead of copying them.

use redis::Value;

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// How much of a string a [`summary`] quotes.
const QUOTED: usize = 64;

/// A short description of a reply for error messages: its type and size, quoting at most
/// [`QUOTED`] bytes of text. A reply can be hundreds of megabytes; its `Debug` text would be too.
pub(crate) fn summary(value: &Value) -> String {
    match value {
        Value::Nil => "nil".to_owned(),
        Value::Int(number) => format!("the integer {number}"),
        Value::Okay => "OK".to_owned(),
        Value::SimpleString(text) => format!("the status {}", quote(text.as_bytes())),
        Value::BulkString(bytes) => format!("a string of {} bytes, {}", bytes.len(), quote(bytes)),
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Map(pairs) => format!("a map of {} pairs", pairs.len()),
        Value::ServerError(error) => format!("the error {}", quote(format!("{error:?}").as_bytes())),
        other => {
            let text = format!("{other:?}");
            format!("the reply {}", quote(text.as_bytes()))
        }
    }
}

/// `bytes` as quoted text, cut after [`QUOTED`] bytes.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(QUOTED)]);
    let more = if bytes.len() > QUOTED { "…" } else { "" };
    format!("\"{}{more}\"", shown.escape_debug())
}

/// An entry as Redis returns it: its fields are absent when the entry was deleted (trimmed)
/// while still pending.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RawEntry {
    pub(crate) id: String,
    pub(crate) fields: Option<Fields>,
}

/// The entries of the one stream read by `XREADGROUP … STREAMS <stream> <id>`; nil (a blocking
/// read that timed out) is no entries.
pub(crate) fn read_group(reply: Value) -> Result<Vec<RawEntry>, String> {
    let streams = match reply {
        Value::Nil => return Ok(Vec::new()),
        // RESP2: [[name, entries], …]
        Value::Array(streams) => streams
            .into_iter()
            .map(|stream| match stream {
                Value::Array(pair) if pair.len() == 2 => Ok(pair.into_iter().nth(1).unwrap_or(Value::Nil)),
                other => Err(format!("expected [stream, entries], found {}", summary(&other))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        // RESP3: {name: entries, …}
        Value::Map(streams) => streams.into_iter().map(|(_, entries)| entries).collect(),
        other => return Err(format!("expected the streams read, found {}", summary(&other))),
    };
    let mut all = Vec::new();
    for entries_value in streams {
        all.extend(entries(entries_value)?);
    }
    Ok(all)
}

/// The next cursor and the claimed entries of an `XAUTOCLAIM` reply (`[cursor, entries]`, with
/// a third element listing deleted ids since Redis 7, which Redis has already removed from the
/// pending list).
pub(crate) fn autoclaim(reply: Value) -> Result<(String, Vec<RawEntry>), String> {
    let Value::Array(parts) = reply else {
        return Err(format!("expected [cursor, entries, …], found {}", summary(&reply)));
    };
    let mut parts = parts.into_iter();
    let cursor = text(parts.next().unwrap_or(Value::Nil))?;
    let claimed = entries(parts.next().unwrap_or(Value::Nil))?;
    Ok((cursor, claimed))
}

/// The entries of an `XRANGE` or `XREVRANGE` reply.
pub(crate) fn range(reply: Value) -> Result<Vec<RawEntry>, String> {
    entries(reply)
}

fn entries(value: Value) -> Result<Vec<RawEntry>, String> {
    match value {
        Value::Nil => Ok(Vec::new()),
        Value::Array(items) => items.into_iter().map(entry).collect(),
        other => Err(format!("expected a list of entries, found {}", summary(&other))),
    }
}

fn entry(value: Value) -> Result<RawEntry, String> {
    let Value::Array(pair) = value else {
        return Err(format!("expected [id, fields], found {}", summary(&value)));
    };
    let mut pair = pair.into_iter();
    let id = text(pair.next().unwrap_or(Value::Nil))?;
    if id.parse::<crate::entry_id::EntryId>().is_err() || !id.contains('-') {
        return Err(format!("expected an entry id, found {}", quote(id.as_bytes())));
    }
    let fields = match pair.next().unwrap_or(Value::Nil) {
        Value::Nil => None,
        Value::Array(flat) => {
            if flat.len() % 2 != 0 {
                return Err(format!(
                    "entry {}: an odd number of field names and values",
                    quote(id.as_bytes())
                ));
            }
            let mut fields = Vec::with_capacity(flat.len() / 2);
            let mut flat = flat.into_iter();
            while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
                fields.push((bytes(name)?, bytes(value)?));
            }
            Some(fields)
        }
        Value::Map(pairs) => Some(
            pairs
                .into_iter()
                .map(|(name, value)| Ok((bytes(name)?, bytes(value)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => {
            return Err(format!(
                "entry {}: expected its fields, found {}",
                quote(id.as_bytes()),
                summary(&other)
            ));
        }
    };
    Ok(RawEntry { id, fields })
}

fn bytes(value: Value) -> Result<Vec<u8>, String> {
    match value {
        Value::BulkString(bytes) => Ok(bytes),
        Value::SimpleString(text) => Ok(text.into_bytes()),
        Value::Int(number) => Ok(number.to_string().into_bytes()),
        other => Err(format!("expected a string, found {}", summary(&other))),
    }
}

fn text(value: Value) -> Result<String, String> {
    String::from_utf8(bytes(value)?).map_err(|_| "expected UTF-8 text".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn resp2_and_resp3_replies_give_the_same_entries() {
        let entries = Value::Array(vec![
            Value::Array(vec![bulk("1-0"), Value::Array(vec![bulk("type"), bulk("t")])]),
            Value::Array(vec![bulk("2-0"), Value::Nil]),
        ]);
        let expected = vec![
            RawEntry {
                id: "1-0".into(),
                fields: Some(vec![(b"type".to_vec(), b"t".to_vec())]),
            },
            RawEntry {
                id: "2-0".into(),
                fields: None,
            },
        ];
        let resp2 = Value::Array(vec![Value::Array(vec![bulk("s"), entries.clone()])]);
        let resp3 = Value::Map(vec![(bulk("s"), entries)]);
        assert_eq!(read_group(resp2).unwrap(), expected);
        assert_eq!(read_group(resp3).unwrap(), expected);
        assert_eq!(read_group(Value::Nil).unwrap(), []);
    }

    #[test]
    fn malformed_replies_are_errors_not_panics() {
        for reply in [
            Value::Int(3),
            Value::Array(vec![Value::Int(1)]),
            Value::Array(vec![Value::Array(vec![bulk("s"), Value::Array(vec![Value::Int(1)])])]),
            Value::Array(vec![Value::Array(vec![
                bulk("s"),
                Value::Array(vec![Value::Array(vec![bulk("1-0"), Value::Array(vec![bulk("odd")])])]),
            ])]),
        ] {
            assert!(read_group(reply).is_err());
        }
        assert!(autoclaim(Value::Nil).is_err());
    }

    #[test]
    fn autoclaim_returns_the_cursor_and_entries() {
        let reply = Value::Array(vec![
            bulk("0-0"),
            Value::Array(vec![Value::Array(vec![bulk("5-1"), Value::Array(vec![])])]),
            Value::Array(vec![bulk("4-0")]),
        ]);
        let (cursor, claimed) = autoclaim(reply).unwrap();
        assert_eq!(cursor, "0-0");
        assert_eq!(claimed[0].id, "5-1");
    }
}
