//! The deprecated key forms that predate namespaced locators and are still accepted:
//! `org/course/run` course ids, `i4x://org/course/category/name[@revision]` locations, and the
//! short-lived `location:org+course+run+block_type+block_id` form.

use super::error::InvalidKeyReason;
use super::grammar::{CharClass, check_part, split_scanned};

/// The forms a course key may take, for error messages.
pub(crate) const COURSE_KEY_FORMS: &str =
    "`course-v1:`, `library-v1:`, `ccx-v1:`, `slashes:` or the deprecated form `org/course/run`";

/// The prefix of deprecated locations.
pub(crate) const I4X_PREFIX: &str = "i4x://";

/// The parts of an `org/course/run` course id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlashCourse<'a> {
    pub(crate) org: &'a str,
    pub(crate) course: &'a str,
    /// May be empty: Python only validates a run that is non-empty.
    pub(crate) run: &'a str,
}

/// Parses an `org/course/run` course id: exactly two `/`, org and course of one or more
/// `[\w.%-]`, and a run of zero or more.
pub(crate) fn parse_slash_course(text: &str) -> Result<SlashCourse<'_>, InvalidKeyReason> {
    let [org, course, run] = split_scanned(text, b'/').map_err(|_| InvalidKeyReason::UnknownNamespace {
        expected: COURSE_KEY_FORMS,
    })?;
    org.check(CharClass::DeprecatedCoursePart, "org")?;
    course.check(CharClass::DeprecatedCoursePart, "course")?;
    if !run.text.is_empty() {
        run.check(CharClass::DeprecatedCoursePart, "run")?;
    }
    Ok(SlashCourse {
        org: org.text,
        course: course.text,
        run: run.text,
    })
}

/// The parts of an `i4x://` location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct I4xLocation<'a> {
    pub(crate) org: &'a str,
    pub(crate) course: &'a str,
    pub(crate) category: &'a str,
    pub(crate) name: &'a str,
    pub(crate) revision: Option<&'a str>,
}

const I4X_FORM: &str = "i4x://org/course/category/name or i4x://org/course/category/name@revision";

/// Parses `i4x://org/course/category/name[@revision]`. Org and course are `[\w.%-]`, name and
/// revision `[\w\-~.:%]`; the category is never validated by Python beyond not containing `/`,
/// so any other character (spaces, newlines, `@`) is accepted there.
pub(crate) fn parse_i4x(text: &str) -> Result<I4xLocation<'_>, InvalidKeyReason> {
    let malformed = InvalidKeyReason::Malformed { expected: I4X_FORM };
    let rest = text.strip_prefix(I4X_PREFIX).ok_or(malformed.clone())?;
    let (org, rest) = rest.split_once('/').ok_or(malformed.clone())?;
    let (course, rest) = rest.split_once('/').ok_or(malformed.clone())?;
    let (category, rest) = rest.split_once('/').ok_or(malformed)?;
    let (name, revision) = match rest.split_once('@') {
        Some((name, revision)) => (name, Some(revision)),
        None => (rest, None),
    };
    check_part(org, CharClass::DeprecatedCoursePart, "org")?;
    check_part(course, CharClass::DeprecatedCoursePart, "course")?;
    if category.is_empty() {
        return Err(InvalidKeyReason::EmptyPart { part: "category" });
    }
    check_part(name, CharClass::DeprecatedId, "name")?;
    if let Some(revision) = revision {
        check_part(revision, CharClass::DeprecatedId, "revision")?;
    }
    Ok(I4xLocation {
        org,
        course,
        category,
        name,
        revision,
    })
}

/// The parts of a `location:` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LocationParts<'a> {
    pub(crate) org: &'a str,
    pub(crate) course: &'a str,
    pub(crate) run: &'a str,
    pub(crate) block_type: &'a str,
    pub(crate) block_id: &'a str,
}

/// Parses the body of `location:org+course+run+block_type+block_id`: five `+`-separated parts
/// of `[\w\-~.:]`.
pub(crate) fn parse_location(body: &str) -> Result<LocationParts<'_>, InvalidKeyReason> {
    let mut pieces = body.split('+');
    let (Some(org), Some(course), Some(run), Some(block_type), Some(block_id), None) = (
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
    ) else {
        return Err(InvalidKeyReason::Malformed {
            expected: "five parts org+course+run+block_type+block_id",
        });
    };
    for (value, part) in [
        (org, "org"),
        (course, "course"),
        (run, "run"),
        (block_type, "block_type"),
        (block_id, "block_id"),
    ] {
        check_part(value, CharClass::LocatorId, part)?;
    }
    Ok(LocationParts {
        org,
        course,
        run,
        block_type,
        block_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_course_ids_have_exactly_three_parts() {
        assert_eq!(
            parse_slash_course("edX/Demo/2024"),
            Ok(SlashCourse {
                org: "edX",
                course: "Demo",
                run: "2024"
            })
        );
        assert!(parse_slash_course("edX/Demo").is_err());
        assert!(parse_slash_course("edX/Demo/2024/x").is_err());
    }

    #[test]
    fn slash_course_runs_may_be_empty_but_org_and_course_may_not() {
        assert_eq!(parse_slash_course("edX/Demo/").map(|c| c.run), Ok(""));
        assert!(parse_slash_course("/Demo/2024").is_err());
        assert!(parse_slash_course("edX//2024").is_err());
    }

    #[test]
    fn slash_course_parts_admit_percent_but_not_tilde() {
        assert!(parse_slash_course("edX/De%20mo/2024").is_ok());
        assert_eq!(
            parse_slash_course("edX/De~mo/2024"),
            Err(InvalidKeyReason::InvalidCharacter {
                part: "course",
                character: '~'
            })
        );
    }

    #[test]
    fn i4x_locations_split_name_and_revision_at_the_first_at_sign() {
        let location = parse_i4x("i4x://edX/Demo/problem/p1@draft").unwrap();
        assert_eq!(location.category, "problem");
        assert_eq!(location.name, "p1");
        assert_eq!(location.revision, Some("draft"));
    }

    #[test]
    fn i4x_categories_accept_any_character_but_slash() {
        assert_eq!(parse_i4x("i4x://edX/Demo/a b@\n/p1").unwrap().category, "a b@\n");
        assert!(parse_i4x("i4x://edX/Demo//p1").is_err());
    }

    #[test]
    fn i4x_names_refuse_slashes_and_empty_revisions() {
        assert!(parse_i4x("i4x://edX/Demo/problem/p/1").is_err());
        assert!(parse_i4x("i4x://edX/Demo/problem/p1@").is_err());
        assert!(parse_i4x("i4x://edX/Demo/problem/@r").is_err());
    }

    #[test]
    fn locations_have_exactly_five_parts() {
        assert_eq!(parse_location("a+b+c+problem+p1").unwrap().block_id, "p1");
        assert!(parse_location("a+b+c+problem").is_err());
        assert!(parse_location("a+b+c+problem+p1+x").is_err());
        assert!(parse_location("a+b+c+problem+p%1").is_err());
    }
}
