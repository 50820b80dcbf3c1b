//! Instants and civil time: RFC 3339 parsing and formatting, days of the week,
//! minutes of the day. Dependency-free so the WebAssembly build stays small.

use std::fmt;

use crate::text::truncate;

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// The earliest and latest instants accepted: years 0000 to 9999.
const MIN_MILLIS: i64 = -62_167_219_200_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

const MILLIS_PER_DAY: i64 = 86_400_000;

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
    /// `t`/`z` may be lower case and a space may separate date and time (RFC 3339 §5.6 note).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let fail = |problem| TimeError {
            input: text.to_owned(),
            problem,
        };
        let mut p = Cursor::new(text.as_bytes());
        let year = p
            .digits(4)
            .ok_or_else(|| fail("the year needs four digits"))?;
        p.expect(b'-')
            .ok_or_else(|| fail("expected '-' after the year"))?;
        let month = p
            .digits(2)
            .ok_or_else(|| fail("the month needs two digits"))?;
        p.expect(b'-')
            .ok_or_else(|| fail("expected '-' after the month"))?;
        let day = p
            .digits(2)
            .ok_or_else(|| fail("the day needs two digits"))?;
        if !matches!(p.next(), Some(b'T' | b't' | b' ')) {
            return Err(fail("expected 'T' between date and time"));
        }
        let hour = p
            .digits(2)
            .ok_or_else(|| fail("the hour needs two digits"))?;
        p.expect(b':')
            .ok_or_else(|| fail("expected ':' after the hour"))?;
        let minute = p
            .digits(2)
            .ok_or_else(|| fail("the minute needs two digits"))?;
        p.expect(b':')
            .ok_or_else(|| fail("expected ':' after the minute"))?;
        let second = p
            .digits(2)
            .ok_or_else(|| fail("the second needs two digits"))?;
        let mut millis = 0;
        if p.peek() == Some(b'.') {
            p.next();
            let mut scale = 100;
            let mut any = false;
            while let Some(d) = p.peek().filter(u8::is_ascii_digit) {
                p.next();
                any = true;
                millis += i64::from(d - b'0') * scale;
                scale /= 10;
            }
            if !any {
                return Err(fail("expected digits after the decimal point"));
            }
        }
        let offset_minutes = match p.next() {
            Some(b'Z' | b'z') => 0,
            Some(sign @ (b'+' | b'-')) => {
                let h = p
                    .digits(2)
                    .ok_or_else(|| fail("the offset hour needs two digits"))?;
                p.expect(b':')
                    .ok_or_else(|| fail("expected ':' in the offset"))?;
                let m = p
                    .digits(2)
                    .ok_or_else(|| fail("the offset minute needs two digits"))?;
                if h > 23 || m > 59 {
                    return Err(fail("the offset is out of range"));
                }
                let total = h * 60 + m;
                if sign == b'-' { -total } else { total }
            }
            _ => return Err(fail("expected 'Z' or an offset like +02:00")),
        };
        if p.peek().is_some() {
            return Err(fail("unexpected text after the offset"));
        }
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(fail("no such date"));
        }
        // RFC 3339 allows a leap second (60); it is read as the last second of the minute.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(fail("no such time of day"));
        }
        let seconds = days_from_civil(year, month, day) * 86_400
            + hour * 3_600
            + minute * 60
            + second.min(59)
            - offset_minutes * 60;
        Timestamp::from_millis(seconds * 1_000 + millis)
            .ok_or_else(|| fail("outside the years 0000 to 9999"))
    }

    /// The civil date and time of this instant shifted by `offset_seconds`.
    pub fn civil(self, offset_seconds: i32) -> Civil {
        let local = self.0.saturating_add(i64::from(offset_seconds) * 1_000);
        let days = local.div_euclid(MILLIS_PER_DAY);
        let in_day = local.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            minute_of_day: (in_day / 60_000) as u32,
            millis_of_minute: (in_day % 60_000) as u32,
            weekday: Weekday::from_days_since_epoch(days),
        }
    }
}

impl Timestamp {
    /// The longest RFC 3339 form: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    const RFC3339_MAX: usize = 24;

    /// The RFC 3339 form in UTC, on the stack: the bytes and how many are used.
    /// Unsigned arithmetic and two digits at a time: this runs for every decision
    /// and audit entry.
    fn rfc3339_bytes(self) -> ([u8; Timestamp::RFC3339_MAX], usize) {
        // Every instant lies in years 0000 to 9999, so this is never negative.
        let since_0000 = u64::try_from(self.0 - MIN_MILLIS).unwrap_or(0);
        let days = u32::try_from(since_0000 / MILLIS_PER_DAY as u64).unwrap_or(0);
        let in_day = (since_0000 % MILLIS_PER_DAY as u64) as u32;
        // Hinnant's civil_from_days on days counted from -0400-03-01, one 400-year era
        // (146,097 days) before 0000-03-01, so that nothing is negative.
        let z = days + 146_097 - 60;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = (yoe + era * 400 + u32::from(month <= 2)).saturating_sub(400);
        let seconds = in_day / 1_000;
        let millis = in_day % 1_000;

        let mut out = *b"0000-00-00T00:00:00.000Z";
        let fields = [
            (0, year / 100),
            (2, year),
            (5, month),
            (8, day),
            (11, seconds / 3_600),
            (14, seconds / 60 % 60),
            (17, seconds % 60),
            (21, millis),
        ];
        for (at, n) in fields {
            if let Some(slot) = out.get_mut(at..at + 2) {
                slot.copy_from_slice(&two_digits(n));
            }
        }
        if millis == 0 {
            if let Some(dot) = out.get_mut(19) {
                *dot = b'Z';
            }
            return (out, 20);
        }
        if let Some(hundreds) = out.get_mut(20) {
            *hundreds = b'0' + (millis / 100) as u8;
        }
        (out, Timestamp::RFC3339_MAX)
    }

    /// Appends the RFC 3339 form in UTC (what `Display` writes) to `out`.
    pub fn write_rfc3339(self, out: &mut String) {
        let (bytes, len) = self.rfc3339_bytes();
        out.push_str(ascii(&bytes, len));
    }
}

/// The last two decimal digits of `n`, as ASCII.
fn two_digits(n: u32) -> [u8; 2] {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let at = (n % 100) as usize * 2;
    match PAIRS.get(at..at + 2) {
        Some(&[tens, units]) => [tens, units],
        _ => *b"00",
    }
}

/// The first `len` bytes of `bytes`, which are ASCII.
fn ascii(bytes: &[u8], len: usize) -> &str {
    bytes
        .get(..len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or_default()
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with milliseconds only when they are not zero:
    /// `2026-11-26T10:00:00Z`, `2026-11-26T10:00:00.250Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bytes, len) = self.rfc3339_bytes();
        f.write_str(ascii(&bytes, len))
    }
}

/// A civil (wall-clock) date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// 0..1440.
    pub minute_of_day: u32,
    /// 0..60000.
    pub millis_of_minute: u32,
    pub weekday: Weekday,
}

/// A day of the week, Monday first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn from_days_since_epoch(days: i64) -> Weekday {
        // 1970-01-01 was a Thursday (index 3 from Monday).
        Weekday::from_index((days + 3).rem_euclid(7) as u8)
    }

    /// Monday is 0, Sunday is 6; larger values wrap.
    pub fn from_index(i: u8) -> Weekday {
        match i % 7 {
            0 => Weekday::Mon,
            1 => Weekday::Tue,
            2 => Weekday::Wed,
            3 => Weekday::Thu,
            4 => Weekday::Fri,
            5 => Weekday::Sat,
            _ => Weekday::Sun,
        }
    }

    /// Monday is 0, Sunday is 6.
    pub fn index(self) -> u8 {
        self as u8
    }

    /// The three-letter lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    fn full_name(self) -> &'static str {
        match self {
            Weekday::Mon => "monday",
            Weekday::Tue => "tuesday",
            Weekday::Wed => "wednesday",
            Weekday::Thu => "thursday",
            Weekday::Fri => "friday",
            Weekday::Sat => "saturday",
            Weekday::Sun => "sunday",
        }
    }

    /// Reads `mon`, `Monday`, `MON`: a full English name or its first three letters.
    pub fn parse(text: &str) -> Option<Weekday> {
        let lower = text.trim().to_ascii_lowercase();
        Weekday::ALL
            .into_iter()
            .find(|d| lower == d.name() || lower == d.full_name())
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A byte cursor for the fixed-width fields of RFC 3339.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut value = 0;
        for _ in 0..n {
            let d = self.next().filter(u8::is_ascii_digit)?;
            value = value * 10 + i64::from(d - b'0');
        }
        Some(value)
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

    /// The format spelt out with `write!`, to check the digit writer against.
    fn reference(t: Timestamp) -> String {
        let c = t.civil(0);
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year,
            c.month,
            c.day,
            c.minute_of_day / 60,
            c.minute_of_day % 60,
            c.millis_of_minute / 1_000
        );
        match c.millis_of_minute % 1_000 {
            0 => s.push('Z'),
            ms => s.push_str(&format!(".{ms:03}Z")),
        }
        s
    }

    #[test]
    fn display_and_write_rfc3339_agree_with_the_reference_format() {
        let check = |millis: i64| {
            let t = Timestamp::from_millis(millis).unwrap();
            let mut written = String::from("x");
            t.write_rfc3339(&mut written);
            assert_eq!(written[1..], reference(t), "{millis}");
            assert_eq!(t.to_string(), reference(t), "{millis}");
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
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weekday_and_minute_of_day_follow_the_offset() {
        let t = ts("2026-11-28T02:00:00Z"); // a Saturday in UTC
        assert_eq!(t.civil(0).weekday, Weekday::Sat);
        let ny = t.civil(-5 * 3600);
        assert_eq!(ny.weekday, Weekday::Fri);
        assert_eq!(ny.minute_of_day, 21 * 60);
    }

    #[test]
    fn civil_days_agree_for_a_wide_range() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
    }

    #[test]
    fn weekday_names_parse_in_any_case() {
        assert_eq!(Weekday::parse("MON"), Some(Weekday::Mon));
        assert_eq!(Weekday::parse("Sunday"), Some(Weekday::Sun));
        assert_eq!(Weekday::parse("mo"), None);
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
