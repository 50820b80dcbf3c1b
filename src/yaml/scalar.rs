//! Scalars resolved with the YAML 1.2 core schema: only plain scalars can be null,
//! booleans or numbers, so `no`, `on` and `yes` stay strings.

use super::Value;

/// A scalar's value, from its text, whether it was plain (not quoted, not a block
/// scalar), and the suffix of its `!!` core-schema tag, if any.
pub fn resolve(text: String, plain: bool, tag: Option<&str>) -> Result<Value, String> {
    let tag = match tag {
        None if plain => return Ok(special(&text).unwrap_or(Value::String(text))),
        None | Some("str") => return Ok(Value::String(text)),
        Some(tag) => tag,
    };
    match (tag, special(&text)) {
        ("null", Some(v @ Value::Null))
        | ("bool", Some(v @ Value::Bool(_)))
        | ("float", Some(v @ Value::Number(..))) => Ok(v),
        ("int", Some(Value::Number(n, t))) if is_integer_text(&t) => Ok(Value::Number(n, t)),
        _ => Err(format!("'{text}' is not a valid !!{tag}")),
    }
}

/// The null, boolean or number a plain scalar stands for; `None` for a string.
fn special(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Number(f64::NAN, text.into())),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let negative = text.starts_with('-');
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        let inf = if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Value::Number(inf, text.into()));
    }
    let radix = |prefix: &str, radix: u32| {
        let digits = text.strip_prefix(prefix)?;
        let n = i64::from_str_radix(digits, radix).ok()?;
        (!digits.starts_with(['+', '-'])).then_some(n as f64)
    };
    if let Some(n) = radix("0o", 8).or_else(|| radix("0x", 16)) {
        return Some(Value::Number(n, text.into()));
    }
    if is_float_text(unsigned) {
        if let Ok(n) = text.parse::<f64>() {
            return Some(Value::Number(n, text.into()));
        }
    }
    None
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        || text.starts_with("0o")
        || text.starts_with("0x")
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's number form.
fn is_float_text(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let digits_from = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_end = digits_from(i);
    let has_int = int_end > i;
    i = int_end;
    if b.get(i) == Some(&b'.') {
        let frac_end = digits_from(i + 1);
        if !has_int && frac_end == i + 1 {
            return false;
        }
        i = frac_end;
    } else if !has_int {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_end = digits_from(i);
        if exp_end == i {
            return false;
        }
        i = exp_end;
    }
    i == b.len()
}
