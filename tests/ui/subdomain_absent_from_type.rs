// A declared subdomain must appear in the event type after the reverse DNS prefix.
use events_core::prelude::*;

/// Emitted when an invoice is paid.
#[open_edx_event(type = "com.example.payments.invoice.paid.v1", subdomain = "billing")]
pub struct InvoicePaid {
    /// The invoice number.
    invoice_number: String,
}

fn main() {}
