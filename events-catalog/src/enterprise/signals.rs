//! Events of the `enterprise` subdomain.

use events_core::prelude::*;

use super::data::{EnterpriseGroup, LearnerCreditEnterpriseCourseEnrollment, LedgerTransaction, SubsidyRedemption};

/// Meant to be sent when an enterprise subsidy is spent on a learner's access to content.
#[open_edx_event(
    type = "org.openedx.enterprise.subsidy.redeemed.v1",
    warning = "No Open edX service sends this event today; whether it stays is discussed in \
               https://github.com/openedx/openedx-events/issues/445."
)]
pub struct SubsidyRedeemed {
    /// The redemption that was made.
    redemption: SubsidyRedemption,
}

/// Meant to be sent when an earlier redemption of an enterprise subsidy is undone.
#[open_edx_event(
    type = "org.openedx.enterprise.subsidy.redemption-reversed.v1",
    warning = "No Open edX service sends this event today; whether it stays is discussed in \
               https://github.com/openedx/openedx-events/issues/445."
)]
pub struct SubsidyRedemptionReversed {
    /// The redemption that was reversed.
    redemption: SubsidyRedemption,
}

/// Sent by enterprise-subsidy when a transaction is created in a subsidy's ledger.
///
/// The openedx-ledger decision records (<https://github.com/openedx/openedx-ledger>) describe
/// the transaction lifecycle.
#[open_edx_event(
    type = "org.openedx.enterprise.subsidy_ledger_transaction.created.v1",
    name = "LEDGER_TRANSACTION_CREATED",
    trigger_repository = "openedx/enterprise-subsidy"
)]
pub struct LedgerTransactionCreated {
    /// The new transaction.
    ledger_transaction: LedgerTransaction,
}

/// Sent by enterprise-subsidy when a ledger transaction is committed, i.e. its fulfillment
/// succeeded and the value is definitely moved.
#[open_edx_event(
    type = "org.openedx.enterprise.subsidy_ledger_transaction.committed.v1",
    name = "LEDGER_TRANSACTION_COMMITTED",
    trigger_repository = "openedx/enterprise-subsidy"
)]
pub struct LedgerTransactionCommitted {
    /// The committed transaction.
    ledger_transaction: LedgerTransaction,
}

/// Sent by enterprise-subsidy when a ledger transaction fails, for example because its
/// fulfillment (the enrollment) could not be completed.
#[open_edx_event(
    type = "org.openedx.enterprise.subsidy_ledger_transaction.failed.v1",
    name = "LEDGER_TRANSACTION_FAILED",
    trigger_repository = "openedx/enterprise-subsidy"
)]
pub struct LedgerTransactionFailed {
    /// The failed transaction.
    ledger_transaction: LedgerTransaction,
}

/// Sent by enterprise-subsidy when a committed ledger transaction is reversed, typically
/// because the learner unenrolled and was refunded.
#[open_edx_event(
    type = "org.openedx.enterprise.subsidy_ledger_transaction.reversed.v1",
    name = "LEDGER_TRANSACTION_REVERSED",
    trigger_repository = "openedx/enterprise-subsidy"
)]
pub struct LedgerTransactionReversed {
    /// The transaction, with its `reversal` set.
    ledger_transaction: LedgerTransaction,
}

/// Sent by edx-enterprise when a learner-credit enrollment is revoked, most often because the
/// enterprise learner unenrolled from a course that learner credit paid for.
#[open_edx_event(
    type = "org.openedx.enterprise.learner_credit_course_enrollment.revoked.v1",
    trigger_repository = "openedx/edx-enterprise"
)]
pub struct LearnerCreditCourseEnrollmentRevoked {
    /// The enrollment whose learner credit was revoked.
    learner_credit_course_enrollment: LearnerCreditEnterpriseCourseEnrollment,
}

/// Sent by edx-enterprise when an enterprise group is deleted.
#[open_edx_event(
    type = "org.openedx.enterprise.enterprise_group.deleted.v1",
    trigger_repository = "openedx/edx-enterprise"
)]
pub struct EnterpriseGroupDeleted {
    /// The group that was deleted.
    enterprise_group: EnterpriseGroup,
}
