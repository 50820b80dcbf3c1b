//! JSON by hand. Reading: one strict reader ([`parse`]) turns a text into a
//! [`Value`]; [`Obj`] then takes an object's members one by one, refusing unknown
//! keys, and every reader names the path of a value it cannot use:
//! `agent.id: expected a non-empty string, found 5`. Writing: strings escaped as
//! `JSON.stringify` does, and digits, shared by the decision writer and the audit
//! trail's canonical form.
//!
//! Written out rather than derived: derived readers say `invalid type: sequence,
//! expected a map at line 1 column 11`, and their code, with `serde_json`'s
//! deserializer, was a fifth of the WebAssembly module.

mod syntax;
mod write;

use std::fmt;

use serde_json::{Map, Value};

use crate::agent::Agent;
use crate::text::suggest;
use crate::text::truncate;

pub use write::{hex_digit, push_ascii, push_uint, write_str};

/// A value that could not be read: where it is and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Where, as written in JavaScript (`chain[1].name`); empty for the value itself.
    pub path: String,
    /// What is wrong (`expected a string, found null`).
    pub problem: String,
}

impl JsonError {
    /// An error about the value being read (the path is added on the way out).
    pub fn new(problem: impl Into<String>) -> JsonError {
        JsonError {
            path: String::new(),
            problem: problem.into(),
        }
    }

    /// `expected <what>, found <a description of found>`.
    pub fn expected(what: &str, found: &Value) -> JsonError {
        JsonError::new(format!("expected {what}, found {}", describe(found)))
    }

    /// The same error seen from the object that holds it under `key`.
    #[must_use]
    pub fn in_key(self, key: &str) -> JsonError {
        self.under(key.to_owned())
    }

    /// The same error seen from the array that holds it at `index`.
    #[must_use]
    pub fn in_index(self, index: usize) -> JsonError {
        self.under(format!("[{index}]"))
    }

    fn under(mut self, mut head: String) -> JsonError {
        if !self.path.is_empty() && !self.path.starts_with('[') {
            head.push('.');
        }
        head.push_str(&self.path);
        self.path = head;
        self
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            f.write_str(&self.path)?;
            f.write_str(": ")?;
        }
        f.write_str(&self.problem)
    }
}

impl std::error::Error for JsonError {}

/// A value as a message shows it: `null`, `true`, `5`, `"text"`, `an array`, `an object`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            serde_json::to_string(&truncate(s, 40)).unwrap_or_else(|_| "a string".to_owned())
        }
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Parses a JSON text (RFC 8259) that holds one value, surrounding whitespace
/// allowed. Stricter than most readers where two of them could disagree: a repeated
/// object key and a lone surrogate are refused. Numbers are read exactly: integers
/// as `u64` or `i64` when they fit, others as the nearest `f64`. Arrays and objects
/// nest at most 128 deep. A refusal says what and where: `not valid JSON: expected
/// ',' or '}' at column 12`.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    syntax::parse(text).map_err(|e| JsonError::new(format!("not valid JSON: {e}")))
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

    /// An optional agent (see [`Agent::from_json`]).
    pub fn agent(&mut self, key: &str) -> Result<Option<Agent>, JsonError> {
        self.get(key, Agent::from_json)
    }

    /// An optional array of agents, empty when absent.
    pub fn agents(&mut self, key: &str) -> Result<Vec<Agent>, JsonError> {
        self.list(key, Agent::from_json)
    }
}

fn missing(key: &str, expected: &str) -> JsonError {
    JsonError::new(format!("missing (expected {expected})")).in_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Obj {
        Obj::new(
            v,
            &["name", "count", "tags", "flag", "when", "items", "inner"],
        )
        .unwrap()
    }

    #[test]
    fn values_are_described_briefly() {
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe(&json!(false)), "false");
        assert_eq!(describe(&json!(-1)), "-1");
        assert_eq!(describe(&json!(1.5)), "1.5");
        assert_eq!(describe(&json!("a\"b")), r#""a\"b""#);
        assert_eq!(describe(&json!([1])), "an array");
        assert_eq!(describe(&json!({})), "an object");
        assert_eq!(describe(&json!("x".repeat(100))).chars().count(), 43);
    }

    #[test]
    fn typed_getters_name_the_member() {
        let mut o = obj(json!({"name": 5, "count": -1, "flag": "yes", "tags": ["a", 2]}));
        assert_eq!(
            o.str("name").unwrap_err().to_string(),
            "name: expected a string, found 5"
        );
        assert_eq!(
            o.u32("count").unwrap_err().to_string(),
            "count: expected a whole number of at least 0, found -1"
        );
        assert_eq!(
            o.bool("flag").unwrap_err().to_string(),
            r#"flag: expected true or false, found "yes""#
        );
        assert_eq!(
            o.strings("tags").unwrap_err().to_string(),
            "tags[1]: expected a string, found 2"
        );
    }

    #[test]
    fn whole_numbers_are_checked_against_their_type() {
        assert_eq!(u32(json!(4_294_967_295_u64)), Ok(u32::MAX));
        assert_eq!(
            u32(json!(4_294_967_296_u64)).unwrap_err().problem,
            "expected a whole number of at most 4294967295, found 4294967296"
        );
        assert!(u64(json!(1.0)).is_err());
        assert!(usize(json!("3")).is_err());
        assert_eq!(u64(json!(u64::MAX)), Ok(u64::MAX));
    }

    #[test]
    fn null_and_absent_are_the_same() {
        let mut o = obj(json!({"name": null, "count": null, "tags": null}));
        assert_eq!(o.str("name"), Ok(None));
        assert_eq!(o.u64("count"), Ok(None));
        assert_eq!(o.strings("tags"), Ok(Vec::new()));
        assert_eq!(o.bool("flag"), Ok(None));
        assert_eq!(
            o.need_str("name").unwrap_err().to_string(),
            "name: missing (expected a string)"
        );
    }

    #[test]
    fn nullable_members_must_be_present() {
        let mut o = obj(json!({"name": null, "tags": "x", "count": 5}));
        assert_eq!(o.nullable("name", "a string or null", string), Ok(None));
        assert_eq!(
            o.nullable("tags", "a string or null", string),
            Ok(Some("x".to_owned()))
        );
        assert_eq!(
            o.nullable("count", "a string or null", string)
                .unwrap_err()
                .to_string(),
            "count: expected a string, found 5"
        );
        assert_eq!(
            o.nullable("flag", "a string or null", string)
                .unwrap_err()
                .to_string(),
            "flag: missing (expected a string or null)"
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_a_suggestion() {
        let e = Obj::options(json!({"contxt": {}}), &["context", "agent"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown option 'contxt'; did you mean 'context'?"
        );
        let e = Obj::new(json!({"zzz": 1}), &["context"]).unwrap_err();
        assert_eq!(e.to_string(), "unknown key 'zzz'");
        let e = Obj::new(json!([1, 2]), &["context"]).unwrap_err();
        assert_eq!(e.to_string(), "expected an object, found an array");
    }

    #[test]
    fn paths_nest_through_objects_and_arrays() {
        fn inner(v: Value) -> Result<String, JsonError> {
            Obj::new(v, &["name"])?.need_str("name")
        }
        let mut o = obj(json!({"items": [{"name": "a"}, {"name": 1}]}));
        assert_eq!(
            o.list("items", inner).unwrap_err().to_string(),
            "items[1].name: expected a string, found 1"
        );
        let mut o = obj(json!({"inner": {"name": [true]}}));
        assert_eq!(
            o.get("inner", inner).unwrap_err().to_string(),
            "inner.name: expected a string, found an array"
        );
        let nested = JsonError::new("bad").in_index(2).in_index(0).in_key("m");
        assert_eq!(nested.to_string(), "m[0][2]: bad");
    }

    #[test]
    fn invalid_text_is_reported_as_such() {
        let e = parse("{\"a\":").unwrap_err();
        assert_eq!(
            e.to_string(),
            "not valid JSON: unexpected end of input at column 6"
        );
        let e = parse(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert_eq!(e.to_string(), "not valid JSON: duplicate key at column 10");
        assert_eq!(parse(" [1] "), Ok(json!([1])));
    }

    #[test]
    fn agents_are_read_with_defaults_and_paths() {
        let mut o = obj(json!({"items": [{"id": "a"}, {"id": "b", "trustTier": "root"}]}));
        assert_eq!(
            o.agents("items").unwrap_err().to_string(),
            "items[1].trustTier: unknown trust tier 'root': expected one of untrusted, basic, verified, trusted, privileged"
        );
        let mut o = obj(json!({"inner": {"id": "a"}}));
        let a = o.agent("inner").unwrap().unwrap();
        assert_eq!((&*a.id, &*a.name), ("a", "a"));
    }
}
