//! Blocks of v2 content libraries: `lb:org:slug:block_type:usage_id`.

use super::canonical::Span;
use super::check_length;
use super::error::{InvalidKeyError, InvalidKeyReason};
use super::grammar::CharClass;
use super::library_v2::{self, LibraryLocatorV2};
use super::usage_key::UsageKey;

pub(crate) const LIBRARY_BLOCK_NAMESPACE: &str = "lb:";

/// The parts of an `lb:` key body, validated.
pub(crate) struct LibraryBlockParts<'a> {
    pub(crate) org: &'a str,
    pub(crate) slug: &'a str,
    pub(crate) block_type: &'a str,
    pub(crate) usage_id: &'a str,
}

/// Parses the text after `lb:`: the library's org and slug, an ASCII block type and a usage id
/// that may be non-ASCII.
pub(crate) fn parse_body(body: &str) -> Result<LibraryBlockParts<'_>, InvalidKeyReason> {
    let [org, slug, block_type, usage_id] = library_v2::split_parts(body)?;
    library_v2::check_library(org, slug)?;
    block_type.check_allowing_final_newline(CharClass::AsciiSlug, "block_type")?;
    usage_id.check_allowing_final_newline(CharClass::UnicodeSlug, "usage_id")?;
    Ok(LibraryBlockParts {
        org: org.text,
        slug: slug.text,
        block_type: block_type.text,
        usage_id: usage_id.text,
    })
}

/// The key of a block in a v2 content library: what Python's
/// `LibraryUsageLocatorV2.from_string` accepts, `lb:org:slug:block_type:usage_id`.
///
/// It is also a [`UsageKey`]: `UsageKey::from(key)` converts it.
///
/// ```
/// use events_core::keys::{LibraryUsageLocatorV2, UsageKey};
///
/// let key: LibraryUsageLocatorV2 = "lb:MITx:reallyhardproblems:problem:problem1".parse()?;
/// assert_eq!(key.block_type(), "problem");
/// assert_eq!(key.usage_id(), "problem1");
/// assert_eq!(key.lib_key().as_str(), "lib:MITx:reallyhardproblems");
///
/// let usage_key = UsageKey::from(key);
/// assert_eq!(usage_key.block_id(), "problem1");
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct LibraryUsageLocatorV2 {
    text: Box<str>,
    org: Span,
    slug: Span,
    block_type: Span,
    usage_id: Span,
}

opaque_key_traits!(
    LibraryUsageLocatorV2,
    "LibraryUsageLocatorV2",
    "lb:MITx:reallyhardproblems:problem:problem1"
);

impl LibraryUsageLocatorV2 {
    // Hand-written rather than regex-based for speed, like every key parser here.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        let body = text
            .strip_prefix(LIBRARY_BLOCK_NAMESPACE)
            .ok_or(InvalidKeyReason::UnknownNamespace { expected: "`lb:`" })?;
        let parts = parse_body(body)?;
        // Python renders the parts as written, so the text is already canonical.
        let within = |part| Span::within(text, part);
        Ok(LibraryUsageLocatorV2 {
            text: Box::from(text),
            org: within(parts.org),
            slug: within(parts.slug),
            block_type: within(parts.block_type),
            usage_id: within(parts.usage_id),
        })
    }

    /// The organization that owns the library.
    ///
    /// ```
    /// use events_core::keys::LibraryUsageLocatorV2;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<LibraryUsageLocatorV2>()?.org(), "MITx");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> &str {
        self.org.of(&self.text)
    }

    /// The library's slug.
    ///
    /// ```
    /// use events_core::keys::LibraryUsageLocatorV2;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<LibraryUsageLocatorV2>()?.slug(), "physics");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn slug(&self) -> &str {
        self.slug.of(&self.text)
    }

    /// The XBlock type of the block.
    ///
    /// ```
    /// use events_core::keys::LibraryUsageLocatorV2;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<LibraryUsageLocatorV2>()?.block_type(), "html");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn block_type(&self) -> &str {
        self.block_type.of(&self.text)
    }

    /// The block's id within the library (Python's `usage_id`, also its `block_id`).
    ///
    /// ```
    /// use events_core::keys::LibraryUsageLocatorV2;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<LibraryUsageLocatorV2>()?.usage_id(), "intro");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn usage_id(&self) -> &str {
        self.usage_id.of(&self.text)
    }

    /// The key of the library that holds the block (Python's `lib_key`, its `context_key`).
    ///
    /// ```
    /// use events_core::keys::LibraryUsageLocatorV2;
    ///
    /// let key: LibraryUsageLocatorV2 = "lb:MITx:physics:html:intro".parse()?;
    /// assert_eq!(key.lib_key().as_str(), "lib:MITx:physics");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn lib_key(&self) -> LibraryLocatorV2 {
        LibraryLocatorV2::derived(self.org(), self.slug())
    }
}

impl From<LibraryUsageLocatorV2> for UsageKey {
    fn from(key: LibraryUsageLocatorV2) -> UsageKey {
        UsageKey::from_library_block(key.text, key.org, key.slug, key.block_type, key.usage_id)
    }
}

/// Fails for usage keys that are not `lb:` keys.
impl TryFrom<UsageKey> for LibraryUsageLocatorV2 {
    type Error = InvalidKeyError;

    fn try_from(key: UsageKey) -> Result<LibraryUsageLocatorV2, InvalidKeyError> {
        key.as_str().parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_block_key_has_exactly_four_parts() {
        let key: LibraryUsageLocatorV2 = "lb:org:lib:problem:p1".parse().unwrap();
        assert_eq!(
            (key.org(), key.slug(), key.block_type(), key.usage_id()),
            ("org", "lib", "problem", "p1")
        );
        assert!("lb:org:lib:problem".parse::<LibraryUsageLocatorV2>().is_err());
        assert!("lb:org:lib:problem:p1:x".parse::<LibraryUsageLocatorV2>().is_err());
    }

    #[test]
    fn block_types_are_ascii_and_usage_ids_may_be_unicode() {
        assert!("lb:org:lib:problem:prob_é".parse::<LibraryUsageLocatorV2>().is_ok());
        assert!("lb:org:lib:problém:p1".parse::<LibraryUsageLocatorV2>().is_err());
        assert!("lb:org:lib:problem:p 1".parse::<LibraryUsageLocatorV2>().is_err());
    }

    #[test]
    fn converts_to_and_from_usage_key() {
        let key: LibraryUsageLocatorV2 = "lb:org:lib:problem:p1".parse().unwrap();
        let usage = UsageKey::from(key.clone());
        assert_eq!(usage.block_type(), "problem");
        assert_eq!(LibraryUsageLocatorV2::try_from(usage).unwrap(), key);
        let block: UsageKey = "block-v1:a+b+c+type@t+block@x".parse().unwrap();
        assert!(LibraryUsageLocatorV2::try_from(block).is_err());
    }
}
