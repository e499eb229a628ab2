//! Events of the `learning` subdomain.

use events_core::prelude::*;

use super::data::{
    BadgeData, CcxCoursePassingStatusData, CertificateData, CohortData, CourseAccessRoleData,
    CourseDiscussionConfigurationData, CourseEnrollmentData, CourseNotificationData, CoursePassingStatusData,
    DiscussionThreadData, ExamAttemptData, ExternalGraderScoreData, LtiProviderLaunchData, ORASubmissionData,
    PersistentCourseGradeData, ProgramCertificateData, UserData, UserNotificationData, VerificationAttemptData,
    XBlockSkillVerificationData,
};

/// Sent by the LMS once a new user has finished creating an account.
#[open_edx_event(
    type = "org.openedx.learning.student.registration.completed.v1",
    key_field = "user.pii.username",
    trigger_repository = "openedx/edx-platform"
)]
pub struct StudentRegistrationCompleted {
    /// The newly registered user.
    user: UserData,
}

/// Sent by the LMS when a user signs in and a session is started for them.
#[open_edx_event(
    type = "org.openedx.learning.auth.session.login.completed.v1",
    name = "SESSION_LOGIN_COMPLETED",
    key_field = "user.pii.username",
    trigger_repository = "openedx/edx-platform"
)]
pub struct SessionLoginCompleted {
    /// The user who signed in.
    user: UserData,
}

/// Sent by the LMS when a learner is enrolled in a course run, whether they enrolled
/// themselves or someone enrolled them.
#[open_edx_event(
    type = "org.openedx.learning.course.enrollment.created.v1",
    key_field = "enrollment.course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseEnrollmentCreated {
    /// The new enrollment.
    enrollment: CourseEnrollmentData,
}

/// Sent by the LMS when an existing enrollment changes, for example when its mode is upgraded
/// to `verified` or it is deactivated or reactivated.
#[open_edx_event(
    type = "org.openedx.learning.course.enrollment.changed.v1",
    key_field = "enrollment.course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseEnrollmentChanged {
    /// The enrollment as it is after the change.
    enrollment: CourseEnrollmentData,
}

/// Sent by the LMS when a learner leaves a course run (their enrollment is deactivated).
#[open_edx_event(
    type = "org.openedx.learning.course.unenrollment.completed.v1",
    key_field = "enrollment.course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseUnenrollmentCompleted {
    /// The enrollment that was ended.
    enrollment: CourseEnrollmentData,
}

/// Sent by the LMS when a course certificate is generated for a learner.
#[open_edx_event(
    type = "org.openedx.learning.certificate.created.v1",
    key_field = "certificate.course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CertificateCreated {
    /// The certificate that was generated.
    certificate: CertificateData,
}

/// Sent by the credentials service when it awards a learner a program certificate for
/// completing the program's courses.
#[open_edx_event(
    type = "org.openedx.learning.program.certificate.awarded.v1",
    key_field = "program_certificate.program.uuid",
    trigger_repository = "openedx/credentials"
)]
pub struct ProgramCertificateAwarded {
    /// The program credential that was awarded.
    program_certificate: ProgramCertificateData,
}

/// Sent by the LMS when a learner's existing course certificate changes, for example its
/// status or grade.
#[open_edx_event(
    type = "org.openedx.learning.certificate.changed.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CertificateChanged {
    /// The certificate as it is after the change; `previous_status` holds the status before.
    certificate: CertificateData,
}

/// Sent by the LMS when a learner's course certificate is revoked (invalidated).
#[open_edx_event(
    type = "org.openedx.learning.certificate.revoked.v1",
    key_field = "certificate.course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CertificateRevoked {
    /// The certificate that was revoked.
    certificate: CertificateData,
}

/// Sent by the credentials service when it revokes a program certificate a learner held.
#[open_edx_event(
    type = "org.openedx.learning.program.certificate.revoked.v1",
    key_field = "program_certificate.program.uuid",
    trigger_repository = "openedx/credentials"
)]
pub struct ProgramCertificateRevoked {
    /// The program credential that was revoked.
    program_certificate: ProgramCertificateData,
}

/// Sent by the LMS when a learner is added to a cohort or moved from one cohort to another.
#[open_edx_event(
    type = "org.openedx.learning.cohort_membership.changed.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CohortMembershipChanged {
    /// The learner's membership as it is after the change.
    cohort: CohortData,
}

/// Sent by the LMS when a course's discussion configuration changes, such as its provider or
/// the places in the course that have discussion topics.
#[open_edx_event(
    type = "org.openedx.learning.discussions.configuration.changed.v1",
    name = "COURSE_DISCUSSIONS_CHANGED",
    trigger_repository = "openedx/edx-platform",
    warning = "Upstream marks this event as not ready for the event bus: openedx-events 10.5 and earlier \
               cannot build an Avro schema for its list of `DiscussionTopicContext` records or its untyped \
               `plugin_configuration`, so Python services on those releases can neither produce nor consume it."
)]
pub struct CourseDiscussionsChanged {
    /// The course's discussion settings after the change.
    configuration: CourseDiscussionConfigurationData,
}

/// Sent by the LMS when a learner's stored course grade is created or updated.
#[open_edx_event(
    type = "org.openedx.learning.course.persistent_grade_summary.changed.v1",
    name = "PERSISTENT_GRADE_SUMMARY_CHANGED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct PersistentGradeSummaryChanged {
    /// The learner's course grade after the change.
    grade: PersistentCourseGradeData,
}

/// Sent by the xblock-skill-tagging plugin when a learner confirms or dismisses the skills
/// suggested for an XBlock.
#[open_edx_event(
    type = "org.openedx.learning.xblock.skill.verified.v1",
    key_field = "xblock_info.usage_key",
    trigger_repository = "openedx/xblock-skill-tagging"
)]
pub struct XblockSkillVerified {
    /// The block and the learner's verdict on its skills.
    xblock_info: XBlockSkillVerificationData,
}

/// Sent by an app (the LMS discussions or ORA, for instance) to ask the notification system to
/// notify a given list of users.
#[open_edx_event(
    type = "org.openedx.learning.user.notification.requested.v1",
    trigger_repository = "openedx/edx-platform openedx/edx-ora2",
    warning = "Upstream flags this event as unfit for the event bus: openedx-events 10.5 and earlier cannot \
               build an Avro schema for the untyped `context` dictionary, so Python services on those releases \
               can neither produce nor consume it."
)]
pub struct UserNotificationRequested {
    /// Who to notify and with what.
    #[open_edx_event(legacy_data_key)]
    notification_data: UserNotificationData,
}

/// Sent by edx-exams when a learner submits a special exam attempt.
#[open_edx_event(
    type = "org.openedx.learning.exam.attempt.submitted.v1",
    trigger_repository = "edx/edx-exams"
)]
pub struct ExamAttemptSubmitted {
    /// The attempt that was submitted.
    exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a reviewer rejects a special exam attempt, for example after a
/// proctoring review finds a violation.
#[open_edx_event(
    type = "org.openedx.learning.exam.attempt.rejected.v1",
    trigger_repository = "edx/edx-exams"
)]
pub struct ExamAttemptRejected {
    /// The attempt that was rejected.
    exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a special exam attempt is verified, i.e. accepted after review.
#[open_edx_event(
    type = "org.openedx.learning.exam.attempt.verified.v1",
    trigger_repository = "edx/edx-exams"
)]
pub struct ExamAttemptVerified {
    /// The attempt that was verified.
    exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a learner's special exam attempt ends in an error state, for example
/// when the proctoring software fails.
#[open_edx_event(
    type = "org.openedx.learning.exam.attempt.errored.v1",
    trigger_repository = "edx/edx-exams"
)]
pub struct ExamAttemptErrored {
    /// The attempt that errored.
    exam_attempt: ExamAttemptData,
}

/// Sent by edx-exams when a special exam attempt is reset (deleted) so that the learner can
/// take the exam again.
#[open_edx_event(
    type = "org.openedx.learning.exam.attempt.reset.v1",
    trigger_repository = "edx/edx-exams"
)]
pub struct ExamAttemptReset {
    /// The attempt that was reset; `requesting_user` is the staff member who reset it.
    exam_attempt: ExamAttemptData,
}

/// Sent when a user is given a course access role (for example staff or instructor) in a
/// course run.
#[open_edx_event(
    type = "org.openedx.learning.user.course_access_role.added.v1",
    name = "COURSE_ACCESS_ROLE_ADDED",
    key_field = "course_access_role_data.course_key"
)]
pub struct CourseAccessRoleAdded {
    /// The role that was given.
    #[open_edx_event(legacy_data_key)]
    course_access_role_data: CourseAccessRoleData,
}

/// Sent by the LMS when a course access role is taken away from a user.
#[open_edx_event(
    type = "org.openedx.learning.user.course_access_role.removed.v1",
    name = "COURSE_ACCESS_ROLE_REMOVED",
    key_field = "course_access_role_data.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseAccessRoleRemoved {
    /// The role that was removed.
    #[open_edx_event(legacy_data_key)]
    course_access_role_data: CourseAccessRoleData,
}

/// Sent by the LMS when someone starts a new thread in a course's discussion forum.
#[open_edx_event(
    type = "org.openedx.learning.forum.thread.created.v1",
    trigger_repository = "openedx/edx-platform",
    warning = "Upstream flags this event as unfit for the event bus: openedx-events 10.5 and earlier cannot \
               build an Avro schema for the untyped `discussion` and `options` dictionaries of the thread, so \
               Python services on those releases can neither produce nor consume it."
)]
pub struct ForumThreadCreated {
    /// The new thread.
    thread: DiscussionThreadData,
}

/// Sent by the LMS when someone posts a response to a discussion thread.
#[open_edx_event(
    type = "org.openedx.learning.forum.thread.response.created.v1",
    trigger_repository = "openedx/edx-platform",
    warning = "Upstream flags this event as unfit for the event bus: openedx-events 10.5 and earlier cannot \
               build an Avro schema for the untyped `discussion` and `options` dictionaries of the post, so \
               Python services on those releases can neither produce nor consume it."
)]
pub struct ForumThreadResponseCreated {
    /// The new response; `discussion` identifies the thread it answers.
    thread: DiscussionThreadData,
}

/// Sent by the LMS when someone comments on a response in a discussion thread.
#[open_edx_event(
    type = "org.openedx.learning.forum.thread.response.comment.created.v1",
    name = "FORUM_RESPONSE_COMMENT_CREATED",
    trigger_repository = "openedx/edx-platform",
    warning = "Upstream flags this event as unfit for the event bus: openedx-events 10.5 and earlier cannot \
               build an Avro schema for the untyped `discussion` and `options` dictionaries of the post, so \
               Python services on those releases can neither produce nor consume it."
)]
pub struct ForumResponseCommentCreated {
    /// The new comment; `discussion` identifies the thread it belongs to.
    thread: DiscussionThreadData,
}

/// Sent by an app of the LMS to ask the notification system to notify the members of a course
/// chosen by audience filters (enrollment track, role, cohort, …).
#[open_edx_event(
    type = "org.openedx.learning.course.notification.requested.v1",
    trigger_repository = "openedx/edx-platform",
    warning = "Upstream flags this event as unfit for the event bus: openedx-events 10.5 and earlier cannot \
               build an Avro schema for the untyped `content_context` and `audience_filters` dictionaries, so \
               Python services on those releases can neither produce nor consume it."
)]
pub struct CourseNotificationRequested {
    /// What to notify about and which members of the course to reach.
    #[open_edx_event(legacy_data_key)]
    course_notification_data: CourseNotificationData,
}

/// Sent by edx-ora2 when a learner submits a response to an open response assessment.
#[open_edx_event(
    type = "org.openedx.learning.ora.submission.created.v1",
    trigger_repository = "openedx/edx-ora2",
    warning = "Upstream flags this event as unfit for the event bus: openedx-events 10.5 and earlier cannot \
               build an Avro schema for `answer.parts`, a list of dictionaries, so Python services on those \
               releases can neither produce nor consume it."
)]
pub struct OraSubmissionCreated {
    /// The submission.
    submission: ORASubmissionData,
}

/// Sent by the LMS when a learner's grade in a course run is recomputed, telling whether it is
/// now enough to pass.
#[open_edx_event(
    type = "org.openedx.learning.course.passing.status.updated.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CoursePassingStatusUpdated {
    /// The learner, the course run and whether the learner passes it.
    course_passing_status: CoursePassingStatusData,
}

/// Sent by the LMS when a learner's grade in a CCX is recomputed, telling whether it is now
/// enough to pass.
#[open_edx_event(
    type = "org.openedx.learning.ccx.course.passing.status.updated.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CcxCoursePassingStatusUpdated {
    /// The learner, the CCX and whether the learner passes it.
    course_passing_status: CcxCoursePassingStatusData,
}

/// Sent by the credentials service when a learner is awarded a badge.
#[open_edx_event(
    type = "org.openedx.learning.badge.awarded.v1",
    trigger_repository = "openedx/credentials"
)]
pub struct BadgeAwarded {
    /// The badge that was awarded.
    badge: BadgeData,
}

/// Sent by the credentials service when a badge a learner held is revoked.
#[open_edx_event(
    type = "org.openedx.learning.badge.revoked.v1",
    trigger_repository = "openedx/credentials"
)]
pub struct BadgeRevoked {
    /// The badge that was revoked.
    badge: BadgeData,
}

/// Sent by the LMS when a learner starts a new identity verification attempt.
#[open_edx_event(
    type = "org.openedx.learning.idv_attempt.created.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct IdvAttemptCreated {
    /// The new attempt.
    idv_attempt: VerificationAttemptData,
}

/// Sent by the LMS when an identity verification attempt has been submitted and awaits a
/// decision.
#[open_edx_event(
    type = "org.openedx.learning.idv_attempt.pending.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct IdvAttemptPending {
    /// The attempt awaiting review.
    idv_attempt: VerificationAttemptData,
}

/// Sent by the LMS when an identity verification attempt is approved, making the learner
/// ID-verified.
#[open_edx_event(
    type = "org.openedx.learning.idv_attempt.approved.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct IdvAttemptApproved {
    /// The approved attempt.
    idv_attempt: VerificationAttemptData,
}

/// Sent by the LMS when an identity verification attempt is denied.
#[open_edx_event(
    type = "org.openedx.learning.idv_attempt.denied.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct IdvAttemptDenied {
    /// The denied attempt.
    idv_attempt: VerificationAttemptData,
}

/// Sent when an external grader returns a score for a learner's submission, so that the LMS
/// can record it on the graded problem.
///
/// It replaces the HTTP callback XQueue used to make into the LMS: edx-submissions sends it
/// once the score is saved, and a receiver in the LMS updates the problem block.
#[open_edx_event(
    type = "org.openedx.learning.external_grader.score.submitted.v1",
    unserializable = "Upstream keeps this event off the event bus: edx-submissions and its LMS receiver run \
                      in the same process, openedx-events lists the type among its known unserializable \
                      signals, and it publishes no Avro schema to stay compatible with."
)]
pub struct ExternalGraderScoreSubmitted {
    /// The score and the submission it grades.
    score: ExternalGraderScoreData,
}

/// Sent when an external LTI consumer successfully launches Open edX content through the
/// LMS's LTI provider, so that the launch can be recorded or acted upon.
#[open_edx_event(type = "org.openedx.learning.lti_provider.launch.success.v1")]
pub struct LtiProviderLaunchSuccess {
    /// Who launched what, and the LTI parameters of the launch.
    #[open_edx_event(legacy_data_key)]
    launch_data: LtiProviderLaunchData,
}
