//! Content libraries (v2, Learning-Core based): `lib:org:slug`, and the `:`-separated grammar
//! the keys of their blocks, containers and collections share.
//!
//! Each key is a namespace and a fixed number of `:`-separated parts. Python validates every
//! part with `re.match(r'^[…]+$', part)`; `$` there also matches before a final newline, so each
//! part may end with one `\n`, which is then part of the key.

use super::canonical::{CanonicalText, Span};
use super::check_length;
use super::error::InvalidKeyReason;
use super::grammar::{CharClass, ScannedPart, split_scanned};

/// Splits the text after a namespace into exactly `N` `:`-separated parts.
pub(crate) fn split_parts<const N: usize>(body: &str) -> Result<[ScannedPart<'_>; N], InvalidKeyReason> {
    split_scanned(body, b':')
}

/// Checks the org and slug of a library, as `LibraryLocatorV2` does: org is ASCII letters,
/// digits, `_`, `-` and `.`; the slug may also hold letters and digits of any script.
pub(crate) fn check_library(org: ScannedPart<'_>, slug: ScannedPart<'_>) -> Result<(), InvalidKeyReason> {
    org.check_allowing_final_newline(CharClass::AsciiSlug, "org")?;
    slug.check_allowing_final_newline(CharClass::UnicodeSlug, "slug")
}

const LIBRARY_NAMESPACE: &str = "lib:";

/// The key of a v2 content library: what Python's `LibraryLocatorV2.from_string` accepts,
/// `lib:org:slug`.
///
/// ```
/// use events_core::keys::LibraryLocatorV2;
///
/// let key: LibraryLocatorV2 = "lib:MITx:reallyhardproblems".parse()?;
/// assert_eq!(key.org(), "MITx");
/// assert_eq!(key.slug(), "reallyhardproblems");
///
/// // Slugs may be non-ASCII; orgs may not.
/// assert!("lib:MITx:problèmes".parse::<LibraryLocatorV2>().is_ok());
/// assert!("lib:MÏTx:problems".parse::<LibraryLocatorV2>().is_err());
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct LibraryLocatorV2 {
    text: Box<str>,
    org: Span,
    slug: Span,
}

opaque_key_traits!(LibraryLocatorV2, "LibraryLocatorV2", "lib:MITx:reallyhardproblems");

impl LibraryLocatorV2 {
    // Hand-written rather than regex-based for speed, like every key parser here.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        let body = text
            .strip_prefix(LIBRARY_NAMESPACE)
            .ok_or(InvalidKeyReason::UnknownNamespace { expected: "`lib:`" })?;
        let [org, slug] = split_parts(body)?;
        check_library(org, slug)?;
        // Python renders the parts as written, so the text is already canonical.
        Ok(LibraryLocatorV2 {
            text: Box::from(text),
            org: Span::within(text, org.text),
            slug: Span::within(text, slug.text),
        })
    }

    /// The key of the library `org:slug` named by another, already accepted, key.
    pub(crate) fn derived(org: &str, slug: &str) -> Self {
        let mut out = CanonicalText::new();
        out.push(LIBRARY_NAMESPACE);
        let org = out.push_part(org);
        out.push(":");
        let slug = out.push_part(slug);
        LibraryLocatorV2 {
            text: out.into_derived_text(),
            org,
            slug,
        }
    }

    /// The organization that owns the library.
    ///
    /// ```
    /// use events_core::keys::LibraryLocatorV2;
    ///
    /// assert_eq!("lib:MITx:physics".parse::<LibraryLocatorV2>()?.org(), "MITx");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> &str {
        self.org.of(&self.text)
    }

    /// The library's slug, unique within the org.
    ///
    /// ```
    /// use events_core::keys::LibraryLocatorV2;
    ///
    /// assert_eq!("lib:MITx:physics".parse::<LibraryLocatorV2>()?.slug(), "physics");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn slug(&self) -> &str {
        self.slug.of(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_key_has_exactly_two_parts() {
        assert!("lib:a:b".parse::<LibraryLocatorV2>().is_ok());
        assert_eq!(
            "lib:a".parse::<LibraryLocatorV2>().unwrap_err().reason(),
            &InvalidKeyReason::WrongPartCount { expected: 2, found: 1 }
        );
        assert_eq!(
            "lib:a:b:c".parse::<LibraryLocatorV2>().unwrap_err().reason(),
            &InvalidKeyReason::WrongPartCount { expected: 2, found: 3 }
        );
    }

    #[test]
    fn org_is_ascii_and_slug_may_be_unicode() {
        assert_eq!(
            "lib:a-b.c_1:sl_ug-é.2".parse::<LibraryLocatorV2>().unwrap().slug(),
            "sl_ug-é.2"
        );
        assert_eq!(
            "lib:é:b".parse::<LibraryLocatorV2>().unwrap_err().reason(),
            &InvalidKeyReason::InvalidCharacter {
                part: "org",
                character: 'é'
            }
        );
        assert!("lib:a:b~c".parse::<LibraryLocatorV2>().is_err());
        assert!("lib:a:".parse::<LibraryLocatorV2>().is_err());
    }

    #[test]
    fn one_final_newline_per_part_is_kept_as_python_accepts_it() {
        let key: LibraryLocatorV2 = "lib:a\n:b\n".parse().unwrap();
        assert_eq!(key.org(), "a\n");
        assert_eq!(key.as_str(), "lib:a\n:b\n");
        assert!("lib:a:b\n\n".parse::<LibraryLocatorV2>().is_err());
    }

    #[test]
    fn other_namespaces_are_refused() {
        assert!("lb:a:b".parse::<LibraryLocatorV2>().is_err());
        assert!("LIB:a:b".parse::<LibraryLocatorV2>().is_err());
        assert!("library-v1:a+b".parse::<LibraryLocatorV2>().is_err());
    }
}
