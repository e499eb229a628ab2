//! Course keys: every text Python's `CourseKey.from_string` accepts.

use super::canonical::{CanonicalText, Span};
use super::ccx::CcxLocator;
use super::check_length;
use super::deprecated::{self, COURSE_KEY_FORMS};
use super::error::{InvalidKeyError, InvalidKeyReason};
use super::locator::{self, Dialect, LocatorFields, LocatorSpans};
use super::usage_key::UsageKey;

/// What a [`CourseKey`] identifies, and in which form.
///
/// ```
/// use events_core::keys::{CourseKey, CourseKeyKind};
///
/// let key: CourseKey = "edX/DemoX/Demo_Course".parse()?;
/// assert_eq!(key.kind(), CourseKeyKind::DeprecatedCourse);
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CourseKeyKind {
    /// A course, `course-v1:org+course+run` (Python's `CourseLocator`). Texts in the
    /// `slashes:` namespace are read as this kind and rendered with `course-v1:`.
    Course,
    /// A course in the deprecated form `org/course/run` (a `CourseLocator` with
    /// `deprecated=True`).
    DeprecatedCourse,
    /// A legacy (modulestore, v1) content library, `library-v1:org+library`
    /// (`LibraryLocator`, a `CourseKey` in Python for historical reasons).
    Library,
    /// A custom course for CCX, `ccx-v1:org+course+run+ccx@N` (`CCXLocator`, see
    /// [`CcxLocator`]).
    Ccx,
}

/// The key of a course: what Python's `CourseKey.from_string` accepts, with the text
/// `str(key)` gives.
///
/// Accepted forms, as `edx-opaque-keys` 4.0.0 and `edx-ccx-keys` 2.0.2 register them:
/// `course-v1:` (and its alias `slashes:`), `library-v1:`, `ccx-v1:`, and the deprecated
/// `org/course/run`. Parsing normalises the text as Python does: `slashes:` becomes
/// `course-v1:`, a trailing block part (`+type@…+block@…`) is dropped, a run is dropped from
/// libraries, org and course are dropped when only a version identifies the course, and CCX
/// prefixes and versions are lower-cased.
///
/// The accessors describe the canonical key, which is what travels between services: a part
/// Python keeps in memory but does not render is not reported.
///
/// ```
/// use events_core::keys::CourseKey;
///
/// let key: CourseKey = "course-v1:edX+DemoX+Demo_Course".parse()?;
/// assert_eq!(key.org(), Some("edX"));
/// assert_eq!(key.course(), Some("DemoX"));
/// assert_eq!(key.run(), Some("Demo_Course"));
/// assert_eq!(key.to_string(), "course-v1:edX+DemoX+Demo_Course");
///
/// let alias: CourseKey = "slashes:edX+DemoX+Demo_Course".parse()?;
/// assert_eq!(alias, key);
///
/// assert!("course-v1:edX+DemoX".parse::<CourseKey>().is_err());
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct CourseKey {
    text: Box<str>,
    kind: CourseKeyKind,
    spans: LocatorSpans,
}

opaque_key_traits!(CourseKey, "CourseKey", "course-v1:edX+DemoX+Demo_Course");

impl CourseKey {
    // Hand-written rather than regex-based for speed: a course key is parsed on every decode of
    // the events that carry one.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        // Each namespace is matched with its colon, which is the same as splitting at the first
        // colon (no namespace contains one) and cheaper.
        if let Some(body) = text.strip_prefix("course-v1:") {
            // Nearly every course key is `course-v1:org+course+run`, already canonical: build it
            // straight from the three parts.
            if let Some([org, course, run]) = locator::plain_org_course_run(body) {
                return Ok(CourseKey {
                    text: Box::from(text),
                    kind: CourseKeyKind::Course,
                    spans: LocatorSpans {
                        org: Some(Span::within(text, org)),
                        course: Some(Span::within(text, course)),
                        run: Some(Span::within(text, run)),
                        ..LocatorSpans::default()
                    },
                });
            }
            Self::from_course_fields(text, true, &locator::parse_fields(body, Dialect::Standard)?)
        } else if let Some(body) = text.strip_prefix("ccx-v1:") {
            Ok(CcxLocator::from_body(text, body)?.into())
        } else if let Some(body) = text.strip_prefix("library-v1:") {
            let fields = locator::parse_fields(body, Dialect::Standard)?;
            locator::check_library(&fields)?;
            let canonical = fields.library_is_canonical(false);
            let (text, spans) =
                locator::canonical_text(text, canonical, "library-v1:", &fields, locator::render_library)?;
            Ok(CourseKey {
                text,
                kind: CourseKeyKind::Library,
                spans,
            })
        } else if let Some(body) = text.strip_prefix("slashes:") {
            // An alias of `course-v1:`, rendered as such.
            Self::from_course_fields(text, false, &locator::parse_fields(body, Dialect::Standard)?)
        } else {
            // Without a known namespace, only the deprecated form remains (Python's fallback),
            // which has no `:`.
            match deprecated::parse_slash_course(text) {
                Ok(course) => Ok(Self::from_slash_course(text, course)),
                Err(_) if text.as_bytes().contains(&b':') => Err(InvalidKeyReason::UnknownNamespace {
                    expected: COURSE_KEY_FORMS,
                }),
                Err(reason) => Err(reason),
            }
        }
    }

    /// Builds a `course-v1:` key from the fields parsed from `text`, applying `CourseLocator`'s
    /// rules; `canonical_namespace` says whether `text` starts with `course-v1:`.
    fn from_course_fields(
        text: &str,
        canonical_namespace: bool,
        fields: &LocatorFields<'_>,
    ) -> Result<Self, InvalidKeyReason> {
        locator::check_course(fields)?;
        let canonical = canonical_namespace && fields.course_is_canonical(false);
        let (text, spans) = locator::canonical_text(text, canonical, "course-v1:", fields, locator::render_course)?;
        Ok(CourseKey {
            text,
            kind: CourseKeyKind::Course,
            spans,
        })
    }

    /// The deprecated form is always canonical: its text is kept as written.
    fn from_slash_course(text: &str, course: deprecated::SlashCourse<'_>) -> Self {
        CourseKey {
            text: Box::from(text),
            kind: CourseKeyKind::DeprecatedCourse,
            spans: LocatorSpans {
                org: Some(Span::within(text, course.org)),
                course: Some(Span::within(text, course.course)),
                run: Some(Span::within(text, course.run)),
                ..LocatorSpans::default()
            },
        }
    }

    /// Builds a key from already-validated parts.
    pub(crate) fn from_parts(text: Box<str>, kind: CourseKeyKind, spans: LocatorSpans) -> Self {
        CourseKey { text, kind, spans }
    }

    /// Takes the key apart again.
    pub(crate) fn into_parts(self) -> (Box<str>, CourseKeyKind, LocatorSpans) {
        (self.text, self.kind, self.spans)
    }

    /// The key of `kind` whose locator parts are `source[base..context_end]`, part of another
    /// key's text whose part positions are `spans`: the course of a block key, or the plain
    /// course of a CCX.
    pub(crate) fn derived(
        source: &str,
        base: usize,
        context_end: usize,
        kind: CourseKeyKind,
        spans: &LocatorSpans,
    ) -> Self {
        let namespace = match kind {
            CourseKeyKind::Library => "library-v1:",
            CourseKeyKind::Ccx => "ccx-v1:",
            CourseKeyKind::Course | CourseKeyKind::DeprecatedCourse => "course-v1:",
        };
        let context = source.get(base..context_end).unwrap_or_default();
        let mut spans = spans.context_rebased(base, namespace.len());
        if kind != CourseKeyKind::Ccx {
            spans.ccx = None;
        }
        let mut text = CanonicalText::new();
        text.push(namespace);
        text.push(context);
        CourseKey {
            text: text.into_derived_text(),
            kind,
            spans,
        }
    }

    /// What the key identifies, and in which form.
    ///
    /// ```
    /// use events_core::keys::{CourseKey, CourseKeyKind};
    ///
    /// let key: CourseKey = "library-v1:edX+Physics".parse()?;
    /// assert_eq!(key.kind(), CourseKeyKind::Library);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn kind(&self) -> CourseKeyKind {
        self.kind
    }

    /// Whether the key is in the deprecated `org/course/run` form.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert!("edX/DemoX/2024".parse::<CourseKey>()?.is_deprecated());
    /// assert!(!"course-v1:edX+DemoX+2024".parse::<CourseKey>()?.is_deprecated());
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn is_deprecated(&self) -> bool {
        self.kind == CourseKeyKind::DeprecatedCourse
    }

    /// The namespace of the canonical text (`course-v1`, `library-v1` or `ccx-v1`), or `None`
    /// for the deprecated form, which has none.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert_eq!("slashes:edX+DemoX+2024".parse::<CourseKey>()?.namespace(), Some("course-v1"));
    /// assert_eq!("edX/DemoX/2024".parse::<CourseKey>()?.namespace(), None);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn namespace(&self) -> Option<&'static str> {
        match self.kind {
            CourseKeyKind::Course => Some("course-v1"),
            CourseKeyKind::DeprecatedCourse => None,
            CourseKeyKind::Library => Some("library-v1"),
            CourseKeyKind::Ccx => Some("ccx-v1"),
        }
    }

    /// The organization, when the canonical key names one.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert_eq!("course-v1:edX+DemoX+2024".parse::<CourseKey>()?.org(), Some("edX"));
    /// let by_version: CourseKey = "course-v1:version@519665f6223ebd6980884f2b".parse()?;
    /// assert_eq!(by_version.org(), None);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> Option<&str> {
        self.spans.org.map(|span| span.of(&self.text))
    }

    /// The course (the `course` of `org+course+run`); `None` for libraries, see
    /// [`library`](Self::library).
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert_eq!("edX/DemoX/2024".parse::<CourseKey>()?.course(), Some("DemoX"));
    /// assert_eq!("library-v1:edX+Physics".parse::<CourseKey>()?.course(), None);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn course(&self) -> Option<&str> {
        match self.kind {
            CourseKeyKind::Library => None,
            _ => self.spans.course.map(|span| span.of(&self.text)),
        }
    }

    /// The run; `None` for libraries (Python reports the constant `library` there) and for
    /// courses identified by their version only. Empty for a deprecated `org/course/`.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert_eq!("course-v1:edX+DemoX+2024".parse::<CourseKey>()?.run(), Some("2024"));
    /// assert_eq!("edX/DemoX/".parse::<CourseKey>()?.run(), Some(""));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn run(&self) -> Option<&str> {
        self.spans.run.map(|span| span.of(&self.text))
    }

    /// The library name of a `library-v1:` key.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert_eq!("library-v1:edX+Physics".parse::<CourseKey>()?.library(), Some("Physics"));
    /// assert_eq!("course-v1:edX+DemoX+2024".parse::<CourseKey>()?.library(), None);
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn library(&self) -> Option<&str> {
        match self.kind {
            CourseKeyKind::Library => self.spans.course.map(|span| span.of(&self.text)),
            _ => None,
        }
    }

    /// The branch (`branch@…`), if any.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// let key: CourseKey = "course-v1:edX+DemoX+2024+branch@draft".parse()?;
    /// assert_eq!(key.branch(), Some("draft"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn branch(&self) -> Option<&str> {
        self.spans.branch.map(|span| span.of(&self.text))
    }

    /// The version (`version@…`, 24 lower-case hexadecimal digits), if any.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// let key: CourseKey = "ccx-v1:edX+DemoX+2024+VERSION@519665F6223EBD6980884F2B+ccx@3".parse()?;
    /// assert_eq!(key.version_guid(), Some("519665f6223ebd6980884f2b"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn version_guid(&self) -> Option<&str> {
        self.spans.version_guid.map(|span| span.of(&self.text))
    }

    /// The CCX id of a `ccx-v1:` key.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// assert_eq!("ccx-v1:edX+DemoX+2024+ccx@3".parse::<CourseKey>()?.ccx(), Some("3"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn ccx(&self) -> Option<&str> {
        self.spans.ccx.map(|span| span.of(&self.text))
    }

    /// The key of a block in this course, as Python's `make_usage_key` builds it
    /// (`block-v1:`, `lib-block-v1:`, `ccx-block-v1:`, or `i4x://` for a deprecated course).
    ///
    /// Fails when the block type or id cannot be part of such a key.
    ///
    /// ```
    /// use events_core::keys::CourseKey;
    ///
    /// let course: CourseKey = "course-v1:edX+DemoX+2024".parse()?;
    /// let block = course.make_usage_key("problem", "p1")?;
    /// assert_eq!(block.as_str(), "block-v1:edX+DemoX+2024+type@problem+block@p1");
    /// assert_eq!(block.course_key(), Some(course));
    /// assert!("edX/DemoX/2024".parse::<CourseKey>()?.make_usage_key("problem", "a+b").is_err());
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn make_usage_key(&self, block_type: &str, block_id: &str) -> Result<UsageKey, InvalidKeyError> {
        let text = match (self.kind, self.org(), self.course()) {
            (CourseKeyKind::DeprecatedCourse, Some(org), Some(course)) => {
                format!("i4x://{org}/{course}/{block_type}/{block_id}")
            }
            _ => {
                let (namespace, body) = self.text.split_once(':').unwrap_or_default();
                let block_namespace = match namespace {
                    "library-v1" => "lib-block-v1",
                    "ccx-v1" => "ccx-block-v1",
                    _ => "block-v1",
                };
                format!("{block_namespace}:{body}+type@{block_type}+block@{block_id}")
            }
        };
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> CourseKey {
        text.parse()
            .unwrap_or_else(|error| panic!("{text:?} should parse: {error}"))
    }

    #[test]
    fn a_course_locator_keeps_its_text_and_parts() {
        let key = parse("course-v1:edX+DemoX+Demo_Course+branch@draft+version@519665f6223ebd6980884f2b");
        assert_eq!(key.kind(), CourseKeyKind::Course);
        assert_eq!(key.org(), Some("edX"));
        assert_eq!(key.branch(), Some("draft"));
        assert_eq!(key.version_guid(), Some("519665f6223ebd6980884f2b"));
        assert_eq!(
            key.as_str(),
            "course-v1:edX+DemoX+Demo_Course+branch@draft+version@519665f6223ebd6980884f2b"
        );
    }

    #[test]
    fn slashes_namespace_is_rendered_as_course_v1() {
        assert_eq!(parse("slashes:edX+DemoX+2024").as_str(), "course-v1:edX+DemoX+2024");
    }

    #[test]
    fn a_trailing_block_part_is_dropped_from_a_course_key() {
        assert_eq!(
            parse("course-v1:edX+DemoX+2024+type@problem+block@p%1").as_str(),
            "course-v1:edX+DemoX+2024"
        );
    }

    #[test]
    fn org_course_and_branch_are_dropped_without_a_run() {
        assert_eq!(
            parse("course-v1:edX+DemoX+branch@b+version@519665f6223ebd6980884f2b").as_str(),
            "course-v1:version@519665f6223ebd6980884f2b"
        );
    }

    #[test]
    fn a_library_drops_its_run() {
        let key = parse("library-v1:edX+Physics+2024");
        assert_eq!(key.as_str(), "library-v1:edX+Physics");
        assert_eq!(key.library(), Some("Physics"));
        assert_eq!(key.run(), None);
    }

    #[test]
    fn deprecated_course_ids_are_kept_as_written() {
        let key = parse("edX/Demo.X%20/2024_T1");
        assert!(key.is_deprecated());
        assert_eq!(key.as_str(), "edX/Demo.X%20/2024_T1");
        assert_eq!(key.course(), Some("Demo.X%20"));
    }

    #[test]
    fn ccx_course_keys_are_normalised() {
        let key = parse("ccx-v1:edX+DemoX+2024+CCX@17");
        assert_eq!(key.kind(), CourseKeyKind::Ccx);
        assert_eq!(key.as_str(), "ccx-v1:edX+DemoX+2024+ccx@17");
    }

    #[test]
    fn other_namespaces_are_refused_with_the_accepted_forms() {
        let error = "lib:edX:Physics".parse::<CourseKey>().unwrap_err();
        assert_eq!(
            error.reason(),
            &InvalidKeyReason::UnknownNamespace {
                expected: COURSE_KEY_FORMS
            }
        );
        assert!("Course-v1:edX+DemoX+2024".parse::<CourseKey>().is_err());
        assert!("".parse::<CourseKey>().is_err());
    }

    #[test]
    fn invalid_course_keys_are_refused() {
        for text in [
            "course-v1:",
            "course-v1:edX+DemoX",
            "course-v1:edX+DemoX+2024+",
            "course-v1:edX+Demo X+2024",
            "course-v1:edX+DemoX+2024\n",
            "course-v1:version@519665f6223ebd6980884f2",
            "library-v1:branch@b",
            "edX/DemoX",
            "edX/Demo~X/2024",
        ] {
            assert!(text.parse::<CourseKey>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn keys_compare_and_hash_by_canonical_text() {
        use std::collections::HashSet;
        let set: HashSet<CourseKey> = [parse("slashes:a+b+c"), parse("course-v1:a+b+c")].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert!(set.contains("course-v1:a+b+c"));
        assert!(parse("course-v1:a+b+c") < parse("course-v1:a+b+d"));
    }

    #[test]
    fn debug_shows_the_type_and_text() {
        assert_eq!(format!("{:?}", parse("a/b/c")), r#"CourseKey("a/b/c")"#);
    }

    #[test]
    fn usage_keys_are_made_in_the_matching_namespace() {
        assert_eq!(
            parse("library-v1:edX+Physics")
                .make_usage_key("html", "h1")
                .unwrap()
                .as_str(),
            "lib-block-v1:edX+Physics+type@html+block@h1"
        );
        assert_eq!(
            parse("ccx-v1:edX+DemoX+2024+ccx@3")
                .make_usage_key("html", "h1")
                .unwrap()
                .as_str(),
            "ccx-block-v1:edX+DemoX+2024+ccx@3+type@html+block@h1"
        );
        assert_eq!(
            parse("edX/DemoX/2024").make_usage_key("html", "h1").unwrap().as_str(),
            "i4x://edX/DemoX/html/h1"
        );
    }
}
