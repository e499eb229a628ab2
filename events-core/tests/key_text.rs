//! An event's message key, read through its payload's fields as the Python producer reads it
//! (`str()` of the value at the key field), without going through JSON.

use events_core::keys::CourseKey;
use events_core::prelude::*;
use uuid::Uuid;

/// A grade.
#[event_data]
pub struct GradeData {
    /// The course.
    course_key: CourseKey,
    /// The grade.
    percent: f64,
    /// Whether it passed.
    passed: bool,
    /// Points.
    points: i64,
    /// When.
    graded_at: DateTime<Utc>,
    /// Which grading run.
    run: Uuid,
    /// Notes, if any.
    note: Option<String>,
    /// Tags.
    tags: Vec<String>,
}

/// Emitted when a grade changes.
#[open_edx_event(type = "com.example.learning.grade.keyed.v1", key_field = "grade.course_key")]
pub struct GradeKeyed {
    /// The grade.
    grade: GradeData,
}

fn event(percent: f64) -> GradeKeyed {
    GradeKeyed::new(
        GradeData::builder()
            .course_key("course-v1:edX+DemoX+Demo_Course".parse::<CourseKey>().unwrap())
            .percent(percent)
            .passed(true)
            .points(-7)
            .graded_at("2024-02-01T12:00:00.5+00:00".parse::<DateTime<Utc>>().unwrap())
            .run(Uuid::parse_str("5F1A6A4E-C0DE-11EE-8A2B-0242AC120002").unwrap())
            .note(Some("late".to_owned()))
            .tags(vec!["a".to_owned()])
            .build(),
    )
}

#[test]
fn the_key_is_the_text_of_the_declared_key_field() {
    assert_eq!(
        event(0.5).key_text().as_deref(),
        Some("course-v1:edX+DemoX+Demo_Course")
    );
}

#[test]
fn every_scalar_reads_as_pythons_str_of_it() {
    let event = event(1e16);
    let key = |path: &str| event.key_text_at(path);
    assert_eq!(key("grade.percent").as_deref(), Some("1e+16"));
    assert_eq!(key("grade.passed").as_deref(), Some("True"));
    assert_eq!(key("grade.points").as_deref(), Some("-7"));
    assert_eq!(
        key("grade.graded_at").as_deref(),
        Some("2024-02-01T12:00:00.500000+00:00")
    );
    assert_eq!(
        key("grade.run").as_deref(),
        Some("5f1a6a4e-c0de-11ee-8a2b-0242ac120002")
    );
    assert_eq!(
        GradeKeyed::key_text_at(&self::event(f64::NAN), "grade.percent").as_deref(),
        Some("nan")
    );
    assert_eq!(
        GradeKeyed::key_text_at(&self::event(0.1), "grade.percent").as_deref(),
        Some("0.1")
    );
}

#[test]
fn a_path_that_leads_to_no_scalar_has_no_key() {
    let event = event(0.5);
    for path in [
        "grade",
        "grade.note",
        "grade.tags",
        "grade.tags.0",
        "grade.missing",
        "grade.course_key.more",
        "nothing",
        "",
    ] {
        assert_eq!(event.key_text_at(path), None, "{path:?}");
    }
}
