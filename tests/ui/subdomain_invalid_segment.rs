// A declared subdomain follows the segment grammar: lowercase, starting with a letter.
use events_core::prelude::*;

/// Emitted when an invoice is paid.
#[open_edx_event(type = "com.example.billing.invoice.paid.v1", subdomain = "Billing")]
pub struct InvoicePaid {
    /// The invoice number.
    invoice_number: String,
}

fn main() {}
