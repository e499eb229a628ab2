//! The traits every key type implements the same way: the canonical text is the key's value,
//! so display, comparison, hashing and the wire form all go through it.

/// Implements the common traits for a key type that has a `text: Box<str>` field holding its
/// canonical text and a `fn parse_text(&str) -> Result<Self, InvalidKeyReason>`.
///
/// Arguments: the type, the Python class name (the `CustomType::TYPE_NAME`), and a valid key
/// text in canonical form for the generated doc examples.
macro_rules! opaque_key_traits {
    ($key:ident, $type_name:literal, $example:literal) => {
        impl $key {
            #[doc = concat!(
                                                "The canonical text of the key, as Python's `str(key)` gives it.\n\n",
                                                "```\n",
                                                "use events_core::keys::", stringify!($key), ";\n\n",
                                                "let key: ", stringify!($key), " = \"", $example, "\".parse()?;\n",
                                                "assert_eq!(key.as_str(), \"", $example, "\");\n",
                                                "# Ok::<(), events_core::keys::InvalidKeyError>(())\n",
                                                "```"
                                            )]
            #[inline]
            pub fn as_str(&self) -> &str {
                &self.text
            }
        }

        impl ::std::str::FromStr for $key {
            type Err = $crate::keys::InvalidKeyError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse_text(text).map_err(|reason| $crate::keys::InvalidKeyError::new($type_name, text, reason))
            }
        }

        impl TryFrom<&str> for $key {
            type Error = $crate::keys::InvalidKeyError;

            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl ::std::fmt::Display for $key {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl ::std::fmt::Debug for $key {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($key)).field(&&*self.text).finish()
            }
        }

        // The parts are derived from the canonical text, so the text alone decides equality,
        // order and hash (which also keeps `Borrow<str>` lookups consistent).
        impl PartialEq for $key {
            fn eq(&self, other: &Self) -> bool {
                self.text == other.text
            }
        }

        impl Eq for $key {}

        impl PartialEq<str> for $key {
            fn eq(&self, other: &str) -> bool {
                &*self.text == other
            }
        }

        impl PartialEq<&str> for $key {
            fn eq(&self, other: &&str) -> bool {
                &*self.text == *other
            }
        }

        impl ::std::hash::Hash for $key {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                self.text.hash(state);
            }
        }

        impl PartialOrd for $key {
            fn partial_cmp(&self, other: &Self) -> Option<::std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $key {
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.text.cmp(&other.text)
            }
        }

        impl AsRef<str> for $key {
            fn as_ref(&self) -> &str {
                &self.text
            }
        }

        impl ::std::borrow::Borrow<str> for $key {
            fn borrow(&self) -> &str {
                &self.text
            }
        }

        impl From<$key> for String {
            fn from(key: $key) -> String {
                key.text.into()
            }
        }

        impl $crate::CustomType for $key {
            const TYPE_NAME: &'static str = $type_name;

            #[inline]
            fn to_text(&self) -> ::std::borrow::Cow<'_, str> {
                ::std::borrow::Cow::Borrowed(&self.text)
            }

            fn from_text(text: &str) -> Result<Self, String> {
                // The caller's message already names the type; give only the text and why.
                Self::parse_text(text)
                    .map_err(|reason| $crate::keys::InvalidKeyError::new($type_name, text, reason).detail())
            }
        }
    };
}
