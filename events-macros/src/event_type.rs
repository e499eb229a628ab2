//! The event type grammar (ADR-2, OEP-41) and the signal names derived from it.
//!
//! `{reverse DNS}.{subdomain}.{subject…}.{action}.v{major}`, e.g.
//! `org.openedx.learning.course.enrollment.created.v1`.

/// The architecture subdomains of Open edX.
pub(crate) const KNOWN_SUBDOMAINS: &[&str] = &["learning", "content_authoring", "analytics", "enterprise", "authz"];

/// The only types allowed without a `.vN` suffix: they were published before the rule.
pub(crate) const LEGACY_UNVERSIONED: &[&str] = &[
    "org.openedx.authz.role_assignment.created",
    "org.openedx.authz.role_assignment.deleted",
];

use crate::errors::code_list;

const MAX_LEN: usize = 255;

/// A well-formed event type, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventType {
    pub(crate) subdomain: String,
    /// The subject segments and the action, in order.
    pub(crate) subject_and_action: Vec<String>,
    /// `None` for a legacy unversioned type.
    pub(crate) major: Option<u32>,
}

impl EventType {
    /// The signal name derived from the type: subject and action upper-cased and joined by
    /// `_`, with `_V{major}` from version 2 on.
    pub(crate) fn derived_name(&self) -> String {
        let mut name = self.subject_and_action.join("_").to_ascii_uppercase().replace('-', "_");
        if let Some(major) = self.major.filter(|&major| major > 1) {
            name.push_str(&format!("_V{major}"));
        }
        name
    }
}

/// Something wrong with an event type, and which part of the macro input to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) about: About,
}

/// The part of the macro input a [`Problem`] is reported at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum About {
    /// The `type = "…"` literal.
    Type,
    /// The `legacy_unversioned` flag.
    LegacyUnversioned,
    /// The type literal, for "no subdomain found": not worth reporting when the declared
    /// `subdomain = "…"` is itself already reported as wrong.
    NoSubdomain,
}

impl Problem {
    fn ty(message: String) -> Self {
        Problem {
            message,
            about: About::Type,
        }
    }
}

/// Parses `text`; `declared_subdomain` is the `subdomain = "…"` argument, and
/// `legacy_unversioned` whether that flag was given. Returns every problem found.
pub(crate) fn parse(
    text: &str,
    declared_subdomain: Option<&str>,
    legacy_unversioned: bool,
) -> Result<EventType, Vec<Problem>> {
    let mut problems = Vec::new();
    if text.is_empty() {
        return Err(vec![Problem::ty(
            "the event type is empty; expected `{reverse DNS}.{subdomain}.{subject}.{action}.v{major}`, \
             e.g. `org.openedx.learning.course.enrollment.created.v1`"
                .to_owned(),
        )]);
    }
    if text.len() > MAX_LEN {
        problems.push(Problem::ty(format!(
            "the event type is {} characters long, but the limit is {MAX_LEN}; shorten its subject or action",
            text.len()
        )));
    }
    if text.chars().any(char::is_whitespace) {
        problems.push(Problem::ty(format!(
            "the event type `{text}` contains whitespace; segments are separated by `.` only and use `_` \
             between words, e.g. `course_run`"
        )));
        return Err(problems);
    }
    if text.starts_with('.') || text.ends_with('.') {
        let (which, trimmed) = if text.starts_with('.') {
            ("starts", text.trim_start_matches('.'))
        } else {
            ("ends", text.trim_end_matches('.'))
        };
        problems.push(Problem::ty(format!(
            "the event type `{text}` {which} with a dot; remove it: `{trimmed}`"
        )));
        return Err(problems);
    }
    if text.contains("..") {
        problems.push(Problem::ty(format!(
            "the event type `{text}` has an empty segment (`..`); every segment needs a name, so remove \
             the extra dot: `{}`",
            text.split('.').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(".")
        )));
        return Err(problems);
    }

    let segments: Vec<&str> = text.split('.').collect();
    if let Some(problem) = dotted_version(&segments) {
        problems.push(Problem::ty(problem));
        return Err(problems);
    }
    for segment in &segments {
        if let Some(problem) = segment_problem(segment) {
            problems.push(Problem::ty(problem));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let is_subdomain = |segment: &str| KNOWN_SUBDOMAINS.contains(&segment) || declared_subdomain == Some(segment);
    let Some(index) = segments
        .iter()
        .enumerate()
        .skip(2)
        .find(|(_, s)| is_subdomain(s))
        .map(|(i, _)| i)
    else {
        let early = segments.iter().take(2).find(|s| is_subdomain(s));
        problems.push(match (early, declared_subdomain) {
            (Some(subdomain), _) => Problem::ty(format!(
                "`{text}` has the subdomain `{subdomain}` where its reverse DNS prefix belongs; \
                 start the type with a reverse domain name of at least two segments, e.g. `org.openedx.{}`",
                segments[segments.iter().position(|s| s == subdomain).unwrap_or(0)..].join(".")
            )),
            (None, Some(declared)) => Problem {
                message: format!(
                    "the declared subdomain `{declared}` does not appear in `{text}`; the subdomain is the \
                     segment after the reverse DNS prefix, e.g. `{}.{declared}.{}`",
                    segments[..2].join("."),
                    segments[2..].join(".")
                ),
                about: About::NoSubdomain,
            },
            (None, None) => Problem {
                message: format!(
                    "`{text}` names no architecture subdomain after its reverse DNS prefix; expected one of {}, \
                     or declare a new one with `subdomain = \"...\"`",
                    code_list(KNOWN_SUBDOMAINS)
                ),
                about: About::NoSubdomain,
            },
        });
        return Err(problems);
    };

    let after = &segments[index + 1..];
    let version = after.last().and_then(|last| version_of(last));
    let (subject_and_action, major) = match version {
        Some(Ok(major)) => {
            if legacy_unversioned {
                problems.push(Problem {
                    message: format!(
                        "`legacy_unversioned` is for types without a version suffix, but `{text}` ends in \
                         `.v{major}`; remove `legacy_unversioned`"
                    ),
                    about: About::LegacyUnversioned,
                });
            }
            (&after[..after.len() - 1], Some(major))
        }
        Some(Err(problem)) => {
            problems.push(Problem::ty(problem));
            return Err(problems);
        }
        None if legacy_unversioned => {
            if !LEGACY_UNVERSIONED.contains(&text) {
                problems.push(Problem {
                    message: format!(
                        "`legacy_unversioned` is reserved for the two upstream types published before versioning \
                         ({}); remove it and give `{text}` a version: `{text}.v1`",
                        code_list(LEGACY_UNVERSIONED)
                    ),
                    about: About::LegacyUnversioned,
                });
            }
            (after, None)
        }
        None => {
            problems.push(Problem::ty(format!(
                "`{text}` has no major version; event types end in `.v{{major}}`: `{text}.v1`"
            )));
            return Err(problems);
        }
    };

    match subject_and_action {
        [] | [_] => problems.push(Problem::ty(format!(
            "`{text}` needs a subject and an action after the subdomain `{}`, e.g. \
             `{}.{}.course.enrollment.created.v1`; found {}",
            segments[index],
            segments[..index].join("."),
            segments[index],
            match subject_and_action {
                [] => "neither".to_owned(),
                [only] => format!("only `{only}`"),
                _ => unreachable!(),
            }
        ))),
        [.., action] if version_of(action).is_some() => problems.push(Problem::ty(format!(
            "`{text}` has two versions: the action `{action}` looks like a version; a type has exactly one \
             `.v{{major}}` suffix, after its action (e.g. `…created.v2`), so remove `.{action}`"
        ))),
        _ => {}
    }

    if problems.is_empty() {
        Ok(EventType {
            subdomain: segments[index].to_owned(),
            subject_and_action: subject_and_action.iter().map(|s| (*s).to_owned()).collect(),
            major,
        })
    } else {
        Err(problems)
    }
}

/// `v1.0`-style versions: a version segment followed by digits.
fn dotted_version(segments: &[&str]) -> Option<String> {
    segments.windows(2).find_map(|pair| {
        let (version, minor) = (pair[0], pair[1]);
        let looks_like_version = version.len() > 1
            && (version.starts_with('v') || version.starts_with('V'))
            && version[1..].bytes().all(|b| b.is_ascii_digit());
        (looks_like_version && minor.bytes().all(|b| b.is_ascii_digit())).then(|| {
            format!(
                "`{version}.{minor}` is not a version: event types carry only a major version, e.g. `.{}`; \
                 compatible changes raise `minor_version = …` instead",
                version.to_ascii_lowercase()
            )
        })
    })
}

/// Whether `segment` is a version, and if so whether it is a well-formed one.
fn version_of(segment: &str) -> Option<Result<u32, String>> {
    let digits = segment.strip_prefix('v')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        let trimmed = digits.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        return Some(Err(format!(
            "the version `{segment}` has a leading zero; write `v{trimmed}`"
        )));
    }
    match digits.parse::<u32>() {
        Ok(0) => Some(Err(
            "the version `v0` is not allowed: major versions start at `v1`; write `v1`".to_owned(),
        )),
        Ok(major) => Some(Ok(major)),
        Err(_) => Some(Err(format!(
            "the version `{segment}` is too large; major versions fit in 32 bits"
        ))),
    }
}

/// What is wrong with one segment, if anything.
fn segment_problem(segment: &str) -> Option<String> {
    let uppercase_version = segment
        .strip_prefix('V')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if let Some(digits) = uppercase_version {
        return Some(format!("the version `{segment}` must be lowercase: write `v{digits}`"));
    }
    let first = segment.chars().next()?;
    if segment.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "the segment `{segment}` has uppercase letters, but segments are lowercase; write `{}`",
            snake_case(segment)
        ));
    }
    if let Some(bad) = segment
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Some(format!(
            "the segment `{segment}` contains `{bad}`, but segments hold only lowercase ASCII letters, digits, \
             `_` and `-`; remove or replace `{bad}`"
        ));
    }
    if !first.is_ascii_lowercase() {
        return Some(format!(
            "the segment `{segment}` starts with `{first}`, but segments start with a lowercase letter; \
             reword it to begin with a letter"
        ));
    }
    None
}

/// `CourseRun` → `course_run`, `courseRun` → `course_run`, `COURSE` → `course`.
fn snake_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_ascii_uppercase()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_ascii_uppercase() && chars.get(i + 1).is_some_and(char::is_ascii_lowercase)));
        if boundary && !out.ends_with(['_', '-']) {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What is wrong with the spelling of a signal name, whatever the type: it must be
/// SCREAMING_SNAKE_CASE.
pub(crate) fn name_case_problem(name: &str) -> Option<String> {
    let is_screaming_snake = name
        .split('_')
        .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        && name.starts_with(|c: char| c.is_ascii_uppercase());
    if is_screaming_snake {
        return None;
    }
    let suggestion: String = snake_case(&name.replace(['-', '.', ' '], "_"))
        .split('_')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
        .to_ascii_uppercase();
    Some(format!(
        "the name `{name}` is not SCREAMING_SNAKE_CASE; signal names are upper-case words joined by `_`, \
         e.g. `{suggestion}`"
    ))
}

/// Checks a signal name given with `name = "…"` against the type's major version.
pub(crate) fn check_given_name(name: &str, event_type: &EventType) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(problem) = name_case_problem(name) {
        let derived = event_type.derived_name();
        problems.push(if problem.ends_with(&format!("e.g. `{derived}`")) {
            format!("{problem}, which is also the name derived from the type: leave `name` out to use it")
        } else {
            format!("{problem}, or leave `name` out to use the name derived from the type, `{derived}`")
        });
        return problems;
    }
    let suffix = name.rsplit_once("_V").and_then(|(base, digits)| {
        (!base.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| (base, digits.parse::<u32>().ok()))
    });
    let major = event_type.major.unwrap_or(1);
    match suffix {
        Some((base, _)) if major <= 1 => problems.push(format!(
            "the name `{name}` carries a version suffix, but the type is {}; only names of types from v2 on \
             carry `_V{{major}}`: write `{base}`",
            event_type.major.map_or("unversioned".to_owned(), |m| format!("v{m}"))
        )),
        Some((base, version)) if version != Some(major) => problems.push(format!(
            "the name `{name}` carries the wrong version for a v{major} type; write `{base}_V{major}`"
        )),
        None if major > 1 => problems.push(format!(
            "the name `{name}` needs the suffix `_V{major}` because the type is v{major}, so that it differs \
             from the names of earlier versions; write `{name}_V{major}`"
        )),
        _ => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> EventType {
        parse(text, None, false).unwrap_or_else(|problems| panic!("{text}: {problems:?}"))
    }

    fn messages(problems: Vec<Problem>) -> String {
        problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join("\n")
    }

    fn problem(text: &str) -> String {
        messages(parse(text, None, false).expect_err(text))
    }

    #[test]
    fn standard_types_split_into_subdomain_subject_action_and_version() {
        let parsed = ok("org.openedx.learning.course.enrollment.created.v1");
        assert_eq!(parsed.subdomain, "learning");
        assert_eq!(parsed.subject_and_action, ["course", "enrollment", "created"]);
        assert_eq!(parsed.major, Some(1));
        assert_eq!(parsed.derived_name(), "COURSE_ENROLLMENT_CREATED");
    }

    #[test]
    fn names_from_version_two_carry_the_version_and_dashes_become_underscores() {
        assert_eq!(
            ok("com.example.enterprise.subsidy.redemption-reversed.v2").derived_name(),
            "SUBSIDY_REDEMPTION_REVERSED_V2"
        );
        assert_eq!(
            ok("uk.co.example.learning.course.enrollment.created.v10").major,
            Some(10)
        );
    }

    #[test]
    fn the_subdomain_is_the_first_known_segment_after_the_prefix() {
        let parsed = ok("com.example.learning.analytics.report.created.v1");
        assert_eq!(parsed.subdomain, "learning");
        assert_eq!(parsed.subject_and_action, ["analytics", "report", "created"]);
    }

    #[test]
    fn a_declared_subdomain_is_accepted() {
        let parsed = parse("com.example.billing.invoice.paid.v1", Some("billing"), false).unwrap();
        assert_eq!(parsed.subdomain, "billing");
        assert!(problem("com.example.billing.invoice.paid.v1").contains("names no architecture subdomain"));
    }

    #[test]
    fn legacy_unversioned_only_for_the_two_upstream_types() {
        let parsed = parse("org.openedx.authz.role_assignment.created", None, true).unwrap();
        assert_eq!(
            (parsed.major, parsed.derived_name().as_str()),
            (None, "ROLE_ASSIGNMENT_CREATED")
        );
        let other = parse("org.openedx.authz.role.created", None, true).unwrap_err();
        assert_eq!(other[0].about, About::LegacyUnversioned);
        assert!(
            other[0].message.contains("reserved for the two upstream types"),
            "{other:?}"
        );
        let versioned = parse("org.openedx.authz.role.created.v1", None, true).unwrap_err();
        assert_eq!(versioned[0].about, About::LegacyUnversioned);
        assert!(
            versioned[0].message.contains("remove `legacy_unversioned`"),
            "{versioned:?}"
        );
    }

    #[test]
    fn malformed_types_are_explained() {
        for (text, expected) in [
            ("", "is empty"),
            ("org.openedx.learning.course.created", "has no major version"),
            (
                "org.openedx.learning.course.created.V1",
                "must be lowercase: write `v1`",
            ),
            ("org.openedx.learning.course.created.v0", "major versions start at `v1`"),
            ("org.openedx.learning.course.created.v01", "leading zero; write `v1`"),
            ("org.openedx.learning.course.created.v1.0", "`v1.0` is not a version"),
            ("org.openedx.learning.course.created.v1.v2", "has two versions"),
            ("org.openedx.learning.created.v1", "needs a subject and an action"),
            ("org.openedx.learning.v1", "found neither"),
            ("org.openedx.Learning.course.created.v1", "`learning`"),
            ("org.openedx.learning.course created.v1", "contains whitespace"),
            (".org.openedx.learning.course.created.v1", "starts with a dot"),
            ("org.openedx.learning.course.created.v1.", "ends with a dot"),
            ("org..openedx.learning.course.created.v1", "empty segment"),
            (
                "org.openedx.learning.course.1created.v1",
                "start with a lowercase letter",
            ),
            ("org.openedx.learning.cours$e.created.v1", "contains `$`"),
            (
                "org.openedx.teaching.course.created.v1",
                "names no architecture subdomain",
            ),
            (
                "openedx.learning.course.created.v1",
                "where its reverse DNS prefix belongs",
            ),
        ] {
            let message = problem(text);
            assert!(message.contains(expected), "{text:?}: {message}");
        }
        assert!(problem(&format!("org.openedx.learning.{}.created.v1", "a".repeat(250))).contains("the limit is 255"));
    }

    #[test]
    fn given_names_are_checked_against_the_version() {
        let v1 = ok("org.openedx.learning.course.enrollment.created.v1");
        let v2 = ok("org.openedx.learning.course.enrollment.created.v2");
        assert!(check_given_name("ENROLLMENT_CREATED", &v1).is_empty());
        assert!(check_given_name("ENROLLMENT_CREATED_V2", &v2).is_empty());
        assert!(check_given_name("EnrollmentCreated", &v1)[0].contains("not SCREAMING_SNAKE_CASE"));
        assert!(check_given_name("EnrollmentCreated", &v1)[0].contains("e.g. `ENROLLMENT_CREATED`"));
        assert!(check_given_name("ENROLLMENT__CREATED", &v1)[0].contains("not SCREAMING_SNAKE_CASE"));
        assert!(check_given_name("ENROLLMENT_CREATED_V1", &v1)[0].contains("write `ENROLLMENT_CREATED`"));
        assert!(check_given_name("ENROLLMENT_CREATED_V3", &v2)[0].contains("write `ENROLLMENT_CREATED_V2`"));
        assert!(check_given_name("ENROLLMENT_CREATED", &v2)[0].contains("needs the suffix `_V2`"));
    }

    #[test]
    fn a_declared_subdomain_missing_from_the_type_is_reported_as_such() {
        let problems = parse("com.example.payments.invoice.paid.v1", Some("billing"), false).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].about, About::NoSubdomain);
        assert!(
            problems[0]
                .message
                .contains("e.g. `com.example.billing.payments.invoice.paid.v1`"),
            "{problems:?}"
        );
    }

    #[test]
    fn several_bad_segments_are_reported_together() {
        let problems = parse("org.openedx.learning.Course.2published.v1", None, false).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn camel_case_is_split_into_words() {
        assert_eq!(snake_case("CourseRun"), "course_run");
        assert_eq!(snake_case("courseRun"), "course_run");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("COURSE"), "course");
        assert_eq!(name_case_problem("COURSE_PUBLISHED"), None);
        assert!(
            name_case_problem("coursePublished")
                .unwrap()
                .contains("e.g. `COURSE_PUBLISHED`")
        );
        assert!(name_case_problem("_COURSE").unwrap().contains("e.g. `COURSE`"));
    }
}
