//! JSON through serde_json. Reading: [`parse`] turns a text into a [`Value`],
//! refusing a key repeated in any object; [`read`] turns a value into a serde type,
//! and its errors name the path of the value it could not use:
//! `agent.trustTier: unknown trust tier 'root': …`, `chain[1].name: expected a
//! string, found false`. Writing: strings escaped as `JSON.stringify` does, and
//! digits, shared by the decision writer and the audit trail's canonical form.
//!
//! Nothing here knows what it reads: the types do, with serde's derive and the
//! field helpers in [`field`].

mod de;
pub mod field;
mod strict;
mod write;

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

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
    /// An error about the value being read as a whole.
    pub fn new(problem: impl Into<String>) -> JsonError {
        JsonError {
            path: String::new(),
            problem: problem.into(),
        }
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

    #[cold]
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

/// Parses a JSON text (RFC 8259) that holds one value, surrounding whitespace
/// allowed, with `serde_json`. Stricter than most readers where two of them could
/// disagree: a key repeated in any object is refused, and so is a lone surrogate.
/// Integers are read exactly as `u64` or `i64` when they fit, other numbers as the
/// nearest `f64`; arrays and objects nest at most 128 deep. A refusal says what and
/// where: `not valid JSON: duplicate key "a" at line 1 column 12`.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    serde_json::from_str::<strict::Strict>(text)
        .map(|s| s.0)
        .map_err(|e| JsonError::new(format!("not valid JSON: {e}")))
}

/// Reads `value` as a `T`. Errors are serde's, worded for JSON (`expected an
/// object, found an array`), with the path of the value at fault.
pub fn read<T: DeserializeOwned>(value: Value) -> Result<T, JsonError> {
    T::deserialize(de::ValueDeserializer(value))
}

/// [`parse`], then [`read`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    read(parse(text)?)
}

/// A value as a message shows it: `null`, `true`, `5`, `"text"`, `an array`, `an object`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quoted(s),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A string as a message quotes it, cut to 40 characters.
fn quoted(s: &str) -> String {
    serde_json::to_string(&truncate(s, 40)).unwrap_or_else(|_| "a string".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, expecting = "an object")]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
    #[allow(dead_code)]
    struct Outer {
        count: Option<u32>,
        flag: Option<bool>,
        #[serde(default)]
        items: Vec<Inner>,
        inner: Option<Inner>,
        ratio: Option<f64>,
        trace_id: Option<String>,
    }

    fn err(v: Value) -> String {
        read::<Outer>(v).unwrap_err().to_string()
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
    fn errors_name_the_path_and_speak_json() {
        for (value, message) in [
            (json!([1]), "expected an object, found an array"),
            (
                json!({"count": -1}),
                "count: expected a whole number from 0 to 4294967295, found -1",
            ),
            (
                json!({"count": 4_294_967_296_u64}),
                "count: expected a whole number from 0 to 4294967295, found 4294967296",
            ),
            (
                json!({"count": 1.5}),
                "count: expected a whole number from 0 to 4294967295, found 1.5",
            ),
            (
                json!({"flag": "yes"}),
                r#"flag: expected true or false, found "yes""#,
            ),
            (
                json!({"ratio": "1"}),
                r#"ratio: expected a number, found "1""#,
            ),
            (
                json!({"items": {}}),
                "items: expected an array, found an object",
            ),
            (
                json!({"items": [{"name": "a"}, {"name": 1}]}),
                "items[1].name: expected a string, found 1",
            ),
            (json!({"items": [{}]}), "items[0]: missing key 'name'"),
            (
                json!({"inner": {"name": [true]}}),
                "inner.name: expected a string, found an array",
            ),
            (
                json!({"traceid": "t"}),
                "unknown key 'traceid'; did you mean 'traceId'?",
            ),
            (json!({"zzz": 1}), "unknown key 'zzz'"),
            (
                json!({"inner": {"name": "a", "x": 1}}),
                "inner: unknown key 'x'",
            ),
        ] {
            assert_eq!(err(value.clone()), message, "{value}");
        }
    }

    #[test]
    fn null_is_absent_for_optional_members() {
        let o = read::<Outer>(json!({"count": null, "inner": null})).unwrap();
        assert!(o.count.is_none() && o.inner.is_none());
    }

    #[test]
    fn invalid_text_is_reported_with_its_position() {
        assert_eq!(
            parse("{\"a\":").unwrap_err().to_string(),
            "not valid JSON: EOF while parsing a value at line 1 column 5"
        );
        assert_eq!(parse(" [1] "), Ok(json!([1])));
        assert_eq!(
            from_str::<Outer>(r#"{"count": "1"}"#)
                .unwrap_err()
                .to_string(),
            r#"count: expected a whole number from 0 to 4294967295, found "1""#
        );
    }

    #[test]
    fn repeated_keys_are_refused_at_any_depth() {
        for text in [
            r#"{"a": 1, "a": 1}"#,
            r#"{"a": {"b": [{"c": 1, "c": 2}]}}"#,
            r#"[{"x": null, "y": 0, "x": null}]"#,
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(
                e.starts_with("not valid JSON: duplicate key"),
                "{text}: {e}"
            );
        }
        assert_eq!(
            parse(r#"{"a": 1, "a": 2}"#).unwrap_err().to_string(),
            r#"not valid JSON: duplicate key "a" at line 1 column 12"#
        );
        assert!(parse(r#"{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}"#).is_ok());
    }

    #[test]
    fn numbers_are_read_exactly() {
        // serde_json without `float_roundtrip` reads this one a unit in the last place off.
        let x = 985.690_694_632_869_5_f64;
        assert_eq!(
            parse(&serde_json::to_string(&x).unwrap()).unwrap().as_f64(),
            Some(x)
        );
        assert!(parse("18446744073709551615").unwrap().is_u64());
        assert!(parse("-9223372036854775808").unwrap().is_i64());
        assert!(parse("18446744073709551616").unwrap().is_f64());
        assert!(parse("1e400").is_err());
    }

    #[test]
    fn strings_are_strict() {
        assert_eq!(parse(r#""\ud83d\ude00\/""#).unwrap(), json!("😀/"));
        assert!(parse(r#""\ud800""#).is_err());
        assert!(parse("\"a\tb\"").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).is_err());
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&ok).is_ok());
    }
}
