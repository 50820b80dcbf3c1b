//! A YAML 1.2 (and therefore JSON) reader that keeps the line and column of every node,
//! refuses duplicate keys, and bounds nesting depth and alias expansion, so that hostile
//! documents fail fast with an error instead of exhausting memory or the stack.
//!
//! The syntax is read by [`parse`] in one pass, the tree built by [`build`], and
//! scalars resolved with the core schema by [`scalar`].

mod build;
mod parse;
pub mod scalar;

use std::borrow::Cow;
use std::fmt;

/// A 1-based line and column in a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// One node of a document, with where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The value of a node, resolved with the YAML 1.2 core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, with its text as written (so `version: 1.0` stays `"1.0"`).
    Number(f64, Box<str>),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry; keys are always scalars.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Value {
    /// What kind of value this is, for error messages ("a list", "a number").
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(..) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Bounds on what a reader accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted text, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Most nodes that aliases may expand to, in all.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
            max_alias_nodes: 100_000,
        }
    }
}

/// Why a text could not be read as YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.pos.line, self.pos.column, self.message
        )
    }
}

impl std::error::Error for SyntaxError {}

/// Reads every document of a YAML stream (or one JSON text).
pub fn read_stream(text: &str, limits: Limits) -> Result<Vec<Node>, SyntaxError> {
    if text.len() > limits.max_bytes {
        return Err(SyntaxError {
            pos: Pos { line: 1, column: 1 },
            message: format!(
                "document is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    // Line breaks are "\n" from here on.
    let text = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let mut builder = build::Builder::new(limits);
    parse::parse(&text, &mut builder)?;
    Ok(builder.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Node>, SyntaxError> {
        read_stream(text, Limits::default())
    }

    fn one(text: &str) -> Value {
        read(text).unwrap().remove(0).value
    }

    #[test]
    fn core_schema_keeps_yaml_1_1_booleans_as_strings() {
        for s in ["no", "yes", "on", "off", "y", "n"] {
            assert_eq!(one(s), Value::String(s.into()), "{s}");
        }
        assert_eq!(one("true"), Value::Bool(true));
        assert_eq!(one("~"), Value::Null);
        assert_eq!(one("'100'"), Value::String("100".into()));
    }

    #[test]
    fn numbers_keep_their_text() {
        assert_eq!(one("1.0"), Value::Number(1.0, "1.0".into()));
        assert_eq!(one("-2e3"), Value::Number(-2000.0, "-2e3".into()));
        assert_eq!(one("0x1F"), Value::Number(31.0, "0x1F".into()));
        assert_eq!(one("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(one(".5"), Value::Number(0.5, ".5".into()));
        assert_eq!(one("."), Value::String(".".into()));
    }

    #[test]
    fn positions_are_one_based() {
        let doc = read("a: 1\nb:\n  c: [x, y]\n").unwrap().remove(0);
        let Value::Map(entries) = doc.value else {
            panic!()
        };
        assert_eq!(entries[1].key_pos, Pos { line: 2, column: 1 });
        let Value::Map(inner) = &entries[1].value.value else {
            panic!()
        };
        assert_eq!(inner[0].key_pos, Pos { line: 3, column: 3 });
        let Value::Seq(items) = &inner[0].value.value else {
            panic!()
        };
        assert_eq!(
            items[1].pos,
            Pos {
                line: 3,
                column: 10
            }
        );
    }

    #[test]
    fn json_is_read_as_yaml() {
        let v = one(r#"{"name": "x", "n": [1, 2.5, true, null, "\u00e9"]}"#);
        let Value::Map(entries) = v else { panic!() };
        assert_eq!(entries[0].value.value, Value::String("x".into()));
        let Value::Seq(items) = &entries[1].value.value else {
            panic!()
        };
        assert_eq!(items[4].value, Value::String("é".into()));
    }

    #[test]
    fn streams_hold_several_documents() {
        assert_eq!(read("a: 1\n---\nb: 2\n").unwrap().len(), 2);
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_position() {
        let err = read("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.pos.line, 3);
        assert!(err.message.contains("duplicate key 'a'"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
        let err = read(&deep).unwrap_err();
        assert_eq!(err.pos.line, 1, "{err}");
        let block = (0..200).fold(String::new(), |acc, i| {
            format!("{acc}{}k:\n", " ".repeat(i))
        });
        let err = read(&block).unwrap_err();
        assert!(err.message.contains("nesting deeper than 64"), "{err}");
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(read(&ok).is_ok());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = (b'a' + i) as char;
            let next = (b'a' + i + 1) as char;
            bomb.push_str(&format!(
                "{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = read(&bomb).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err}");
    }

    #[test]
    fn aliases_may_not_copy_more_text_than_a_document_holds() {
        let big = "x".repeat(1 << 20);
        let text = format!("a: &a \"{big}\"\nb: [*a, *a, *a]\n");
        assert!(read(&text).is_ok());
        let text = format!("a: &a \"{big}\"\nb: [*a, *a, *a, *a, *a]\n");
        let err = read(&text).unwrap_err();
        assert!(err.message.contains("bytes of text"), "{err}");
    }

    /// Columns are counted on from the last node, not from the line's start: this
    /// line took minutes when they were not.
    #[test]
    fn a_long_line_of_other_text_reads_in_linear_time() {
        let text = format!("[é{}]", ", ü".repeat(300_000));
        let Value::Seq(items) = one(&text) else {
            panic!()
        };
        assert_eq!(items.len(), 300_001);
        assert_eq!(items[300_000].pos.column, 900_002);
    }

    #[test]
    fn aliases_within_the_budget_are_expanded() {
        let v = one("base: &b {x: 1}\ncopy: *b\n");
        let Value::Map(entries) = v else { panic!() };
        assert_eq!(entries[0].value.value, entries[1].value.value);
    }

    #[test]
    fn oversized_text_is_refused_before_parsing() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(read_stream("a: 12345678901", limits).is_err());
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let err = read("name: [unclosed").unwrap_err();
        assert_eq!(err.pos.line, 1);
    }

    #[test]
    fn what_is_not_supported_says_so_where_it_is() {
        for (text, line, says) in [
            ("a: 1\n? b\n: 2\n", 2, "explicit keys"),
            ("a: [b: c]\n", 1, "single-pair mappings"),
            ("%TAG ! tag:x,2000:\n--- a\n", 1, "%TAG"),
            ("a:\n\tb: 1\n", 2, "a tab cannot indent"),
            ("a: b: c\n", 1, "a mapping cannot start on this line"),
            ("a: 'x\nb'\n", 2, "must be indented"),
        ] {
            let err = read(text).unwrap_err();
            assert_eq!(err.pos.line, line, "{text:?}: {err}");
            assert!(err.message.contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn line_breaks_and_a_byte_order_mark_are_read_as_yaml_says() {
        assert_eq!(
            read("\u{feff}a: 1\r\nb: 2\r\n").unwrap(),
            read("a: 1\nb: 2\n").unwrap()
        );
        let err = read("a: 1\nb: \u{7}\n").unwrap_err();
        assert_eq!((err.pos.line, err.pos.column), (2, 4), "{err}");
    }

    #[test]
    fn block_scalars_fold_and_chomp() {
        let text =
            "l: |\n  a\n   b\n\n  c\nf: >\n  a\n  b\n\n  c\n   d\ns: |-\n  x\n\nk: |+\n  y\n\n";
        let Value::Map(e) = one(text) else { panic!() };
        let got: Vec<_> = e.iter().map(|e| e.value.value.clone()).collect();
        let want = ["a\n b\n\nc\n", "a b\nc\n d\n", "x", "y\n\n"];
        assert_eq!(got, want.map(|w| Value::String(w.into())));
    }

    #[test]
    fn complex_keys_and_foreign_tags_are_refused() {
        assert!(read("? [a]\n: 1\n").is_err());
        assert!(read("a: !custom x\n").is_err());
        assert_eq!(one("!!str 12"), Value::String("12".into()));
        assert!(read("!!int abc").is_err());
    }
}
