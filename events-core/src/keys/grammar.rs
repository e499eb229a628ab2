//! The character classes of the key grammars and the checks built on them.
//!
//! `edx-opaque-keys` validates parts with Python regular expressions. Python's `\w` on `str`
//! patterns admits every character for which `str.isalnum()` holds, plus `_`: letters and digits
//! of every script, not only ASCII. That set differs from Rust's `char::is_alphanumeric` (which
//! also admits combining marks with the Alphabetic property and follows a newer Unicode
//! version), so non-ASCII characters are looked up in tables taken from Python itself
//! ([`unicode_tables`](super::unicode_tables)).
//!
//! ASCII, by far the common case, is answered from a byte table of class bits without any
//! search: keys are parsed on every decode of every event that carries one. Scanners intersect
//! those bits over a part as they split the text, so that checking the part is then one test.

use super::error::InvalidKeyReason;
use super::unicode_tables;

/// A set of characters a key part may contain, named after the parts that use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CharClass {
    /// `[\w\-~.:]`: org, course, run, branch, block type and block id of the `+`-separated
    /// locators (`course-v1:`, `block-v1:`, …).
    LocatorId,
    /// `[\w\-~.:%]`: names and revisions of deprecated `i4x://` locations, and block ids as the
    /// `block-v1:` pattern first matches them.
    DeprecatedId,
    /// `[\w.%-]`: org, course and run of deprecated `org/course/run` ids.
    DeprecatedCoursePart,
    /// `[a-zA-Z0-9_\-.]`: ASCII-only parts of the v2 library keys (org, block and container
    /// types).
    AsciiSlug,
    /// `[\w\-.]`: parts of the v2 library keys that may be non-ASCII (slugs and ids).
    UnicodeSlug,
    /// `[a-f0-9]`: versions in the standard locators.
    LowerHex,
    /// `[a-fA-F0-9]`: versions in the case-insensitive CCX locators.
    Hex,
    /// `\d`: decimal digits of any script, for CCX ids.
    Decimal,
}

impl CharClass {
    /// The class's bit in [`byte_classes`].
    pub(crate) const fn bit(self) -> u8 {
        match self {
            CharClass::LocatorId => 1,
            CharClass::DeprecatedId => 1 << 1,
            CharClass::DeprecatedCoursePart => 1 << 2,
            // The two slug classes have the same ASCII members; only `admits` tells them apart,
            // for non-ASCII characters. That frees a bit for LOCATOR_SEPARATOR.
            CharClass::AsciiSlug | CharClass::UnicodeSlug => 1 << 3,
            CharClass::LowerHex => 1 << 5,
            CharClass::Hex => 1 << 6,
            CharClass::Decimal => 1 << 7,
        }
    }

    /// Whether the class admits `ch`.
    pub(crate) fn admits(self, ch: char) -> bool {
        if ch.is_ascii() {
            return byte_classes(ch as u8) & self.bit() != 0;
        }
        match self {
            CharClass::LocatorId
            | CharClass::DeprecatedId
            | CharClass::DeprecatedCoursePart
            | CharClass::UnicodeSlug => in_ranges(unicode_tables::WORD, ch),
            CharClass::Decimal => in_ranges(unicode_tables::DECIMAL, ch),
            CharClass::AsciiSlug | CharClass::LowerHex | CharClass::Hex => false,
        }
    }
}

/// For each byte, the bits of the classes that admit it when it is an ASCII character; none for
/// the bytes of non-ASCII characters, which need [`CharClass::admits`].
static BYTE_CLASSES: [u8; 256] = byte_class_table();

/// Every class: the start of a running intersection of [`BYTE_CLASSES`].
pub(crate) const ALL_CLASSES: u8 = u8::MAX;

/// Marks `+` and `@` in [`BYTE_CLASSES`] (they belong to no class), so that a locator scanner
/// finds both its separators and the classes of every other byte with one table lookup.
pub(crate) const LOCATOR_SEPARATOR: u8 = 1 << 4;

/// The classes that admit `byte` if it is ASCII (none otherwise). Scanners intersect these over
/// a part as they go, so that [`check_scanned_part`] needs no second pass in the common case.
#[inline]
pub(crate) fn byte_classes(byte: u8) -> u8 {
    BYTE_CLASSES[usize::from(byte)]
}

const fn byte_class_table() -> [u8; 256] {
    let ascii = ascii_classes();
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = ascii[byte];
        byte += 1;
    }
    table[b'+' as usize] = LOCATOR_SEPARATOR;
    table[b'@' as usize] = LOCATOR_SEPARATOR;
    table
}

const fn ascii_classes() -> [u8; 128] {
    let mut table = [0u8; 128];
    let mut byte = 0;
    while byte < 128 {
        let ch = byte as u8;
        let word = ch.is_ascii_alphanumeric() || ch == b'_';
        let mut bits = 0;
        if word || matches!(ch, b'-' | b'~' | b'.' | b':') {
            bits |= CharClass::LocatorId.bit();
        }
        if word || matches!(ch, b'-' | b'~' | b'.' | b':' | b'%') {
            bits |= CharClass::DeprecatedId.bit();
        }
        if word || matches!(ch, b'.' | b'%' | b'-') {
            bits |= CharClass::DeprecatedCoursePart.bit();
        }
        if word || matches!(ch, b'-' | b'.') {
            bits |= CharClass::AsciiSlug.bit();
        }
        if ch.is_ascii_digit() || matches!(ch, b'a'..=b'f') {
            bits |= CharClass::LowerHex.bit();
        }
        if ch.is_ascii_hexdigit() {
            bits |= CharClass::Hex.bit();
        }
        if ch.is_ascii_digit() {
            bits |= CharClass::Decimal.bit();
        }
        table[byte] = bits;
        byte += 1;
    }
    table
}

fn in_ranges(ranges: &[(u32, u32)], ch: char) -> bool {
    let code = u32::from(ch);
    // The ranges are sorted and disjoint: find the last one starting at or before `code`.
    let after = ranges.partition_point(|&(start, _)| start <= code);
    after > 0 && ranges[after - 1].1 >= code
}

/// The first character of `text` that `class` does not admit.
pub(crate) fn first_disallowed(text: &str, class: CharClass) -> Option<char> {
    let bytes = text.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte >= 0x80 {
            // Everything before was ASCII, so `index` is a character boundary.
            return text.get(index..)?.chars().find(|&ch| !class.admits(ch));
        }
        if byte_classes(byte) & class.bit() == 0 {
            return Some(char::from(byte));
        }
    }
    None
}

/// A part of a key text split at a separator, with the classes its bytes have in common.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScannedPart<'a> {
    pub(crate) text: &'a str,
    classes: u8,
}

impl ScannedPart<'_> {
    /// Checks the part's characters against `class` (a regex `^[…]+\Z`).
    pub(crate) fn check(self, class: CharClass, part: &'static str) -> Result<(), InvalidKeyReason> {
        check_scanned_part(self.text, self.classes, class, part)
    }

    /// Checks the part's characters against `class`, allowing one final newline as Python's
    /// `re.match(r'^[…]+$', part)` does.
    pub(crate) fn check_allowing_final_newline(
        self,
        class: CharClass,
        part: &'static str,
    ) -> Result<(), InvalidKeyReason> {
        check_scanned_part_allowing_final_newline(self.text, self.classes, class, part)
    }
}

/// Splits `text` into exactly `N` parts at `separator` (an ASCII byte).
pub(crate) fn split_scanned<const N: usize>(
    text: &str,
    separator: u8,
) -> Result<[ScannedPart<'_>; N], InvalidKeyReason> {
    // One byte loop both splits and classifies, rather than `str::split` and a second pass per
    // part, which would cost more than the rest of the parse of a short key.
    let mut parts = [ScannedPart::default(); N];
    let mut found = 0;
    let mut start = 0;
    let mut classes = ALL_CLASSES;
    let mut store = |found: usize, start: usize, end: usize, classes: u8| {
        if let Some(slot) = parts.get_mut(found) {
            // The separator is ASCII, so these offsets are character boundaries.
            *slot = ScannedPart {
                text: text.get(start..end).unwrap_or_default(),
                classes,
            };
        }
    };
    for (index, &byte) in text.as_bytes().iter().enumerate() {
        if byte == separator {
            store(found, start, index, classes);
            found += 1;
            start = index + 1;
            classes = ALL_CLASSES;
        } else {
            classes &= byte_classes(byte);
        }
    }
    store(found, start, text.len(), classes);
    found += 1;
    if found != N {
        return Err(InvalidKeyReason::WrongPartCount { expected: N, found });
    }
    Ok(parts)
}

/// Checks a part that must be one or more characters of `class` (a regex `^[…]+\Z`).
pub(crate) fn check_part(value: &str, class: CharClass, part: &'static str) -> Result<(), InvalidKeyReason> {
    if value.is_empty() {
        return Err(InvalidKeyReason::EmptyPart { part });
    }
    match first_disallowed(value, class) {
        None => Ok(()),
        Some(character) => Err(InvalidKeyReason::InvalidCharacter { part, character }),
    }
}

/// [`check_part`], answered without looking at `value` again when `scanned_classes` (the
/// intersection of [`byte_classes`] over its bytes) already shows it is all ASCII of `class`.
#[inline]
pub(crate) fn check_scanned_part(
    value: &str,
    scanned_classes: u8,
    class: CharClass,
    part: &'static str,
) -> Result<(), InvalidKeyReason> {
    if scanned_classes & class.bit() != 0 && !value.is_empty() {
        return Ok(());
    }
    check_part(value, class, part)
}

/// [`check_part_allowing_final_newline`], with the same shortcut as [`check_scanned_part`].
#[inline]
pub(crate) fn check_scanned_part_allowing_final_newline(
    value: &str,
    scanned_classes: u8,
    class: CharClass,
    part: &'static str,
) -> Result<(), InvalidKeyReason> {
    if scanned_classes & class.bit() != 0 && !value.is_empty() {
        return Ok(());
    }
    check_part_allowing_final_newline(value, class, part)
}

/// Checks a part as Python's `re.match(r'^[…]+$', value)` does, which the v2 library keys use:
/// without `re.MULTILINE`, `$` also matches just before a newline that ends the text, so one
/// trailing `\n` after at least one admitted character is accepted (and kept in the key).
pub(crate) fn check_part_allowing_final_newline(
    value: &str,
    class: CharClass,
    part: &'static str,
) -> Result<(), InvalidKeyReason> {
    match value.strip_suffix('\n') {
        Some(body) if !body.is_empty() => check_part(body, class, part),
        _ => check_part(value, class, part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_ids_admit_word_characters_dash_tilde_dot_and_colon() {
        for ch in ['a', 'Z', '0', '_', '-', '~', '.', ':', 'é', 'ß', '中', '٣', 'Ⅻ'] {
            assert!(CharClass::LocatorId.admits(ch), "{ch:?}");
        }
        for ch in ['+', '@', '/', '%', ' ', '\n', '$', '#', '\u{0345}', '\u{200b}', '😀'] {
            assert!(!CharClass::LocatorId.admits(ch), "{ch:?}");
        }
    }

    #[test]
    fn combining_marks_are_not_word_characters_as_in_python() {
        // U+0345 is Alphabetic for Rust but not alphanumeric for Python's `str.isalnum`.
        assert!('\u{0345}'.is_alphanumeric());
        assert!(!CharClass::UnicodeSlug.admits('\u{0345}'));
    }

    #[test]
    fn deprecated_course_parts_admit_percent_but_not_tilde_or_colon() {
        assert!(CharClass::DeprecatedCoursePart.admits('%'));
        assert!(!CharClass::DeprecatedCoursePart.admits('~'));
        assert!(!CharClass::DeprecatedCoursePart.admits(':'));
    }

    #[test]
    fn separators_are_marked_and_belong_to_no_class() {
        for separator in [b'+', b'@'] {
            assert_eq!(byte_classes(separator), LOCATOR_SEPARATOR);
            assert!(!CharClass::LocatorId.admits(char::from(separator)));
        }
        assert_eq!(byte_classes(b'a') & LOCATOR_SEPARATOR, 0);
    }

    #[test]
    fn ascii_slugs_refuse_non_ascii_letters() {
        assert!(CharClass::AsciiSlug.admits('a'));
        assert!(!CharClass::AsciiSlug.admits('é'));
        assert!(CharClass::UnicodeSlug.admits('é'));
    }

    #[test]
    fn decimal_admits_digits_of_every_script_but_not_other_numerals() {
        assert!(CharClass::Decimal.admits('7'));
        assert!(CharClass::Decimal.admits('٣'));
        assert!(!CharClass::Decimal.admits('Ⅻ'));
        assert!(!CharClass::Decimal.admits('²'));
    }

    #[test]
    fn first_disallowed_finds_the_first_bad_character_after_non_ascii_text() {
        assert_eq!(first_disallowed("abc", CharClass::LocatorId), None);
        assert_eq!(first_disallowed("ab c", CharClass::LocatorId), Some(' '));
        assert_eq!(first_disallowed("éé+", CharClass::LocatorId), Some('+'));
    }

    #[test]
    fn one_final_newline_passes_the_dollar_anchored_check() {
        assert!(check_part_allowing_final_newline("org\n", CharClass::AsciiSlug, "org").is_ok());
        assert_eq!(
            check_part_allowing_final_newline("\n", CharClass::AsciiSlug, "org"),
            Err(InvalidKeyReason::InvalidCharacter {
                part: "org",
                character: '\n'
            })
        );
        assert!(check_part_allowing_final_newline("org\n\n", CharClass::AsciiSlug, "org").is_err());
        assert!(check_part_allowing_final_newline("or\ng", CharClass::AsciiSlug, "org").is_err());
    }

    #[test]
    fn scanned_classes_shortcut_only_all_ascii_parts_of_the_class() {
        let scan = |text: &str| text.bytes().fold(ALL_CLASSES, |bits, byte| bits & byte_classes(byte));
        assert!(check_scanned_part("abc", scan("abc"), CharClass::AsciiSlug, "org").is_ok());
        assert!(check_scanned_part("é", scan("é"), CharClass::UnicodeSlug, "slug").is_ok());
        assert!(check_scanned_part("é", scan("é"), CharClass::AsciiSlug, "org").is_err());
        assert!(check_scanned_part("", scan(""), CharClass::AsciiSlug, "org").is_err());
        assert!(check_scanned_part_allowing_final_newline("a\n", scan("a\n"), CharClass::AsciiSlug, "org").is_ok());
    }

    #[test]
    fn empty_parts_are_refused() {
        assert_eq!(
            check_part("", CharClass::LocatorId, "run"),
            Err(InvalidKeyReason::EmptyPart { part: "run" })
        );
    }
}
