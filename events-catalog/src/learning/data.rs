//! Payload classes of the `learning` subdomain: users, courses, enrollments, certificates,
//! grades, exams, discussions and the other things learners do or have done to them.
//!
//! Each struct is the Rust form of the upstream `attrs` class of the same name; the struct name
//! is the Avro record name and the field order is the wire order.

use events_core::keys::{CcxLocator, CourseKey, UsageKey};
use events_core::prelude::*;

/// The identifying details of a person, split out of [`UserData`] so that a whole block of
/// personal information can be left out of logs at once.
#[event_data]
pub struct UserPersonalData {
    /// The login name of the account.
    #[event_data(pii)]
    username: String,
    /// The email address registered on the account.
    #[event_data(pii)]
    email: String,
    /// The full name from the user's profile; empty when the profile has none.
    #[event_data(pii, default)]
    name: String,
}

/// An account on the platform: its database id and state, plus the personal details that
/// identify the person behind it.
#[event_data]
pub struct UserData {
    /// The primary key of the Django `User` row.
    id: i64,
    /// Whether the account is active (an inactive account cannot sign in).
    is_active: bool,
    /// The username, email and name of the account holder.
    #[event_data(pii)]
    pii: UserPersonalData,
}

/// A course run as learning events describe it, mirroring the LMS's cached course overview.
#[event_data]
pub struct CourseData {
    /// The course run's key, e.g. `course-v1:edX+DemoX+Demo_Course`.
    course_key: CourseKey,
    /// The title shown to learners; empty when it is not known.
    #[event_data(default)]
    display_name: String,
    /// When the course run opens to learners, if a start date is set.
    start: Option<DateTime<Utc>>,
    /// When the course run closes, if an end date is set.
    end: Option<DateTime<Utc>>,
}

/// A Custom Course for edX (CCX): a coach-led copy of a course run for a smaller group.
#[event_data]
pub struct CcxCourseData {
    /// The CCX's own key, e.g. `ccx-v1:edX+DemoX+Demo_Course+ccx@3`.
    ccx_course_key: CcxLocator,
    /// The key of the course run the CCX was made from.
    master_course_key: CourseKey,
    /// The CCX's title as its learners see it; empty when not known.
    #[event_data(default)]
    display_name: String,
    /// The email address of the coach who runs the CCX; empty when not known.
    #[event_data(pii, default)]
    coach_email: String,
    /// When the CCX starts, as text (upstream keeps it a string); `None` when unscheduled.
    start: Option<String>,
    /// When the CCX ends, as text (upstream keeps it a string); `None` when open-ended.
    end: Option<String>,
    /// The most learners the CCX accepts; `None` when there is no cap.
    max_students_allowed: Option<i64>,
}

/// A learner's enrollment in a course run, mirroring the LMS `CourseEnrollment` model.
#[event_data]
pub struct CourseEnrollmentData {
    /// The learner who holds the enrollment.
    user: UserData,
    /// The course run the enrollment is in.
    course: CourseData,
    /// The enrollment track, e.g. `audit`, `verified` or `professional`.
    mode: String,
    /// Whether the enrollment is currently active (false once the learner unenrolls).
    is_active: bool,
    /// When the enrollment row was first created.
    creation_date: DateTime<Utc>,
    /// The staff member or service account that enrolled the learner, when it was not the
    /// learner themselves and the sender knows who it was.
    created_by: Option<UserData>,
}

/// A course certificate issued to a learner, mirroring the LMS `GeneratedCertificate` model.
#[event_data]
pub struct CertificateData {
    /// The learner the certificate belongs to.
    user: UserData,
    /// The course run the certificate is for.
    course: CourseData,
    /// The enrollment track the certificate was earned in, e.g. `verified`.
    mode: String,
    /// The learner's final grade in the course run, as recorded on the certificate.
    grade: String,
    /// Where the certificate can be downloaded or viewed.
    download_url: String,
    /// The learner's name as printed on the certificate.
    #[event_data(pii)]
    name: String,
    /// The certificate's status now, e.g. `downloadable`, `notpassing` or `unavailable`.
    current_status: String,
    /// The status before the change this event reports; empty when there was none.
    #[event_data(default)]
    previous_status: String,
}

/// A learner's membership in a cohort (a group of learners within a course).
#[event_data]
pub struct CohortData {
    /// The learner placed in the cohort.
    user: UserData,
    /// The course run the cohort belongs to.
    course: CourseData,
    /// The cohort's name.
    name: String,
}

/// One place in a course where a discussion topic appears, linking the discussion provider's
/// topic id to the course content that shows it.
#[event_data]
pub struct DiscussionTopicContext {
    /// The topic's title, copied here so readers need not look it up in the course structure.
    title: String,
    /// The unit that hosts the topic, when the topic is tied to course content.
    usage_key: Option<UsageKey>,
    /// The cohort the topic is limited to, for providers that emulate cohorts with one context
    /// per group.
    group_id: Option<i64>,
    /// The topic's id in the discussion backend (the forum service's commentable id).
    external_id: Option<String>,
    /// The topic's position among the course's topics.
    ordering: Option<i64>,
    /// Where the topic sits in the course, e.g. the names of its section and subsection.
    #[event_data(default)]
    context: BTreeMap<String, String>,
}

/// The discussion settings of a course: which provider serves discussions and how topics are
/// laid out in the course.
#[event_data]
pub struct CourseDiscussionConfigurationData {
    /// The course run the configuration applies to.
    course_key: CourseKey,
    /// The discussion provider, e.g. `openedx` or `legacy`.
    provider_type: String,
    /// Whether discussions are turned on for the course.
    #[event_data(default = true)]
    enabled: bool,
    /// Whether discussions are shown next to the course content (in-context) as well as on the
    /// discussion tab.
    #[event_data(default = true)]
    enable_in_context: bool,
    /// Whether graded units also get discussion topics.
    #[event_data(default)]
    enable_graded_units: bool,
    /// Whether discussion visibility is set unit by unit.
    #[event_data(default)]
    unit_level_visibility: bool,
    /// Provider-specific switches, by name.
    #[event_data(default)]
    plugin_configuration: BTreeMap<String, bool>,
    /// Every place in the course where a discussion topic is enabled.
    #[event_data(default)]
    contexts: Vec<DiscussionTopicContext>,
}

/// A learner's stored overall grade in a course run, mirroring the LMS
/// `PersistentCourseGrade` model.
#[event_data]
pub struct PersistentCourseGradeData {
    /// The id of the learner the grade belongs to.
    user_id: i64,
    /// The course run the grade is for.
    course: CourseData,
    /// When the course content was last edited at the time the grade was computed.
    course_edited_timestamp: DateTime<Utc>,
    /// The version of the course content the grade was computed against.
    course_version: String,
    /// A hash of the grading policy used, to detect grades computed under an older policy.
    grading_policy_hash: String,
    /// The grade as a fraction between 0 and 1.
    percent_grade: f64,
    /// The letter grade reached, e.g. `Pass` or `A`; empty when none was reached.
    letter_grade: String,
    /// When the learner first reached a passing grade.
    passed_timestamp: DateTime<Utc>,
}

/// A learner's feedback on the skills tagged on an XBlock: which suggested skills they
/// confirmed and which they dismissed.
#[event_data]
pub struct XBlockSkillVerificationData {
    /// The XBlock whose skill tags were reviewed.
    usage_key: UsageKey,
    /// Ids of the skills the learner confirmed as taught by the block.
    #[event_data(default)]
    verified_skills: Vec<i64>,
    /// Ids of the skills the learner marked as not taught by the block.
    #[event_data(default)]
    ignored_skills: Vec<i64>,
}

/// A request to notify a list of users, from any app that wants to reach them through the
/// platform's notification system.
#[event_data]
pub struct UserNotificationData {
    /// Ids of the users to notify.
    user_ids: Vec<i64>,
    /// The kind of notification, which selects its template, e.g. `new_response`.
    notification_type: String,
    /// The page the notification links to.
    content_url: String,
    /// The app the notification belongs to, e.g. `discussion`.
    app_name: String,
    /// The course run the notification is about.
    course_key: CourseKey,
    /// Values the notification's template fills in, by name.
    #[event_data(default)]
    context: BTreeMap<String, String>,
}

/// A program (a series of related courses) as the course catalog defines it.
#[event_data]
pub struct ProgramData {
    /// The program's UUID in the course discovery service, as text.
    uuid: String,
    /// The program's title.
    title: String,
    /// The program's type slug, e.g. `professional` or `micromasters`.
    program_type: String,
}

/// A credential a learner holds for completing a program, as the credentials service records
/// it.
#[event_data]
pub struct ProgramCertificateData {
    /// The learner the credential belongs to.
    user: UserData,
    /// The program the credential is for.
    program: ProgramData,
    /// The UUID of the learner's credential record in the credentials service, as text.
    uuid: String,
    /// The credential's status, e.g. `awarded` or `revoked`.
    status: String,
    /// Where the learner can view the credential.
    url: String,
    /// From when the learner may see the credential, when it is held back until a set date.
    certificate_available_date: Option<DateTime<Utc>>,
}

/// An attempt at a special exam (timed or proctored) in the edx-exams service.
///
/// Only edx-exams sends events with this payload; the older edx-proctoring backend does not,
/// and ordinary graded subsections called "exams" are not special exams.
#[event_data]
pub struct ExamAttemptData {
    /// The learner taking the exam.
    student_user: UserData,
    /// The course run the exam is in.
    course_key: CourseKey,
    /// The exam's subsection in the course.
    usage_key: UsageKey,
    /// The kind of special exam, e.g. `timed` or `proctored`.
    exam_type: String,
    /// Who caused the change, when known; may be staff (e.g. an instructor resetting the
    /// attempt) rather than the learner.
    requesting_user: Option<UserData>,
}

/// A course access role held by a user, such as course staff or instructor.
#[event_data]
pub struct CourseAccessRoleData {
    /// The user who holds the role.
    user: UserData,
    /// The organization the role is scoped to, e.g. `edX`.
    org_key: String,
    /// The course run the role applies to.
    course_key: CourseKey,
    /// The role's name, e.g. `staff`, `instructor` or `beta_testers`.
    role: String,
}

/// A post in a course's discussion forum (a thread, a response to one, or a comment on a
/// response), with the fields the tracking log records for forum posts.
#[event_data]
pub struct DiscussionThreadData {
    /// The post's text.
    body: String,
    /// The id of the discussion topic the post belongs to.
    commentable_id: String,
    /// The post's id in the forum service.
    id: String,
    /// Whether `body` was cut short.
    truncated: bool,
    /// The address of the post.
    url: String,
    /// The author of the post.
    user: UserData,
    /// The course run whose forum holds the post.
    course_id: CourseKey,
    /// The thread's kind, e.g. `discussion` or `question`; threads only.
    thread_type: Option<String>,
    /// Whether the author is hidden from everyone.
    anonymous: Option<bool>,
    /// Whether the author is hidden from other learners (staff can still see them).
    anonymous_to_peers: Option<bool>,
    /// The thread's title; threads only.
    title: Option<String>,
    /// Whether `title` was cut short.
    title_truncated: Option<bool>,
    /// The cohort the post is visible to, when it is limited to one.
    group_id: Option<i64>,
    /// The team the post belongs to, for team discussions.
    team_id: Option<i64>,
    /// The id of the topic's category.
    category_id: Option<i64>,
    /// The name of the topic's category.
    category_name: Option<String>,
    /// Details of the enclosing discussion, sent with responses and comments, e.g. its `id`.
    discussion: Option<BTreeMap<String, String>>,
    /// The author's roles in the course, e.g. `staff`.
    #[event_data(default)]
    user_course_roles: Vec<String>,
    /// The author's roles in the forum, e.g. `Moderator` or `Student`.
    #[event_data(default)]
    user_forums_roles: Vec<String>,
    /// Flags describing the post, e.g. `followed`.
    #[event_data(default)]
    options: BTreeMap<String, bool>,
}

/// A request to notify the members of a course (or some of them), chosen by filters rather
/// than listed one by one.
#[event_data]
pub struct CourseNotificationData {
    /// The course run whose members are notified.
    course_key: CourseKey,
    /// The app the notification belongs to, e.g. `discussion`.
    app_name: String,
    /// The kind of notification, which selects its template, e.g. `new_discussion_post`.
    notification_type: String,
    /// The page the notification links to.
    content_url: String,
    /// Values the notification's template fills in, e.g. `post_title`.
    #[event_data(default)]
    content_context: BTreeMap<String, String>,
    /// Who receives it: filter name (e.g. `enrollment`, `role`, `cohort`) to accepted values.
    #[event_data(default)]
    audience_filters: BTreeMap<String, Vec<String>>,
}

/// What a learner handed in for an open response assessment: text parts and uploaded files,
/// the file lists matching index by index.
#[event_data]
pub struct ORASubmissionAnswer {
    /// The text responses, one map per prompt (e.g. `{"text": "..."}`).
    #[event_data(default)]
    parts: Vec<BTreeMap<String, String>>,
    /// The storage keys of the uploaded files.
    #[event_data(default)]
    file_keys: Vec<String>,
    /// The descriptions the learner gave the files.
    #[event_data(default)]
    file_descriptions: Vec<String>,
    /// The files' names.
    #[event_data(default)]
    file_names: Vec<String>,
    /// The files' sizes in bytes.
    #[event_data(default)]
    file_sizes: Vec<i64>,
    /// Where the files can be downloaded.
    #[event_data(default)]
    file_urls: Vec<String>,
}

/// A submission to an open response assessment (ORA) problem.
#[event_data]
pub struct ORASubmissionData {
    /// The submission's UUID in the submissions service, as text.
    uuid: String,
    /// The course-specific anonymous id of the learner who submitted.
    anonymous_user_id: String,
    /// The usage key of the ORA block, as text.
    location: String,
    /// Which attempt this is, counting from 1.
    attempt_number: i64,
    /// When the submission record was created.
    created_at: DateTime<Utc>,
    /// When the learner submitted.
    submitted_at: DateTime<Utc>,
    /// What the learner submitted.
    answer: ORASubmissionAnswer,
}

/// Whether a learner's current grade in a course run is enough to pass it.
#[event_data]
pub struct CoursePassingStatusData {
    /// Whether the grade is at or above the passing threshold.
    is_passing: bool,
    /// The course run the grade is in.
    course: CourseData,
    /// The learner whose grade changed.
    user: UserData,
}

/// Whether a learner's current grade in a CCX is enough to pass it: the CCX form of
/// [`CoursePassingStatusData`].
#[event_data]
pub struct CcxCoursePassingStatusData {
    /// Whether the grade is at or above the passing threshold.
    is_passing: bool,
    /// The learner whose grade changed.
    user: UserData,
    /// The CCX the grade is in.
    course: CcxCourseData,
}

/// The template a badge is issued from: what the badge is, independent of who holds it.
#[event_data]
pub struct BadgeTemplateData {
    /// The template's UUID, as text.
    uuid: String,
    /// The system the template comes from, e.g. `credly` or `accredible`.
    origin: String,
    /// The badge's name, if the template has one.
    name: Option<String>,
    /// What the badge stands for, if described.
    description: Option<String>,
    /// The address of the badge's image, if it has one.
    image_url: Option<String>,
}

/// A badge held by a learner.
#[event_data]
pub struct BadgeData {
    /// The UUID of this learner's badge, as text.
    uuid: String,
    /// The learner who holds the badge.
    user: UserData,
    /// The template the badge was issued from.
    template: BadgeTemplateData,
}

/// An identity verification (IDV) attempt: a learner submitting photos of themselves and an
/// ID to prove who they are.
#[event_data]
pub struct VerificationAttemptData {
    /// The attempt's id.
    attempt_id: i64,
    /// The learner being verified.
    user: UserData,
    /// The attempt's status, e.g. `created`, `pending`, `approved` or `denied`.
    status: String,
    /// The name being verified against the ID, when known.
    #[event_data(pii)]
    name: Option<String>,
    /// When a successful verification stops being valid, when known.
    expiration_date: Option<DateTime<Utc>>,
}

/// A score an external grader (the successor of XQueue graders) gave to a learner's
/// submission.
#[event_data]
pub struct ExternalGraderScoreData {
    /// The most points the problem can give.
    points_possible: i64,
    /// The points the grader awarded.
    points_earned: i64,
    /// The course run's id, as text.
    course_id: String,
    /// The grader's feedback message shown to the learner.
    score_msg: String,
    /// The id of the graded submission in the submissions service.
    submission_id: i64,
    /// The id of the learner who submitted, as text.
    user_id: String,
    /// The usage key of the graded problem, as text.
    module_id: String,
    /// The submission's key in the grading queue.
    queue_key: String,
    /// The name of the queue that graded the submission.
    queue_name: String,
}

/// The LTI parameters of a launch into Open edX content from an external LTI consumer.
#[event_data]
pub struct LtiProviderLaunchParamsData {
    /// The launching user's LTI roles, comma-separated as the LTI specification writes them.
    roles: String,
    /// The consumer's id for the context (e.g. its course) the launch came from.
    context_id: String,
    /// The consumer's id for the launching user (not the Open edX user id).
    user_id: String,
    /// Any other launch parameters, by name.
    #[event_data(default)]
    extra_params: BTreeMap<String, String>,
}

/// A successful launch of Open edX content by an external LTI consumer, with Open edX acting
/// as the LTI provider (tool).
#[event_data]
pub struct LtiProviderLaunchData {
    /// The Open edX user the launch signed in as.
    user: UserData,
    /// The course run that holds the launched content.
    course_key: CourseKey,
    /// The launched block.
    usage_key: UsageKey,
    /// The LTI parameters the consumer sent.
    launch_params: LtiProviderLaunchParamsData,
}
