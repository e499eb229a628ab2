// `crate = ::events_core` spells out the default runtime path; it must behave as the default.
use events_core::prelude::*;

/// A course.
#[event_data(crate = ::events_core)]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", crate = ::events_core)]
pub struct CoursePublished {
    /// The published course.
    course: CourseData,
}

fn main() {
    let course = CourseData::builder()
        .course_key("course-v1:edX+DemoX+Demo_Course")
        .build();
    let responses = COURSE_PUBLISHED.send_event(CoursePublished::new(course)).unwrap();
    assert!(responses.all_ok());
}
