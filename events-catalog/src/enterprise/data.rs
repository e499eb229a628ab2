//! Payload classes of the `enterprise` subdomain: enterprise customers, their learners'
//! enrollments and the ledgers of the subsidies that pay for them.
//!
//! Each struct is the Rust form of the upstream `attrs` class of the same name; the struct name
//! is the Avro record name and the field order is the wire order.

use events_core::keys::CourseKey;
use events_core::prelude::*;

/// The use of an enterprise subsidy to pay for a learner's access to some content.
#[event_data]
pub struct SubsidyRedemption {
    /// The id by which the subsidy that paid can be looked up.
    subsidy_identifier: String,
    /// The content the subsidy paid for, e.g. a course run key.
    content_key: String,
    /// The LMS user id of the learner who benefited.
    lms_user_id: i64,
}

/// A reversal recorded in an openedx-ledger ledger: the undoing of a [`LedgerTransaction`],
/// typically when a subsidized enrollment is refunded or the learner unenrolls.
#[event_data]
pub struct LedgerTransactionReversal {
    /// The reversal's primary key.
    uuid: Uuid,
    /// When the reversal record was created.
    created: DateTime<Utc>,
    /// When the reversal record was last changed.
    modified: DateTime<Utc>,
    /// A value chosen by the client so that retrying the same request does not reverse twice.
    idempotency_key: String,
    /// How much value the reversal moves, in the ledger's unit (e.g. USD cents); usually the
    /// negation of the reversed transaction's quantity.
    quantity: i64,
    /// Where the reversal is in its lifecycle: `created`, `pending`, `committed` or `failed`.
    state: String,
}

/// A transaction recorded in an openedx-ledger ledger: value moving into or out of a
/// subsidy's ledger, typically to pay for a learner's enrollment.
#[event_data]
pub struct LedgerTransaction {
    /// The transaction's primary key.
    uuid: Uuid,
    /// When the transaction record was created.
    created: DateTime<Utc>,
    /// When the transaction record was last changed.
    modified: DateTime<Utc>,
    /// A value chosen by the client so that retrying the same request does not spend twice.
    idempotency_key: String,
    /// How much value the transaction moves, in the ledger's unit (e.g. USD cents); negative
    /// when it spends from the ledger.
    quantity: i64,
    /// Where the transaction is in its lifecycle: `created`, `pending`, `committed` or `failed`.
    state: String,
    /// The primary key of the ledger the transaction belongs to.
    ledger_uuid: Uuid,
    /// The subsidy access policy that allowed the transaction.
    subsidy_access_policy_uuid: Uuid,
    /// The LMS user id of the learner the transaction is for.
    lms_user_id: i64,
    /// The course run the transaction paid for.
    content_key: CourseKey,
    /// The course (not the run) that `content_key` belongs to, e.g. `edX+DemoX`.
    parent_content_key: Option<String>,
    /// The id of the learner's subsidized enrollment record, assigned when they enrolled.
    fulfillment_identifier: Option<String>,
    /// The reversal of this transaction, if it has been reversed.
    reversal: Option<LedgerTransactionReversal>,
}

/// The link between an LMS user and an enterprise customer, mirroring edx-enterprise's
/// `EnterpriseCustomerUser` model.
#[event_data]
pub struct EnterpriseCustomerUser {
    /// The record's primary key.
    id: i64,
    /// When the record was created.
    created: DateTime<Utc>,
    /// When the record was last changed.
    modified: DateTime<Utc>,
    /// The enterprise customer the user is linked to.
    enterprise_customer_uuid: Uuid,
    /// The LMS user id of the learner.
    user_id: i64,
    /// Whether this is the user's current enterprise (a user linked to several has one active).
    active: bool,
    /// Whether the user is linked to the enterprise customer (false once unlinked).
    linked: bool,
    /// Whether the user may be linked to the enterprise again after being unlinked.
    is_relinkable: bool,
    /// Whether saving this record as active deactivates the user's other enterprise links.
    should_inactivate_other_customers: bool,
    /// The invitation key the learner used to join the enterprise, if any.
    invite_key: Option<Uuid>,
}

/// An enterprise learner's enrollment in a course run, mirroring edx-enterprise's
/// `EnterpriseCourseEnrollment` model.
#[event_data]
pub struct EnterpriseCourseEnrollment {
    /// The record's primary key.
    id: i64,
    /// When the record was created.
    created: DateTime<Utc>,
    /// When the record was last changed.
    modified: DateTime<Utc>,
    /// The enterprise learner who is enrolled.
    enterprise_customer_user: EnterpriseCustomerUser,
    /// The course run the learner is enrolled in.
    course_id: CourseKey,
    /// Whether the learner saved the course for later in the learner portal.
    saved_for_later: bool,
    /// How the enrollment was made, e.g. `enrollment_task` or `management_command`.
    source_slug: Option<String>,
    /// Whether the matching LMS enrollment has been unenrolled, when known.
    unenrolled: Option<bool>,
    /// When the matching LMS enrollment was unenrolled, if it was.
    unenrolled_at: Option<DateTime<Utc>>,
}

/// An enterprise enrollment paid for with learner credit, mirroring edx-enterprise's
/// `LearnerCreditEnterpriseCourseEnrollment` model.
#[event_data]
pub struct LearnerCreditEnterpriseCourseEnrollment {
    /// The record's primary key.
    uuid: Uuid,
    /// When the record was created.
    created: DateTime<Utc>,
    /// When the record was last changed.
    modified: DateTime<Utc>,
    /// The kind of subsidy that fulfilled the enrollment, e.g. `learner_credit`, `license` or
    /// `coupon_code`.
    fulfillment_type: String,
    /// Whether the subsidy for the enrollment has been revoked.
    is_revoked: bool,
    /// The course entitlement the subsidy paid for, if it paid for one.
    enterprise_course_entitlement_uuid: Option<Uuid>,
    /// The course enrollment the subsidy paid for, if it paid for one.
    enterprise_course_enrollment: Option<EnterpriseCourseEnrollment>,
    /// The ledger transaction that spent the learner credit, if known.
    transaction_id: Option<Uuid>,
}

/// A group of learners within an enterprise customer, mirroring edx-enterprise's
/// `EnterpriseGroup` model.
#[event_data]
pub struct EnterpriseGroup {
    /// The group's primary key.
    uuid: Uuid,
}
