//! The canonical JSON form that entry hashes are computed over: RFC 8785 (JCS).
//!
//! Compact (no whitespace), object members sorted by key compared as UTF-16 code
//! units, strings escaped exactly as ECMAScript's `JSON.stringify` escapes them, and
//! floating-point numbers written the way ECMAScript's `Number.prototype.toString`
//! writes them. The one extension: integers beyond ±2^53 (which JCS cannot carry) are
//! written exactly in decimal. See the module docs of [`crate::audit`] for the rules in
//! full.

use serde_json::{Map, Number, Value};

use crate::json::{push_uint, write_str};

/// The canonical form of `value`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Appends the canonical form of `value` to `out`.
pub(crate) fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

/// Appends an object with its members in UTF-16 key order.
pub(crate) fn write_object(out: &mut String, map: &Map<String, Value>) {
    out.push('{');
    // `Map` iterates in byte (code point) order, which differs from UTF-16 order only
    // between U+E000..=U+FFFF and the supplementary planes; both begin with a UTF-8
    // lead byte of 0xEE or more, so only then is a re-sort needed.
    if map.keys().any(|k| k.bytes().any(|b| b >= 0xEE)) {
        let mut members: Vec<(&String, &Value)> = map.iter().collect();
        members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        write_members(out, members);
    } else {
        write_members(out, map.iter());
    }
    out.push('}');
}

fn write_members<'a>(out: &mut String, members: impl IntoIterator<Item = (&'a String, &'a Value)>) {
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, key);
        out.push(':');
        write_value(out, value);
    }
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        push_uint(out, u, 1);
    } else if let Some(i) = n.as_i64() {
        if i < 0 {
            out.push('-');
        }
        push_uint(out, i.unsigned_abs(), 1);
    } else if let Some(f) = n.as_f64() {
        write_f64(out, f);
    }
}

/// Appends a finite double as ECMAScript's `Number.prototype.toString` would
/// (ECMA-262 `Number::toString`, radix 10): the shortest digits that read back to
/// the same double, in plain notation for magnitudes in [1e-6, 1e21), otherwise as
/// `d.ddde±x`. Negative zero is written `0`.
pub(crate) fn write_f64(out: &mut String, f: f64) {
    if f == 0.0 || !f.is_finite() {
        // Non-finite numbers cannot occur in a `serde_json::Value`.
        out.push('0');
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // serde_json writes the shortest digits that read back to the double, breaking
    // ties to even as ECMA-262 does (Rust's `{:e}` rounds them up): `123.45`,
    // `1.5e-7`, `1e21`.
    let text =
        serde_json::Number::from_f64(f.abs()).map_or_else(|| "0".to_owned(), |n| n.to_string());
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((&text, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int.chars().chain(frac.chars()).collect();
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0');
    if digits.is_empty() {
        out.push('0');
        return;
    }
    let (first, rest) = digits.split_at_checked(1).unwrap_or(("0", ""));
    let k = digits.len() as i64;
    // The value is 0.DIGITS × 10^n.
    let n = exponent + int.len() as i64 - leading as i64;
    if k <= n && n <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        for (i, d) in digits.chars().enumerate() {
            if i as i64 == n {
                out.push('.');
            }
            out.push(d);
        }
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(digits);
    } else {
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        push_uint(out, e.unsigned_abs(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(x: f64) -> String {
        let mut s = String::new();
        write_f64(&mut s, x);
        s
    }

    #[test]
    fn numbers_follow_ecmascript_number_to_string() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (-1.0, "-1"),
            (-0.0, "0"),
            (0.5, "0.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123.456, "123.456"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (2.5e300, "2.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (4.35, "4.35"),
            (0.002, "0.002"),
            (9007199254740992.0, "9007199254740992"),
            // Two shortest forms are equally close: ECMA-262 takes the even digit.
            (-4_598_546_669_299_189.0 / 4.0, "-1149636667324797.2"),
            (100.0, "100"),
            (0.00001234, "0.00001234"),
        ];
        for (x, want) in cases {
            assert_eq!(f(*x), *want, "{x:e}");
        }
    }

    #[test]
    fn integers_are_written_exactly() {
        assert_eq!(
            canonical_json(&json!(18446744073709551615u64)),
            "18446744073709551615"
        );
        assert_eq!(
            canonical_json(&json!(-9223372036854775808i64)),
            "-9223372036854775808"
        );
        assert_eq!(canonical_json(&json!(0)), "0");
    }

    #[test]
    fn strings_are_escaped_like_json_stringify() {
        let s = "a\"b\\c\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}/é😀";
        assert_eq!(
            canonical_json(&json!(s)),
            "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}/é😀\""
        );
    }

    #[test]
    fn objects_are_compact_and_sorted_recursively() {
        let v = json!({"b": [1, {"z": null, "a": true}], "a": {"y": "x", "c": false}, "": 0});
        assert_eq!(
            canonical_json(&v),
            r#"{"":0,"a":{"c":false,"y":"x"},"b":[1,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+FF21 comes before U+1F600 in code points but after it in UTF-16 (0xD83D…).
        let v = json!({"\u{ff21}": 1, "\u{1f600}": 2, "a": 3});
        assert_eq!(
            canonical_json(&v),
            "{\"a\":3,\"\u{1f600}\":2,\"\u{ff21}\":1}"
        );
    }

    /// JSON values whose integers JCS can carry (|n| ≤ 2^53), floats included.
    fn jcs_values() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-(1_i64 << 53)..=(1_i64 << 53)).prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            "\\PC{0,8}|[\u{0}-\u{1f}\"\\\\/\u{7f}\u{e000}-\u{ffff}\u{10000}-\u{1f64f}]{0,6}"
                .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    "[a-z\u{e000}-\u{ffff}\u{10000}-\u{1f64f}]{0,4}",
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The writer agrees with a maintained RFC 8785 crate wherever JCS is
        /// defined the same way (see `integers_past_2_53_differ_from_jcs`).
        #[test]
        fn agrees_with_serde_json_canonicalizer(value in jcs_values()) {
            let theirs = serde_json_canonicalizer::to_string(&value).unwrap();
            proptest::prop_assert_eq!(canonical_json(&value), theirs);
        }
    }

    #[test]
    fn integers_past_2_53_differ_from_jcs() {
        // RFC 8785 writes every number as its nearest double; this form keeps
        // integers exact, so that a hash tells 2^53 + 1 from 2^53.
        let v = json!({"n": 9_007_199_254_740_993_u64});
        assert_eq!(canonical_json(&v), r#"{"n":9007199254740993}"#);
        assert_eq!(
            serde_json_canonicalizer::to_string(&v).unwrap(),
            r#"{"n":9007199254740992}"#
        );
        // Up to 2^53 the two agree.
        let v = json!([9_007_199_254_740_992_u64, -9_007_199_254_740_992_i64]);
        assert_eq!(
            canonical_json(&v),
            serde_json_canonicalizer::to_string(&v).unwrap()
        );
    }
}
