//! The events of a fictional organisation, Acme Learning, which runs a badge service next to
//! its Open edX site.
//!
//! This crate depends on `events-core` alone: the macros' expansions refer to the runtime
//! through `events_core`, so annotating structs in a downstream crate needs nothing else.
//! Acme's events use its own reverse DNS prefix, `com.acme`, a standard subdomain for badges
//! and a subdomain of its own, `billing`.

use events_core::prelude::*;

/// A learner as the badge service knows them.
#[event_data]
pub struct LearnerData {
    /// The learner's id in the LMS.
    lms_user_id: i64,
    /// The learner's login name.
    #[event_data(pii)]
    username: String,
}

/// A badge given to a learner.
#[event_data]
pub struct BadgeData {
    /// Unique id of this award.
    uuid: Uuid,
    /// The badge's slug, e.g. `python-basics`.
    slug: String,
    /// Who earned it.
    learner: LearnerData,
    /// When it was awarded.
    awarded_at: DateTime<Utc>,
    /// When it expires, if it does.
    expires_at: Option<DateTime<Utc>>,
    /// Skills the badge vouches for, by framework.
    #[event_data(default)]
    skills: BTreeMap<String, Vec<String>>,
}

/// Emitted when Acme's badge service awards a badge to a learner.
#[open_edx_event(
    type = "com.acme.learning.badge.awarded.v1",
    key_field = "badge.learner.username",
    trigger_repository = "acme/badge-service"
)]
pub struct BadgeAwarded {
    /// The badge that was awarded.
    badge: BadgeData,
}

/// An invoice for a paid course.
#[event_data]
pub struct InvoiceData {
    /// The invoice number.
    number: String,
    /// The amount, in cents.
    amount_cents: i64,
    /// The learner billed.
    learner: LearnerData,
}

/// Emitted when a learner pays an invoice. Acme declares `billing` as its own subdomain.
#[open_edx_event(
    type = "com.acme.billing.invoice.paid.v2",
    subdomain = "billing",
    key_field = "invoice.number",
    minor_version = 1
)]
pub struct InvoicePaid {
    /// The invoice that was paid.
    invoice: InvoiceData,
}

/// Awards a badge: what the badge service calls, and where the event is sent from.
pub fn award_badge(learner: LearnerData, slug: &str, at: DateTime<Utc>) -> Result<BadgeData, SendError> {
    let badge = BadgeData::builder()
        .uuid(Uuid::new_v4())
        .slug(slug)
        .learner(learner)
        .awarded_at(at)
        .build();
    BADGE_AWARDED.send_event_at(at, BadgeAwarded::new(badge.clone()))?;
    Ok(badge)
}
