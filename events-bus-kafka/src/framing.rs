//! The Confluent wire framing of keys and values: a zero magic byte, the writer schema's
//! registry id (four bytes, big-endian), then the Avro binary.

/// The magic byte that starts every framed key and value.
pub const MAGIC: u8 = 0;

/// The length of the frame's header: the magic byte and the schema id.
pub const HEADER_LEN: usize = 5;

/// `payload` framed with the writer schema's registry id.
///
/// ```
/// use events_bus_kafka::framing::{frame, unframe};
///
/// let framed = frame(7, &[0x02, 0x61]);
/// assert_eq!(framed, [0, 0, 0, 0, 7, 0x02, 0x61]);
/// assert_eq!(unframe(&framed).unwrap(), (7, &[0x02, 0x61][..]));
/// ```
pub fn frame(schema_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(HEADER_LEN + payload.len());
    framed.push(MAGIC);
    framed.extend_from_slice(&schema_id.to_be_bytes());
    framed.extend_from_slice(payload);
    framed
}

/// The schema id and the Avro binary of a framed key or value.
pub fn unframe(framed: &[u8]) -> Result<(u32, &[u8]), FramingError> {
    let Some(&magic) = framed.first() else {
        return Err(FramingError::Empty);
    };
    if magic != MAGIC {
        return Err(FramingError::Magic(magic));
    }
    let Some((header, payload)) = framed.split_first_chunk::<HEADER_LEN>() else {
        return Err(FramingError::Short(framed.len()));
    };
    Ok((
        u32::from_be_bytes([header[1], header[2], header[3], header[4]]),
        payload,
    ))
}

/// Bytes that are not a Confluent-framed Avro record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// No bytes at all (a tombstone, or a producer that wrote no value).
    #[error("empty, not a framed Avro record")]
    Empty,
    /// The first byte is not the magic byte 0.
    #[error("starts with byte {0:#04x}, not the magic byte 0 of the Confluent framing")]
    Magic(u8),
    /// Fewer bytes than the frame's header.
    #[error("{0} bytes, fewer than the 5 of the Confluent framing's header")]
    Short(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_id_is_big_endian_after_the_magic_byte() {
        assert_eq!(frame(0x0102_0304, b"x"), [0, 1, 2, 3, 4, b'x']);
        assert_eq!(unframe(&[0, 0, 0, 1, 0]).unwrap(), (256, &[][..]));
    }

    #[test]
    fn bytes_that_are_not_framed_are_errors_saying_why() {
        assert_eq!(unframe(&[]), Err(FramingError::Empty));
        assert_eq!(unframe(&[1, 0, 0, 0, 1]), Err(FramingError::Magic(1)));
        assert_eq!(unframe(&[0, 0, 1]), Err(FramingError::Short(3)));
        assert_eq!(
            unframe(b"{\"json\": 1}").unwrap_err().to_string(),
            "starts with byte 0x7b, not the magic byte 0 of the Confluent framing"
        );
    }
}
