//! Writing the Avro binary encoding.
//!
//! Written by hand rather than through a general Avro library: the macros generate a direct
//! call per field, so encoding an event is a straight run of these functions into one buffer
//! with no intermediate value tree.

/// Writes an Avro `long`: zig-zag, then a little-endian base-128 varint.
#[inline]
pub fn write_long(out: &mut Vec<u8>, value: i64) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    while zigzag >= 0x80 {
        out.push((zigzag as u8) | 0x80);
        zigzag >>= 7;
    }
    out.push(zigzag as u8);
}

/// Writes an Avro `boolean`.
#[inline]
pub fn write_bool(out: &mut Vec<u8>, value: bool) {
    out.push(u8::from(value));
}

/// Writes an Avro `double`.
#[inline]
pub fn write_double(out: &mut Vec<u8>, value: f64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Writes Avro `bytes`: the length, then the bytes.
#[inline]
pub fn write_bytes(out: &mut Vec<u8>, value: &[u8]) {
    write_long(out, value.len() as i64);
    out.extend_from_slice(value);
}

/// Writes an Avro `string`: the UTF-8 length, then the UTF-8 bytes.
#[inline]
pub fn write_str(out: &mut Vec<u8>, value: &str) {
    write_bytes(out, value.as_bytes());
}

/// Writes the branch of a `["null", T]` union: 0 for null, 1 for a value that follows.
#[inline]
pub fn write_optional(out: &mut Vec<u8>, present: bool) {
    out.push(u8::from(present) << 1);
}

/// Writes the item count that starts an array or map, as one block: nothing for an empty
/// collection (its terminating 0 comes from [`write_block_end`]).
#[inline]
pub fn write_block_start(out: &mut Vec<u8>, count: usize) {
    if count > 0 {
        write_long(out, count as i64);
    }
}

/// Writes the 0 that ends an array or map.
#[inline]
pub fn write_block_end(out: &mut Vec<u8>) {
    out.push(0);
}
