//! Reading the Avro binary encoding, strictly and without trusting lengths.

use super::error::{DecodeError, DecodeErrorKind};

/// A cursor over Avro bytes.
///
/// Every read checks the input first: a length or count larger than what remains is an error
/// before anything is allocated, so a hostile message cannot make the reader allocate more than
/// its own size.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// An error of `kind` at the current position.
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos)
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(self.error(DecodeErrorKind::TrailingBytes { count: extra })),
        }
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        if count > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEnd {
                needed: count,
                remaining: self.remaining(),
            }));
        }
        let slice = &self.bytes[self.pos..self.pos + count];
        self.pos += count;
        Ok(slice)
    }

    /// An Avro `long`: a zig-zag varint of at most ten bytes.
    #[inline]
    pub fn read_long(&mut self) -> Result<i64, DecodeError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for index in 0..10 {
            let Some(&byte) = self.bytes.get(self.pos) else {
                self.pos = start;
                return Err(DecodeError::new(DecodeErrorKind::TruncatedVarint, start));
            };
            self.pos += 1;
            if index == 9 && byte > 0x01 {
                // A tenth byte holds the 64th bit only: a continuation bit means the varint runs
                // on past ten bytes, any other bit overflows.
                let kind = if byte & 0x80 != 0 {
                    DecodeErrorKind::VarintTooLong
                } else {
                    DecodeErrorKind::VarintOverflow
                };
                self.pos = start;
                return Err(DecodeError::new(kind, start));
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                if byte == 0 && index > 0 {
                    self.pos = start;
                    return Err(DecodeError::new(DecodeErrorKind::VarintNotMinimal, start));
                }
                return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
            }
        }
        self.pos = start;
        Err(DecodeError::new(DecodeErrorKind::VarintTooLong, start))
    }

    /// An Avro `long` that must fit in an `i32`.
    pub fn read_i32(&mut self) -> Result<i32, DecodeError> {
        let start = self.pos;
        let value = self.read_long()?;
        i32::try_from(value)
            .map_err(|_| DecodeError::new(DecodeErrorKind::IntegerOutOfRange { value, target: "i32" }, start))
    }

    /// An Avro `boolean`: one byte, 0 or 1.
    #[inline]
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        let start = self.pos;
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(DecodeError::new(DecodeErrorKind::InvalidBoolean { byte: other }, start)),
        }
    }

    /// An Avro `double`: eight bytes, little-endian.
    pub fn read_double(&mut self) -> Result<f64, DecodeError> {
        let bytes = self.take(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(f64::from_le_bytes(array))
    }

    /// A length prefix: non-negative and within the remaining input.
    fn read_length(&mut self) -> Result<usize, DecodeError> {
        let start = self.pos;
        let length = self.read_long()?;
        if length < 0 {
            return Err(DecodeError::new(DecodeErrorKind::NegativeLength { length }, start));
        }
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        if length > self.remaining() {
            return Err(DecodeError::new(
                DecodeErrorKind::LengthExceedsInput {
                    length: length as u64,
                    remaining: self.remaining(),
                },
                start,
            ));
        }
        Ok(length)
    }

    /// Avro `bytes`, borrowed from the input.
    pub fn read_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let length = self.read_length()?;
        self.take(length)
    }

    /// An Avro `string`, borrowed from the input.
    #[inline]
    pub fn read_str(&mut self) -> Result<&'a str, DecodeError> {
        let length = self.read_length()?;
        let start = self.pos;
        let bytes = self.take(length)?;
        std::str::from_utf8(bytes)
            .map_err(|error| DecodeError::new(DecodeErrorKind::InvalidUtf8, start + error.valid_up_to()))
    }

    /// The branch of a `["null", T]` union: `false` for null, `true` for a value.
    #[inline]
    pub fn read_optional(&mut self) -> Result<bool, DecodeError> {
        let start = self.pos;
        match self.read_long()? {
            0 => Ok(false),
            1 => Ok(true),
            index => Err(DecodeError::new(DecodeErrorKind::InvalidUnionIndex { index }, start)),
        }
    }

    /// The header of the next array or map block; a count of 0 ends the array or map.
    ///
    /// A negative count is followed by the block's size in bytes, which must lie within the
    /// remaining input and is checked against the items by [`end_block`](Self::end_block). A
    /// count larger than the remaining input cannot be honest (every item takes at least one
    /// byte) and is refused before anything is allocated.
    pub fn read_block(&mut self) -> Result<Block, DecodeError> {
        let start = self.pos;
        let count = self.read_long()?;
        let (count, sized) = if count < 0 {
            let size_at = self.pos;
            let size = self.read_long()?;
            if size < 0 {
                return Err(DecodeError::new(
                    DecodeErrorKind::NegativeLength { length: size },
                    size_at,
                ));
            }
            let size = size as u64;
            if size > self.remaining() as u64 {
                return Err(DecodeError::new(
                    DecodeErrorKind::LengthExceedsInput {
                        length: size,
                        remaining: self.remaining(),
                    },
                    size_at,
                ));
            }
            (count.unsigned_abs(), Some((self.pos, size)))
        } else {
            (count as u64, None)
        };
        if count > self.remaining() as u64 {
            return Err(DecodeError::new(
                DecodeErrorKind::BlockCountExceedsInput {
                    count,
                    remaining: self.remaining(),
                },
                start,
            ));
        }
        Ok(Block {
            count: count as usize,
            sized,
        })
    }

    /// Checks, after a block's items were read, that they took the byte size the block
    /// declared, if it declared one.
    pub fn end_block(&self, block: Block) -> Result<(), DecodeError> {
        match block.sized {
            Some((items_start, declared)) if (self.pos - items_start) as u64 != declared => Err(DecodeError::new(
                DecodeErrorKind::BlockSizeMismatch {
                    declared,
                    actual: (self.pos - items_start) as u64,
                },
                items_start,
            )),
            _ => Ok(()),
        }
    }
}

/// The header of an array or map block, from [`Reader::read_block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// How many items follow; 0 ends the array or map.
    pub count: usize,
    /// Where the items start and the byte size declared for them, for a negative count.
    sized: Option<(usize, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avro::encode;

    fn long_bytes(value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        encode::write_long(&mut out, value);
        out
    }

    #[test]
    fn longs_round_trip_at_the_extremes() {
        for value in [0, -1, 1, 63, -64, 64, i64::from(i32::MAX), i64::MIN, i64::MAX] {
            let bytes = long_bytes(value);
            let mut reader = Reader::new(&bytes);
            assert_eq!(reader.read_long(), Ok(value));
            assert_eq!(reader.finish(), Ok(()));
        }
        assert_eq!(long_bytes(-1), [0x01]);
        assert_eq!(long_bytes(64), [0x80, 0x01]);
        assert_eq!(long_bytes(i64::MIN).len(), 10);
    }

    #[test]
    fn varints_longer_than_ten_bytes_or_overflowing_are_refused() {
        let eleven = [0x80u8; 10].iter().copied().chain([0x00]).collect::<Vec<_>>();
        assert_eq!(
            Reader::new(&eleven).read_long().unwrap_err().kind(),
            &DecodeErrorKind::VarintTooLong
        );
        let mut overflow = vec![0xffu8; 9];
        overflow.push(0x02);
        assert_eq!(
            Reader::new(&overflow).read_long().unwrap_err().kind(),
            &DecodeErrorKind::VarintOverflow
        );
        assert_eq!(
            Reader::new(&[0x80, 0x80]).read_long().unwrap_err().kind(),
            &DecodeErrorKind::TruncatedVarint
        );
    }

    #[test]
    fn padded_varints_are_refused_so_decoding_is_one_to_one() {
        for padded in [&[0x80, 0x00][..], &[0x82, 0x80, 0x00], &[0xff, 0xff, 0x80, 0x80, 0x00]] {
            let mut reader = Reader::new(padded);
            assert_eq!(
                reader.read_long().unwrap_err().kind(),
                &DecodeErrorKind::VarintNotMinimal,
                "{padded:02x?}"
            );
            assert_eq!(reader.position(), 0, "the reader does not move past a refused varint");
        }
        // A single zero byte is the minimal encoding of 0.
        assert_eq!(Reader::new(&[0x00]).read_long(), Ok(0));
    }

    #[test]
    fn lengths_are_checked_before_anything_is_read() {
        let mut negative = long_bytes(-3);
        negative.extend_from_slice(b"abc");
        assert_eq!(
            Reader::new(&negative).read_str().unwrap_err().kind(),
            &DecodeErrorKind::NegativeLength { length: -3 }
        );

        let huge = long_bytes(i64::MAX);
        assert_eq!(
            Reader::new(&huge).read_bytes().unwrap_err().kind(),
            &DecodeErrorKind::LengthExceedsInput {
                length: i64::MAX as u64,
                remaining: 0
            }
        );
    }

    #[test]
    fn invalid_utf8_is_located_at_the_bad_byte() {
        let mut bytes = long_bytes(4);
        bytes.extend_from_slice(&[b'a', b'b', 0xff, b'c']);
        let error = Reader::new(&bytes).read_str().unwrap_err();
        assert_eq!((error.kind(), error.offset()), (&DecodeErrorKind::InvalidUtf8, 3));
    }

    #[test]
    fn booleans_and_union_indexes_are_strict() {
        assert_eq!(
            Reader::new(&[2]).read_bool().unwrap_err().kind(),
            &DecodeErrorKind::InvalidBoolean { byte: 2 }
        );
        assert_eq!(
            Reader::new(&long_bytes(2)).read_optional().unwrap_err().kind(),
            &DecodeErrorKind::InvalidUnionIndex { index: 2 }
        );
        assert_eq!(
            Reader::new(&long_bytes(-1)).read_optional().unwrap_err().kind(),
            &DecodeErrorKind::InvalidUnionIndex { index: -1 }
        );
    }

    #[test]
    fn negative_block_counts_carry_a_byte_size() {
        let mut bytes = long_bytes(-2);
        bytes.extend(long_bytes(2));
        bytes.extend([0x02, 0x04]);
        let mut reader = Reader::new(&bytes);
        let block = reader.read_block().unwrap();
        assert_eq!(block.count, 2);
        assert_eq!(reader.read_long(), Ok(1));
        assert_eq!(reader.read_long(), Ok(2));
        assert_eq!(reader.end_block(block), Ok(()));
    }

    #[test]
    fn a_block_whose_items_do_not_fill_its_byte_size_is_refused() {
        let mut bytes = long_bytes(-2);
        bytes.extend(long_bytes(3));
        bytes.extend([0x02, 0x04, 0x06]);
        let mut reader = Reader::new(&bytes);
        let block = reader.read_block().unwrap();
        reader.read_long().unwrap();
        reader.read_long().unwrap();
        assert_eq!(
            reader.end_block(block).unwrap_err().kind(),
            &DecodeErrorKind::BlockSizeMismatch { declared: 3, actual: 2 }
        );
    }

    #[test]
    fn block_counts_and_sizes_beyond_the_input_are_refused() {
        let bytes = long_bytes(1 << 40);
        assert!(matches!(
            Reader::new(&bytes).read_block().unwrap_err().kind(),
            DecodeErrorKind::BlockCountExceedsInput { .. }
        ));
        let mut negative_size = long_bytes(-1);
        negative_size.extend(long_bytes(-5));
        assert_eq!(
            Reader::new(&negative_size).read_block().unwrap_err().kind(),
            &DecodeErrorKind::NegativeLength { length: -5 }
        );
        let mut oversized = long_bytes(-1);
        oversized.extend(long_bytes(1000));
        oversized.push(0x02);
        assert_eq!(
            Reader::new(&oversized).read_block().unwrap_err().kind(),
            &DecodeErrorKind::LengthExceedsInput {
                length: 1000,
                remaining: 1
            }
        );
    }

    #[test]
    fn i32_values_out_of_range_are_refused() {
        let bytes = long_bytes(i64::from(i32::MAX) + 1);
        assert!(matches!(
            Reader::new(&bytes).read_i32().unwrap_err().kind(),
            DecodeErrorKind::IntegerOutOfRange { .. }
        ));
    }

    #[test]
    fn trailing_bytes_are_reported() {
        let reader = Reader::new(&[1, 2]);
        assert_eq!(
            reader.finish().unwrap_err().kind(),
            &DecodeErrorKind::TrailingBytes { count: 2 }
        );
    }
}
