//! KEPT ONLY FOR `src/conformance.rs`, which another branch rewrites without it;
//! delete this file (and its `mod`/`use` lines in `json/mod.rs`) when that lands.
//!
//! The hand-written object reader the crate used before serde: [`Obj`] takes an
//! object's members one by one, refusing unknown keys, and the typed getters name
//! the member in their error. Nothing else in the crate may use it.

use serde_json::{Map, Value};

use super::{JsonError, describe};
use crate::text::{suggest, truncate};

impl JsonError {
    /// `expected <what>, found <a description of found>`.
    pub fn expected(what: &str, found: &Value) -> JsonError {
        JsonError::new(format!("expected {what}, found {}", describe(found)))
    }
}

/// A string.
pub fn string(value: Value) -> Result<String, JsonError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(JsonError::expected("a string", &other)),
    }
}

/// A string that is not empty.
pub fn non_empty_string(value: Value) -> Result<String, JsonError> {
    match value {
        Value::String(s) if !s.is_empty() => Ok(s),
        other => Err(JsonError::expected("a non-empty string", &other)),
    }
}

/// `true` or `false`.
pub fn boolean(value: Value) -> Result<bool, JsonError> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(JsonError::expected("true or false", &other)),
    }
}

/// Any number.
pub fn number(value: &Value) -> Result<f64, JsonError> {
    value
        .as_f64()
        .ok_or_else(|| JsonError::expected("a number", value))
}

/// A whole number from 0 to `max`.
fn whole(value: &Value, max: u64) -> Result<u64, JsonError> {
    match value.as_u64() {
        Some(n) if n <= max => Ok(n),
        Some(_) => Err(JsonError::expected(
            &format!("a whole number of at most {max}"),
            value,
        )),
        None => Err(JsonError::expected("a whole number of at least 0", value)),
    }
}

/// A whole number that fits a `u32`.
pub fn u32(value: Value) -> Result<u32, JsonError> {
    whole(&value, u32::MAX.into()).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// A whole number that fits a `u64`.
pub fn u64(value: Value) -> Result<u64, JsonError> {
    whole(&value, u64::MAX)
}

/// A whole number that fits a `usize` (32 bits in WebAssembly).
pub fn usize(value: Value) -> Result<usize, JsonError> {
    let max = u64::try_from(usize::MAX).unwrap_or(u64::MAX);
    whole(&value, max).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// An object.
pub fn object(value: Value) -> Result<Map<String, Value>, JsonError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(JsonError::expected("an object", &other)),
    }
}

/// An array.
pub fn array(value: Value) -> Result<Vec<Value>, JsonError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(JsonError::expected("an array", &other)),
    }
}

/// An array whose items `read` reads; an error names the item's index.
pub fn list<T>(value: Value, read: fn(Value) -> Result<T, JsonError>) -> Result<Vec<T>, JsonError> {
    array(value)?
        .into_iter()
        .enumerate()
        .map(|(i, item)| read(item).map_err(|e| e.in_index(i)))
        .collect()
}

/// An array of strings.
pub fn strings(value: Value) -> Result<Vec<String>, JsonError> {
    list(value, string)
}

/// An object being read: its members are taken one by one with the typed getters,
/// each naming the member in its error. `null` counts as absent.
#[derive(Debug)]
pub struct Obj {
    members: Map<String, Value>,
}

impl Obj {
    /// `value` as an object whose keys are all in `known`; any other is an
    /// `unknown key`, with the closest known one suggested.
    pub fn new(value: Value, known: &[&str]) -> Result<Obj, JsonError> {
        Obj::checked(value, known, "key")
    }

    /// [`Obj::new`] for an options object: any other key is an `unknown option`.
    pub fn options(value: Value, known: &[&str]) -> Result<Obj, JsonError> {
        Obj::checked(value, known, "option")
    }

    fn checked(value: Value, known: &[&str], noun: &str) -> Result<Obj, JsonError> {
        let members = object(value)?;
        if let Some(key) = members.keys().find(|k| !known.contains(&k.as_str())) {
            let hint =
                suggest(key, known).map_or_else(String::new, |s| format!("; did you mean '{s}'?"));
            return Err(JsonError::new(format!(
                "unknown {noun} '{}'{hint}",
                truncate(key, 40)
            )));
        }
        Ok(Obj { members })
    }

    /// The member `key` as it is, if present and not `null`.
    pub fn value(&mut self, key: &str) -> Option<Value> {
        self.members.remove(key).filter(|v| !v.is_null())
    }

    /// The member `key` read by `read`, if present and not `null`.
    pub fn get<T>(
        &mut self,
        key: &str,
        read: fn(Value) -> Result<T, JsonError>,
    ) -> Result<Option<T>, JsonError> {
        match self.value(key) {
            Some(v) => read(v).map(Some).map_err(|e| e.in_key(key)),
            None => Ok(None),
        }
    }

    /// The member `key` read by `read`; its absence is an error that says `expected`.
    pub fn need<T>(
        &mut self,
        key: &str,
        expected: &str,
        read: fn(Value) -> Result<T, JsonError>,
    ) -> Result<T, JsonError> {
        self.get(key, read)?.ok_or_else(|| missing(key, expected))
    }

    /// The member `key`, which must be present but may be `null` (read as `None`);
    /// any other value is read by `read`.
    pub fn nullable<T>(
        &mut self,
        key: &str,
        expected: &str,
        read: fn(Value) -> Result<T, JsonError>,
    ) -> Result<Option<T>, JsonError> {
        match self.members.remove(key) {
            None => Err(missing(key, expected)),
            Some(Value::Null) => Ok(None),
            Some(v) => read(v).map(Some).map_err(|e| e.in_key(key)),
        }
    }

    /// An optional string.
    pub fn str(&mut self, key: &str) -> Result<Option<String>, JsonError> {
        self.get(key, string)
    }

    /// A required string.
    pub fn need_str(&mut self, key: &str) -> Result<String, JsonError> {
        self.need(key, "a string", string)
    }

    /// An optional array of strings, empty when absent.
    pub fn strings(&mut self, key: &str) -> Result<Vec<String>, JsonError> {
        Ok(self.get(key, strings)?.unwrap_or_default())
    }

    /// An optional `true` or `false`.
    pub fn bool(&mut self, key: &str) -> Result<Option<bool>, JsonError> {
        self.get(key, boolean)
    }

    /// An optional whole number that fits a `u32`.
    pub fn u32(&mut self, key: &str) -> Result<Option<u32>, JsonError> {
        self.get(key, u32)
    }

    /// An optional whole number that fits a `u64`.
    pub fn u64(&mut self, key: &str) -> Result<Option<u64>, JsonError> {
        self.get(key, u64)
    }

    /// An optional whole number that fits a `usize`.
    pub fn usize(&mut self, key: &str) -> Result<Option<usize>, JsonError> {
        self.get(key, usize)
    }

    /// An optional number.
    pub fn f64(&mut self, key: &str) -> Result<Option<f64>, JsonError> {
        self.get(key, |v| number(&v))
    }

    /// An optional object.
    pub fn object(&mut self, key: &str) -> Result<Option<Map<String, Value>>, JsonError> {
        self.get(key, object)
    }

    /// An optional array.
    pub fn array(&mut self, key: &str) -> Result<Option<Vec<Value>>, JsonError> {
        self.get(key, array)
    }

    /// An optional array whose items `read` reads, empty when absent.
    pub fn list<T>(
        &mut self,
        key: &str,
        read: fn(Value) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        match self.value(key) {
            Some(v) => list(v, read).map_err(|e| e.in_key(key)),
            None => Ok(Vec::new()),
        }
    }
}

fn missing(key: &str, expected: &str) -> JsonError {
    JsonError::new(format!("missing (expected {expected})")).in_key(key)
}
