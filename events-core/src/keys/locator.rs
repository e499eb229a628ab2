//! The `+`-separated locator grammar shared by `course-v1:`, `library-v1:`, `ccx-v1:`,
//! `block-v1:`, `lib-block-v1:` and `ccx-block-v1:` keys.
//!
//! After the namespace, a locator is a `+`-separated list of parts: optionally `org+course` or
//! `org+course+run` first, then `prefix@value` parts in a fixed order, each at most once:
//! `branch@`, `version@`, (`ccx@` in CCX locators, where it is required), `type@`, `block@`.
//! Values never contain `+` or `@`, so splitting on `+` and then on the first `@` recovers
//! exactly what `edx-opaque-keys`' regular expression matches; it is written by hand for speed.
//!
//! The CCX dialect (`edx-ccx-keys`) matches with `re.IGNORECASE`: its prefixes are
//! case-insensitive, including the Unicode case folds Python applies (`ſ` for `s`, `ı` and `İ`
//! for `i`, the Kelvin sign for `k`), and its versions may be upper-case hexadecimal.
//!
//! What each key type then requires of the parts (a run, a block id, …) and how it renders them
//! is below too, as the key types share it.

use super::canonical::{CanonicalText, Span};
use super::error::InvalidKeyReason;
use super::grammar::{ALL_CLASSES, CharClass, LOCATOR_SEPARATOR, byte_classes, check_scanned_part};

/// Which flavour of the grammar to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `edx-opaque-keys` locators: exact lower-case prefixes, no `ccx@` part.
    Standard,
    /// `edx-ccx-keys` locators: case-insensitive prefixes, a required `ccx@` part.
    Ccx,
}

/// The parts of a locator as they appear in the text, before any key type's rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LocatorFields<'a> {
    pub(crate) org: Option<&'a str>,
    pub(crate) course: Option<&'a str>,
    pub(crate) run: Option<&'a str>,
    pub(crate) branch: Option<&'a str>,
    pub(crate) version_guid: Option<&'a str>,
    pub(crate) ccx: Option<&'a str>,
    pub(crate) block_type: Option<&'a str>,
    pub(crate) block_id: Option<&'a str>,
    /// Whether prefixes and version are already lower case, as rendered (always so in the
    /// standard dialect).
    pub(crate) exact_case: bool,
}

impl LocatorFields<'_> {
    /// Where the parts sit in `text`, the input they were parsed from, for keys whose canonical
    /// text is that input.
    pub(crate) fn spans_within(&self, text: &str) -> LocatorSpans {
        let within = |part: Option<&str>| part.map(|part| Span::within(text, part));
        LocatorSpans {
            org: within(self.org),
            course: within(self.course),
            run: within(self.run),
            branch: within(self.branch),
            version_guid: within(self.version_guid),
            ccx: within(self.ccx),
            block_type: within(self.block_type),
            block_id: within(self.block_id),
        }
    }

    /// Whether rendering a course (or CCX) reproduces the text as written: the case is
    /// canonical, org, course and branch are not dropped for want of a run, and no block part
    /// is dropped (`with_block`: unless the key renders it, with its type, as block keys do).
    pub(crate) fn course_is_canonical(&self, with_block: bool) -> bool {
        self.exact_case
            && self.block_kept(with_block)
            && (self.run.is_some() || (self.org.is_none() && self.branch.is_none()))
    }

    /// Whether rendering a legacy library reproduces the text as written: no run to drop, no
    /// branch dropped for want of a library, and no block part dropped (`with_block` as for
    /// [`course_is_canonical`](Self::course_is_canonical)).
    pub(crate) fn library_is_canonical(&self, with_block: bool) -> bool {
        self.block_kept(with_block) && self.run.is_none() && (self.course.is_some() || self.branch.is_none())
    }

    fn block_kept(&self, with_block: bool) -> bool {
        if with_block {
            self.block_type.is_some()
        } else {
            self.block_type.is_none() && self.block_id.is_none()
        }
    }
}

/// Where the parts of a parsed key sit in its canonical text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LocatorSpans {
    pub(crate) org: Option<Span>,
    pub(crate) course: Option<Span>,
    pub(crate) run: Option<Span>,
    pub(crate) branch: Option<Span>,
    pub(crate) version_guid: Option<Span>,
    pub(crate) ccx: Option<Span>,
    pub(crate) block_type: Option<Span>,
    pub(crate) block_id: Option<Span>,
}

impl LocatorSpans {
    /// The context parts (org to ccx) of a key, moved for a text that holds them at `new_base`
    /// instead of `old_base`; the block parts are left out.
    pub(crate) fn context_rebased(&self, old_base: usize, new_base: usize) -> LocatorSpans {
        let rebase = |span: Option<Span>| span.map(|span| span.rebased(old_base, new_base));
        LocatorSpans {
            org: rebase(self.org),
            course: rebase(self.course),
            run: rebase(self.run),
            branch: rebase(self.branch),
            version_guid: rebase(self.version_guid),
            ccx: rebase(self.ccx),
            block_type: None,
            block_id: None,
        }
    }
}

/// The `prefix@` parts, in the order the grammar requires them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prefix {
    Branch,
    Version,
    Ccx,
    Type,
    Block,
}

impl Prefix {
    /// The prefix as rendered.
    fn name(self) -> &'static str {
        match self {
            Prefix::Branch => "branch",
            Prefix::Version => "version",
            Prefix::Ccx => "ccx",
            Prefix::Type => "type",
            Prefix::Block => "block",
        }
    }

    const NAMES: [(Prefix, &'static str); 5] = [
        (Prefix::Branch, "branch"),
        (Prefix::Version, "version"),
        (Prefix::Ccx, "ccx"),
        (Prefix::Type, "type"),
        (Prefix::Block, "block"),
    ];

    fn identify(name: &str, dialect: Dialect) -> Option<Prefix> {
        match dialect {
            // The names have distinct lengths, so the length picks the one candidate; comparing
            // a few bytes in place is cheaper than a call to `memcmp` per candidate.
            Dialect::Standard => {
                let bytes = name.as_bytes();
                let (prefix, expected): (_, &[u8]) = match bytes.len() {
                    6 => (Prefix::Branch, b"branch"),
                    7 => (Prefix::Version, b"version"),
                    4 => (Prefix::Type, b"type"),
                    5 => (Prefix::Block, b"block"),
                    _ => return None,
                };
                bytes
                    .iter()
                    .zip(expected)
                    .all(|(byte, expected)| byte == expected)
                    .then_some(prefix)
            }
            Dialect::Ccx => Prefix::NAMES
                .iter()
                .find(|(_, expected)| matches_ignoring_case(name, expected))
                .map(|&(prefix, _)| prefix),
        }
    }
}

/// Whether `text` equals the lower-case ASCII word `expected` under Python's `re.IGNORECASE`.
fn matches_ignoring_case(text: &str, expected: &str) -> bool {
    let mut chars = text.chars();
    expected
        .bytes()
        .all(|letter| chars.next().is_some_and(|ch| folds_to(ch, letter)))
        && chars.next().is_none()
}

/// Whether Python's case-insensitive matching takes `ch` for the ASCII letter `letter`.
fn folds_to(ch: char, letter: u8) -> bool {
    if ch.is_ascii() {
        return ch.to_ascii_lowercase() as u32 == u32::from(letter);
    }
    matches!(
        (letter, ch),
        (b'i', '\u{130}' | '\u{131}') | (b's', '\u{17f}') | (b'k', '\u{212a}')
    )
}

impl Dialect {
    /// The order of prefixes, for error messages.
    fn order(self) -> &'static str {
        match self {
            Dialect::Standard => ORDER,
            Dialect::Ccx => CCX_ORDER,
        }
    }
}

const ORDER: &str = "`prefix@` parts in the order branch@, version@, type@, block@, each at most once";
const CCX_ORDER: &str = "`prefix@` parts in the order branch@, version@, ccx@, type@, block@, each at most once";
const PLAIN_PARTS: &str = "org+course or org+course+run before any `prefix@` part";

/// Splits a locator body (the text after `namespace:`) into its parts and checks each part's
/// characters.
pub(crate) fn parse_fields(body: &str, dialect: Dialect) -> Result<LocatorFields<'_>, InvalidKeyReason> {
    let plain = match dialect {
        Dialect::Standard => plain_org_course_run(body),
        // A plain body is no CCX: it lacks the `ccx@` part.
        Dialect::Ccx => None,
    };
    if let Some([org, course, run]) = plain {
        return Ok(LocatorFields {
            org: Some(org),
            course: Some(course),
            run: Some(run),
            exact_case: true,
            ..LocatorFields::default()
        });
    }
    let mut parser = FieldParser {
        body,
        dialect,
        fields: LocatorFields {
            exact_case: true,
            ..LocatorFields::default()
        },
        plain_count: 0,
        last_prefix: None,
    };
    if !body.is_empty() {
        // One pass over the bytes finds each `+`-separated segment and its first `@` and
        // intersects the character classes of the bytes after it, so that checking a part is
        // usually one bit test. `str::split` and a second pass per part would cost more than
        // the rest of the parse of a short key.
        let mut start = 0;
        let mut at = None;
        let mut classes = ALL_CLASSES;
        for (index, &byte) in body.as_bytes().iter().enumerate() {
            let byte_classes = byte_classes(byte);
            if byte_classes & LOCATOR_SEPARATOR == 0 {
                classes &= byte_classes;
            } else if byte == b'+' {
                parser.segment(start, at, index, classes)?;
                start = index + 1;
                at = None;
                classes = ALL_CLASSES;
            } else if at.is_none() {
                at = Some(index);
                classes = ALL_CLASSES;
            } else {
                // A second `@` belongs to no class: the value will be refused.
                classes = 0;
            }
        }
        parser.segment(start, at, body.len(), classes)?;
    }
    parser.finish()
}

/// The org, course and run of a body of the overwhelmingly common shape `org+course+run` in
/// ASCII, or `None` for any other body, which the general parser then handles (and explains if
/// invalid).
///
/// A tighter loop than the general one: only the two `+` are recorded, an `@` gives up, and a
/// single class test at the end checks every other character.
#[inline]
pub(crate) fn plain_org_course_run(body: &str) -> Option<[&str; 3]> {
    let mut separators = [0; 2];
    let mut count = 0;
    let mut classes = ALL_CLASSES;
    for (index, &byte) in body.as_bytes().iter().enumerate() {
        let byte_classes = byte_classes(byte);
        if byte_classes & LOCATOR_SEPARATOR == 0 {
            classes &= byte_classes;
        } else if byte == b'+' {
            *separators.get_mut(count)? = index;
            count += 1;
        } else {
            return None;
        }
    }
    let [first, second] = separators;
    let parts_present = first > 0 && second > first + 1 && second + 1 < body.len();
    if count != 2 || !parts_present || classes & CharClass::LocatorId.bit() == 0 {
        return None;
    }
    // `+` is ASCII, so these offsets are character boundaries.
    Some([
        body.get(..first)?,
        body.get(first + 1..second)?,
        body.get(second + 1..)?,
    ])
}

/// The org, course, run, block type and block id of a body of the overwhelmingly common shape
/// `org+course+run+type@block_type+block@block_id` in ASCII, or `None` for any other body, which
/// the general parser then handles. The same single-loop approach as
/// [`plain_org_course_run`]: every byte but the separators must be of `[\w\-~.:]`, which also
/// holds for the prefix names, checked afterwards.
#[inline]
pub(crate) fn plain_course_block(body: &str) -> Option<[&str; 5]> {
    let mut pluses = [0; 4];
    let mut plus_count = 0;
    let mut ats = [0; 2];
    let mut at_count = 0;
    let mut classes = ALL_CLASSES;
    for (index, &byte) in body.as_bytes().iter().enumerate() {
        let byte_classes = byte_classes(byte);
        if byte_classes & LOCATOR_SEPARATOR == 0 {
            classes &= byte_classes;
        } else if byte == b'+' {
            *pluses.get_mut(plus_count)? = index;
            plus_count += 1;
        } else {
            // An `@` belongs in the fourth and fifth segments only, once each.
            if plus_count != at_count + 3 {
                return None;
            }
            *ats.get_mut(at_count)? = index;
            at_count += 1;
        }
    }
    if plus_count != 4 || at_count != 2 || classes & CharClass::LocatorId.bit() == 0 {
        return None;
    }
    let [first, second, third, fourth] = pluses;
    let [type_at, block_at] = ats;
    let part = |from: usize, to: usize| body.get(from..to).filter(|part| !part.is_empty());
    let block_type = part(type_at + 1, fourth)?;
    let block_id = part(block_at + 1, body.len())?;
    if part(third + 1, type_at)? != "type" || part(fourth + 1, block_at)? != "block" {
        return None;
    }
    Some([
        part(0, first)?,
        part(first + 1, second)?,
        part(second + 1, third)?,
        block_type,
        block_id,
    ])
}

/// The state of [`parse_fields`] between segments.
struct FieldParser<'a> {
    body: &'a str,
    dialect: Dialect,
    fields: LocatorFields<'a>,
    plain_count: usize,
    last_prefix: Option<Prefix>,
}

impl<'a> FieldParser<'a> {
    /// Takes the segment `start..end` of the body, with its first `@` at `at`; `classes` are the
    /// classes of the bytes after that `@` (or of the whole segment).
    fn segment(&mut self, start: usize, at: Option<usize>, end: usize, classes: u8) -> Result<(), InvalidKeyReason> {
        let body = self.body;
        // `+` and `@` are ASCII, so these offsets are character boundaries.
        let slice = |from: usize, to: usize| body.get(from..to).unwrap_or_default();
        if start == end {
            let part = if start == 0 {
                "part before the first `+`"
            } else {
                "part after a `+`"
            };
            return Err(InvalidKeyReason::EmptyPart { part });
        }
        let Some(at) = at else {
            let (slot, part) = match self.plain_count {
                _ if self.last_prefix.is_some() => return Err(InvalidKeyReason::Malformed { expected: PLAIN_PARTS }),
                0 => (&mut self.fields.org, "org"),
                1 => (&mut self.fields.course, "course"),
                2 => (&mut self.fields.run, "run"),
                _ => return Err(InvalidKeyReason::Malformed { expected: PLAIN_PARTS }),
            };
            let value = slice(start, end);
            check_scanned_part(value, classes, CharClass::LocatorId, part)?;
            *slot = Some(value);
            self.plain_count += 1;
            return Ok(());
        };
        if self.plain_count == 1 {
            return Err(InvalidKeyReason::Malformed { expected: PLAIN_PARTS });
        }
        let name = slice(start, at);
        let value = slice(at + 1, end);
        let expected = self.dialect.order();
        let prefix = Prefix::identify(name, self.dialect).ok_or(InvalidKeyReason::Malformed { expected })?;
        if self.last_prefix.is_some_and(|last| last >= prefix) {
            return Err(InvalidKeyReason::Malformed { expected });
        }
        self.last_prefix = Some(prefix);
        let (slot, class, part) = match (prefix, self.dialect) {
            (Prefix::Branch, _) => (&mut self.fields.branch, CharClass::LocatorId, "branch"),
            (Prefix::Version, Dialect::Standard) => (&mut self.fields.version_guid, CharClass::LowerHex, "version"),
            (Prefix::Version, Dialect::Ccx) => (&mut self.fields.version_guid, CharClass::Hex, "version"),
            (Prefix::Ccx, _) => (&mut self.fields.ccx, CharClass::Decimal, "ccx"),
            (Prefix::Type, _) => (&mut self.fields.block_type, CharClass::LocatorId, "block_type"),
            // The standard pattern lets `%` into block ids; the block key types refuse it later,
            // but course keys, which ignore a trailing block part, never look at it again.
            (Prefix::Block, Dialect::Standard) => (&mut self.fields.block_id, CharClass::DeprecatedId, "block_id"),
            (Prefix::Block, Dialect::Ccx) => (&mut self.fields.block_id, CharClass::LocatorId, "block_id"),
        };
        check_scanned_part(value, classes, class, part)?;
        *slot = Some(value);
        if self.dialect == Dialect::Ccx {
            // The text is already in canonical case if the prefix is the lower-case word and a
            // version has no upper-case digit (the standard dialect accepts nothing else).
            let lower_case_version = prefix != Prefix::Version || classes & CharClass::LowerHex.bit() != 0;
            self.fields.exact_case &= name == prefix.name() && lower_case_version;
        }
        Ok(())
    }

    fn finish(self) -> Result<LocatorFields<'a>, InvalidKeyReason> {
        if self.plain_count == 1 {
            return Err(InvalidKeyReason::Malformed { expected: PLAIN_PARTS });
        }
        if self.dialect == Dialect::Ccx && self.fields.ccx.is_none() {
            return Err(InvalidKeyReason::MissingPart { part: "ccx" });
        }
        Ok(self.fields)
    }
}

/// A version must be a MongoDB ObjectId: exactly 24 hexadecimal digits (the grammar has
/// already checked they are hexadecimal).
fn check_version(fields: &LocatorFields<'_>) -> Result<(), InvalidKeyReason> {
    match fields.version_guid {
        Some(version) if version.len() != 24 => Err(InvalidKeyReason::InvalidVersionGuid),
        _ => Ok(()),
    }
}

/// The rules of a course (`CourseLocator`, and `CCXLocator` which extends it): a valid version,
/// and either org+course+run or a version.
pub(crate) fn check_course(fields: &LocatorFields<'_>) -> Result<(), InvalidKeyReason> {
    check_version(fields)?;
    if fields.version_guid.is_none() && fields.run.is_none() {
        return Err(InvalidKeyReason::Malformed {
            expected: "org+course+run or a `version@` part",
        });
    }
    Ok(())
}

/// The rules of a legacy library (`LibraryLocator`): a valid version, and either org+library
/// or a version. A run is matched by the grammar but ignored.
pub(crate) fn check_library(fields: &LocatorFields<'_>) -> Result<(), InvalidKeyReason> {
    check_version(fields)?;
    if fields.version_guid.is_none() && fields.course.is_none() {
        return Err(InvalidKeyReason::Malformed {
            expected: "org+library or a `version@` part",
        });
    }
    Ok(())
}

/// The rules of a block in a course or CCX: a block id without `%` (only deprecated keys may
/// have one). The block type may be absent: Python then renders it as `None`.
pub(crate) fn check_block(fields: &LocatorFields<'_>) -> Result<(), InvalidKeyReason> {
    let block_id = fields
        .block_id
        .ok_or(InvalidKeyReason::MissingPart { part: "block_id" })?;
    // The grammar admitted `[\w\-~.:%]`; without `%` that is `[\w\-~.:]`.
    if block_id.as_bytes().contains(&b'%') {
        return Err(InvalidKeyReason::InvalidCharacter {
            part: "block_id",
            character: '%',
        });
    }
    Ok(())
}

/// The rules of a block in a legacy library: a block id without `%`, and a block type.
pub(crate) fn check_library_block(fields: &LocatorFields<'_>) -> Result<(), InvalidKeyReason> {
    check_block(fields)?;
    if fields.block_type.is_none() {
        return Err(InvalidKeyReason::MissingPart { part: "block_type" });
    }
    Ok(())
}

/// The canonical text of a locator key and where its parts sit: `text` itself when it is
/// already canonical (`canonical`, which includes its namespace being the canonical one), which
/// is the common case and costs one copy; otherwise `namespace` and the parts as `render`
/// writes them.
pub(crate) fn canonical_text<'a>(
    text: &str,
    canonical: bool,
    namespace: &'static str,
    fields: &LocatorFields<'a>,
    render: fn(&mut CanonicalText<'a>, &LocatorFields<'a>, &mut LocatorSpans),
) -> Result<(Box<str>, LocatorSpans), InvalidKeyReason> {
    if canonical {
        return Ok((Box::from(text), fields.spans_within(text)));
    }
    let mut out = CanonicalText::new();
    out.push(namespace);
    let mut spans = LocatorSpans::default();
    render(&mut out, fields, &mut spans);
    Ok((out.finish()?, spans))
}

/// Renders a course's parts as `CourseLocator._to_string` does: org+course+run (with its
/// branch) only when a run is present, then the version. Unrendered parts are dropped from the
/// key, as they are from Python's text.
pub(crate) fn render_course<'a>(out: &mut CanonicalText<'a>, fields: &LocatorFields<'a>, spans: &mut LocatorSpans) {
    let mut separator = "";
    if let (Some(org), Some(course), Some(run)) = (fields.org, fields.course, fields.run) {
        spans.org = Some(out.push_part(org));
        out.push("+");
        spans.course = Some(out.push_part(course));
        out.push("+");
        spans.run = Some(out.push_part(run));
        if let Some(branch) = fields.branch {
            out.push("+branch@");
            spans.branch = Some(out.push_part(branch));
        }
        separator = "+";
    }
    render_version(out, fields, spans, separator);
}

/// Renders a legacy library's parts as `LibraryLocator._to_string` does: org+library (with its
/// branch) when present, then the version; a run is never rendered.
pub(crate) fn render_library<'a>(out: &mut CanonicalText<'a>, fields: &LocatorFields<'a>, spans: &mut LocatorSpans) {
    let mut separator = "";
    if let (Some(org), Some(library)) = (fields.org, fields.course) {
        spans.org = Some(out.push_part(org));
        out.push("+");
        spans.course = Some(out.push_part(library));
        if let Some(branch) = fields.branch {
            out.push("+branch@");
            spans.branch = Some(out.push_part(branch));
        }
        separator = "+";
    }
    render_version(out, fields, spans, separator);
}

fn render_version<'a>(
    out: &mut CanonicalText<'a>,
    fields: &LocatorFields<'a>,
    spans: &mut LocatorSpans,
    separator: &'a str,
) {
    if let Some(version) = fields.version_guid {
        out.push(separator);
        out.push("version@");
        // Python keeps the version as an ObjectId, whose text is lower-case.
        spans.version_guid = Some(out.push_part_lowercase(version));
    }
}

/// Renders the CCX id that follows a CCX course's parts.
pub(crate) fn render_ccx<'a>(out: &mut CanonicalText<'a>, fields: &LocatorFields<'a>, spans: &mut LocatorSpans) {
    if let Some(ccx) = fields.ccx {
        out.push("+ccx@");
        spans.ccx = Some(out.push_part(ccx));
    }
}

/// Renders a block of a course: the course's parts, then the block part.
pub(crate) fn render_course_block<'a>(
    out: &mut CanonicalText<'a>,
    fields: &LocatorFields<'a>,
    spans: &mut LocatorSpans,
) {
    render_course(out, fields, spans);
    render_block(out, fields, spans);
}

/// Renders a block of a legacy library: the library's parts, then the block part.
pub(crate) fn render_library_block<'a>(
    out: &mut CanonicalText<'a>,
    fields: &LocatorFields<'a>,
    spans: &mut LocatorSpans,
) {
    render_library(out, fields, spans);
    render_block(out, fields, spans);
}

/// Renders the block part that follows a context's parts. An absent block type is rendered
/// `None`, as Python formats it.
pub(crate) fn render_block<'a>(out: &mut CanonicalText<'a>, fields: &LocatorFields<'a>, spans: &mut LocatorSpans) {
    out.push("+type@");
    spans.block_type = Some(out.push_part(fields.block_type.unwrap_or("None")));
    out.push("+block@");
    spans.block_id = Some(out.push_part(fields.block_id.unwrap_or_default()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> LocatorFields<'_> {
        parse_fields(body, Dialect::Standard).unwrap()
    }

    #[test]
    fn org_course_run_and_prefixed_parts_are_recognised() {
        let parsed = fields("edX+Demo+2024+branch@draft+version@519665f6223ebd6980884f2b+type@problem+block@p1");
        assert_eq!(parsed.org, Some("edX"));
        assert_eq!(parsed.course, Some("Demo"));
        assert_eq!(parsed.run, Some("2024"));
        assert_eq!(parsed.branch, Some("draft"));
        assert_eq!(parsed.version_guid, Some("519665f6223ebd6980884f2b"));
        assert_eq!(parsed.block_type, Some("problem"));
        assert_eq!(parsed.block_id, Some("p1"));
    }

    #[test]
    fn org_and_course_without_run_are_recognised() {
        let parsed = fields("edX+Demo+branch@draft");
        assert_eq!(parsed.run, None);
        assert_eq!(parsed.branch, Some("draft"));
    }

    #[test]
    fn the_plain_shortcut_agrees_with_the_general_parser() {
        for body in [
            "a+b+c",
            "é+b+c",
            "a+b+c@d",
            "a+b",
            "a+b+c+d",
            "+b+c",
            "a++c",
            "a+b+",
            "a b+c+d",
            "a:~.-_+b+c",
        ] {
            let general = {
                let mut parser = FieldParser {
                    body,
                    dialect: Dialect::Standard,
                    fields: LocatorFields {
                        exact_case: true,
                        ..LocatorFields::default()
                    },
                    plain_count: 0,
                    last_prefix: None,
                };
                let mut start = 0;
                let mut result = Ok(());
                for (index, byte) in body.bytes().enumerate().chain([(body.len(), b'+')]) {
                    if byte == b'+' && result.is_ok() {
                        let at = body[start..index].find('@').map(|at| start + at);
                        let scanned = body[at.map_or(start, |at| at + 1)..index].bytes();
                        let classes = scanned.fold(ALL_CLASSES, |bits, byte| bits & byte_classes(byte));
                        result = parser.segment(start, at, index, classes);
                        start = index + 1;
                    }
                }
                result.and_then(|()| parser.finish()).ok()
            };
            if let Some([org, course, run]) = plain_org_course_run(body) {
                let general = general.unwrap_or_default();
                assert_eq!(
                    [general.org, general.course, general.run],
                    [Some(org), Some(course), Some(run)]
                );
            }
            assert_eq!(parse_fields(body, Dialect::Standard).ok(), general, "{body:?}");
        }
    }

    #[test]
    fn the_plain_block_shortcut_agrees_with_the_general_parser() {
        for body in [
            "a+b+c+type@t+block@x",
            "a+b+c+type@t+block@x+",
            "a+b+c+type@+block@x",
            "a+b+c+type@t+block@",
            "a+b+c+typ@t+block@x",
            "a+b+c+type@t+blocks@x",
            "a+b+c+type@t@u+block@x",
            "a+b+type@t+block@x",
            "a+b+c+branch@t+block@x",
            "a+b+c+type@t+block@x%",
            "é+b+c+type@t+block@x",
        ] {
            let general = parse_fields(body, Dialect::Standard).ok().filter(|fields| {
                fields.run.is_some()
                    && fields.branch.is_none()
                    && fields.version_guid.is_none()
                    && fields.block_type.is_some()
                    && fields.block_id.is_some_and(|id| !id.contains('%'))
            });
            let shortcut = plain_course_block(body);
            if let Some([org, course, run, block_type, block_id]) = shortcut {
                let general = general.unwrap_or_default();
                assert_eq!(
                    [
                        general.org,
                        general.course,
                        general.run,
                        general.block_type,
                        general.block_id
                    ],
                    [Some(org), Some(course), Some(run), Some(block_type), Some(block_id)],
                    "{body:?}"
                );
            } else {
                assert!(general.is_none() || !body.is_ascii(), "{body:?} has the plain shape");
            }
        }
    }

    #[test]
    fn an_empty_body_has_no_parts() {
        assert_eq!(
            fields(""),
            LocatorFields {
                exact_case: true,
                ..LocatorFields::default()
            }
        );
    }

    #[test]
    fn a_single_plain_part_or_four_are_refused() {
        assert!(parse_fields("edX", Dialect::Standard).is_err());
        assert!(parse_fields("edX+branch@b", Dialect::Standard).is_err());
        assert!(parse_fields("a+b+c+d", Dialect::Standard).is_err());
    }

    #[test]
    fn prefixed_parts_out_of_order_or_repeated_are_refused() {
        assert_eq!(
            parse_fields("a+b+c+block@x+type@y", Dialect::Standard),
            Err(InvalidKeyReason::Malformed { expected: ORDER })
        );
        assert!(parse_fields("a+b+c+branch@x+branch@y", Dialect::Standard).is_err());
        assert!(parse_fields("branch@x+a+b", Dialect::Standard).is_err());
    }

    #[test]
    fn empty_parts_and_trailing_separators_are_refused() {
        assert_eq!(
            parse_fields("a+b+c+", Dialect::Standard),
            Err(InvalidKeyReason::EmptyPart {
                part: "part after a `+`"
            })
        );
        assert!(parse_fields("+a+b", Dialect::Standard).is_err());
        assert!(parse_fields("a++b", Dialect::Standard).is_err());
        assert_eq!(
            parse_fields("a+b+c+branch@", Dialect::Standard),
            Err(InvalidKeyReason::EmptyPart { part: "branch" })
        );
    }

    #[test]
    fn standard_prefixes_are_case_sensitive_and_have_no_ccx() {
        assert!(parse_fields("a+b+c+Branch@x", Dialect::Standard).is_err());
        assert!(parse_fields("a+b+c+ccx@1", Dialect::Standard).is_err());
    }

    #[test]
    fn ccx_prefixes_ignore_case_with_python_unicode_folds() {
        let parsed = parse_fields(
            "a+b+c+VERſİON@519665F6223EBD6980884F2B+CCX@1+bloc\u{212a}@x",
            Dialect::Ccx,
        )
        .unwrap();
        assert_eq!(parsed.version_guid, Some("519665F6223EBD6980884F2B"));
        assert_eq!(parsed.ccx, Some("1"));
        assert_eq!(parsed.block_id, Some("x"));
    }

    #[test]
    fn ccx_locators_require_a_ccx_part() {
        assert_eq!(
            parse_fields("a+b+c", Dialect::Ccx),
            Err(InvalidKeyReason::MissingPart { part: "ccx" })
        );
    }

    #[test]
    fn standard_versions_must_be_lower_case() {
        assert_eq!(
            parse_fields("version@519665F6223EBD6980884F2B", Dialect::Standard),
            Err(InvalidKeyReason::InvalidCharacter {
                part: "version",
                character: 'F'
            })
        );
    }

    #[test]
    fn a_course_needs_a_run_or_a_version_of_24_digits() {
        assert!(check_course(&fields("a+b+c")).is_ok());
        assert!(check_course(&fields("a+b")).is_err());
        assert!(check_course(&fields("a+b+version@519665f6223ebd6980884f2b")).is_ok());
        assert_eq!(
            check_course(&fields("a+b+c+version@abc")),
            Err(InvalidKeyReason::InvalidVersionGuid)
        );
    }

    #[test]
    fn texts_needing_no_normalisation_are_recognised_as_canonical() {
        assert!(fields("a+b+c+branch@d").course_is_canonical(false));
        assert!(fields("version@519665f6223ebd6980884f2b").course_is_canonical(false));
        assert!(!fields("a+b+version@519665f6223ebd6980884f2b").course_is_canonical(false));
        assert!(!fields("a+b+c+type@t+block@x").course_is_canonical(false));
        assert!(fields("a+b+c+type@t+block@x").course_is_canonical(true));
        assert!(!fields("a+b+c+block@x").course_is_canonical(true));
        assert!(fields("a+b").library_is_canonical(false));
        assert!(!fields("a+b+c").library_is_canonical(false));
        let ccx = |body| parse_fields(body, Dialect::Ccx).unwrap();
        assert!(ccx("a+b+c+version@519665f6223ebd6980884f2b+ccx@1").course_is_canonical(false));
        assert!(!ccx("a+b+c+version@519665F6223EBD6980884F2B+ccx@1").course_is_canonical(false));
        assert!(!ccx("a+b+c+CCX@1").course_is_canonical(false));
    }

    #[test]
    fn course_rendering_drops_org_and_course_without_a_run() {
        let parsed = fields("a+b+branch@x+version@519665f6223ebd6980884f2b");
        let mut out = CanonicalText::new();
        let mut spans = LocatorSpans::default();
        render_course(&mut out, &parsed, &mut spans);
        assert_eq!(&*out.finish().unwrap(), "version@519665f6223ebd6980884f2b");
        assert_eq!(spans.org, None);
    }

    #[test]
    fn block_rendering_writes_none_for_an_absent_type() {
        let parsed = fields("a+b+c+block@x");
        let mut out = CanonicalText::new();
        let mut spans = LocatorSpans::default();
        render_course(&mut out, &parsed, &mut spans);
        render_block(&mut out, &parsed, &mut spans);
        assert_eq!(&*out.finish().unwrap(), "a+b+c+type@None+block@x");
    }
}
