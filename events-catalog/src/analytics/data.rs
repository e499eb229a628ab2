//! Payload classes of the `analytics` subdomain.

use events_core::prelude::*;

/// One tracking log event as the event-tracking library emits it, with its data and context
/// kept as JSON text.
#[event_data]
pub struct TrackingLogData {
    /// The tracking event's name, e.g. `edx.course.enrollment.activated`.
    name: String,
    /// When the tracking event happened.
    timestamp: DateTime<Utc>,
    /// The event's own fields, a JSON object serialized to text, e.g.
    /// `{"course_id": "course-v1:edX+DemoX+Demo_Course"}`.
    data: String,
    /// The context the event happened in (user, course, page, …), a JSON object serialized to
    /// text in the shape of the Open edX tracking log `context` field.
    context: String,
}
