//! Policy time zones: UTC, fixed offsets, and IANA names resolved by a [`ZoneProvider`].
//!
//! Native builds use the bundled IANA database (feature `bundled-tz`); the WebAssembly
//! binding supplies a provider backed by the host's `Intl`, which knows every zone.

use std::fmt;
use std::sync::Arc;

use chrono::{FixedOffset, Offset, Utc};

use crate::time::Timestamp;

/// The rules of one named zone: its UTC offset at any instant.
pub trait ZoneRules: Send + Sync + fmt::Debug {
    /// Seconds to add to UTC to get local time at `at`.
    fn offset_seconds(&self, at: Timestamp) -> Result<i32, String>;
}

/// Finds the rules of IANA zones by name.
pub trait ZoneProvider: Send + Sync {
    /// The rules for `name`, or `None` if the name is not a known zone.
    fn zone(&self, name: &str) -> Option<Arc<dyn ZoneRules>>;
}

/// A policy's time zone.
#[derive(Clone, Debug)]
pub enum Zone {
    /// A fixed offset from UTC (UTC itself is zero).
    Fixed(FixedOffset),
    /// An IANA zone with daylight-saving rules.
    Named {
        /// The name as written in the policy.
        name: Arc<str>,
        /// Its offset rules.
        rules: Arc<dyn ZoneRules>,
    },
}

impl Default for Zone {
    fn default() -> Self {
        Zone::Fixed(Utc.fix())
    }
}

impl Zone {
    /// Reads `UTC`, `Z`, `+02:00`, `-0530`, `+02`, or an IANA name known to `provider`.
    pub fn parse(text: &str, provider: &dyn ZoneProvider) -> Result<Zone, String> {
        if matches!(text, "UTC" | "Z" | "Etc/UTC" | "utc") {
            return Ok(Zone::default());
        }
        if let Some(offset) = parse_fixed_offset(text) {
            return offset.map(Zone::Fixed);
        }
        match provider.zone(text) {
            Some(rules) => Ok(Zone::Named {
                name: Arc::from(text),
                rules,
            }),
            None => Err(format!(
                "unknown time zone '{text}': expected an IANA name like Europe/Berlin or an offset like +02:00"
            )),
        }
    }

    /// The offset from UTC in force at `at`.
    pub fn offset(&self, at: Timestamp) -> Result<FixedOffset, String> {
        match self {
            Zone::Fixed(offset) => Ok(*offset),
            Zone::Named { rules, name } => rules
                .offset_seconds(at)
                .and_then(|s| {
                    FixedOffset::east_opt(s)
                        .ok_or_else(|| format!("offset of {s} s is out of range"))
                })
                .map_err(|e| format!("time zone {name}: {e}")),
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(offset) if offset.local_minus_utc() == 0 => f.write_str("UTC"),
            Zone::Fixed(offset) => write!(f, "{offset}"),
            Zone::Named { name, .. } => f.write_str(name),
        }
    }
}

/// `Some(Ok)` for a well-formed offset, `Some(Err)` for a malformed one that starts
/// with a sign, `None` when the text is not an offset at all.
fn parse_fixed_offset(text: &str) -> Option<Result<FixedOffset, String>> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    let well_formed = digits.chars().all(|c| c.is_ascii_digit())
        && matches!((digits.len(), rest.len()), (2, 2) | (4, 4) | (4, 5))
        && (rest.len() != 5 || rest.as_bytes().get(2) == Some(&b':'));
    let parsed = well_formed
        .then(|| {
            let h: i32 = digits.get(..2)?.parse().ok()?;
            let m: i32 = digits
                .get(2..)
                .filter(|m| !m.is_empty())
                .map_or(Some(0), |m| m.parse().ok())?;
            (h <= 18 && m <= 59)
                .then(|| FixedOffset::east_opt(sign * (h * 3600 + m * 60)))
                .flatten()
        })
        .flatten();
    Some(
        parsed.ok_or_else(|| {
            format!("invalid UTC offset '{text}': expected +HH:MM with hours up to 18")
        }),
    )
}

/// A provider that knows no named zones (offsets and UTC still work).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoZones;

impl ZoneProvider for NoZones {
    fn zone(&self, _name: &str) -> Option<Arc<dyn ZoneRules>> {
        None
    }
}

/// The IANA database compiled into the binary.
#[cfg(feature = "bundled-tz")]
#[derive(Debug, Default, Clone, Copy)]
pub struct BundledZones;

#[cfg(feature = "bundled-tz")]
mod bundled {
    use super::*;
    use chrono::TimeZone;

    #[derive(Debug)]
    struct Rules(chrono_tz::Tz);

    impl ZoneRules for Rules {
        fn offset_seconds(&self, at: Timestamp) -> Result<i32, String> {
            Ok(self
                .0
                .offset_from_utc_datetime(&at.to_utc().naive_utc())
                .fix()
                .local_minus_utc())
        }
    }

    impl ZoneProvider for BundledZones {
        fn zone(&self, name: &str) -> Option<Arc<dyn ZoneRules>> {
            let tz: chrono_tz::Tz = name.parse().ok()?;
            Some(Arc::new(Rules(tz)))
        }
    }
}

/// The provider a native engine uses unless told otherwise.
pub fn default_provider() -> Arc<dyn ZoneProvider> {
    #[cfg(feature = "bundled-tz")]
    {
        Arc::new(BundledZones)
    }
    #[cfg(not(feature = "bundled-tz"))]
    {
        Arc::new(NoZones)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_offsets_parse_in_common_spellings() {
        for (text, secs) in [
            ("+02:00", 7200),
            ("-0530", -19800),
            ("+01", 3600),
            ("UTC", 0),
        ] {
            match Zone::parse(text, &NoZones) {
                Ok(Zone::Fixed(o)) => assert_eq!(o.local_minus_utc(), secs, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_offsets_and_unknown_names_are_errors() {
        for text in ["+2:00", "+25:00", "+02:60", "+02:0", "-", "+0a:00"] {
            assert!(Zone::parse(text, &NoZones).is_err(), "{text}");
        }
        let err = Zone::parse("Mars/Olympus_Mons", &NoZones).unwrap_err();
        assert!(err.contains("Mars/Olympus_Mons"));
    }

    #[cfg(feature = "bundled-tz")]
    #[test]
    fn named_zones_follow_daylight_saving() {
        let ny = Zone::parse("America/New_York", &BundledZones).unwrap();
        let winter = Timestamp::parse_rfc3339("2026-11-25T14:00:00Z").unwrap();
        let summer = Timestamp::parse_rfc3339("2026-07-15T13:00:00Z").unwrap();
        assert_eq!(ny.offset(winter).unwrap().local_minus_utc(), -5 * 3600);
        assert_eq!(ny.offset(summer).unwrap().local_minus_utc(), -4 * 3600);
    }
}
