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

/// Parses `text`; `declared_subdomain` is the `subdomain = "…"` argument, and
/// `legacy_unversioned` whether that flag was given. Returns every problem found.
pub(crate) fn parse(
    text: &str,
    declared_subdomain: Option<&str>,
    legacy_unversioned: bool,
) -> Result<EventType, Vec<String>> {
    let mut problems = Vec::new();
    if text.is_empty() {
        return Err(vec![
            "the event type is empty; expected `{reverse DNS}.{subdomain}.{subject}.{action}.v{major}`, \
             e.g. `org.openedx.learning.course.enrollment.created.v1`"
                .to_owned(),
        ]);
    }
    if text.len() > MAX_LEN {
        problems.push(format!(
            "the event type is {} characters long; the limit is {MAX_LEN}",
            text.len()
        ));
    }
    if text.chars().any(char::is_whitespace) {
        problems.push(format!(
            "the event type `{text}` contains whitespace; segments are separated by `.` only"
        ));
        return Err(problems);
    }
    if text.starts_with('.') || text.ends_with('.') {
        problems.push(format!(
            "the event type `{text}` {} with a dot; remove it",
            if text.starts_with('.') { "starts" } else { "ends" }
        ));
        return Err(problems);
    }
    if text.contains("..") {
        problems.push(format!(
            "the event type `{text}` has an empty segment (`..`); every segment needs a name"
        ));
        return Err(problems);
    }

    let segments: Vec<&str> = text.split('.').collect();
    if let Some(problem) = dotted_version(&segments) {
        problems.push(problem);
        return Err(problems);
    }
    for segment in &segments {
        if let Some(problem) = segment_problem(segment) {
            problems.push(problem);
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
        problems.push(match early {
            Some(subdomain) => format!(
                "`{text}` has the subdomain `{subdomain}` where its reverse DNS prefix belongs; \
                 start the type with a reverse domain name of at least two segments, e.g. `org.openedx.{}`",
                segments[segments.iter().position(|s| s == subdomain).unwrap_or(0)..].join(".")
            ),
            None => format!(
                "`{text}` names no architecture subdomain after its reverse DNS prefix; expected one of {}, \
                 or declare a new one with `subdomain = \"...\"`",
                KNOWN_SUBDOMAINS
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        return Err(problems);
    };

    let after = &segments[index + 1..];
    let version = after.last().and_then(|last| version_of(last));
    let (subject_and_action, major) = match version {
        Some(Ok(major)) => {
            if legacy_unversioned {
                problems.push(format!(
                    "`legacy_unversioned` is for types without a version suffix, but `{text}` ends in `.v{major}`; \
                     remove `legacy_unversioned`"
                ));
            }
            (&after[..after.len() - 1], Some(major))
        }
        Some(Err(problem)) => {
            problems.push(problem);
            return Err(problems);
        }
        None if legacy_unversioned => {
            if !LEGACY_UNVERSIONED.contains(&text) {
                problems.push(format!(
                    "`legacy_unversioned` is reserved for the two upstream types published before versioning \
                     ({}); `{text}` must end in a version such as `.v1`",
                    LEGACY_UNVERSIONED
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            (after, None)
        }
        None => {
            problems.push(format!(
                "`{text}` has no major version; event types end in `.v{{major}}`, e.g. `{text}.v1`"
            ));
            return Err(problems);
        }
    };

    match subject_and_action {
        [] | [_] => problems.push(format!(
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
        )),
        [.., action] if version_of(action).is_some() => problems.push(format!(
            "`{text}` has two versions: the action `{action}` looks like a version; \
             a type has exactly one `.v{{major}}` suffix, after its action (e.g. `…created.v2`)"
        )),
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
            "the version `v0` is not allowed: major versions start at `v1`".to_owned()
        )),
        Ok(major) => Some(Ok(major)),
        Err(_) => Some(Err(format!("the version `{segment}` is too large"))),
    }
}

/// What is wrong with one segment, if anything.
fn segment_problem(segment: &str) -> Option<String> {
    if let Some(digits) = segment.strip_prefix('V') {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("the version `{segment}` must be lowercase: `v{digits}`"));
        }
    }
    let first = segment.chars().next()?;
    if segment.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "the segment `{segment}` has uppercase letters; segments are lowercase: `{}`",
            segment.to_ascii_lowercase()
        ));
    }
    if let Some(bad) = segment
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Some(format!(
            "the segment `{segment}` contains `{bad}`; segments hold only lowercase ASCII letters, digits, `_` and `-`"
        ));
    }
    if !first.is_ascii_lowercase() {
        return Some(format!("the segment `{segment}` must start with a letter"));
    }
    None
}

/// Checks a signal name given with `name = "…"` against the type's major version.
pub(crate) fn check_given_name(name: &str, event_type: &EventType) -> Vec<String> {
    let mut problems = Vec::new();
    let is_screaming_snake = name
        .split('_')
        .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        && name.starts_with(|c: char| c.is_ascii_uppercase());
    if !is_screaming_snake {
        let suggestion = name.replace(['-', '.', ' '], "_").to_ascii_uppercase();
        problems.push(format!(
            "the name `{name}` is not SCREAMING_SNAKE_CASE; signal names are upper-case words joined by `_`, e.g. `{suggestion}`"
        ));
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
             carry `_V{{major}}`: use `{base}`",
            event_type.major.map_or("unversioned".to_owned(), |m| format!("v{m}"))
        )),
        Some((base, version)) if version != Some(major) => problems.push(format!(
            "the name `{name}` carries the wrong version for a v{major} type; use `{base}_V{major}`"
        )),
        None if major > 1 => problems.push(format!(
            "the name `{name}` needs the suffix `_V{major}` because the type is v{major}; use `{name}_V{major}`"
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

    fn problem(text: &str) -> String {
        parse(text, None, false).expect_err(text).join("\n")
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
        let other = parse("org.openedx.authz.role.created", None, true)
            .unwrap_err()
            .join("\n");
        assert!(other.contains("reserved for the two upstream types"), "{other}");
        let versioned = parse("org.openedx.authz.role.created.v1", None, true)
            .unwrap_err()
            .join("\n");
        assert!(versioned.contains("remove `legacy_unversioned`"), "{versioned}");
    }

    #[test]
    fn malformed_types_are_explained() {
        for (text, expected) in [
            ("", "is empty"),
            ("org.openedx.learning.course.created", "has no major version"),
            ("org.openedx.learning.course.created.V1", "must be lowercase: `v1`"),
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
            ("org.openedx.learning.course.1created.v1", "must start with a letter"),
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
        assert!(check_given_name("ENROLLMENT__CREATED", &v1)[0].contains("not SCREAMING_SNAKE_CASE"));
        assert!(check_given_name("ENROLLMENT_CREATED_V1", &v1)[0].contains("use `ENROLLMENT_CREATED`"));
        assert!(check_given_name("ENROLLMENT_CREATED_V3", &v2)[0].contains("use `ENROLLMENT_CREATED_V2`"));
        assert!(check_given_name("ENROLLMENT_CREATED", &v2)[0].contains("needs the suffix `_V2`"));
    }
}
