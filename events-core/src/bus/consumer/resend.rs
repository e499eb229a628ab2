//! Re-sending an event received from the bus on its signal, as if it had happened here.

use crate::avro::DecodeError;
use crate::codec::AvroEvent;
use crate::metadata::EventsMetadata;
use crate::receiver::Responses;
use crate::registry;

use crate::bus::message::BusMessage;

/// Re-sends an event received from the bus on its signal, with the metadata it was produced
/// with; receivers see it as coming from the bus, and bound producers do not publish it again.
///
/// A payload from a newer minor version of the event may carry fields appended after the ones
/// this build knows; those are skipped.
pub fn deliver(message: &BusMessage) -> Result<Responses, DeliveryError> {
    let signal = registry::get_signal_by_type(message.metadata.event_type())?;
    let info = signal.info();
    let codec = info.codec.ok_or(DeliveryError::NotSerializable {
        event_type: info.event_type,
        reason: info.unserializable.unwrap_or("it has no codec"),
    })?;
    (codec.send_avro)(message.metadata.clone(), &message.data)
}

/// Decodes `bytes` as a `T` and sends it on `T`'s signal with `metadata`: the typed step of
/// [`deliver`], reached through the event's [`EventCodec`](crate::EventCodec).
pub(crate) fn resend<T: AvroEvent>(metadata: EventsMetadata, bytes: &[u8]) -> Result<Responses, DeliveryError> {
    let event = T::from_avro_minor_version(bytes, metadata.minorversion()).map_err(DeliveryError::Decode)?;
    T::signal()
        .send_event_with_custom_metadata(metadata, event)
        .map_err(DeliveryError::Send)
}

/// Why an event received from the bus could not be delivered to its receivers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// No linked crate defines the event type (or several do).
    #[error(transparent)]
    Registry(#[from] crate::RegistryError),
    /// The event type exists but cannot travel on the bus.
    #[error("{event_type} cannot be received from the event bus: {reason}")]
    NotSerializable {
        /// The event type.
        event_type: &'static str,
        /// Why it is not serializable.
        reason: &'static str,
    },
    /// The payload bytes do not decode.
    #[error(transparent)]
    Decode(DecodeError),
    /// The send failed (fail-fast receivers, or metadata for another type).
    #[error(transparent)]
    Send(crate::SendError),
}
