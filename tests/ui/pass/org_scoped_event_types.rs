// Organisations define events under their own reverse DNS prefix, of two segments or more.
// From v2 on the signal name carries `_V{major}`, whether derived or given.
use events_core::prelude::*;
use events_core::registry::get_signal_by_type;

/// A course run.
#[event_data]
pub struct CourseData {
    /// The course run's id.
    course_key: String,
}

/// Emitted when a learner enrolls, third revision of the payload.
#[open_edx_event(
    type = "com.example.learning.course.enrollment.created.v3",
    key_field = "course.course_key"
)]
pub struct EnrollmentCreatedV3 {
    /// The course enrolled in.
    course: CourseData,
}

/// Emitted when a learner unenrolls; the name is given and carries the version.
#[open_edx_event(
    type = "com.example.learning.course.enrollment.deleted.v3",
    name = "ENROLLMENT_DELETED_V3"
)]
pub struct EnrollmentDeletedV3 {
    /// The course left.
    course: CourseData,
}

/// Emitted when a certificate is awarded, under a three-segment prefix.
#[open_edx_event(type = "uk.co.example.learning.certificate.awarded.v1")]
pub struct CertificateAwarded {
    /// The course the certificate is for.
    course: CourseData,
}

fn main() {
    // The statics exist under the expected names.
    assert_eq!(
        COURSE_ENROLLMENT_CREATED_V3.event_type(),
        "com.example.learning.course.enrollment.created.v3"
    );
    assert_eq!(
        ENROLLMENT_DELETED_V3.event_type(),
        "com.example.learning.course.enrollment.deleted.v3"
    );
    assert_eq!(
        CERTIFICATE_AWARDED.event_type(),
        "uk.co.example.learning.certificate.awarded.v1"
    );

    let info = get_signal_by_type("com.example.learning.course.enrollment.created.v3")
        .unwrap()
        .info();
    assert_eq!(
        (info.name, info.subdomain, info.major_version),
        ("COURSE_ENROLLMENT_CREATED_V3", "learning", Some(3))
    );
    assert_eq!(info.key_field, Some("course.course_key"));
    let info = get_signal_by_type("uk.co.example.learning.certificate.awarded.v1")
        .unwrap()
        .info();
    assert_eq!((info.name, info.subdomain), ("CERTIFICATE_AWARDED", "learning"));
}
