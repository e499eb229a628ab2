//! Stream entry ids, `ms-seq` as Redis writes them.

use std::fmt;
use std::str::FromStr;

/// The id of a stream entry: the milliseconds at which it was added and a sequence number,
/// written `1700000000000-0` as in Redis. Parsing accepts `ms-seq` and a bare `ms` (sequence 0),
/// the forms Redis accepts as a consumer group's position.
///
/// ```
/// use events_bus_redis::EntryId;
///
/// let id: EntryId = "1700000000000-3".parse()?;
/// assert_eq!((id.millis(), id.sequence()), (1_700_000_000_000, 3));
/// assert_eq!("1700000000000".parse::<EntryId>()?.to_string(), "1700000000000-0");
/// assert!("latest".parse::<EntryId>().is_err());
/// # Ok::<(), events_bus_redis::InvalidEntryId>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EntryId {
    millis: u64,
    sequence: u64,
}

impl EntryId {
    /// The id `millis-sequence`.
    pub const fn new(millis: u64, sequence: u64) -> Self {
        EntryId { millis, sequence }
    }

    /// The milliseconds part.
    pub const fn millis(self) -> u64 {
        self.millis
    }

    /// The sequence number within the millisecond.
    pub const fn sequence(self) -> u64 {
        self.sequence
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.millis, self.sequence)
    }
}

/// Text that is not a stream entry id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid stream entry id `{text}`: expected `<milliseconds>-<sequence>` or `<milliseconds>`, e.g. 1700000000000-0"
)]
pub struct InvalidEntryId {
    text: String,
}

impl FromStr for EntryId {
    type Err = InvalidEntryId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Digits only: `u64::from_str` would also take a leading `+`, which Redis refuses.
        let number = |part: &str| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse::<u64>().ok()
            } else {
                None
            }
        };
        let parsed = match text.split_once('-') {
            Some((millis, sequence)) => number(millis).zip(number(sequence)),
            None => number(text).map(|millis| (millis, 0)),
        };
        parsed
            .map(|(millis, sequence)| EntryId::new(millis, sequence))
            .ok_or_else(|| InvalidEntryId { text: text.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_by_millis_then_sequence() {
        let ids: Vec<EntryId> = ["5-1", "5-0", "4-9"].iter().map(|t| t.parse().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, [EntryId::new(4, 9), EntryId::new(5, 0), EntryId::new(5, 1)]);
    }

    #[test]
    fn malformed_ids_are_refused_with_the_text() {
        for text in [
            "",
            "-",
            "5-",
            "-5",
            "+5",
            "5-+1",
            "5-1-2",
            "$",
            "a-1",
            "18446744073709551616-0",
            " 5",
        ] {
            let error = text.parse::<EntryId>().unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "invalid stream entry id `{text}`: expected `<milliseconds>-<sequence>` or `<milliseconds>`, e.g. 1700000000000-0"
                )
            );
        }
    }

    #[test]
    fn the_largest_ids_parse_and_print_back() {
        let text = "18446744073709551615-18446744073709551615";
        assert_eq!(text.parse::<EntryId>().unwrap().to_string(), text);
    }
}
