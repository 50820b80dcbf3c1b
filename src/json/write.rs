//! Writing JSON by hand: strings escaped as `JSON.stringify` does, and digits.

/// Appends a quoted string, escaped as `JSON.stringify` does: `"` and `\` with a
/// backslash, U+0008/9/A/C/D as `\b \t \n \f \r`, other controls below U+0020 as
/// `\u00xx` (lower-case hex), everything else as itself.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    if !s.bytes().any(needs_escape) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut plain_from = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both ends are character boundaries.
        out.push_str(s.get(plain_from..i).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            push_ascii(out, &[hex_digit(b >> 4), hex_digit(b & 0xf)]);
        } else {
            out.push_str(escape);
        }
        plain_from = i + 1;
    }
    out.push_str(s.get(plain_from..).unwrap_or_default());
    out.push('"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// A lower-case hex digit, as ASCII.
pub fn hex_digit(nibble: u8) -> u8 {
    if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + nibble - 10
    }
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (at most 20).
pub fn push_uint(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut used = 0;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        used += 1;
        if n == 0 && used >= width {
            break;
        }
    }
    let start = digits.len() - used;
    push_ascii(out, digits.get(start..).unwrap_or_default());
}

/// Appends bytes known to be ASCII.
pub fn push_ascii(out: &mut String, ascii: &[u8]) {
    out.push_str(std::str::from_utf8(ascii).unwrap_or_default());
}
