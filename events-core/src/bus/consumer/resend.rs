//! Re-sending an event received from the bus on its signal, as if it had happened here.

use crate::avro::DecodeError;
use crate::codec::AvroEvent;
use crate::metadata::EventsMetadata;
use crate::receiver::Responses;
use crate::registry;

use crate::bus::message::BusMessage;

use super::report::TrailingBytes;

/// Re-sends an event received from the bus on its signal, with the metadata it was produced
/// with; receivers see it as coming from the bus, and bound producers do not publish it again.
///
/// A payload may carry fields appended after the ones this build knows, by a newer producer
/// (with a higher `minorversion`, or without raising it, as upstream adds optional fields);
/// those bytes are skipped. See [`deliver_with`] to refuse them instead.
pub fn deliver(message: &BusMessage) -> Result<Responses, DeliveryError> {
    deliver_with(message, TrailingBytes::Skip).map(|resent| resent.responses)
}

/// Like [`deliver`], treating bytes after the known fields as `trailing` says, and telling how
/// many were skipped.
pub fn deliver_with(message: &BusMessage, trailing: TrailingBytes) -> Result<Resent, DeliveryError> {
    let signal = registry::get_signal_by_type(message.metadata.event_type())?;
    let info = signal.info();
    let codec = info.codec.ok_or(DeliveryError::NotSerializable {
        event_type: info.event_type,
        reason: info.unserializable.unwrap_or("it has no codec"),
    })?;
    (codec.send_avro)(message.metadata.clone(), &message.data, trailing)
}

/// An event re-sent from the bus.
#[derive(Debug)]
pub struct Resent {
    /// The receivers' responses.
    pub responses: Responses,
    /// How many bytes followed the fields this build knows, skipped.
    pub skipped_bytes: usize,
}

/// Decodes `bytes` as a `T` and sends it on `T`'s signal with `metadata`: the typed step of
/// [`deliver_with`], reached through the event's [`EventCodec`](crate::EventCodec).
pub(crate) fn resend<T: AvroEvent>(
    metadata: EventsMetadata,
    bytes: &[u8],
    trailing: TrailingBytes,
) -> Result<Resent, DeliveryError> {
    let (event, skipped_bytes) =
        T::from_avro_received(bytes, metadata.minorversion(), trailing).map_err(DeliveryError::Decode)?;
    let responses = T::signal()
        .send_event_with_custom_metadata(metadata, event)
        .map_err(DeliveryError::Send)?;
    Ok(Resent {
        responses,
        skipped_bytes,
    })
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
