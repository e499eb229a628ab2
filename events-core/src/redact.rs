//! Leaving personal information out of what is shown: the payload fields annotated
//! `#[event_data(pii)]` (OEP-30), replaced in the JSON shape of a payload.

use serde_json::Value;

use crate::registry::EventInfo;
use crate::schema::Schema;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Replaces, in `data` (the payload of the event `info` in the `to_dict()` JSON shape), every
/// value of a field annotated as personal information with [`REDACTED`]; returns how many
/// values were replaced. A personal record keeps its keys, each value redacted; `null` stays
/// `null`, so that absent information still reads as absent. Values that do not have the
/// shape of the schema are left as they are.
///
/// ```
/// use events_core::prelude::*;
/// use events_core::redact::redact_pii;
///
/// /// A learner.
/// #[event_data]
/// pub struct LearnerData {
///     /// The learner's id.
///     id: i64,
///     /// The learner's email address.
///     #[event_data(pii)]
///     email: String,
/// }
///
/// /// Emitted when a learner is greeted.
/// #[open_edx_event(type = "com.example.learning.learner.greeted.v1")]
/// pub struct LearnerGreeted {
///     /// The learner.
///     learner: LearnerData,
/// }
///
/// let mut data = serde_json::json!({"learner": {"id": 7, "email": "ada@example.com"}});
/// assert_eq!(redact_pii(LEARNER_GREETED.info(), &mut data), 1);
/// assert_eq!(data, serde_json::json!({"learner": {"id": 7, "email": "<redacted>"}}));
/// ```
pub fn redact_pii(info: &EventInfo, data: &mut Value) -> usize {
    let mut redacted = 0;
    for key in info.data {
        if let (Some(schema), Some(value)) = (key.schema, data.get_mut(key.name)) {
            redacted += walk(schema, value);
        }
    }
    redacted
}

/// Redacts the personal fields below `value`, of shape `schema`.
fn walk(schema: &Schema, value: &mut Value) -> usize {
    match (schema, value) {
        (Schema::Record(record), Value::Object(object)) => record
            .fields
            .iter()
            .map(|field| match object.get_mut(field.name) {
                Some(inner) if field.pii => blank(inner),
                Some(inner) => walk(field.schema, inner),
                None => 0,
            })
            .sum(),
        (Schema::Optional(inner), value) if !value.is_null() => walk(inner, value),
        (Schema::Array(inner), Value::Array(items)) => items.iter_mut().map(|item| walk(inner, item)).sum(),
        (Schema::Map(inner), Value::Object(entries)) => entries.values_mut().map(|item| walk(inner, item)).sum(),
        _ => 0,
    }
}

/// Replaces every value below `value` (its leaves, for records, lists and maps) but `null`.
fn blank(value: &mut Value) -> usize {
    match value {
        Value::Null => 0,
        Value::Object(entries) => entries.values_mut().map(blank).sum(),
        Value::Array(items) => items.iter_mut().map(blank).sum(),
        leaf => {
            *leaf = Value::String(REDACTED.to_owned());
            1
        }
    }
}
