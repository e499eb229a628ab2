//! Collections of v2 content libraries: `lib-collection:org:slug:collection_id`.

use super::canonical::Span;
use super::check_length;
use super::error::InvalidKeyReason;
use super::grammar::{CharClass, ScannedPart};
use super::library_v2::{self, LibraryLocatorV2};

const COLLECTION_NAMESPACE: &str = "lib-collection:";

/// The key of a collection in a v2 content library: what Python's
/// `LibraryCollectionLocator.from_string` accepts, `lib-collection:org:slug:collection_id`.
///
/// ```
/// use events_core::keys::LibraryCollectionLocator;
///
/// let key: LibraryCollectionLocator = "lib-collection:MITx:physics:mechanics".parse()?;
/// assert_eq!(key.collection_id(), "mechanics");
/// assert_eq!(key.lib_key().as_str(), "lib:MITx:physics");
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct LibraryCollectionLocator {
    text: Box<str>,
    org: Span,
    slug: Span,
    collection_id: Span,
}

opaque_key_traits!(
    LibraryCollectionLocator,
    "LibraryCollectionLocator",
    "lib-collection:MITx:physics:mechanics"
);

impl LibraryCollectionLocator {
    // Hand-written rather than regex-based for speed, like every key parser here.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        let body = text
            .strip_prefix(COLLECTION_NAMESPACE)
            .ok_or(InvalidKeyReason::UnknownNamespace {
                expected: "`lib-collection:`",
            })?;
        let [org, slug, collection_id] = library_v2::split_parts(body)?;
        library_v2::check_library(org, slug)?;
        collection_id.check_allowing_final_newline(CharClass::UnicodeSlug, "collection_id")?;
        // Python renders the parts as written, so the text is already canonical.
        let within = |part: ScannedPart<'_>| Span::within(text, part.text);
        Ok(LibraryCollectionLocator {
            text: Box::from(text),
            org: within(org),
            slug: within(slug),
            collection_id: within(collection_id),
        })
    }

    /// The organization that owns the library.
    ///
    /// ```
    /// use events_core::keys::LibraryCollectionLocator;
    ///
    /// assert_eq!("lib-collection:MITx:physics:c1".parse::<LibraryCollectionLocator>()?.org(), "MITx");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> &str {
        self.org.of(&self.text)
    }

    /// The library's slug.
    ///
    /// ```
    /// use events_core::keys::LibraryCollectionLocator;
    ///
    /// assert_eq!("lib-collection:MITx:physics:c1".parse::<LibraryCollectionLocator>()?.slug(), "physics");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn slug(&self) -> &str {
        self.slug.of(&self.text)
    }

    /// The collection's id within the library.
    ///
    /// ```
    /// use events_core::keys::LibraryCollectionLocator;
    ///
    /// assert_eq!("lib-collection:MITx:physics:c1".parse::<LibraryCollectionLocator>()?.collection_id(), "c1");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn collection_id(&self) -> &str {
        self.collection_id.of(&self.text)
    }

    /// The key of the library that holds the collection (Python's `lib_key`).
    ///
    /// ```
    /// use events_core::keys::LibraryCollectionLocator;
    ///
    /// let key: LibraryCollectionLocator = "lib-collection:MITx:physics:c1".parse()?;
    /// assert_eq!(key.lib_key().org(), "MITx");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn lib_key(&self) -> LibraryLocatorV2 {
        LibraryLocatorV2::derived(self.org(), self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_key_has_exactly_three_parts() {
        assert!("lib-collection:org:lib:c1".parse::<LibraryCollectionLocator>().is_ok());
        assert!("lib-collection:org:lib".parse::<LibraryCollectionLocator>().is_err());
        assert!(
            "lib-collection:org:lib:c1:x"
                .parse::<LibraryCollectionLocator>()
                .is_err()
        );
    }

    #[test]
    fn collection_ids_may_be_unicode_but_not_contain_spaces() {
        assert!(
            "lib-collection:org:lib:集合"
                .parse::<LibraryCollectionLocator>()
                .is_ok()
        );
        assert!(
            "lib-collection:org:lib:c 1"
                .parse::<LibraryCollectionLocator>()
                .is_err()
        );
    }
}
