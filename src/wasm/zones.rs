//! Time zones from the host's `Intl`, which knows every IANA zone, so the module
//! carries no zone database of its own.

use std::sync::{Arc, Mutex, PoisonError};

use wasm_bindgen::prelude::*;

use crate::time::Timestamp;
use crate::zone::{ZoneProvider, ZoneRules};

#[wasm_bindgen(inline_js = r#"
const formats = new Map();
function formatter(zone) {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric",
      day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
    formats.set(zone, f);
  }
  return f;
}
export function zoneKnown(zone) {
  try { formatter(zone); return true; } catch { return false; }
}
export function zoneOffsetSeconds(zone, ms) {
  const at = Math.floor(ms / 1000) * 1000;
  const parts = {};
  for (const p of formatter(zone).formatToParts(new Date(at))) parts[p.type] = p.value;
  const local = new Date(0);
  local.setUTCFullYear(+parts.year, +parts.month - 1, +parts.day);
  local.setUTCHours(+parts.hour, +parts.minute, +parts.second, 0);
  return Math.round((local.getTime() - at) / 1000);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = zoneKnown)]
    fn zone_known(zone: &str) -> bool;
    #[wasm_bindgen(js_name = zoneOffsetSeconds, catch)]
    fn zone_offset_seconds(zone: &str, ms: f64) -> Result<f64, JsValue>;
}

/// Zones resolved by `Intl.DateTimeFormat`.
pub struct IntlZones;

impl ZoneProvider for IntlZones {
    fn zone(&self, name: &str) -> Option<Arc<dyn ZoneRules>> {
        zone_known(name).then(|| {
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
        let seconds = zone_offset_seconds(&self.name, at.millis() as f64)
            .map_err(|e| format!("Intl could not convert the time: {e:?}"))?;
        let offset = seconds as i32;
        *last = Some((quarter, offset));
        Ok(offset)
    }
}
