//! Why a text is not a valid opaque key.

use std::fmt;

/// How many characters of the refused text an error keeps: keys arrive from the network and may
/// be arbitrarily long, and an error message must stay readable.
const QUOTED_CHARS: usize = 64;

/// A text that is not a valid key of the type it was parsed as.
///
/// The message names the key type, quotes the start of the text (at most 64 characters) and
/// says why it was refused.
///
/// ```
/// use events_core::keys::{CourseKey, InvalidKeyReason};
///
/// let error = "course-v1:edX+Demo X+2024".parse::<CourseKey>().unwrap_err();
/// assert_eq!(error.key_type(), "CourseKey");
/// assert_eq!(error.reason(), &InvalidKeyReason::InvalidCharacter { part: "course", character: ' ' });
/// assert_eq!(
///     error.to_string(),
///     r#"invalid CourseKey "course-v1:edX+Demo X+2024": character ' ' is not allowed in the course"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {key_type} {}", self.detail())]
pub struct InvalidKeyError {
    key_type: &'static str,
    quoted: String,
    truncated: bool,
    reason: InvalidKeyReason,
}

impl InvalidKeyError {
    pub(crate) fn new(key_type: &'static str, text: &str, reason: InvalidKeyReason) -> Self {
        let mut chars = text.chars();
        let quoted: String = chars.by_ref().take(QUOTED_CHARS).collect();
        InvalidKeyError {
            key_type,
            quoted,
            truncated: chars.next().is_some(),
            reason,
        }
    }

    /// The Python class name of the key type the text was parsed as, e.g. `CourseKey`.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("nope".parse::<UsageKey>().unwrap_err().key_type(), "UsageKey");
    /// ```
    pub fn key_type(&self) -> &'static str {
        self.key_type
    }

    /// The start of the refused text: at most 64 characters.
    ///
    /// ```
    /// use events_core::keys::LibraryLocatorV2;
    ///
    /// let long = format!("lib:{}", "x".repeat(1000));
    /// let error = long.parse::<LibraryLocatorV2>().unwrap_err();
    /// assert_eq!(error.quoted_text().chars().count(), 64);
    /// assert!(error.is_truncated());
    /// ```
    pub fn quoted_text(&self) -> &str {
        &self.quoted
    }

    /// Whether the text was longer than [`quoted_text`](Self::quoted_text).
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert!(!"x".parse::<CourseKey>().unwrap_err().is_truncated());
    /// ```
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Why the text was refused.
    ///
    /// ```
    /// use events_core::keys::{CcxLocator, InvalidKeyReason};
    ///
    /// let error = "ccx-v1:edX+Demo+2024".parse::<CcxLocator>().unwrap_err();
    /// assert_eq!(error.reason(), &InvalidKeyReason::MissingPart { part: "ccx" });
    /// ```
    pub fn reason(&self) -> &InvalidKeyReason {
        &self.reason
    }

    /// The message without its leading `invalid {key_type}`: the quoted text and the reason.
    /// Used where the surrounding message already names the type.
    pub(crate) fn detail(&self) -> String {
        let ellipsis = if self.truncated { "…" } else { "" };
        format!("{:?}{ellipsis}: {}", self.quoted, self.reason)
    }
}

/// What was wrong with a key text.
///
/// ```
/// use events_core::keys::{InvalidKeyReason, LibraryUsageLocatorV2};
///
/// let error = "lb:edX:lib:problem".parse::<LibraryUsageLocatorV2>().unwrap_err();
/// assert_eq!(error.reason(), &InvalidKeyReason::WrongPartCount { expected: 4, found: 3 });
/// assert_eq!(error.reason().to_string(), "expected 4 `:`-separated parts after the namespace, found 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidKeyReason {
    /// The text does not start with a namespace this key type accepts (nor, where the type has
    /// one, its deprecated form).
    UnknownNamespace {
        /// The accepted forms.
        expected: &'static str,
    },
    /// A part contains a character its grammar does not allow.
    InvalidCharacter {
        /// The part, e.g. `org` or `block_id`.
        part: &'static str,
        /// The first character that is not allowed.
        character: char,
    },
    /// A part is empty.
    EmptyPart {
        /// The part, e.g. `org` or `block_id`.
        part: &'static str,
    },
    /// A part the key needs is absent.
    MissingPart {
        /// The part, e.g. `block_id` or `ccx`.
        part: &'static str,
    },
    /// The number of `:`-separated parts is wrong.
    WrongPartCount {
        /// How many parts the key has.
        expected: usize,
        /// How many the text has.
        found: usize,
    },
    /// A version is not 24 hexadecimal digits (a MongoDB ObjectId).
    InvalidVersionGuid,
    /// The parts are not arranged as the grammar requires.
    Malformed {
        /// What the grammar expects.
        expected: &'static str,
    },
    /// The text is longer than any key this crate represents.
    TooLong {
        /// The length of the text in bytes.
        len: usize,
    },
}

impl fmt::Display for InvalidKeyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidKeyReason::UnknownNamespace { expected } => write!(f, "unknown namespace; expected {expected}"),
            InvalidKeyReason::InvalidCharacter { part, character } => {
                write!(f, "character {character:?} is not allowed in the {part}")
            }
            InvalidKeyReason::EmptyPart { part } => write!(f, "the {part} is empty"),
            InvalidKeyReason::MissingPart { part } => write!(f, "the {part} is missing"),
            InvalidKeyReason::WrongPartCount { expected, found } => {
                write!(
                    f,
                    "expected {expected} `:`-separated parts after the namespace, found {found}"
                )
            }
            InvalidKeyReason::InvalidVersionGuid => f.write_str("the version must be 24 hexadecimal digits"),
            InvalidKeyReason::Malformed { expected } => write!(f, "expected {expected}"),
            InvalidKeyReason::TooLong { len } => {
                write!(
                    f,
                    "{len} bytes is longer than the {} bytes a key may have",
                    super::MAX_KEY_LEN
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_quotes_at_most_64_characters_of_a_long_text() {
        let text = "é".repeat(100);
        let error = InvalidKeyError::new("CourseKey", &text, InvalidKeyReason::EmptyPart { part: "org" });
        assert_eq!(error.quoted_text(), "é".repeat(64));
        assert!(error.is_truncated());
        assert_eq!(
            error.to_string(),
            format!("invalid CourseKey {:?}…: the org is empty", "é".repeat(64))
        );
    }

    #[test]
    fn error_quotes_control_characters_escaped() {
        let error = InvalidKeyError::new(
            "LibraryLocatorV2",
            "lib:a\nb",
            InvalidKeyReason::InvalidCharacter {
                part: "org",
                character: '\n',
            },
        );
        assert_eq!(
            error.to_string(),
            r#"invalid LibraryLocatorV2 "lib:a\nb": character '\n' is not allowed in the org"#
        );
    }

    #[test]
    fn detail_leaves_out_the_key_type() {
        let error = InvalidKeyError::new("UsageKey", "x", InvalidKeyReason::MissingPart { part: "block_id" });
        assert_eq!(error.detail(), r#""x": the block_id is missing"#);
    }
}
