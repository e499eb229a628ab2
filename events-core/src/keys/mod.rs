//! Opaque keys: the identifiers of courses, blocks and libraries, as `edx-opaque-keys` and
//! `edx-ccx-keys` define them.
//!
//! Each type accepts exactly the texts the Python class's `from_string` accepts
//! (`edx-opaque-keys` 4.0.0, `edx-ccx-keys` 2.0.2, checked against a corpus generated from those
//! packages) and renders the text Python's `str(key)` gives, which is what goes on the wire:
//!
//! | Type | Python class | Forms |
//! |------|--------------|-------|
//! | [`CourseKey`] | `CourseKey` | `course-v1:`, `library-v1:`, `ccx-v1:`, `slashes:`, `org/course/run` |
//! | [`UsageKey`] | `UsageKey` | `block-v1:`, `lib-block-v1:`, `ccx-block-v1:`, `lb:`, `location:`, `aside-usage-v1:`, `aside-usage-v2:`, `i4x://…` |
//! | [`CcxLocator`] | `CCXLocator` | `ccx-v1:` |
//! | [`LibraryLocatorV2`] | `LibraryLocatorV2` | `lib:` |
//! | [`LibraryUsageLocatorV2`] | `LibraryUsageLocatorV2` | `lb:` |
//! | [`LibraryContainerLocator`] | `LibraryContainerLocator` | `lct:` |
//! | [`LibraryCollectionLocator`] | `LibraryCollectionLocator` | `lib-collection:` |
//!
//! Every key holds its canonical text, so writing it costs nothing, and is compared, ordered
//! and hashed by that text. Each is a [`CustomType`](crate::CustomType), so it can be a field of
//! any event payload (an Avro `string`, a JSON string).
//!
//! "Letters and digits" in the grammars means what Python's `\w` means: those of every script,
//! as Unicode 14.0 (Python 3.11) classifies them.
//!
//! ```
//! use events_core::keys::{CourseKey, UsageKey};
//!
//! let course: CourseKey = "course-v1:edX+DemoX+Demo_Course".parse()?;
//! let block: UsageKey = "block-v1:edX+DemoX+Demo_Course+type@problem+block@p1".parse()?;
//! assert_eq!(block.course_key(), Some(course));
//!
//! let error = "course-v1:edX+DemoX".parse::<CourseKey>().unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     r#"invalid CourseKey "course-v1:edX+DemoX": expected org+course+run or a `version@` part"#
//! );
//! # Ok::<(), events_core::keys::InvalidKeyError>(())
//! ```

#[macro_use]
mod key_traits;

mod aside;
mod canonical;
mod ccx;
mod course_key;
mod deprecated;
mod error;
mod grammar;
mod library_collection;
mod library_container;
mod library_usage_v2;
mod library_v2;
mod locator;
mod unicode_tables;
mod usage_key;

pub use ccx::CcxLocator;
pub use course_key::{CourseKey, CourseKeyKind};
pub use error::{InvalidKeyError, InvalidKeyReason};
pub use library_collection::LibraryCollectionLocator;
pub use library_container::LibraryContainerLocator;
pub use library_usage_v2::LibraryUsageLocatorV2;
pub use library_v2::LibraryLocatorV2;
pub use usage_key::{UsageKey, UsageKeyKind};

/// The longest key text accepted, in bytes (1 GiB).
///
/// Python sets no limit; this one keeps the offsets of a key's parts in 32 bits. Real keys are
/// a few dozen bytes.
///
/// ```
/// use events_core::keys::{InvalidKeyReason, MAX_KEY_LEN};
///
/// assert_eq!(MAX_KEY_LEN, 1 << 30);
/// // Longer texts are refused with this reason, before any parsing.
/// let reason = InvalidKeyReason::TooLong { len: MAX_KEY_LEN + 1 };
/// assert_eq!(reason.to_string(), "1073741825 bytes is longer than the 1073741824 bytes a key may have");
/// ```
pub const MAX_KEY_LEN: usize = 1 << 30;

/// Refuses texts longer than [`MAX_KEY_LEN`] before any work is done on them.
fn check_length(text: &str) -> Result<(), InvalidKeyReason> {
    if text.len() > MAX_KEY_LEN {
        return Err(InvalidKeyReason::TooLong { len: text.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Parses `text` as every key type; for each accepted text, the canonical text must parse
    /// back to the same key (Python's `str(key)` is a fixed point too).
    fn parse_everything(text: &str) {
        fn check<K>(text: &str)
        where
            K: std::str::FromStr<Err = InvalidKeyError> + std::fmt::Display + PartialEq + std::fmt::Debug,
        {
            match text.parse::<K>() {
                Ok(key) => assert_eq!(key.to_string().parse::<K>().as_ref(), Ok(&key), "{text:?}"),
                Err(error) => assert!(error.quoted_text().chars().count() <= 64),
            }
        }
        check::<CourseKey>(text);
        check::<UsageKey>(text);
        check::<CcxLocator>(text);
        check::<LibraryLocatorV2>(text);
        check::<LibraryUsageLocatorV2>(text);
        check::<LibraryContainerLocator>(text);
        check::<LibraryCollectionLocator>(text);
    }

    /// Texts built from the pieces of the grammars, so that many are valid or nearly so.
    fn key_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("course-v1:"),
            Just("block-v1:"),
            Just("ccx-v1:"),
            Just("ccx-block-v1:"),
            Just("lib-block-v1:"),
            Just("library-v1:"),
            Just("aside-usage-v1:"),
            Just("aside-usage-v2:"),
            Just("lb:"),
            Just("lib:"),
            Just("lct:"),
            Just("lib-collection:"),
            Just("location:"),
            Just("i4x://"),
            Just("edX"),
            Just("é"),
            Just("+"),
            Just("@"),
            Just(":"),
            Just("::"),
            Just("$"),
            Just("/"),
            Just("%"),
            Just("\n"),
            Just("type@"),
            Just("block@"),
            Just("branch@"),
            Just("version@519665f6223ebd6980884f2b"),
            Just("ccx@1"),
            Just("CCX@"),
            Just("\u{212a}"),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn no_text_makes_a_parser_panic(text in any::<String>()) {
            parse_everything(&text);
        }

        #[test]
        fn no_byte_sequence_makes_a_parser_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            parse_everything(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn key_like_texts_parse_to_fixed_points(text in key_like()) {
            parse_everything(&text);
        }
    }

    #[test]
    fn huge_texts_are_parsed_without_trouble() {
        let part = "a".repeat(4 << 20);
        let valid = format!("block-v1:{part}+{part}+{part}+type@{part}+block@{part}");
        assert_eq!(valid.parse::<UsageKey>().map(|key| key.block_id().len()), Ok(4 << 20));
        let aside = format!("aside-usage-v2:{}::{part}", valid.replace(':', "$:"));
        assert!(aside.parse::<UsageKey>().is_ok());
        for text in [
            format!("course-v1:{part}+"),
            format!("lib:{part}:{part}:"),
            "+".repeat(1 << 20),
        ] {
            parse_everything(&text);
        }
    }

    #[test]
    fn keys_travel_in_avro_as_their_canonical_text() {
        use crate::EventField;
        use crate::avro::Reader;

        let key: UsageKey = "block-v1:edX+DemoX+2024+block@p1".parse().unwrap();
        let mut bytes = Vec::new();
        key.encode_avro(&mut bytes);
        let text = "block-v1:edX+DemoX+2024+type@None+block@p1";
        assert_eq!(bytes[0] as usize, text.len() * 2, "zig-zag length prefix");
        assert_eq!(&bytes[1..], text.as_bytes());
        assert_eq!(UsageKey::decode_avro(&mut Reader::new(&bytes)), Ok(key));

        let mut bad = Vec::new();
        "block-v1:edX".to_owned().encode_avro(&mut bad);
        let error = UsageKey::decode_avro(&mut Reader::new(&bad)).unwrap_err();
        assert!(error.to_string().contains("invalid UsageKey"), "{error}");
    }

    #[test]
    fn every_key_type_is_a_payload_field_carried_as_its_text() {
        use crate::CustomType;

        let key: CourseKey = "slashes:edX+DemoX+2024".parse().unwrap();
        assert_eq!(key.to_text(), "course-v1:edX+DemoX+2024");
        assert_eq!(CourseKey::from_text("course-v1:edX+DemoX+2024"), Ok(key));
        assert_eq!(
            CourseKey::from_text("course-v1:edX"),
            Err(r#""course-v1:edX": expected org+course or org+course+run before any `prefix@` part"#.to_owned())
        );
        assert_eq!(
            [
                CourseKey::TYPE_NAME,
                UsageKey::TYPE_NAME,
                CcxLocator::TYPE_NAME,
                LibraryLocatorV2::TYPE_NAME,
                LibraryUsageLocatorV2::TYPE_NAME,
                LibraryContainerLocator::TYPE_NAME,
                LibraryCollectionLocator::TYPE_NAME,
            ],
            [
                "CourseKey",
                "UsageKey",
                "CCXLocator",
                "LibraryLocatorV2",
                "LibraryUsageLocatorV2",
                "LibraryContainerLocator",
                "LibraryCollectionLocator",
            ]
        );
    }
}
