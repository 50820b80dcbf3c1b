//! Time zones from the host's `Intl.DateTimeFormat` (through js-sys), which knows
//! every IANA zone, so the module carries no zone database of its own.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use js_sys::Intl::{DateTimeFormat, DateTimeFormatPart, DateTimeFormatPartType as Part};
use js_sys::{Array, Date, Function, Object, Reflect};
use rustc_hash::FxHashMap;
use wasm_bindgen::{JsCast, JsValue};

use crate::time::Timestamp;
use crate::zone::{ZoneProvider, ZoneRules};

thread_local! {
    /// One formatter per zone, made on first use. JavaScript values stay on the
    /// thread that made them, so they live here rather than in the `Send` rules.
    static FORMATS: RefCell<FxHashMap<String, DateTimeFormat>> = RefCell::default();
}

/// A formatter that writes the civil date and time of an instant in `zone`, or the
/// host's error (a `RangeError` for an unknown zone).
fn formatter(zone: &str) -> Result<DateTimeFormat, JsValue> {
    if let Some(f) = FORMATS.with_borrow(|formats| formats.get(zone).cloned()) {
        return Ok(f);
    }
    let options = Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("hourCycle", "h23"),
        ("year", "numeric"),
        ("month", "numeric"),
        ("day", "numeric"),
        ("hour", "numeric"),
        ("minute", "numeric"),
        ("second", "numeric"),
    ] {
        Reflect::set(&options, &key.into(), &value.into())?;
    }
    // `DateTimeFormat::new` does not catch what the constructor throws; construct
    // through `Reflect`, which does.
    let constructor: Function = DateTimeFormat::default().constructor();
    let args = Array::of2(&"en-US".into(), &options);
    let made: DateTimeFormat = Reflect::construct(&constructor, &args)?.dyn_into()?;
    FORMATS.with_borrow_mut(|formats| formats.insert(zone.to_owned(), made.clone()));
    Ok(made)
}

/// Seconds to add to UTC to get the wall-clock time of `zone` at `at` (whole seconds).
fn offset_seconds(zone: &str, at: Timestamp) -> Result<i32, String> {
    let host = |e: JsValue| format!("Intl could not convert the time: {e:?}");
    let seconds = at.millis().div_euclid(1_000);
    let parts = formatter(zone)
        .map_err(host)?
        .format_to_parts(&Date::new(&JsValue::from_f64((seconds * 1_000) as f64)));
    let mut fields = [0u32; 6];
    for part in parts.iter() {
        let part: DateTimeFormatPart = part.unchecked_into();
        let slot = match part.type_() {
            Part::Year => 0,
            Part::Month => 1,
            Part::Day => 2,
            Part::Hour => 3,
            Part::Minute => 4,
            Part::Second => 5,
            _ => continue,
        };
        let value = String::from(part.value());
        if let Some(field) = fields.get_mut(slot) {
            *field = value
                .parse()
                .map_err(|_| format!("Intl wrote {value:?} where a number belongs"))?;
        }
    }
    let [year, month, day, hour, minute, second] = fields;
    let local = i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        .and_then(|date| date.and_hms_opt(hour, minute, second))
        .ok_or_else(|| format!("Intl wrote no valid date and time: {fields:?}"))?;
    i32::try_from(local.and_utc().timestamp() - seconds)
        .map_err(|_| "Intl gave an offset out of range".to_owned())
}

/// Zones resolved by `Intl.DateTimeFormat`.
pub struct IntlZones;

impl ZoneProvider for IntlZones {
    fn zone(&self, name: &str) -> Option<Arc<dyn ZoneRules>> {
        formatter(name).ok().map(|_| {
            Arc::new(IntlZone {
                name: name.to_owned(),
                last: Mutex::new(None),
            }) as Arc<dyn ZoneRules>
        })
    }
}

/// Offsets change only at transitions, which fall on quarter hours: the last answer
/// serves the rest of its quarter hour.
#[derive(Debug)]
struct IntlZone {
    name: String,
    last: Mutex<Option<(i64, i32)>>,
}

const QUARTER_HOUR_MS: i64 = 15 * 60 * 1000;

impl ZoneRules for IntlZone {
    fn offset_seconds(&self, at: Timestamp) -> Result<i32, String> {
        let quarter = at.millis().div_euclid(QUARTER_HOUR_MS);
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((q, offset)) = *last {
            if q == quarter {
                return Ok(offset);
            }
        }
        let offset = offset_seconds(&self.name, at)?;
        *last = Some((quarter, offset));
        Ok(offset)
    }
}
