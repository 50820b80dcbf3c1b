//! serde's view of a parsed [`Value`], with this crate's error type. `serde_json`'s
//! own `Value` deserializer fixes its error to `serde_json::Error`, whose messages
//! are Rust's (`invalid type: sequence, expected a map`) and whose unknown-field
//! error lists every field instead of suggesting one. Here serde's structured errors
//! become [`Problem`]s worded for JSON (`expected an object, found an array`,
//! `unknown key 'contxt'; did you mean 'context'?`); `serde_path_to_error` adds the
//! path. The value's parts are handed to serde's own sequence and map access.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Expected, IntoDeserializer, Unexpected, Visitor};
use serde_json::Value;

use crate::text::{suggest, truncate};

/// What is wrong with a value, without its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub(super) message: String,
    /// An unknown key, which the path names as its last segment: the error belongs
    /// to the object that holds it.
    pub(super) unknown_key: Option<String>,
}

impl Problem {
    fn new(message: String) -> Problem {
        Problem {
            message,
            unknown_key: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl de::Error for Problem {
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> Problem {
        Problem::new(message.to_string())
    }

    #[cold]
    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Problem {
        mismatch(found, expected)
    }

    #[cold]
    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Problem {
        mismatch(found, expected)
    }

    #[cold]
    fn unknown_field(key: &str, known: &'static [&'static str]) -> Problem {
        let hint =
            suggest(key, known).map_or_else(String::new, |s| format!("; did you mean '{s}'?"));
        Problem {
            message: format!("unknown key '{}'{hint}", truncate(key, 40)),
            unknown_key: Some(key.to_owned()),
        }
    }

    #[cold]
    fn missing_field(key: &'static str) -> Problem {
        Problem::new(format!("missing key '{key}'"))
    }
}

/// `expected <what>, found <value>`, with Rust's names of primitive types put in
/// JSON's words.
fn mismatch(found: Unexpected<'_>, expected: &dyn Expected) -> Problem {
    let expected = expected.to_string();
    let expected = match expected.as_str() {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        // What JSON can write of these fits, but for `usize` in WebAssembly.
        "u64" | "usize" => "a whole number of at least 0",
        "i64" => "a whole number",
        "f64" | "f32" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "an array",
        "a map" => "an object",
        other => other,
    };
    let found = match found {
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Bool(b) => b.to_string(),
        Unexpected::Unsigned(n) => n.to_string(),
        Unexpected::Signed(n) => n.to_string(),
        Unexpected::Float(n) => {
            serde_json::Number::from_f64(n).map_or_else(|| "a number".to_owned(), |n| n.to_string())
        }
        Unexpected::Char(c) => super::quoted(c.encode_utf8(&mut [0; 4])),
        Unexpected::Str(s) => super::quoted(s),
        Unexpected::Seq => "an array".to_owned(),
        Unexpected::Map => "an object".to_owned(),
        other => other.to_string(),
    };
    Problem::new(format!("expected {expected}, found {found}"))
}

/// A [`Value`] as a serde deserializer whose error is a [`Problem`].
pub(super) struct ValueDeserializer(pub(super) Value);

impl<'de> IntoDeserializer<'de, Problem> for ValueDeserializer {
    type Deserializer = ValueDeserializer;

    fn into_deserializer(self) -> ValueDeserializer {
        self
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (None, Some(i)) => visitor.visit_i64(i),
                (None, None) => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(ValueDeserializer));
                let out = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Object(members) => {
                let mut map = MapDeserializer::new(
                    members.into_iter().map(|(k, v)| (k, ValueDeserializer(v))),
                );
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    /// `null` is `None`: an optional member may be absent or `null`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(ValueDeserializer(other)),
        }
    }

    /// Only an object: serde's derive would also read a struct from an array of its
    /// fields in order, which no JSON input here means.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            other => de::Deserializer::deserialize_any(ValueDeserializer(other), visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier
    }
}
