//! The JSON text reader behind [`super::parse`].
//!
//! Numbers are read with the standard library's exact parser: `serde_json` without
//! its `float_roundtrip` feature may read a float one unit in the last place away
//! from the value its writer printed, which would make a genuine audit export fail
//! verification. Where two readers could see different values in one text, this one
//! refuses it: duplicate object keys and lone surrogates are errors.

use std::fmt;

use serde_json::{Map, Number, Value};

/// How deeply arrays and objects may nest (as `serde_json`).
const MAX_DEPTH: usize = 128;

/// Why a text is not JSON: what went wrong, and the 1-based line and column (in
/// bytes) where reading stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SyntaxError {
    message: &'static str,
    line: usize,
    column: usize,
}

impl fmt::Display for SyntaxError {
    /// `<message> at column N`, with the line too when the text has several.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)?;
        if self.line > 1 {
            write!(f, " at line {}, column {}", self.line, self.column)
        } else {
            write!(f, " at column {}", self.column)
        }
    }
}

/// Reads one JSON value that fills all of `text` (surrounding whitespace allowed).
pub(super) fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    r.skip_ws();
    let value = r.value(0)?;
    r.skip_ws();
    if r.pos < r.bytes.len() {
        return Err(r.fail("trailing characters after the value"));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn fail(&self, message: &'static str) -> SyntaxError {
        self.fail_at(self.pos, message)
    }

    /// An error at byte `at`; its line and column are counted only now. Cold, so
    /// that the reading loops stay small.
    #[cold]
    fn fail_at(&self, at: usize, message: &'static str) -> SyntaxError {
        let before = self.bytes.get(..at).unwrap_or(self.bytes);
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        SyntaxError {
            message,
            line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
            column: at - line_start + 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, want: u8, message: &'static str) -> Result<(), SyntaxError> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.fail(message))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(_) => Err(self.fail("expected a value")),
            None => Err(self.fail("unexpected end of input")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.fail("expected a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.pos += 1;
        let mut map = Map::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.fail("expected a key in quotes"));
            }
            let key_at = self.pos;
            let key = self.string()?;
            self.skip_ws();
            self.expect(b':', "expected ':' after the key")?;
            self.skip_ws();
            let value = self.value(depth)?;
            if map.insert(key, value).is_some() {
                return Err(self.fail_at(key_at, "duplicate key"));
            }
            self.skip_ws();
            match self.bump() {
                Some(b',') => {}
                Some(b'}') => return Ok(Value::Object(map)),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.fail("expected ',' or '}'"));
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.bump() {
                Some(b',') => {}
                Some(b']') => return Ok(Value::Array(items)),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.fail("expected ',' or ']'"));
                }
            }
        }
    }

    /// Reads a quoted string; `pos` is at the opening quote.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            let rest = self.bytes.get(start..).unwrap_or_default();
            self.pos += rest
                .iter()
                .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
                .unwrap_or(rest.len());
            // Stops only at ASCII bytes, so both ends are character boundaries.
            let run = self.text.get(start..self.pos).unwrap_or_default();
            match self.bump() {
                // Most strings have no escapes: one exact allocation.
                Some(b'"') if out.is_empty() => return Ok(run.to_owned()),
                Some(b'"') => {
                    out.push_str(run);
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(run);
                    self.escape(&mut out)?;
                }
                Some(_) => {
                    self.pos -= 1;
                    return Err(self.fail("control character in a string"));
                }
                None => return Err(self.fail("unterminated string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let c = match self.bump() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&high) {
                    if self.bump() != Some(b'\\') || self.bump() != Some(b'u') {
                        return Err(self.fail("lone surrogate in a string"));
                    }
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.fail("lone surrogate in a string"));
                    }
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                char::from_u32(code).ok_or_else(|| self.fail("lone surrogate in a string"))?
            }
            _ => return Err(self.fail("invalid escape in a string")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .bump()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.fail("expected four hex digits after \\u"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Reads a number: integers as `u64`/`i64` when they fit (as `serde_json` does),
    /// everything else as the nearest `f64`.
    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        match self.bump() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.fail("expected a digit")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        let text = self.text.get(start..self.pos).unwrap_or_default();
        if integer {
            let n = if negative {
                text.parse::<i64>().ok().map(Number::from)
            } else {
                text.parse::<u64>().ok().map(Number::from)
            };
            if let Some(n) = n {
                return Ok(Value::Number(n));
            }
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| self.fail_at(start, "number out of range"))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), SyntaxError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.fail("expected a digit"));
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_serde_json_writes() {
        let v = json!({"a": [1, -2, 3.5, 1e300, null, true, false, "x\"\\\n\u{1}é😀"], "b": {}, "c": []});
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(parse(&text).unwrap(), v);
    }

    #[test]
    fn floats_read_back_exactly() {
        // serde_json's default reader gets this one wrong by one unit in the last place.
        let x = 985.6906946328695_f64;
        let text = serde_json::to_string(&x).unwrap();
        assert_eq!(parse(&text).unwrap().as_f64(), Some(x));
    }

    #[test]
    fn integers_keep_their_kind() {
        assert!(parse("18446744073709551615").unwrap().is_u64());
        assert!(parse("-9223372036854775808").unwrap().is_i64());
        assert!(parse("18446744073709551616").unwrap().is_f64());
    }

    #[test]
    fn escapes_and_surrogate_pairs_are_decoded() {
        assert_eq!(
            parse(r#""\ud83d\ude00\u00e9\/\b\f\t""#).unwrap(),
            json!("😀é/\u{8}\u{c}\t")
        );
    }

    #[test]
    fn malformed_text_is_refused_with_a_column() {
        let cases = [
            ("", "unexpected end of input"),
            ("{", "expected a key in quotes"),
            (r#"{"a":1,}"#, "expected a key in quotes"),
            (r#"{"a":1 "b":2}"#, "expected ',' or '}'"),
            (r#"{"a":1,"a":2}"#, "duplicate key"),
            ("[1,]", "expected a value"),
            ("01", "trailing characters after the value"),
            ("1.", "expected a digit"),
            ("-", "expected a digit"),
            ("1e400", "number out of range"),
            ("\"a\tb\"", "control character in a string"),
            (r#""\ud800""#, "lone surrogate in a string"),
            (r#""\udc00""#, "lone surrogate in a string"),
            (r#""\x""#, "invalid escape in a string"),
            ("\"abc", "unterminated string"),
            ("tru", "expected a value"),
            ("{} x", "trailing characters after the value"),
        ];
        for (text, message) in cases {
            assert_eq!(parse(text).unwrap_err().message, message, "{text:?}");
        }
    }

    #[test]
    fn errors_say_where_reading_stopped() {
        let e = parse(r#"{"a":1,"a":2}"#).unwrap_err();
        assert_eq!(e.to_string(), "duplicate key at column 8");
        let e = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected ':' after the key at line 3, column 7"
        );
        assert_eq!(
            parse("").unwrap_err().to_string(),
            "unexpected end of input at column 1"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(parse(&deep).unwrap_err().message, "nested too deeply");
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&ok).is_ok());
    }
}
