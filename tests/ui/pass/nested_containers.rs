// Option, Vec and BTreeMap<String, _> nest freely around the supported types, and a key field
// may go through nested records.
use events_core::prelude::*;

/// A grade in one subsection.
#[event_data]
pub struct SubsectionGrade {
    /// The subsection's id.
    usage_key: String,
    /// The earned fraction, from 0 to 1.
    percent: f64,
}

/// A learner's grades in a course.
#[event_data]
pub struct CourseGradeData {
    /// The course's id.
    course_key: String,
    /// The learner's id.
    user_id: i64,
    /// Grades by subsection type, each list in course order.
    by_type: BTreeMap<String, Vec<SubsectionGrade>>,
    /// Grade overrides, when any were made.
    overrides: Option<Vec<Option<SubsectionGrade>>>,
    /// Labels for each cutoff.
    cutoffs: BTreeMap<String, BTreeMap<String, f64>>,
    /// When the grade was computed.
    computed_at: DateTime<Utc>,
    /// The computation that produced it.
    run_id: Uuid,
    /// The raw report, as uploaded.
    report: Option<Vec<u8>>,
    /// Narrow integers the wire also carries as `long`.
    attempts: i32,
}

/// A wrapper record, so the key field goes two records deep.
#[event_data]
pub struct GradeChangeData {
    /// The grade after the change.
    grade: CourseGradeData,
    /// Earlier grades, newest first.
    history: Vec<CourseGradeData>,
}

/// Emitted when a course grade changes.
#[open_edx_event(
    type = "org.openedx.learning.course.grade.changed.v1",
    key_field = "change.grade.course_key"
)]
pub struct CourseGradeChanged {
    /// The change.
    change: GradeChangeData,
}

fn main() {
    let grade = CourseGradeData::builder()
        .course_key("course-v1:edX+DemoX+Demo_Course")
        .user_id(7)
        .by_type(BTreeMap::from([(
            "Homework".to_owned(),
            vec![SubsectionGrade::builder().usage_key("block-v1:x").percent(0.5).build()],
        )]))
        .cutoffs(BTreeMap::new())
        .computed_at(Utc::now())
        .run_id(Uuid::nil())
        .attempts(2)
        .build();
    assert_eq!(grade.overrides(), None);
    assert_eq!(grade.by_type()["Homework"][0].percent(), 0.5);
    let change = GradeChangeData::builder().grade(grade).history(Vec::new()).build();
    let event = CourseGradeChanged::new(change);
    assert_eq!(event.change().grade().user_id(), 7);
    assert_eq!(COURSE_GRADE_CHANGED.info().key_field, Some("change.grade.course_key"));
}
