//! Usage keys: every text Python's `UsageKey.from_string` accepts.

use super::aside;
use super::canonical::{CanonicalText, Span};
use super::ccx;
use super::check_length;
use super::course_key::{CourseKey, CourseKeyKind};
use super::deprecated::{self, I4X_PREFIX};
use super::error::InvalidKeyReason;
use super::library_usage_v2::{self, LIBRARY_BLOCK_NAMESPACE};
use super::library_v2::LibraryLocatorV2;
use super::locator::{self, Dialect, LocatorSpans};

const USAGE_KEY_FORMS: &str = "`block-v1:`, `lib-block-v1:`, `ccx-block-v1:`, `lb:`, `location:`, \
     `aside-usage-v1:`, `aside-usage-v2:` or the deprecated form `i4x://org/course/category/name`";

/// Aside keys nest by escaping, which doubles the `$` in front of each nested colon at every
/// level, so a key nested this deep would need more than 2^39 bytes; the bound only keeps a
/// hostile input from recursing without end.
const MAX_ASIDE_DEPTH: usize = 40;

/// What a [`UsageKey`] identifies, and in which form.
///
/// ```
/// use events_core::keys::{UsageKey, UsageKeyKind};
///
/// let key: UsageKey = "lb:MITx:physics:html:intro".parse()?;
/// assert_eq!(key.kind(), UsageKeyKind::LibraryBlockV2);
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum UsageKeyKind {
    /// A block in a course, `block-v1:org+course+run+type@t+block@id` (Python's
    /// `BlockUsageLocator`).
    Block,
    /// A block in the deprecated form `i4x://org/course/category/name[@revision]` (a
    /// `BlockUsageLocator` with `deprecated=True`).
    DeprecatedLocation,
    /// A block in a legacy (v1) library, `lib-block-v1:org+library+type@t+block@id`
    /// (`LibraryUsageLocator`).
    LibraryBlock,
    /// A block in a custom course, `ccx-block-v1:…+ccx@N+type@t+block@id`
    /// (`CCXBlockUsageLocator`).
    CcxBlock,
    /// A block in the short-lived form `location:org+course+run+block_type+block_id`
    /// (`DeprecatedLocation`).
    Location,
    /// A block in a v2 content library, `lb:org:slug:block_type:usage_id`
    /// (`LibraryUsageLocatorV2`, see [`LibraryUsageLocatorV2`](super::LibraryUsageLocatorV2)).
    LibraryBlockV2,
    /// An aside of a block, `aside-usage-v1:usage_key::aside_type` (`AsideUsageKeyV1`).
    AsideV1,
    /// An aside of a block, `aside-usage-v2:usage_key::aside_type` with colons escaped
    /// (`AsideUsageKeyV2`).
    AsideV2,
}

/// The key of an XBlock usage: what Python's `UsageKey.from_string` accepts, with the text
/// `str(key)` gives.
///
/// Accepted forms, as `edx-opaque-keys` 4.0.0 and `edx-ccx-keys` 2.0.2 register them:
/// `block-v1:`, `lib-block-v1:`, `ccx-block-v1:`, `lb:`, `location:`, `aside-usage-v1:`,
/// `aside-usage-v2:` and the deprecated `i4x://…`. Parsing normalises the text as Python does:
/// a block without `type@` gets the type `None`, a run is dropped from legacy library blocks,
/// org and course are dropped when only a version identifies the course, CCX prefixes and
/// versions are lower-cased, and aside keys are re-escaped around the normalised block key.
///
/// The accessors describe the canonical key; for an aside they describe the decorated block.
///
/// ```
/// use events_core::keys::UsageKey;
///
/// let key: UsageKey = "block-v1:edX+DemoX+Demo_Course+type@problem+block@p1".parse()?;
/// assert_eq!(key.block_type(), "problem");
/// assert_eq!(key.block_id(), "p1");
/// assert_eq!(key.course_key().unwrap().as_str(), "course-v1:edX+DemoX+Demo_Course");
///
/// let untyped: UsageKey = "block-v1:edX+DemoX+Demo_Course+block@p1".parse()?;
/// assert_eq!(untyped.as_str(), "block-v1:edX+DemoX+Demo_Course+type@None+block@p1");
///
/// let deprecated: UsageKey = "i4x://edX/DemoX/problem/p1".parse()?;
/// assert!(deprecated.is_deprecated());
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct UsageKey {
    text: Box<str>,
    kind: UsageKeyKind,
    /// For library kinds, `course` holds the library's name or slug.
    spans: LocatorSpans,
    aside: Option<Box<Aside>>,
}

/// The two escaping schemes of aside keys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AsideVersion {
    V1,
    V2,
}

/// What an aside key holds besides its text.
#[derive(Clone)]
struct Aside {
    decorated: UsageKey,
    aside_type: Box<str>,
}

opaque_key_traits!(
    UsageKey,
    "UsageKey",
    "block-v1:edX+DemoX+Demo_Course+type@problem+block@p1"
);

impl UsageKey {
    // Hand-written rather than regex-based for speed: usage keys are parsed on every decode of
    // the events that carry one.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        Self::parse_nested(text, 0)
    }

    fn parse_nested(text: &str, depth: usize) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        if text.starts_with(I4X_PREFIX) {
            // Python reaches this form through its deprecated fallback: `i4x` is no namespace.
            return Self::from_i4x(text);
        }
        // Each namespace is matched with its colon, which is the same as splitting at the first
        // colon (no namespace contains one) and cheaper.
        if let Some(body) = text.strip_prefix("block-v1:") {
            // Nearly every block key is `block-v1:org+course+run+type@t+block@id`, already
            // canonical: build it straight from the five parts.
            if let Some([org, course, run, block_type, block_id]) = locator::plain_course_block(body) {
                let within = |part| Some(Span::within(text, part));
                let spans = LocatorSpans {
                    org: within(org),
                    course: within(course),
                    run: within(run),
                    block_type: within(block_type),
                    block_id: within(block_id),
                    ..LocatorSpans::default()
                };
                return Ok(Self::from_rendered((Box::from(text), spans), UsageKeyKind::Block));
            }
            let fields = locator::parse_fields(body, Dialect::Standard)?;
            locator::check_course(&fields)?;
            locator::check_block(&fields)?;
            let canonical = fields.course_is_canonical(true);
            let rendered =
                locator::canonical_text(text, canonical, "block-v1:", &fields, locator::render_course_block)?;
            Ok(Self::from_rendered(rendered, UsageKeyKind::Block))
        } else if let Some(body) = text.strip_prefix(LIBRARY_BLOCK_NAMESPACE) {
            let parts = library_usage_v2::parse_body(body)?;
            let within = |part| Span::within(text, part);
            Ok(Self::from_library_block(
                Box::from(text),
                within(parts.org),
                within(parts.slug),
                within(parts.block_type),
                within(parts.usage_id),
            ))
        } else if let Some(body) = text.strip_prefix("lib-block-v1:") {
            let fields = locator::parse_fields(body, Dialect::Standard)?;
            locator::check_library(&fields)?;
            locator::check_library_block(&fields)?;
            let canonical = fields.library_is_canonical(true);
            let rendered =
                locator::canonical_text(text, canonical, "lib-block-v1:", &fields, locator::render_library_block)?;
            Ok(Self::from_rendered(rendered, UsageKeyKind::LibraryBlock))
        } else if let Some(body) = text.strip_prefix("ccx-block-v1:") {
            let fields = locator::parse_fields(body, Dialect::Ccx)?;
            locator::check_course(&fields)?;
            locator::check_block(&fields)?;
            let canonical = fields.course_is_canonical(true);
            let rendered = locator::canonical_text(text, canonical, "ccx-block-v1:", &fields, ccx::render_block)?;
            Ok(Self::from_rendered(rendered, UsageKeyKind::CcxBlock))
        } else if let Some(body) = text.strip_prefix("location:") {
            Self::from_location(text, body)
        } else if let Some(body) = text.strip_prefix("aside-usage-v1:") {
            Self::from_aside(AsideVersion::V1, body, depth)
        } else if let Some(body) = text.strip_prefix("aside-usage-v2:") {
            Self::from_aside(AsideVersion::V2, body, depth)
        } else {
            Err(InvalidKeyReason::UnknownNamespace {
                expected: USAGE_KEY_FORMS,
            })
        }
    }

    fn from_rendered((text, spans): (Box<str>, LocatorSpans), kind: UsageKeyKind) -> Self {
        UsageKey {
            text,
            kind,
            spans,
            aside: None,
        }
    }

    /// The deprecated form is always canonical: its text is kept as written.
    fn from_i4x(text: &str) -> Result<Self, InvalidKeyReason> {
        let location = deprecated::parse_i4x(text)?;
        let within = |part| Some(Span::within(text, part));
        let spans = LocatorSpans {
            org: within(location.org),
            course: within(location.course),
            block_type: within(location.category),
            block_id: within(location.name),
            branch: location.revision.and_then(within),
            ..LocatorSpans::default()
        };
        Ok(Self::from_rendered(
            (Box::from(text), spans),
            UsageKeyKind::DeprecatedLocation,
        ))
    }

    /// `location:` keys are always canonical: the text is kept as written.
    fn from_location(text: &str, body: &str) -> Result<Self, InvalidKeyReason> {
        let location = deprecated::parse_location(body)?;
        let within = |part| Some(Span::within(text, part));
        let spans = LocatorSpans {
            org: within(location.org),
            course: within(location.course),
            run: within(location.run),
            block_type: within(location.block_type),
            block_id: within(location.block_id),
            ..LocatorSpans::default()
        };
        Ok(Self::from_rendered((Box::from(text), spans), UsageKeyKind::Location))
    }

    /// Builds an `lb:` usage key from the parts of an accepted one.
    pub(crate) fn from_library_block(text: Box<str>, org: Span, slug: Span, block_type: Span, usage_id: Span) -> Self {
        UsageKey {
            text,
            kind: UsageKeyKind::LibraryBlockV2,
            spans: LocatorSpans {
                org: Some(org),
                course: Some(slug),
                block_type: Some(block_type),
                block_id: Some(usage_id),
                ..LocatorSpans::default()
            },
            aside: None,
        }
    }

    fn from_aside(version: AsideVersion, body: &str, depth: usize) -> Result<Self, InvalidKeyReason> {
        if depth >= MAX_ASIDE_DEPTH {
            return Err(InvalidKeyReason::Malformed {
                expected: "aside keys nested at most 40 deep",
            });
        }
        let (namespace, kind) = match version {
            AsideVersion::V1 => ("aside-usage-v1:", UsageKeyKind::AsideV1),
            AsideVersion::V2 => ("aside-usage-v2:", UsageKeyKind::AsideV2),
        };
        let (decorated_text, aside_type) = match version {
            AsideVersion::V1 => aside::split_v1(body)?,
            AsideVersion::V2 => aside::split_v2(body)?,
        };
        let encode = |value: &str| match version {
            AsideVersion::V1 => aside::encode_v1(value),
            AsideVersion::V2 => aside::encode_v2(value),
        };
        let decorated = Self::parse_nested(&decorated_text, depth + 1)?;
        if version == AsideVersion::V1 && (decorated.text.contains("::") || decorated.text.ends_with(':')) {
            return Err(InvalidKeyReason::Malformed {
                expected: "an `aside-usage-v1:` block key without `::` that does not end in `:`",
            });
        }
        let encoded_usage_key = encode(&decorated.text);
        let encoded_aside_type = encode(&aside_type);
        let mut out = CanonicalText::new();
        out.push(namespace);
        out.push(&encoded_usage_key);
        out.push("::");
        out.push(&encoded_aside_type);
        Ok(UsageKey {
            text: out.finish()?,
            kind,
            spans: LocatorSpans::default(),
            aside: Some(Box::new(Aside {
                decorated,
                aside_type: aside_type.into_boxed_str(),
            })),
        })
    }

    /// The key whose parts the accessors report: the decorated block for an aside.
    fn block(&self) -> &UsageKey {
        let mut key = self;
        while let Some(aside) = &key.aside {
            key = &aside.decorated;
        }
        key
    }

    fn part(&self, span: fn(&LocatorSpans) -> Option<Span>) -> Option<&str> {
        let block = self.block();
        span(&block.spans).map(|span| span.of(&block.text))
    }

    /// What the key identifies, and in which form.
    ///
    /// ```
    /// use events_core::keys::{UsageKey, UsageKeyKind};
    ///
    /// let key: UsageKey = "ccx-block-v1:edX+DemoX+2024+ccx@3+type@html+block@h1".parse()?;
    /// assert_eq!(key.kind(), UsageKeyKind::CcxBlock);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn kind(&self) -> UsageKeyKind {
        self.kind
    }

    /// Whether the key is in the deprecated `i4x://` form.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert!("i4x://edX/DemoX/html/h1".parse::<UsageKey>()?.is_deprecated());
    /// assert!(!"location:edX+DemoX+2024+html+h1".parse::<UsageKey>()?.is_deprecated());
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn is_deprecated(&self) -> bool {
        self.kind == UsageKeyKind::DeprecatedLocation
    }

    /// The namespace of the canonical text, or `None` for the deprecated `i4x://` form.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<UsageKey>()?.namespace(), Some("lb"));
    /// assert_eq!("i4x://edX/DemoX/html/h1".parse::<UsageKey>()?.namespace(), None);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn namespace(&self) -> Option<&'static str> {
        match self.kind {
            UsageKeyKind::Block => Some("block-v1"),
            UsageKeyKind::DeprecatedLocation => None,
            UsageKeyKind::LibraryBlock => Some("lib-block-v1"),
            UsageKeyKind::CcxBlock => Some("ccx-block-v1"),
            UsageKeyKind::Location => Some("location"),
            UsageKeyKind::LibraryBlockV2 => Some("lb"),
            UsageKeyKind::AsideV1 => Some("aside-usage-v1"),
            UsageKeyKind::AsideV2 => Some("aside-usage-v2"),
        }
    }

    /// The XBlock type of the block (the `category` of an `i4x://` location). `None` is a
    /// real block type here when the text had no `type@` part, as in Python's text.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("i4x://edX/DemoX/video/v1".parse::<UsageKey>()?.block_type(), "video");
    /// assert_eq!("block-v1:edX+DemoX+2024+block@v1".parse::<UsageKey>()?.block_type(), "None");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn block_type(&self) -> &str {
        self.part(|spans| spans.block_type).unwrap_or_default()
    }

    /// The block's id (the `name` of an `i4x://` location, the `usage_id` of an `lb:` key).
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<UsageKey>()?.block_id(), "intro");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn block_id(&self) -> &str {
        self.part(|spans| spans.block_id).unwrap_or_default()
    }

    /// The organization, when the canonical key names one (for `lb:` keys, the library's).
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("i4x://edX/DemoX/html/h1".parse::<UsageKey>()?.org(), Some("edX"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> Option<&str> {
        self.part(|spans| spans.org)
    }

    /// The course, when the block is in a course that the canonical key names; `None` for
    /// library blocks, see [`library`](Self::library).
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("location:edX+DemoX+2024+html+h1".parse::<UsageKey>()?.course(), Some("DemoX"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn course(&self) -> Option<&str> {
        match self.block().kind {
            UsageKeyKind::LibraryBlock | UsageKeyKind::LibraryBlockV2 => None,
            _ => self.part(|spans| spans.course),
        }
    }

    /// The run, when the canonical key names one (never for `i4x://` locations, whose text
    /// has none).
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("block-v1:edX+DemoX+2024+type@html+block@h1".parse::<UsageKey>()?.run(), Some("2024"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn run(&self) -> Option<&str> {
        self.part(|spans| spans.run)
    }

    /// The library (name of a legacy library, slug of a v2 library) of a library block.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("lb:MITx:physics:html:intro".parse::<UsageKey>()?.library(), Some("physics"));
    /// let legacy: UsageKey = "lib-block-v1:MITx+physics+type@html+block@intro".parse()?;
    /// assert_eq!(legacy.library(), Some("physics"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn library(&self) -> Option<&str> {
        match self.block().kind {
            UsageKeyKind::LibraryBlock | UsageKeyKind::LibraryBlockV2 => self.part(|spans| spans.course),
            _ => None,
        }
    }

    /// The branch (`branch@…`, or the `@revision` of an `i4x://` location), if any.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// assert_eq!("i4x://edX/DemoX/html/h1@draft".parse::<UsageKey>()?.branch(), Some("draft"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn branch(&self) -> Option<&str> {
        self.part(|spans| spans.branch)
    }

    /// The version (`version@…`, 24 lower-case hexadecimal digits), if any.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// let key: UsageKey = "block-v1:version@519665f6223ebd6980884f2b+type@html+block@h1".parse()?;
    /// assert_eq!(key.version_guid(), Some("519665f6223ebd6980884f2b"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn version_guid(&self) -> Option<&str> {
        self.part(|spans| spans.version_guid)
    }

    /// The CCX id of a block in a custom course.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// let key: UsageKey = "ccx-block-v1:edX+DemoX+2024+ccx@3+type@html+block@h1".parse()?;
    /// assert_eq!(key.ccx(), Some("3"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn ccx(&self) -> Option<&str> {
        self.part(|spans| spans.ccx)
    }

    /// The aside type of an aside key.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// let key: UsageKey = "aside-usage-v2:block-v1$:edX+DemoX+2024+type@html+block@h1::tagging".parse()?;
    /// assert_eq!(key.aside_type(), Some("tagging"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn aside_type(&self) -> Option<&str> {
        self.aside.as_ref().map(|aside| &*aside.aside_type)
    }

    /// The usage key an aside key decorates (Python's `usage_key` of an aside).
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// let key: UsageKey = "aside-usage-v2:block-v1$:edX+DemoX+2024+type@html+block@h1::tagging".parse()?;
    /// assert_eq!(
    ///     key.decorated_usage_key().map(UsageKey::as_str),
    ///     Some("block-v1:edX+DemoX+2024+type@html+block@h1")
    /// );
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn decorated_usage_key(&self) -> Option<&UsageKey> {
        self.aside.as_ref().map(|aside| &aside.decorated)
    }

    /// The key of the course (or legacy library, or custom course) that holds the block, as
    /// Python's `course_key` gives it; `None` for `lb:` blocks (see
    /// [`library_key`](Self::library_key)) and `i4x://` locations, whose course has no text
    /// form without a run.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// let key: UsageKey = "lib-block-v1:MITx+physics+type@html+block@intro".parse()?;
    /// assert_eq!(key.course_key().unwrap().as_str(), "library-v1:MITx+physics");
    /// assert_eq!("i4x://edX/DemoX/html/h1".parse::<UsageKey>()?.course_key(), None);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn course_key(&self) -> Option<CourseKey> {
        let block = self.block();
        let (namespace, kind) = match block.kind {
            UsageKeyKind::Block => ("block-v1:", CourseKeyKind::Course),
            UsageKeyKind::LibraryBlock => ("lib-block-v1:", CourseKeyKind::Library),
            UsageKeyKind::CcxBlock => ("ccx-block-v1:", CourseKeyKind::Ccx),
            UsageKeyKind::Location => ("location:", CourseKeyKind::Course),
            _ => return None,
        };
        let block_type_start = block.spans.block_type?.start();
        // The context ends before `+type@` (or the `+` before the block type of `location:`).
        let separator = if block.kind == UsageKeyKind::Location {
            "+"
        } else {
            "+type@"
        };
        let context_end = block_type_start.saturating_sub(separator.len());
        Some(CourseKey::derived(
            &block.text,
            namespace.len(),
            context_end,
            kind,
            &block.spans,
        ))
    }

    /// The key of the v2 library that holds an `lb:` block.
    ///
    /// ```
    /// use events_core::keys::UsageKey;
    ///
    /// let key: UsageKey = "lb:MITx:physics:html:intro".parse()?;
    /// assert_eq!(key.library_key().unwrap().as_str(), "lib:MITx:physics");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn library_key(&self) -> Option<LibraryLocatorV2> {
        let block = self.block();
        match block.kind {
            UsageKeyKind::LibraryBlockV2 => Some(LibraryLocatorV2::derived(block.org()?, block.library()?)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> UsageKey {
        text.parse()
            .unwrap_or_else(|error| panic!("{text:?} should parse: {error}"))
    }

    fn canonical(text: &str) -> String {
        parse(text).to_string()
    }

    #[test]
    fn a_block_key_keeps_its_text_and_parts() {
        let key = parse("block-v1:edX+DemoX+2024+branch@draft+type@problem+block@p1");
        assert_eq!(key.kind(), UsageKeyKind::Block);
        assert_eq!(key.org(), Some("edX"));
        assert_eq!(key.run(), Some("2024"));
        assert_eq!(key.branch(), Some("draft"));
        assert_eq!(key.block_type(), "problem");
        assert_eq!(key.block_id(), "p1");
        assert_eq!(
            key.course_key().map(String::from),
            Some("course-v1:edX+DemoX+2024+branch@draft".to_owned())
        );
    }

    #[test]
    fn a_block_without_a_type_is_rendered_with_type_none() {
        assert_eq!(
            canonical("block-v1:edX+DemoX+2024+block@p1"),
            "block-v1:edX+DemoX+2024+type@None+block@p1"
        );
    }

    #[test]
    fn a_block_key_needs_a_block_id_without_percent() {
        for text in [
            "block-v1:edX+DemoX+2024",
            "block-v1:edX+DemoX+2024+type@problem",
            "block-v1:edX+DemoX+2024+type@problem+block@p%1",
            "block-v1:edX+DemoX+type@problem+block@p1",
        ] {
            assert!(text.parse::<UsageKey>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_legacy_library_block_drops_its_run_and_needs_a_type() {
        assert_eq!(
            canonical("lib-block-v1:edX+Physics+2024+type@html+block@h1"),
            "lib-block-v1:edX+Physics+type@html+block@h1"
        );
        assert!("lib-block-v1:edX+Physics+block@h1".parse::<UsageKey>().is_err());
    }

    #[test]
    fn a_ccx_block_is_normalised_and_knows_its_ccx() {
        let key = parse("ccx-block-v1:edX+DemoX+2024+CCX@3+TYPE@html+BLOCK@h1");
        assert_eq!(key.as_str(), "ccx-block-v1:edX+DemoX+2024+ccx@3+type@html+block@h1");
        assert_eq!(key.ccx(), Some("3"));
        assert_eq!(
            key.course_key().map(String::from),
            Some("ccx-v1:edX+DemoX+2024+ccx@3".to_owned())
        );
    }

    #[test]
    fn location_keys_have_five_parts_and_a_course() {
        let key = parse("location:edX+DemoX+2024+html+h1");
        assert_eq!(key.kind(), UsageKeyKind::Location);
        assert_eq!(
            key.course_key().map(String::from),
            Some("course-v1:edX+DemoX+2024".to_owned())
        );
    }

    #[test]
    fn i4x_locations_are_kept_as_written() {
        let key = parse("i4x://edX/DemoX/any thing@/p1@draft");
        assert_eq!(key.as_str(), "i4x://edX/DemoX/any thing@/p1@draft");
        assert_eq!(key.block_type(), "any thing@");
        assert_eq!(key.branch(), Some("draft"));
        assert_eq!(key.run(), None);
        assert!("i4x:/edX/DemoX/html/h1".parse::<UsageKey>().is_err());
        assert!("I4X://edX/DemoX/html/h1".parse::<UsageKey>().is_err());
    }

    #[test]
    fn library_v2_blocks_are_usage_keys() {
        let key = parse("lb:MITx:physics:html:intro");
        assert_eq!(key.library(), Some("physics"));
        assert_eq!(key.course(), None);
        assert_eq!(key.course_key(), None);
        assert_eq!(key.library_key().map(String::from), Some("lib:MITx:physics".to_owned()));
    }

    #[test]
    fn aside_v1_adds_the_missing_separator() {
        assert_eq!(
            canonical("aside-usage-v1:block-v1:a+b+c+type@t+block@x"),
            "aside-usage-v1:block-v1:a+b+c+type@t+block@x::"
        );
    }

    #[test]
    fn aside_v2_re_escapes_the_normalised_block_key() {
        let key = parse("aside-usage-v2:block-v1$:a+b+c+block@x::ta$:g");
        assert_eq!(key.as_str(), "aside-usage-v2:block-v1$:a+b+c+type@None+block@x::ta$:g");
        assert_eq!(key.aside_type(), Some("ta:g"));
        assert_eq!(key.block_id(), "x");
        assert_eq!(key.block_type(), "None");
    }

    #[test]
    fn asides_nest_in_v2_but_not_in_v1() {
        let nested = "aside-usage-v2:aside-usage-v2$:block-v1$$$:a+b+c+type@t+block@x$:$:in::out";
        let key = parse(nested);
        assert_eq!(key.as_str(), nested);
        assert_eq!(key.aside_type(), Some("out"));
        assert_eq!(key.decorated_usage_key().and_then(UsageKey::aside_type), Some("in"));
        assert_eq!(key.block_id(), "x");
        assert!(
            "aside-usage-v1:aside-usage-v1:block-v1:a+b+c+type@t+block@x::in::out"
                .parse::<UsageKey>()
                .is_err()
        );
    }

    #[test]
    fn aside_v1_refuses_a_block_key_ending_in_a_colon() {
        assert!(
            "aside-usage-v1:block-v1:a+b+c+type@t+block@x:"
                .parse::<UsageKey>()
                .is_err()
        );
    }

    #[test]
    fn nested_asides_parse_and_hostile_nesting_is_refused_without_panicking() {
        let mut text = "block-v1:a+b+c+type@t+block@x".to_owned();
        for _ in 0..=MAX_ASIDE_DEPTH {
            text = format!("aside-usage-v2:{}::t", aside::encode_v2(&text));
            if text.len() > 1 << 20 {
                break;
            }
        }
        // Growth is exponential, so the bound is never what refuses a real key.
        assert!(text.parse::<UsageKey>().is_ok());
        let hostile = format!("{}x", "aside-usage-v2:".repeat(10_000));
        assert!(hostile.parse::<UsageKey>().is_err());
    }

    #[test]
    fn other_namespaces_are_refused() {
        for text in [
            "course-v1:a+b+c",
            "lib:a:b",
            "lct:a:b:c:d",
            "",
            "block-v1",
            "Block-v1:a+b+c+type@t+block@x",
        ] {
            assert!(text.parse::<UsageKey>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn clones_are_equal_including_asides() {
        let key = parse("aside-usage-v1:lb:a:b:c:d::t");
        let copy = key.clone();
        assert_eq!(copy, key);
        assert_eq!(copy.aside_type(), Some("t"));
    }
}
