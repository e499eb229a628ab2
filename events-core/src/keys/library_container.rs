//! Containers (units, sections, subsections) of v2 content libraries:
//! `lct:org:slug:container_type:container_id`.

use super::canonical::Span;
use super::check_length;
use super::error::InvalidKeyReason;
use super::grammar::{CharClass, ScannedPart};
use super::library_v2::{self, LibraryLocatorV2};

const CONTAINER_NAMESPACE: &str = "lct:";

/// The key of a container in a v2 content library: what Python's
/// `LibraryContainerLocator.from_string` accepts, `lct:org:slug:container_type:container_id`.
///
/// ```
/// use events_core::keys::LibraryContainerLocator;
///
/// let key: LibraryContainerLocator = "lct:MITx:physics:unit:unit-1".parse()?;
/// assert_eq!(key.container_type(), "unit");
/// assert_eq!(key.container_id(), "unit-1");
/// assert_eq!(key.lib_key().as_str(), "lib:MITx:physics");
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct LibraryContainerLocator {
    text: Box<str>,
    org: Span,
    slug: Span,
    container_type: Span,
    container_id: Span,
}

opaque_key_traits!(
    LibraryContainerLocator,
    "LibraryContainerLocator",
    "lct:MITx:physics:unit:unit-1"
);

impl LibraryContainerLocator {
    // Hand-written rather than regex-based for speed, like every key parser here.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        let body = text
            .strip_prefix(CONTAINER_NAMESPACE)
            .ok_or(InvalidKeyReason::UnknownNamespace { expected: "`lct:`" })?;
        let [org, slug, container_type, container_id] = library_v2::split_parts(body)?;
        library_v2::check_library(org, slug)?;
        container_type.check_allowing_final_newline(CharClass::AsciiSlug, "container_type")?;
        container_id.check_allowing_final_newline(CharClass::UnicodeSlug, "container_id")?;
        // Python renders the parts as written, so the text is already canonical.
        let within = |part: ScannedPart<'_>| Span::within(text, part.text);
        Ok(LibraryContainerLocator {
            text: Box::from(text),
            org: within(org),
            slug: within(slug),
            container_type: within(container_type),
            container_id: within(container_id),
        })
    }

    /// The organization that owns the library.
    ///
    /// ```
    /// use events_core::keys::LibraryContainerLocator;
    ///
    /// assert_eq!("lct:MITx:physics:unit:u1".parse::<LibraryContainerLocator>()?.org(), "MITx");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> &str {
        self.org.of(&self.text)
    }

    /// The library's slug.
    ///
    /// ```
    /// use events_core::keys::LibraryContainerLocator;
    ///
    /// assert_eq!("lct:MITx:physics:unit:u1".parse::<LibraryContainerLocator>()?.slug(), "physics");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn slug(&self) -> &str {
        self.slug.of(&self.text)
    }

    /// The kind of container, e.g. `unit`, `section` or `subsection`.
    ///
    /// ```
    /// use events_core::keys::LibraryContainerLocator;
    ///
    /// assert_eq!("lct:MITx:physics:section:s1".parse::<LibraryContainerLocator>()?.container_type(), "section");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn container_type(&self) -> &str {
        self.container_type.of(&self.text)
    }

    /// The container's id within the library.
    ///
    /// ```
    /// use events_core::keys::LibraryContainerLocator;
    ///
    /// assert_eq!("lct:MITx:physics:unit:u1".parse::<LibraryContainerLocator>()?.container_id(), "u1");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn container_id(&self) -> &str {
        self.container_id.of(&self.text)
    }

    /// The key of the library that holds the container (Python's `lib_key`).
    ///
    /// ```
    /// use events_core::keys::LibraryContainerLocator;
    ///
    /// let key: LibraryContainerLocator = "lct:MITx:physics:unit:u1".parse()?;
    /// assert_eq!(key.lib_key().slug(), "physics");
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
    fn a_container_key_has_exactly_four_parts() {
        assert!("lct:org:lib:unit:u1".parse::<LibraryContainerLocator>().is_ok());
        assert!("lct:org:lib:unit".parse::<LibraryContainerLocator>().is_err());
        assert!("lct:org:lib:unit:u1:x".parse::<LibraryContainerLocator>().is_err());
    }

    #[test]
    fn container_types_are_ascii_and_ids_may_be_unicode() {
        assert_eq!(
            "lct:org:lib:unit:ü1"
                .parse::<LibraryContainerLocator>()
                .unwrap()
                .container_id(),
            "ü1"
        );
        assert_eq!(
            "lct:org:lib:ünit:u1"
                .parse::<LibraryContainerLocator>()
                .unwrap_err()
                .reason(),
            &InvalidKeyReason::InvalidCharacter {
                part: "container_type",
                character: 'ü'
            }
        );
    }

    #[test]
    fn other_namespaces_are_refused() {
        assert!("lb:org:lib:unit:u1".parse::<LibraryContainerLocator>().is_err());
    }
}
