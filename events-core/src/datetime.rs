//! Date-time text exactly as Python's `datetime.isoformat()` writes it.
//!
//! Open edX services exchange datetimes as text: in Avro payloads (a `string` on the wire), in
//! metadata JSON and in Redis entry headers. The Python side writes them with
//! `datetime.isoformat()` and reads them with `datetime.fromisoformat()`, so this module does the
//! same: [`IsoFormat`] renders `2024-02-01T12:00:00+00:00` or, when the microsecond is not zero,
//! `2024-02-01T12:00:00.123000+00:00`; [`parse_isoformat`] reads back what `isoformat()` can
//! produce, converting any offset to UTC.
//!
//! Python's `datetime` holds the years 1 to 9999 only ([`YEARS`]), and `fromisoformat()` refuses
//! any other year, so neither side may write one: [`IsoFormat::new`] refuses a time outside that
//! range, [`parse_isoformat`] refuses text that leaves it once converted to UTC
//! (`0001-01-01T00:00:00+02:00` is in year 0 in UTC), and [`check_range`] tells a caller holding
//! a computed time whether it can travel.
//!
//! Formatting is written by hand rather than through `chrono::format` because it runs on every
//! Avro encode of every datetime field; the fixed layout needs no parsing of a format string.

use std::fmt;
use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};

/// The years a datetime on the wire may have: those of Python's `datetime`
/// (`datetime.MINYEAR` to `datetime.MAXYEAR`).
pub const YEARS: RangeInclusive<i32> = 1..=9999;

/// 0001-01-01T00:00:00Z, the first second of [`YEARS`], in seconds from the Unix epoch.
const FIRST_SECOND: i64 = -62_135_596_800;

/// 10000-01-01T00:00:00Z, the first second after [`YEARS`], in seconds from the Unix epoch.
const END_SECOND: i64 = 253_402_300_800;

/// The longest text [`IsoFormat`] produces: `9999-12-31T23:59:59.999999+00:00` is 32 bytes.
const MAX_LEN: usize = 32;

/// A datetime that cannot travel: its year, in UTC, is outside [`YEARS`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use events_core::datetime::check_range;
///
/// let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
/// assert!(check_range(&last).is_ok());
/// let error = check_range(&(last + chrono::Duration::seconds(1))).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "the datetime +10000-01-01T00:00:00Z is outside the years 1 to 9999 that Python's datetime, \
///      and so the wire, can hold",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the datetime {time:?} is outside the years 1 to 9999 that Python's datetime, and so the wire, can hold")]
pub struct DateTimeRangeError {
    time: DateTime<Utc>,
}

impl DateTimeRangeError {
    /// The time that was refused.
    pub fn time(&self) -> DateTime<Utc> {
        self.time
    }
}

/// Whether `time` falls in the years 1 to 9999 ([`YEARS`]), the range Python's `datetime` and
/// so the wire can carry.
///
/// Payload builders and [`EventsMetadata`](crate::EventsMetadata) refuse other times with a
/// panic, since a program passing one has a bug; code that computes times from outside input
/// can check them here first and handle the error.
pub fn check_range(time: &DateTime<Utc>) -> Result<(), DateTimeRangeError> {
    if (FIRST_SECOND..END_SECOND).contains(&time.timestamp()) {
        Ok(())
    } else {
        Err(DateTimeRangeError { time: *time })
    }
}

/// A `DateTime<Utc>` rendered as Python's `isoformat()` text, held on the stack.
///
/// The fraction is left out when the microsecond is zero and written with six digits otherwise;
/// sub-microsecond precision is truncated, as Python has none. A time outside the years 1 to
/// 9999 has no such text and is refused.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use events_core::datetime::IsoFormat;
///
/// let noon = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap();
/// assert_eq!(IsoFormat::new(&noon)?.as_str(), "2024-02-01T12:00:00+00:00");
///
/// let later = noon + chrono::Duration::microseconds(123_000);
/// assert_eq!(IsoFormat::new(&later)?.to_string(), "2024-02-01T12:00:00.123000+00:00");
///
/// let year_10000 = Utc.with_ymd_and_hms(9999, 12, 31, 23, 0, 0).unwrap() + chrono::Duration::hours(1);
/// assert!(IsoFormat::new(&year_10000).is_err());
/// # Ok::<(), events_core::datetime::DateTimeRangeError>(())
/// ```
#[derive(Clone, Copy)]
pub struct IsoFormat {
    buf: [u8; MAX_LEN],
    len: usize,
}

impl IsoFormat {
    /// Renders `time`, or refuses it when its year is outside [`YEARS`]: Python could not read
    /// the text back, and neither could [`parse_isoformat`].
    pub fn new(time: &DateTime<Utc>) -> Result<Self, DateTimeRangeError> {
        check_range(time)?;
        let mut out = IsoFormat {
            buf: [0; MAX_LEN],
            len: 0,
        };
        // The calendar fields come from the timestamp by integer arithmetic: chrono's field
        // accessors each convert to local time and unpack the date again, which made this
        // function dominate event encoding on the reference machine.
        let seconds = time.timestamp();
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let second_of_day = seconds.rem_euclid(86_400) as u32;
        // Four digits: the range check above keeps the year within 1..=9999.
        out.push_pair(year as u32 / 100);
        out.push_pair(year as u32 % 100);
        out.push(b'-');
        out.push_pair(month);
        out.push(b'-');
        out.push_pair(day);
        out.push(b'T');
        out.push_pair(second_of_day / 3_600);
        out.push(b':');
        out.push_pair(second_of_day / 60 % 60);
        out.push(b':');
        out.push_pair(second_of_day % 60);
        // A leap second is carried in the nanoseconds by chrono; Python has no leap seconds and
        // would never write second 60, so it folds into second 59's microseconds.
        let micros = (time.timestamp_subsec_nanos() % 1_000_000_000) / 1_000;
        if micros != 0 {
            out.push(b'.');
            out.push_pair(micros / 10_000);
            out.push_pair(micros / 100 % 100);
            out.push_pair(micros % 100);
        }
        out.buf[out.len..out.len + 6].copy_from_slice(b"+00:00");
        out.len += 6;
        Ok(out)
    }

    /// The rendered text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }

    fn push(&mut self, byte: u8) {
        self.buf[self.len] = byte;
        self.len += 1;
    }

    /// Writes `value` (below 100) as two digits, from a table rather than by division.
    fn push_pair(&mut self, value: u32) {
        let index = (value as usize % 100) * 2;
        self.buf[self.len..self.len + 2].copy_from_slice(&DIGIT_PAIRS[index..index + 2]);
        self.len += 2;
    }
}

/// `00`, `01`, …, `99`.
const DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut value = 0;
    while value < 100 {
        table[value * 2] = b'0' + (value / 10) as u8;
        table[value * 2 + 1] = b'0' + (value % 10) as u8;
        value += 1;
    }
    table
};

impl fmt::Display for IsoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IsoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl AsRef<str> for IsoFormat {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Renders `time` as Python's `isoformat()` text, or refuses it as [`IsoFormat::new`] does.
///
/// ```
/// use chrono::{TimeZone, Utc};
///
/// let t = Utc.with_ymd_and_hms(2021, 6, 9, 14, 12, 45).unwrap();
/// assert_eq!(events_core::datetime::to_isoformat(&t)?, "2021-06-09T14:12:45+00:00");
/// # Ok::<(), events_core::datetime::DateTimeRangeError>(())
/// ```
pub fn to_isoformat(time: &DateTime<Utc>) -> Result<String, DateTimeRangeError> {
    IsoFormat::new(time).map(|text| text.as_str().to_owned())
}

/// Why a date-time text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid isoformat datetime {text:?}: {reason}")]
pub struct DateTimeParseError {
    text: String,
    reason: &'static str,
}

impl DateTimeParseError {
    fn new(text: &str, reason: &'static str) -> Self {
        // Bound what an error carries: the input may be arbitrarily long.
        let text: String = text.chars().take(64).collect();
        DateTimeParseError { text, reason }
    }

    /// What was wrong with the text.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Parses the text Python's `isoformat()` writes, as `datetime.fromisoformat()` reads it.
///
/// Accepted: `YYYY-MM-DD`, then optionally `T` or a space and a time `HH`, `HH:MM`,
/// `HH:MM:SS` with an optional fraction of one to nine digits (digits past the sixth are
/// truncated, as Python does), then optionally `Z` or an offset `±HH:MM`, `±HH:MM:SS` or
/// `±HH:MM:SS.ffffff` (or the same without colons, which Python 3.11 also reads). An offset is
/// converted to UTC; a value without one (a naive datetime in Python) is taken as UTC. The
/// result must fall in the years 1 to 9999 ([`YEARS`]), as Python's `datetime` must when it is
/// converted to UTC (`astimezone(timezone.utc)` raises `OverflowError` otherwise).
///
/// ```
/// use events_core::datetime::{parse_isoformat, to_isoformat};
///
/// let t = parse_isoformat("2024-02-01T14:00:00.5+02:00").unwrap();
/// assert_eq!(to_isoformat(&t).unwrap(), "2024-02-01T12:00:00.500000+00:00");
/// assert!(parse_isoformat("2024-02-30T00:00:00").is_err());
/// assert!(parse_isoformat("0001-01-01T00:00:00+02:00").is_err()); // year 0 in UTC
/// ```
pub fn parse_isoformat(text: &str) -> Result<DateTime<Utc>, DateTimeParseError> {
    if let Some(time) = parse_canonical(text.as_bytes()) {
        return Ok(time);
    }
    let err = |reason| DateTimeParseError::new(text, reason);
    let mut cursor = Cursor::new(text.as_bytes());

    let year = cursor.digits(4).ok_or_else(|| err("expected a four-digit year"))?;
    cursor.expect(b'-').ok_or_else(|| err("expected '-' after the year"))?;
    let month = cursor.digits(2).ok_or_else(|| err("expected a two-digit month"))?;
    cursor.expect(b'-').ok_or_else(|| err("expected '-' after the month"))?;
    let day = cursor.digits(2).ok_or_else(|| err("expected a two-digit day"))?;
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(err("the date does not exist"));
    }

    let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0);
    if cursor.expect(b'T').or_else(|| cursor.expect(b' ')).is_some() {
        hour = cursor.digits(2).ok_or_else(|| err("expected a two-digit hour"))?;
        if cursor.expect(b':').is_some() {
            minute = cursor.digits(2).ok_or_else(|| err("expected two-digit minutes"))?;
            if cursor.expect(b':').is_some() {
                second = cursor.digits(2).ok_or_else(|| err("expected two-digit seconds"))?;
                if cursor.expect(b'.').or_else(|| cursor.expect(b',')).is_some() {
                    micros = cursor
                        .fraction_micros()
                        .ok_or_else(|| err("expected one to nine fraction digits"))?;
                }
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(err("the time of day does not exist"));
        }
    }

    let offset_micros = cursor.offset().map_err(err)?;
    if !cursor.is_done() {
        return Err(err("unexpected text after the datetime"));
    }
    // Plain integer arithmetic from the civil date: decoding a datetime happens on every Avro
    // decode, and going through chrono's checked date and duration types cost three times as
    // much on the reference machine.
    let days = days_from_civil(year, month, day);
    let local_micros = (days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second)) * 1_000_000 + i64::from(micros);
    let utc_micros = local_micros - offset_micros;
    // The local date is in range; only the offset, under a day either way, can take the UTC
    // time out of it, as `0001-01-01T00:00:00+02:00` is 0000-12-31T22:00:00 in UTC.
    DateTime::from_timestamp(
        utc_micros.div_euclid(1_000_000),
        (utc_micros.rem_euclid(1_000_000) * 1_000) as u32,
    )
    .filter(|time| check_range(time).is_ok())
    .ok_or_else(|| err("the datetime is outside the years 1 to 9999 once converted to UTC"))
}

/// The text [`IsoFormat`] writes for years 1 to 9999, `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, read
/// at fixed positions: it is what nearly every event carries, and this path is several times
/// faster than the general one. Anything else, including invalid dates, returns `None` and goes
/// through the general parser, which explains what is wrong.
pub(crate) fn parse_canonical(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let micros = match bytes.len() {
        25 => 0,
        32 if bytes[19] == b'.' => fixed_digits(&bytes[20..26])?,
        _ => return None,
    };
    let (date, rest) = bytes.split_at(10);
    let suffix = &bytes[bytes.len() - 6..];
    if date[4] != b'-'
        || date[7] != b'-'
        || rest[0] != b'T'
        || rest[3] != b':'
        || rest[6] != b':'
        || suffix != b"+00:00"
    {
        return None;
    }
    let year = fixed_digits(&date[0..4])?;
    let month = fixed_digits(&date[5..7])?;
    let day = fixed_digits(&date[8..10])?;
    let hour = fixed_digits(&rest[1..3])?;
    let minute = fixed_digits(&rest[4..6])?;
    let second = fixed_digits(&rest[7..9])?;
    if year < 1
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    // From the calendar fields directly: going through a timestamp makes chrono derive the
    // date back from a day count, the costliest step of this function.
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some(date.and_hms_micro_opt(hour, minute, second, micros)?.and_utc())
}

fn fixed_digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit().then(|| value * 10 + u32::from(byte - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    fn is_done(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0u32;
        for &b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }

    fn fraction_micros(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.bytes[start..self.pos];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        let mut micros = 0u32;
        for i in 0..6 {
            micros = micros * 10 + digits.get(i).map_or(0, |b| u32::from(b - b'0'));
        }
        Some(micros)
    }

    /// The UTC offset in microseconds, if any: `Z`, `±HH:MM`, `±HH:MM:SS` or
    /// `±HH:MM:SS.ffffff`.
    fn offset(&mut self) -> Result<i64, &'static str> {
        let sign = match self.peek() {
            None => return Ok(0),
            Some(b'Z') => {
                self.pos += 1;
                return Ok(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return Err("expected 'Z' or a UTC offset such as '+00:00'"),
        };
        self.pos += 1;
        let hours = self.digits(2).ok_or("expected a two-digit offset hour")?;
        // `±HH:MM[:SS[.ffffff]]` as isoformat() writes it, or `±HHMM[SS[.ffffff]]`, which
        // Python 3.11 also reads; like Python, minutes and seconds are not range-checked on
        // their own, only the whole offset is.
        let extended = self.expect(b':').is_some();
        let minutes = self.digits(2).ok_or(if extended {
            "expected two-digit offset minutes"
        } else {
            "expected ':' in the UTC offset"
        })?;
        let (mut seconds, mut micros) = (0, 0);
        let more = if extended {
            self.expect(b':').is_some()
        } else {
            self.peek().is_some_and(|b| b.is_ascii_digit())
        };
        if more {
            seconds = self.digits(2).ok_or("expected two-digit offset seconds")?;
            if self.expect(b'.').is_some() {
                micros = self.fraction_micros().ok_or("expected offset fraction digits")?;
            }
        }
        let total = i64::from(hours * 3_600 + minutes * 60 + seconds) * 1_000_000 + i64::from(micros);
        if total >= 24 * 3_600 * 1_000_000 {
            return Err("the UTC offset must be less than 24 hours");
        }
        Ok(total * sign)
    }
}

/// Serde helpers for `DateTime<Utc>` as isoformat text, for `#[serde(with = ...)]`.
///
/// ```
/// use chrono::{DateTime, Utc};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Row {
///     #[serde(with = "events_core::datetime::serde_isoformat")]
///     at: DateTime<Utc>,
/// }
///
/// let row: Row = serde_json::from_str(r#"{"at": "2024-02-01T12:00:00Z"}"#).unwrap();
/// assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"at":"2024-02-01T12:00:00+00:00"}"#);
/// ```
pub mod serde_isoformat {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes `time` as isoformat text; a time outside the years 1 to 9999 is an error.
    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        let text = super::IsoFormat::new(time).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(text.as_str())
    }

    /// Reads isoformat text.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        super::parse_isoformat(&text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, TimeDelta, TimeZone};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + TimeDelta::microseconds(micros.into())
    }

    fn iso(time: &DateTime<Utc>) -> String {
        to_isoformat(time).unwrap()
    }

    #[test]
    fn whole_seconds_have_no_fraction() {
        assert_eq!(iso(&utc(2024, 2, 1, 12, 0, 0, 0)), "2024-02-01T12:00:00+00:00");
    }

    #[test]
    fn a_non_zero_microsecond_is_written_with_six_digits() {
        assert_eq!(
            iso(&utc(2024, 2, 1, 12, 0, 0, 123_000)),
            "2024-02-01T12:00:00.123000+00:00"
        );
        assert_eq!(iso(&utc(2024, 2, 1, 12, 0, 0, 1)), "2024-02-01T12:00:00.000001+00:00");
    }

    #[test]
    fn sub_microsecond_precision_is_truncated() {
        let t = utc(2024, 2, 1, 12, 0, 0, 0) + TimeDelta::nanoseconds(999);
        assert_eq!(iso(&t), "2024-02-01T12:00:00+00:00");
        let t = utc(2024, 2, 1, 12, 0, 0, 0) + TimeDelta::nanoseconds(1_999);
        assert_eq!(iso(&t), "2024-02-01T12:00:00.000001+00:00");
    }

    #[test]
    fn small_years_are_zero_padded_like_python() {
        assert_eq!(iso(&utc(1, 1, 1, 0, 0, 0, 0)), "0001-01-01T00:00:00+00:00");
        assert_eq!(
            iso(&utc(9999, 12, 31, 23, 59, 59, 999_999)),
            "9999-12-31T23:59:59.999999+00:00"
        );
    }

    #[test]
    fn times_outside_the_years_python_holds_have_no_text() {
        let first = utc(1, 1, 1, 0, 0, 0, 0);
        let end = utc(9999, 12, 31, 23, 59, 59, 999_999) + TimeDelta::microseconds(1);
        for time in [
            first - TimeDelta::nanoseconds(1),
            first - TimeDelta::days(1),
            end,
            utc(12345, 1, 1, 0, 0, 0, 0),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ] {
            let error = IsoFormat::new(&time).expect_err("out of range");
            assert_eq!(error.time(), time);
            assert_eq!(to_isoformat(&time), Err(error));
            assert_eq!(check_range(&time), Err(error));
        }
        assert!(check_range(&first).is_ok());
        assert!(check_range(&(end - TimeDelta::nanoseconds(1))).is_ok());
        assert_eq!(
            iso(&(end - TimeDelta::nanoseconds(1))),
            "9999-12-31T23:59:59.999999+00:00"
        );
    }

    #[test]
    fn parsing_accepts_every_isoformat_timespec() {
        let expected = utc(2024, 2, 1, 12, 0, 0, 0);
        for text in [
            "2024-02-01T12:00:00+00:00",
            "2024-02-01T12:00:00",
            "2024-02-01T12:00",
            "2024-02-01T12",
            "2024-02-01 12:00:00+00:00",
            "2024-02-01T12:00:00.000+00:00",
            "2024-02-01T12:00:00.000000+00:00",
            "2024-02-01T12:00:00Z",
            "2024-02-01T13:30:00+01:30",
            "2024-02-01T07:00:00-05:00",
        ] {
            assert_eq!(parse_isoformat(text), Ok(expected), "{text}");
        }
        assert_eq!(parse_isoformat("2024-02-01"), Ok(utc(2024, 2, 1, 0, 0, 0, 0)));
    }

    #[test]
    fn parsing_keeps_microseconds_and_truncates_below() {
        assert_eq!(
            parse_isoformat("2024-02-01T12:00:00.123456789+00:00"),
            Ok(utc(2024, 2, 1, 12, 0, 0, 123_456))
        );
        assert_eq!(
            parse_isoformat("2024-02-01T12:00:00.5"),
            Ok(utc(2024, 2, 1, 12, 0, 0, 500_000))
        );
    }

    #[test]
    fn compact_offsets_and_unnormalised_minutes_are_read_as_python_reads_them() {
        assert_eq!(
            parse_isoformat("2024-02-01T12:00:00+0000"),
            Ok(utc(2024, 2, 1, 12, 0, 0, 0))
        );
        assert_eq!(
            parse_isoformat("2024-02-01T12:00:00+00:60"),
            Ok(utc(2024, 2, 1, 11, 0, 0, 0))
        );
        assert_eq!(
            parse_isoformat("2024-02-01T12:00:00-013030"),
            Ok(utc(2024, 2, 1, 13, 30, 30, 0))
        );
    }

    #[test]
    fn offsets_with_seconds_and_fractions_convert_to_utc() {
        assert_eq!(
            parse_isoformat("2024-02-01T12:00:00+00:00:30.5"),
            Ok(utc(2024, 2, 1, 11, 59, 29, 500_000))
        );
    }

    #[test]
    fn parsing_rejects_malformed_text_with_a_reason() {
        for (text, reason) in [
            ("", "expected a four-digit year"),
            ("24-02-01", "expected a four-digit year"),
            ("2024/02/01", "expected '-' after the year"),
            ("2024-13-01", "the date does not exist"),
            ("2023-02-29", "the date does not exist"),
            ("0000-01-01", "the date does not exist"),
            ("2024-02-01T24:00:00", "the time of day does not exist"),
            ("2024-02-01T12:60:00", "the time of day does not exist"),
            ("2024-02-01T12:00:60", "the time of day does not exist"),
            ("2024-02-01T12:00:00.", "expected one to nine fraction digits"),
            ("2024-02-01T12:00:00.1234567890", "expected one to nine fraction digits"),
            ("2024-02-01T12:00:00+00", "expected ':' in the UTC offset"),
            ("2024-02-01T12:00:00+24:00", "the UTC offset must be less than 24 hours"),
            ("2024-02-01T12:00:00+23:60", "the UTC offset must be less than 24 hours"),
            (
                "2024-02-01T12:00:00 UTC",
                "expected 'Z' or a UTC offset such as '+00:00'",
            ),
            ("2024-02-01T12:00:00Zjunk", "unexpected text after the datetime"),
            ("２０２４-02-01", "expected a four-digit year"),
        ] {
            let error = parse_isoformat(text).expect_err(text);
            assert_eq!(error.reason(), reason, "{text}");
        }
    }

    #[test]
    fn parsing_refuses_times_that_leave_years_1_to_9999_once_converted_to_utc() {
        for text in [
            "0001-01-01T00:00:00+02:00",
            "0001-01-01T01:59:59.999999+02:00",
            "9999-12-31T23:00:00-02:00",
            "9999-12-31T23:59:59.999999-00:00:01",
        ] {
            let error = parse_isoformat(text).expect_err(text);
            assert_eq!(
                error.reason(),
                "the datetime is outside the years 1 to 9999 once converted to UTC",
                "{text}"
            );
        }
        // The first and last instants Python holds, reached through an offset.
        assert_eq!(
            parse_isoformat("0001-01-01T02:00:00+02:00"),
            Ok(utc(1, 1, 1, 0, 0, 0, 0))
        );
        assert_eq!(
            parse_isoformat("9999-12-31T21:59:59.999999-02:00"),
            Ok(utc(9999, 12, 31, 23, 59, 59, 999_999))
        );
    }

    #[test]
    fn errors_quote_a_bounded_prefix_of_the_input() {
        let long = "x".repeat(10_000);
        let message = parse_isoformat(&long).unwrap_err().to_string();
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn the_civil_day_count_agrees_with_chrono_across_the_calendar() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let mut date = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        while date.year() <= 9999 {
            let expected = (date - epoch).num_days();
            assert_eq!(
                days_from_civil(date.year() as u32, date.month(), date.day()),
                expected,
                "{date}"
            );
            assert_eq!(
                civil_from_days(expected),
                (i64::from(date.year()), date.month(), date.day()),
                "{date}"
            );
            assert_eq!(
                days_in_month(date.year() as u32, date.month()),
                date.num_days_in_month() as u32
            );
            date += TimeDelta::days(37);
        }
    }

    #[test]
    fn formatting_then_parsing_is_the_identity_at_microsecond_precision() {
        for t in [
            utc(1970, 1, 1, 0, 0, 0, 0),
            utc(2038, 1, 19, 3, 14, 7, 999_999),
            utc(1, 1, 1, 0, 0, 0, 1),
        ] {
            assert_eq!(parse_isoformat(&iso(&t)), Ok(t));
        }
    }
}
