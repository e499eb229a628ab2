// The reverse DNS prefix has at least two segments (`org.openedx`, `com.example`); here the
// subdomain sits where the prefix belongs.
use events_core::prelude::*;

/// Emitted when a course is published.
#[open_edx_event(type = "openedx.learning.course.published.v1")]
pub struct CoursePublished {
    /// The course's id.
    course_key: String,
}

fn main() {}
