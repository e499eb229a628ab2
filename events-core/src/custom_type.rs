//! Types carried on the wire as text, such as opaque keys: the extension point for payload
//! types beyond the built-in ones.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::Serializer;

use crate::avro::{self, DecodeError, DecodeErrorKind, Reader};
use crate::field::EventField;
use crate::schema::Schema;

/// A payload type written as an Avro `string` holding its canonical text, as the Python
/// library's `BaseCustomTypeAvroSerializer` subclasses do for opaque keys.
///
/// Implementing it makes the type an [`EventField`]: it can be a field of any payload, and its
/// text is validated by [`from_text`](Self::from_text) wherever it is read (Avro, JSON).
///
/// ```
/// use std::borrow::Cow;
/// use events_core::CustomType;
/// use events_core::prelude::*;
///
/// /// A two-letter country code.
/// #[derive(Clone, Debug, PartialEq)]
/// pub struct Country(String);
///
/// impl CustomType for Country {
///     const TYPE_NAME: &'static str = "Country";
///
///     fn to_text(&self) -> Cow<'_, str> {
///         Cow::Borrowed(&self.0)
///     }
///
///     fn from_text(text: &str) -> Result<Self, String> {
///         if text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()) {
///             Ok(Country(text.to_owned()))
///         } else {
///             Err(format!("{text:?} is not a two-letter upper-case country code"))
///         }
///     }
/// }
///
/// /// Where a learner lives.
/// #[event_data]
/// pub struct AddressData {
///     /// The country.
///     country: Country,
/// }
///
/// let address = AddressData::builder().country(Country("FR".into())).build();
/// assert_eq!(address.country().to_text(), "FR");
/// ```
pub trait CustomType: Clone + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The type's name in messages and in the catalog, e.g. `CourseKey`.
    const TYPE_NAME: &'static str;

    /// The canonical text of the value.
    fn to_text(&self) -> Cow<'_, str>;

    /// Parses and validates text; the error says why the text was refused.
    fn from_text(text: &str) -> Result<Self, String>;
}

impl<T: CustomType> EventField for T {
    const SCHEMA: &'static Schema = &Schema::Custom(T::TYPE_NAME);

    #[inline]
    fn encode_avro(&self, out: &mut Vec<u8>) {
        avro::write_str(out, &self.to_text());
    }

    fn decode_avro(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let text = reader.read_str()?;
        T::from_text(text).map_err(|reason| {
            DecodeError::new(
                DecodeErrorKind::InvalidText {
                    type_name: T::TYPE_NAME,
                    reason,
                },
                start,
            )
        })
    }

    fn serialize_json<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }

    /// A custom type (an opaque key, say) is keyed by its canonical text.
    #[inline]
    fn key_text_at(&self, path: &mut crate::field::KeyPath<'_>) -> Option<String> {
        path.next().is_none().then(|| self.to_text().into_owned())
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <Cow<'de, str>>::deserialize(deserializer)?;
        T::from_text(&text).map_err(|reason| de::Error::custom(format!("invalid {}: {reason}", T::TYPE_NAME)))
    }
}
