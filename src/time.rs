//! Instants: RFC 3339 parsing and formatting and local (wall-clock) time, through chrono.

use std::fmt;

use chrono::format::ParseErrorKind;
use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, Utc};

use crate::text::truncate;

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// The earliest and latest instants accepted: years 0000 to 9999.
const MIN_MILLIS: i64 = -62_167_219_200_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// Why a time could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeError {
    /// The text that was given.
    pub input: String,
    /// What was wrong with it.
    pub problem: &'static str,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid time {:?}: {} (expected RFC 3339, like 2026-11-26T10:00:00Z)",
            truncate(&self.input, 64),
            self.problem
        )
    }
}

impl std::error::Error for TimeError {}

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// An instant from milliseconds since the epoch, if it lies in years 0000–9999.
    pub fn from_millis(millis: i64) -> Option<Timestamp> {
        (MIN_MILLIS..=MAX_MILLIS)
            .contains(&millis)
            .then_some(Timestamp(millis))
    }

    /// An instant from a JavaScript-style millisecond count (fractions truncated).
    pub fn from_millis_f64(millis: f64) -> Option<Timestamp> {
        if !millis.is_finite() {
            return None;
        }
        let truncated = millis.trunc();
        if truncated < MIN_MILLIS as f64 || truncated > MAX_MILLIS as f64 {
            return None;
        }
        Timestamp::from_millis(truncated as i64)
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `delta` milliseconds, clamped to the supported range.
    pub fn saturating_add_millis(self, delta: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(delta).clamp(MIN_MILLIS, MAX_MILLIS))
    }

    /// The system clock. Not available on `wasm32`, where the host supplies the time.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Timestamp {
        let millis = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(MAX_MILLIS),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(-MIN_MILLIS),
        };
        Timestamp(millis.clamp(MIN_MILLIS, MAX_MILLIS))
    }

    /// Parses an RFC 3339 date-time: `2026-11-26T10:00:00Z`, `2026-11-26T11:00:00.5+01:00`.
    /// `t`/`z` may be lower case and a space may separate date and time (RFC 3339 §5.6
    /// note); a leap second (`:60`) is read as the last second of its minute. Digits
    /// past the millisecond are dropped.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let fail = |problem| TimeError {
            input: text.to_owned(),
            problem,
        };
        let at = DateTime::parse_from_rfc3339(text).map_err(|e| {
            fail(match e.kind() {
                ParseErrorKind::TooShort => "too short for a date and time",
                ParseErrorKind::TooLong => "unexpected text after the offset",
                ParseErrorKind::OutOfRange => "no such date, time or offset",
                _ => "a character is out of place",
            })
        })?;
        // chrono counts a leap second as 1,000 ms more of the second before it.
        let millis = at.timestamp() * 1_000 + i64::from(at.timestamp_subsec_millis() % 1_000);
        Timestamp::from_millis(millis).ok_or_else(|| fail("outside the years 0000 to 9999"))
    }

    /// This instant in UTC.
    pub fn to_utc(self) -> DateTime<Utc> {
        // Years 0000 to 9999 lie well inside chrono's range.
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// This instant on the wall clock of `offset`: one calendar computation, after
    /// which the date, weekday, hour and minute are read off the fields.
    pub fn local(self, offset: FixedOffset) -> NaiveDateTime {
        let shifted = self
            .0
            .saturating_add(i64::from(offset.local_minus_utc()) * 1_000);
        // A day either side of years 0000 to 9999 lies well inside chrono's range.
        DateTime::from_timestamp_millis(shifted)
            .unwrap_or_default()
            .naive_utc()
    }

    /// The RFC 3339 form in UTC, with milliseconds only when they are not zero:
    /// `2026-11-26T10:00:00Z`, `2026-11-26T10:00:00.250Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// Appends the RFC 3339 form in UTC (what `Display` writes) to `out`.
    pub fn write_rfc3339(self, out: &mut String) {
        out.push_str(&self.to_rfc3339());
    }
}

impl fmt::Display for Timestamp {
    /// The RFC 3339 form in UTC ([`Timestamp::to_rfc3339`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn parses_utc_and_offsets_to_the_same_instant() {
        assert_eq!(ts("2026-11-26T10:00:00Z"), ts("2026-11-26T11:00:00+01:00"));
        assert_eq!(ts("2026-11-26T10:00:00Z"), ts("2026-11-26t05:00:00-05:00"));
        assert_eq!(ts("1970-01-01T00:00:00Z"), Timestamp::EPOCH);
        assert_eq!(ts("2026-11-26T10:00:00.25Z").millis() % 1000, 250);
    }

    #[test]
    fn formats_round_trip() {
        for s in [
            "2026-11-26T10:00:00Z",
            "2024-02-29T23:59:59.999Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(ts(s).to_string(), s);
        }
    }

    #[test]
    fn display_and_write_rfc3339_round_trip_through_parsing() {
        let check = |millis: i64| {
            let t = Timestamp::from_millis(millis).unwrap();
            let mut written = String::from("x");
            t.write_rfc3339(&mut written);
            assert_eq!(written[1..], t.to_string(), "{millis}");
            assert_eq!(ts(&written[1..]), t, "{millis}");
            // Milliseconds appear exactly when they are not zero, as three digits.
            let len = if millis.rem_euclid(1_000) == 0 {
                20
            } else {
                24
            };
            assert_eq!(written.len() - 1, len, "{written}");
        };
        for millis in [
            0, 1, 999, 1_000, 59_999, 86_399_999, -1, MIN_MILLIS, MAX_MILLIS,
        ] {
            check(millis);
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let span = (MAX_MILLIS - MIN_MILLIS) as u64 + 1;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check((x % span) as i64 + MIN_MILLIS);
        }
        assert_eq!(
            Timestamp::from_millis(MIN_MILLIS).unwrap().to_string(),
            "0000-01-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_millis(MAX_MILLIS).unwrap().to_string(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            ts("2026-11-26T10:00:00.05Z").to_string(),
            "2026-11-26T10:00:00.050Z"
        );
    }

    #[test]
    fn leap_seconds_and_long_fractions_are_read() {
        assert_eq!(ts("2016-12-31T23:59:60.5Z"), ts("2016-12-31T23:59:59.5Z"));
        assert_eq!(ts("2026-11-26T10:00:00.123456789Z").millis() % 1_000, 123);
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "2026-11-26",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T10:00:00",
            "2026-11-26T10:00:00Zjunk",
            "2026-11-26T10:00:00+2:00",
            "2026-11-26T10:00:00.Z",
            "２０２６-11-26T10:00:00Z",
            "0000-01-01T00:00:00+01:00",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
        let problem = |text| Timestamp::parse_rfc3339(text).unwrap_err().problem;
        assert_eq!(problem("yesterday"), "too short for a date and time");
        assert_eq!(
            problem("2026-13-01T00:00:00Z"),
            "no such date, time or offset"
        );
        assert_eq!(
            problem("2026-11-26T10:00:00Zjunk"),
            "unexpected text after the offset"
        );
        assert_eq!(
            problem("2026-11-26X10:00:00Z"),
            "a character is out of place"
        );
    }

    #[test]
    fn local_time_follows_the_offset() {
        use chrono::{Datelike, Timelike, Weekday};
        let t = ts("2026-11-28T02:00:00Z"); // a Saturday in UTC
        let utc = t.local(FixedOffset::east_opt(0).unwrap());
        assert_eq!(utc.weekday(), Weekday::Sat);
        let ny = t.local(FixedOffset::west_opt(5 * 3600).unwrap());
        assert_eq!(
            (ny.weekday(), ny.hour(), ny.minute()),
            (Weekday::Fri, 21, 0)
        );
    }

    #[test]
    fn millis_outside_the_supported_years_are_refused() {
        assert!(Timestamp::from_millis_f64(f64::NAN).is_none());
        assert!(Timestamp::from_millis_f64(1e20).is_none());
        assert_eq!(
            Timestamp::from_millis_f64(1.5).map(Timestamp::millis),
            Some(1)
        );
    }
}
