// A subdomain outside the standard list is declared with `subdomain = ...`.
use events_core::prelude::*;

/// An invoice.
#[event_data]
pub struct InvoiceData {
    /// The invoice number.
    number: String,
    /// The amount in cents.
    amount_cents: i64,
}

/// Emitted when an invoice is paid.
#[open_edx_event(
    type = "com.example.billing.invoice.paid.v1",
    subdomain = "billing",
    key_field = "invoice.number"
)]
pub struct InvoicePaid {
    /// The paid invoice.
    invoice: InvoiceData,
}

fn main() {
    let info = INVOICE_PAID.info();
    assert_eq!((info.name, info.subdomain), ("INVOICE_PAID", "billing"));
}
