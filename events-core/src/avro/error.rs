//! Why Avro bytes could not be decoded, and where.

use std::fmt;

/// What was wrong with the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a value.
    UnexpectedEnd {
        /// Bytes the value needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// The input ended inside a varint.
    TruncatedVarint,
    /// A varint ran past ten bytes.
    VarintTooLong,
    /// A ten-byte varint carried more than 64 bits.
    VarintOverflow,
    /// A varint ended with a zero byte after the first: the same number has a shorter encoding,
    /// which every Avro writer uses. Refusing padded varints keeps decoding one-to-one, so that
    /// accepted bytes re-encode to themselves.
    VarintNotMinimal,
    /// A string, bytes or block size was negative.
    NegativeLength {
        /// The length read.
        length: i64,
    },
    /// A length was larger than the remaining input.
    LengthExceedsInput {
        /// The length read.
        length: u64,
        /// Bytes that were left.
        remaining: usize,
    },
    /// An array or map block claimed more items than bytes remain.
    BlockCountExceedsInput {
        /// The count read.
        count: u64,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A block written with a negative count declared a byte size that its items did not fill
    /// exactly.
    BlockSizeMismatch {
        /// The byte size the block declared.
        declared: u64,
        /// The bytes its items took.
        actual: u64,
    },
    /// A string was not valid UTF-8.
    InvalidUtf8,
    /// A boolean byte was neither 0 nor 1.
    InvalidBoolean {
        /// The byte read.
        byte: u8,
    },
    /// A union branch index other than 0 (null) or 1 (value).
    InvalidUnionIndex {
        /// The index read.
        index: i64,
    },
    /// An integer did not fit the field's type.
    IntegerOutOfRange {
        /// The value read.
        value: i64,
        /// The field's type.
        target: &'static str,
    },
    /// A map had the same key twice.
    DuplicateMapKey {
        /// The key.
        key: String,
    },
    /// A string did not parse as the field's type (datetime, UUID, opaque key, …).
    InvalidText {
        /// The field's type name.
        type_name: &'static str,
        /// Why the text was refused.
        reason: String,
    },
    /// Bytes were left after the message.
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::UnexpectedEnd { needed, remaining } => {
                write!(f, "truncated input: needed {needed} bytes, {remaining} left")
            }
            DecodeErrorKind::TruncatedVarint => f.write_str("truncated input inside a varint"),
            DecodeErrorKind::VarintTooLong => f.write_str("varint longer than ten bytes"),
            DecodeErrorKind::VarintOverflow => f.write_str("varint overflows 64 bits"),
            DecodeErrorKind::VarintNotMinimal => f.write_str("varint padded with a zero byte (not minimally encoded)"),
            DecodeErrorKind::NegativeLength { length } => write!(f, "negative length {length}"),
            DecodeErrorKind::LengthExceedsInput { length, remaining } => {
                write!(f, "length {length} exceeds the {remaining} bytes left")
            }
            DecodeErrorKind::BlockCountExceedsInput { count, remaining } => {
                write!(f, "block of {count} items exceeds the {remaining} bytes left")
            }
            DecodeErrorKind::BlockSizeMismatch { declared, actual } => {
                write!(f, "block declared {declared} bytes but its items took {actual}")
            }
            DecodeErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            DecodeErrorKind::InvalidBoolean { byte } => write!(f, "invalid boolean byte {byte:#04x}"),
            DecodeErrorKind::InvalidUnionIndex { index } => {
                write!(f, "invalid union index {index} (expected 0 for null or 1 for a value)")
            }
            DecodeErrorKind::IntegerOutOfRange { value, target } => write!(f, "{value} is out of range for {target}"),
            DecodeErrorKind::DuplicateMapKey { key } => write!(f, "duplicate map key {key:?}"),
            DecodeErrorKind::InvalidText { type_name, reason } => write!(f, "invalid {type_name}: {reason}"),
            DecodeErrorKind::TrailingBytes { count } => write!(f, "{count} unexpected bytes after the message"),
        }
    }
}

/// One step of the path to the value that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Field(&'static str),
    Index(usize),
    Key(String),
}

/// Avro bytes that could not be decoded: what was wrong, at which byte, in which field.
///
/// Displayed as `org.openedx.….v1: enrollment.user.pii.email: invalid UTF-8 at byte 17`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    offset: usize,
    // Innermost step first: steps are added while the error travels out of nested decoders,
    // so the success path never pays for path tracking.
    steps: Vec<Step>,
    event_type: Option<&'static str>,
}

impl DecodeError {
    /// An error of `kind` found at byte `offset`.
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        DecodeError {
            kind,
            offset,
            steps: Vec::new(),
            event_type: None,
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The byte offset where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The event type being decoded, when known.
    pub fn event_type(&self) -> Option<&'static str> {
        self.event_type
    }

    /// The dotted path of the failing value, e.g. `enrollment.user.pii.email` or `tags[2]`.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Field(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Step::Index(index) => path.push_str(&format!("[{index}]")),
                Step::Key(key) => path.push_str(&format!("[{key:?}]")),
            }
        }
        path
    }

    /// Adds the record field the error happened in.
    #[cold]
    pub fn in_field(mut self, name: &'static str) -> Self {
        self.steps.push(Step::Field(name));
        self
    }

    /// Adds the array index the error happened at.
    #[cold]
    pub fn at_index(mut self, index: usize) -> Self {
        self.steps.push(Step::Index(index));
        self
    }

    /// Adds the map key the error happened at.
    #[cold]
    pub fn at_key(mut self, key: &str) -> Self {
        self.steps.push(Step::Key(key.chars().take(64).collect()));
        self
    }

    /// Names the event type being decoded.
    pub fn for_event(mut self, event_type: &'static str) -> Self {
        self.event_type = Some(event_type);
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(event_type) = self.event_type {
            write!(f, "{event_type}: ")?;
        }
        let path = self.path();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_event_type_the_field_path_and_the_byte() {
        let error = DecodeError::new(DecodeErrorKind::InvalidUtf8, 17)
            .in_field("email")
            .in_field("pii")
            .in_field("user")
            .in_field("enrollment")
            .for_event("org.openedx.learning.course.enrollment.created.v1");
        assert_eq!(
            error.to_string(),
            "org.openedx.learning.course.enrollment.created.v1: enrollment.user.pii.email: invalid UTF-8 at byte 17"
        );
    }

    #[test]
    fn indexes_and_keys_join_the_path_without_dots() {
        let error = DecodeError::new(DecodeErrorKind::TruncatedVarint, 3)
            .at_index(2)
            .in_field("tags")
            .at_key("en")
            .in_field("names");
        assert_eq!(error.path(), "names[\"en\"].tags[2]");
    }
}
