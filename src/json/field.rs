//! Field helpers for serde's derive (`#[serde(deserialize_with = "…")]`), for the
//! shapes JSON inputs share: a string that must not be empty, an array or object
//! whose `null` means empty, a member that may be `null` but must be present, and a
//! string read with [`FromStr`].

use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Unexpected};

/// A string that is not empty.
pub fn non_empty<'de, D: Deserializer<'de>, T: From<String>>(d: D) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() {
        return Err(de::Error::invalid_value(
            Unexpected::Str(&s),
            &"a non-empty string",
        ));
    }
    Ok(T::from(s))
}

/// A value whose `null` reads as its default (with `#[serde(default)]`: so does its absence).
pub fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A member that must be present and may be `null` (without `#[serde(default)]`,
/// serde reports it missing).
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// A member that may be absent (with `#[serde(default)]`) but is never `null`.
pub fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A string read with [`FromStr`]; its error is the message.
pub fn parsed<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<T, D::Error>
where
    T::Err: std::fmt::Display,
{
    let s = String::deserialize(d)?;
    s.parse().map_err(de::Error::custom)
}
