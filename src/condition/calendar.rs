//! `time_range` and `days`: wall-clock windows in the policy's time zone.

use std::fmt;

use chrono::{Weekday, WeekdaySet};

/// A daily window `[start, end)` in minutes of the day; `start > end` wraps midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    start: u16,
    end: u16,
}

impl TimeRange {
    /// Reads `HH:MM-HH:MM` (the end may be `24:00`; start and end must differ).
    pub fn parse(text: &str) -> Result<TimeRange, String> {
        let bad = || format!("invalid time range '{text}': expected HH:MM-HH:MM, like 09:00-18:00");
        let (a, b) = text.split_once('-').ok_or_else(bad)?;
        let start = clock(a.trim(), false).ok_or_else(bad)?;
        let end = clock(b.trim(), true).ok_or_else(bad)?;
        if start == end {
            return Err(format!(
                "time range '{text}' is empty: start and end are the same (use no time_range for all day)"
            ));
        }
        Ok(TimeRange { start, end })
    }

    /// Whether the minute of the day lies in the window.
    pub fn contains(self, minute_of_day: u32) -> bool {
        let (s, e) = (u32::from(self.start), u32::from(self.end));
        if s < e {
            s <= minute_of_day && minute_of_day < e
        } else {
            minute_of_day >= s || minute_of_day < e
        }
    }
}

/// `H:MM` or `HH:MM` as minutes; `24:00` only where `allow_24` is set.
fn clock(text: &str, allow_24: bool) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        (n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let (h, m) = (digits(h, 1..=2)?, digits(m, 2..=2)?);
    match (h, m) {
        (24, 0) if allow_24 => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

/// A set of weekdays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DaySet(WeekdaySet);

impl DaySet {
    /// Reads one day (`mon`, `Monday`), or a range (`mon-fri`, wrapping `fri-mon`), in any case.
    pub fn parse_item(text: &str) -> Result<DaySet, String> {
        let day = |s: &str| {
            s.trim().parse::<Weekday>().map_err(|_| {
                format!(
                    "unknown day '{}': expected mon, tue, wed, thu, fri, sat or sun",
                    s.trim()
                )
            })
        };
        match text.split_once('-') {
            None => Ok(DaySet::default().with(day(text)?)),
            Some((a, b)) => {
                let (from, to) = (day(a)?, day(b)?);
                let days = to.days_since(from) + 1;
                Ok(DaySet(
                    WeekdaySet::ALL.iter(from).take(days as usize).collect(),
                ))
            }
        }
    }

    /// This set with `day` added.
    pub fn with(self, day: Weekday) -> DaySet {
        DaySet(self.0.union(WeekdaySet::single(day)))
    }

    /// Both sets together.
    pub fn union(self, other: DaySet) -> DaySet {
        DaySet(self.0.union(other.0))
    }

    /// Whether `day` is in the set.
    pub fn contains(self, day: Weekday) -> bool {
        self.0.contains(day)
    }
}

/// The three-letter lower-case name of `day`, as policies write it.
pub fn day_name(day: Weekday) -> &'static str {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    NAMES
        .get(day.num_days_from_monday() as usize)
        .copied()
        .unwrap_or_default()
}

impl fmt::Display for DaySet {
    /// `[mon, fri, sat, sun]`, Monday first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter(Weekday::Mon).map(day_name).collect();
        write!(f, "[{}]", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_half_open_and_may_wrap() {
        let day = TimeRange::parse("09:00-18:00").unwrap();
        assert!(day.contains(9 * 60) && !day.contains(18 * 60) && !day.contains(8 * 60 + 59));
        let night = TimeRange::parse("22:00-06:00").unwrap();
        assert!(night.contains(23 * 60) && night.contains(0) && !night.contains(6 * 60));
        let to_midnight = TimeRange::parse("20:00-24:00").unwrap();
        assert!(to_midnight.contains(1439) && !to_midnight.contains(0));
        assert!(
            TimeRange::parse("9:30-17:00")
                .unwrap()
                .contains(9 * 60 + 30)
        );
    }

    #[test]
    fn malformed_ranges_are_refused() {
        for bad in [
            "9am-6pm",
            "09:00",
            "09:00-09:00",
            "24:00-01:00",
            "09:60-10:00",
            "09:0-10:00",
            "-",
        ] {
            assert!(TimeRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn day_ranges_wrap_the_week() {
        let weekdays = DaySet::parse_item("mon-fri").unwrap();
        assert!(weekdays.contains(Weekday::Fri) && !weekdays.contains(Weekday::Sat));
        let long_weekend = DaySet::parse_item("FRI-Mon").unwrap();
        assert_eq!(long_weekend.to_string(), "[mon, fri, sat, sun]");
        assert_eq!(DaySet::parse_item("sun-sun").unwrap().to_string(), "[sun]");
        assert_eq!(
            DaySet::parse_item("tue-mon").unwrap().to_string(),
            "[mon, tue, wed, thu, fri, sat, sun]"
        );
        for bad in ["funday", "mo", "mond", "mon-", "mon-fri-sat"] {
            assert!(DaySet::parse_item(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn day_names_parse_in_any_case_and_length() {
        for text in ["mon", "MON", "Monday", " monday "] {
            assert_eq!(
                DaySet::parse_item(text).unwrap().to_string(),
                "[mon]",
                "{text}"
            );
        }
    }
}
