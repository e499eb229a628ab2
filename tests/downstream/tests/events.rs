//! A downstream crate defines, sends and receives its own events.

use std::sync::{Arc, Mutex};

use downstream_events::{
    BADGE_AWARDED, BadgeAwarded, INVOICE_PAID_V2, InvoiceData, InvoicePaid, LearnerData, award_badge,
};
use events_core::chrono::TimeZone;
use events_core::prelude::*;
use events_core::registry::get_signal_by_type;
use events_core::testing::isolate_events;

fn learner() -> LearnerData {
    LearnerData::builder().lms_user_id(7).username("ada").build()
}

#[test]
fn a_badge_award_reaches_a_receiver_with_its_payload_and_metadata() {
    let events = isolate_events().enable(&BADGE_AWARDED).start();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&received);
    events.connect(&BADGE_AWARDED, "badge_mailer", move |event: &Event<BadgeAwarded>| {
        let badge = event.data().badge();
        sink.lock().unwrap().push((
            badge.slug().to_owned(),
            badge.learner().username().to_owned(),
            event.metadata().time(),
        ));
        Ok(())
    });
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();

    let badge = award_badge(learner(), "python-basics", at).unwrap();

    assert_eq!(
        *received.lock().unwrap(),
        [("python-basics".to_owned(), "ada".to_owned(), at)]
    );
    let sent = events.sent::<BadgeAwarded>();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].data().badge(), &badge);
    assert_eq!(sent[0].metadata().event_type(), "com.acme.learning.badge.awarded.v1");
}

#[test]
fn org_scoped_events_are_registered_with_derived_names() {
    let badge = get_signal_by_type("com.acme.learning.badge.awarded.v1").unwrap().info();
    assert_eq!(
        (badge.name, badge.subdomain, badge.key_field),
        ("BADGE_AWARDED", "learning", Some("badge.learner.username"))
    );
    let invoice = get_signal_by_type("com.acme.billing.invoice.paid.v2").unwrap().info();
    assert_eq!(
        (invoice.name, invoice.subdomain, invoice.minor_version),
        ("INVOICE_PAID_V2", "billing", 1)
    );
}

#[test]
fn a_payment_travels_as_avro_and_json_and_comes_back_equal() {
    let invoice = InvoiceData::builder()
        .number("INV-001")
        .amount_cents(4_999)
        .learner(learner())
        .build();
    let event = InvoicePaid::new(invoice);

    let bytes = event.to_avro();
    assert_eq!(InvoicePaid::from_avro(&bytes).unwrap(), event);
    let json = event.to_json_value();
    assert_eq!(
        json,
        serde_json::json!({"invoice": {"number": "INV-001", "amount_cents": 4999, "learner": {"lms_user_id": 7, "username": "ada"}}})
    );
    assert_eq!(InvoicePaid::from_json_value(json).unwrap(), event);
    assert_eq!(
        InvoicePaid::avro_schema()["namespace"],
        "com.acme.billing.invoice.paid.v2"
    );
}

#[test]
fn personal_data_is_redacted_in_debug_output() {
    let text = format!("{:?}", learner());
    assert_eq!(text, "LearnerData { lms_user_id: 7, username: <redacted> }");
}

#[test]
fn payment_receivers_are_called_with_the_minor_version_in_the_metadata() {
    let events = isolate_events().enable(&INVOICE_PAID_V2).start();
    let invoice = InvoiceData::builder()
        .number("INV-002")
        .amount_cents(100)
        .learner(learner())
        .build();
    INVOICE_PAID_V2.send_event(InvoicePaid::new(invoice)).unwrap();
    assert_eq!(events.sent::<InvoicePaid>()[0].metadata().minorversion(), 1);
}
