//! Events of the `analytics` subdomain.

use events_core::prelude::*;

use super::data::TrackingLogData;

/// Sent by the event-tracking library each time it emits a tracking log event, so that
/// tracking data can be forwarded over the event bus.
#[open_edx_event(
    type = "org.openedx.analytics.tracking.event.emitted.v1",
    key_field = "tracking_log.name",
    trigger_repository = "openedx/event-tracking"
)]
pub struct TrackingEventEmitted {
    /// The tracking log event that was emitted.
    tracking_log: TrackingLogData,
}
