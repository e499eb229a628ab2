// When events-core is reachable under another name (a renamed dependency, or a re-export from
// a facade crate), `crate = path` points the generated code at it.
extern crate events_core as openedx;

use openedx::prelude::{event_data, open_edx_event};

/// A facade module re-exporting the runtime, as a framework crate would.
mod runtime {
    pub use ::openedx::*;
}

/// A course.
#[event_data(crate = ::openedx)]
pub struct CourseData {
    /// The course's id.
    course_key: String,
}

/// Emitted when a course is published.
#[open_edx_event(type = "org.openedx.learning.course.published.v1", crate = ::openedx)]
pub struct CoursePublished {
    /// The published course.
    course: CourseData,
}

/// A section.
#[event_data(crate = crate::runtime)]
pub struct SectionData {
    /// The section's id.
    usage_key: String,
}

/// Emitted when a section is published.
#[open_edx_event(type = "org.openedx.learning.section.published.v1", crate = crate::runtime)]
pub struct SectionPublished {
    /// The published section.
    section: SectionData,
}

fn main() {
    let course = CourseData::builder()
        .course_key("course-v1:edX+DemoX+Demo_Course")
        .build();
    assert!(
        COURSE_PUBLISHED
            .send_event(CoursePublished::new(course))
            .unwrap()
            .all_ok()
    );
    let section = SectionData::builder()
        .usage_key("block-v1:edX+DemoX+Demo_Course+type@chapter+block@1")
        .build();
    assert!(
        SECTION_PUBLISHED
            .send_event(SectionPublished::new(section))
            .unwrap()
            .all_ok()
    );
    assert!(openedx::registry::get_signal_by_type("org.openedx.learning.section.published.v1").is_ok());
}
