//! serde's view of a parsed [`Value`], with this crate's error type. `serde_json`'s
//! own `Value` deserializer fixes its error to `serde_json::Error`, whose messages
//! are Rust's (`invalid type: sequence, expected a map`), whose unknown-field error
//! lists every field instead of suggesting one, and which has no path. Here serde's
//! structured errors become [`JsonError`]s worded for JSON (`expected an object,
//! found an array`, `unknown key 'contxt'; did you mean 'context'?`), and the
//! deserializer puts the path in front as an error comes back out of an array or
//! object (`chain[1].name: …`). It does what `serde_path_to_error` does for this one
//! deserializer, without wrapping every visitor: in the WebAssembly build that crate
//! cost 15 KB gzip (see BENCHMARKS.md).

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Expected, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::{Map, Number, Value};

use super::JsonError;

use crate::text::{suggest, truncate};

impl de::Error for JsonError {
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> JsonError {
        JsonError::new(message.to_string())
    }

    #[cold]
    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> JsonError {
        mismatch(found, expected)
    }

    #[cold]
    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> JsonError {
        mismatch(found, expected)
    }

    #[cold]
    fn unknown_field(key: &str, known: &'static [&'static str]) -> JsonError {
        let hint =
            suggest(key, known).map_or_else(String::new, |s| format!("; did you mean '{s}'?"));
        JsonError::new(format!("unknown key '{}'{hint}", truncate(key, 40)))
    }

    #[cold]
    fn missing_field(key: &'static str) -> JsonError {
        JsonError::new(format!("missing key '{key}'"))
    }
}

/// `expected <what>, found <value>`, with Rust's names of primitive types put in
/// JSON's words.
fn mismatch(found: Unexpected<'_>, expected: &dyn Expected) -> JsonError {
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
    JsonError::new(format!("expected {expected}, found {found}"))
}

/// A [`Value`] as a serde deserializer whose error is a [`JsonError`] that names
/// the path of the value at fault: each array and object hands its items to their
/// readers and puts the index or key in front of the path of an error coming back.
pub(super) struct ValueDeserializer(pub(super) Value);

impl ValueDeserializer {
    fn visit_array<'de, V: Visitor<'de>>(
        items: Vec<Value>,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        let mut seq = Items {
            items: items.into_iter(),
            index: 0,
        };
        let out = visitor.visit_seq(&mut seq)?;
        match seq.items.len() {
            0 => Ok(out),
            left => Err(de::Error::invalid_length(seq.index + left, &"fewer items")),
        }
    }

    fn visit_object<'de, V: Visitor<'de>>(
        members: Map<String, Value>,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        visitor.visit_map(Members {
            members: members.into_iter(),
            value: None,
        })
    }

    /// A single value (a string, a number, `true`): an array or object is refused
    /// here, so the visitors of single values need no array or object code.
    fn scalar<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(&n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(_) | Value::Object(_) => {
                Err(de::Error::invalid_type(unexpected(&self.0), &visitor))
            }
        }
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(&n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => ValueDeserializer::visit_array(items, visitor),
            Value::Object(members) => ValueDeserializer::visit_object(members, visitor),
        }
    }

    /// `null` is `None`: an optional member may be absent or `null`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
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
    ) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Object(members) => ValueDeserializer::visit_object(members, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.scalar(visitor)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 char bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map enum identifier
    }
}

fn visit_number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, JsonError> {
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => visitor.visit_u64(u),
        (None, Some(i)) => visitor.visit_i64(i),
        (None, None) => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// What a value is, for an error.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            (None, None) => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// An array's items, each read with its index in the path of its errors.
struct Items {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = JsonError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, JsonError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ValueDeserializer(item))
            .map(Some)
            .map_err(|e| e.in_index(index))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// An object's members, each value read with its key in the path of its errors.
/// An unknown key is its object's error, so keys add nothing to the path.
struct Members {
    members: serde_json::map::IntoIter,
    value: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for Members {
    type Error = JsonError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, JsonError> {
        let Some((key, value)) = self.members.next() else {
            return Ok(None);
        };
        let read = seed.deserialize(StrDeserializer::<JsonError>::new(&key))?;
        self.value = Some((key, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, JsonError> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| <JsonError as de::Error>::custom("a value without its key"))?;
        seed.deserialize(ValueDeserializer(value))
            .map_err(|e| e.in_key(&key))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}
