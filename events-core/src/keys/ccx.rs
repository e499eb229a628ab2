//! CCX (custom course) keys of `edx-ccx-keys`: `ccx-v1:org+course+run+ccx@N`.

use super::canonical::CanonicalText;
use super::check_length;
use super::course_key::{CourseKey, CourseKeyKind};
use super::error::{InvalidKeyError, InvalidKeyReason};
use super::locator::{self, Dialect, LocatorFields, LocatorSpans};

const CCX_NAMESPACE: &str = "ccx-v1:";
const CCX_PREFIX: &str = "+ccx@";

/// The key of a custom course (CCX): what Python's `CCXLocator.from_string` accepts, with the
/// text `str(key)` gives.
///
/// A CCX key is a course locator with a `ccx@` part holding the CCX id (decimal digits of any
/// script). Its grammar is case-insensitive: `CCX@`, `Branch@` or `VERSION@` are accepted and
/// rendered in lower case, as are upper-case versions.
///
/// A CCX key is also a [`CourseKey`]: `CourseKey::from(ccx)` converts it without re-parsing.
///
/// ```
/// use events_core::keys::{CcxLocator, CourseKey};
///
/// let ccx: CcxLocator = "ccx-v1:edX+DemoX+Demo_Course+CCX@3".parse()?;
/// assert_eq!(ccx.as_str(), "ccx-v1:edX+DemoX+Demo_Course+ccx@3");
/// assert_eq!(ccx.ccx(), "3");
/// assert_eq!(ccx.to_course_key().as_str(), "course-v1:edX+DemoX+Demo_Course");
///
/// let course_key = CourseKey::from(ccx);
/// assert_eq!(course_key.ccx(), Some("3"));
///
/// assert!("course-v1:edX+DemoX+Demo_Course".parse::<CcxLocator>().is_err());
/// # Ok::<(), events_core::keys::InvalidKeyError>(())
/// ```
#[derive(Clone)]
pub struct CcxLocator {
    text: Box<str>,
    spans: LocatorSpans,
}

opaque_key_traits!(CcxLocator, "CCXLocator", "ccx-v1:edX+DemoX+Demo_Course+ccx@3");

impl CcxLocator {
    // Hand-written rather than regex-based for speed, like every key parser here.
    fn parse_text(text: &str) -> Result<Self, InvalidKeyReason> {
        check_length(text)?;
        match text.strip_prefix(CCX_NAMESPACE) {
            Some(body) => Self::from_body(text, body),
            None => Err(InvalidKeyReason::UnknownNamespace { expected: "`ccx-v1:`" }),
        }
    }

    /// Parses `text`, whose part after `ccx-v1:` is `body`.
    pub(crate) fn from_body(text: &str, body: &str) -> Result<Self, InvalidKeyReason> {
        let fields = locator::parse_fields(body, Dialect::Ccx)?;
        locator::check_course(&fields)?;
        let canonical = fields.course_is_canonical(false);
        let (text, spans) = locator::canonical_text(text, canonical, CCX_NAMESPACE, &fields, render)?;
        Ok(CcxLocator { text, spans })
    }

    /// The organization, when the canonical key names one.
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// assert_eq!("ccx-v1:edX+DemoX+2024+ccx@3".parse::<CcxLocator>()?.org(), Some("edX"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn org(&self) -> Option<&str> {
        self.spans.org.map(|span| span.of(&self.text))
    }

    /// The course, when the canonical key names one.
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// assert_eq!("ccx-v1:edX+DemoX+2024+ccx@3".parse::<CcxLocator>()?.course(), Some("DemoX"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn course(&self) -> Option<&str> {
        self.spans.course.map(|span| span.of(&self.text))
    }

    /// The run, when the canonical key names one.
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// assert_eq!("ccx-v1:edX+DemoX+2024+ccx@3".parse::<CcxLocator>()?.run(), Some("2024"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn run(&self) -> Option<&str> {
        self.spans.run.map(|span| span.of(&self.text))
    }

    /// The branch (`branch@…`), if any.
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// let key: CcxLocator = "ccx-v1:edX+DemoX+2024+Branch@draft+ccx@3".parse()?;
    /// assert_eq!(key.branch(), Some("draft"));
    /// assert_eq!(key.as_str(), "ccx-v1:edX+DemoX+2024+branch@draft+ccx@3");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn branch(&self) -> Option<&str> {
        self.spans.branch.map(|span| span.of(&self.text))
    }

    /// The version (`version@…`, 24 lower-case hexadecimal digits), if any.
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// let key: CcxLocator = "ccx-v1:version@519665F6223EBD6980884F2B+ccx@3".parse()?;
    /// assert_eq!(key.version_guid(), Some("519665f6223ebd6980884f2b"));
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn version_guid(&self) -> Option<&str> {
        self.spans.version_guid.map(|span| span.of(&self.text))
    }

    /// The CCX id, as written (leading zeros and non-ASCII digits are kept).
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// assert_eq!("ccx-v1:edX+DemoX+2024+ccx@007".parse::<CcxLocator>()?.ccx(), "007");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn ccx(&self) -> &str {
        self.spans.ccx.map(|span| span.of(&self.text)).unwrap_or_default()
    }

    /// The key of the course the CCX is derived from (Python's `to_course_locator`).
    ///
    /// ```
    /// use events_core::keys::CcxLocator;
    ///
    /// let key: CcxLocator = "ccx-v1:edX+DemoX+2024+branch@draft+ccx@3".parse()?;
    /// assert_eq!(key.to_course_key().as_str(), "course-v1:edX+DemoX+2024+branch@draft");
    /// # Ok::<(), events_core::keys::InvalidKeyError>(())
    /// ```
    pub fn to_course_key(&self) -> CourseKey {
        let context_end = self
            .spans
            .ccx
            .map_or(self.text.len(), |span| span.start().saturating_sub(CCX_PREFIX.len()));
        CourseKey::derived(
            &self.text,
            CCX_NAMESPACE.len(),
            context_end,
            CourseKeyKind::Course,
            &self.spans,
        )
    }
}

/// Renders a block of a CCX: the CCX's parts, then the block part.
pub(crate) fn render_block<'a>(out: &mut CanonicalText<'a>, fields: &LocatorFields<'a>, spans: &mut LocatorSpans) {
    render(out, fields, spans);
    locator::render_block(out, fields, spans);
}

/// Renders a CCX's parts after its namespace: the course's parts, then `+ccx@N`.
pub(crate) fn render<'a>(out: &mut CanonicalText<'a>, fields: &LocatorFields<'a>, spans: &mut LocatorSpans) {
    locator::render_course(out, fields, spans);
    locator::render_ccx(out, fields, spans);
}

impl From<CcxLocator> for CourseKey {
    fn from(ccx: CcxLocator) -> CourseKey {
        CourseKey::from_parts(ccx.text, CourseKeyKind::Ccx, ccx.spans)
    }
}

/// Fails for course keys that are not CCX keys.
impl TryFrom<CourseKey> for CcxLocator {
    type Error = InvalidKeyError;

    fn try_from(key: CourseKey) -> Result<CcxLocator, InvalidKeyError> {
        match key.into_parts() {
            (text, CourseKeyKind::Ccx, spans) => Ok(CcxLocator { text, spans }),
            (text, _, _) => Err(InvalidKeyError::new(
                "CCXLocator",
                &text,
                InvalidKeyReason::UnknownNamespace { expected: "`ccx-v1:`" },
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> CcxLocator {
        text.parse()
            .unwrap_or_else(|error| panic!("{text:?} should parse: {error}"))
    }

    #[test]
    fn prefixes_and_versions_are_lower_cased() {
        let key = parse("ccx-v1:edX+DemoX+2024+BRANCH@b+Version@519665F6223EBD6980884F2B+Ccx@12");
        assert_eq!(
            key.as_str(),
            "ccx-v1:edX+DemoX+2024+branch@b+version@519665f6223ebd6980884f2b+ccx@12"
        );
    }

    #[test]
    fn ccx_ids_are_decimal_digits_of_any_script() {
        assert_eq!(parse("ccx-v1:a+b+c+ccx@١٢").ccx(), "١٢");
        assert!("ccx-v1:a+b+c+ccx@x".parse::<CcxLocator>().is_err());
        assert!("ccx-v1:a+b+c+ccx@Ⅻ".parse::<CcxLocator>().is_err());
        assert!("ccx-v1:a+b+c+ccx@".parse::<CcxLocator>().is_err());
    }

    #[test]
    fn block_parts_after_the_ccx_are_dropped() {
        assert_eq!(
            parse("ccx-v1:a+b+c+ccx@1+type@t+block@x").as_str(),
            "ccx-v1:a+b+c+ccx@1"
        );
    }

    #[test]
    fn a_ccx_needs_a_run_or_a_version() {
        assert!("ccx-v1:a+b+ccx@1".parse::<CcxLocator>().is_err());
        assert!("ccx-v1:ccx@1".parse::<CcxLocator>().is_err());
        assert_eq!(
            parse("ccx-v1:a+b+version@519665f6223ebd6980884f2b+ccx@1").as_str(),
            "ccx-v1:version@519665f6223ebd6980884f2b+ccx@1"
        );
    }

    #[test]
    fn only_the_ccx_namespace_is_accepted() {
        let error = "course-v1:a+b+c".parse::<CcxLocator>().unwrap_err();
        assert_eq!(error.key_type(), "CCXLocator");
        assert!("a/b/c".parse::<CcxLocator>().is_err());
    }

    #[test]
    fn the_derived_course_key_keeps_version_and_parts() {
        let course = parse("ccx-v1:a+b+c+version@519665f6223ebd6980884f2b+ccx@1").to_course_key();
        assert_eq!(course.as_str(), "course-v1:a+b+c+version@519665f6223ebd6980884f2b");
        assert_eq!(course.run(), Some("c"));
        assert_eq!(course.version_guid(), Some("519665f6223ebd6980884f2b"));
        assert_eq!(course.ccx(), None);
    }

    #[test]
    fn course_keys_convert_to_ccx_only_when_they_are_one() {
        let course: CourseKey = "ccx-v1:a+b+c+ccx@1".parse().unwrap();
        assert_eq!(CcxLocator::try_from(course).unwrap().ccx(), "1");
        let plain: CourseKey = "course-v1:a+b+c".parse().unwrap();
        assert!(CcxLocator::try_from(plain).is_err());
    }
}
