//! A YAML 1.2 (and therefore JSON) reader that keeps the line and column of every node,
//! refuses duplicate keys, and bounds nesting depth and alias expansion, so that hostile
//! documents fail fast with an error instead of exhausting memory or the stack.

use std::fmt;

use rustc_hash::{FxHashMap, FxHashSet};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

/// A 1-based line and column in a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
            column: u32::try_from(span.start.col().saturating_add(1)).unwrap_or(u32::MAX),
        }
    }
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
    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        anchors: FxHashMap::default(),
        alias_nodes: 0,
        docs: Vec::new(),
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| scan_error(&e, text))?;
        if builder.event(event, &span)? {
            break;
        }
    }
    Ok(builder.docs)
}

/// A scanner error; one found at the very end is reported on the last line.
fn scan_error(e: &ScanError, text: &str) -> SyntaxError {
    let m = e.marker();
    let last_line = text.lines().count().max(1);
    SyntaxError {
        pos: Pos {
            line: u32::try_from(m.line().clamp(1, last_line)).unwrap_or(u32::MAX),
            column: u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX),
        },
        message: format!("invalid YAML: {}", e.info()),
    }
}

/// A list or mapping under construction.
struct Frame {
    pos: Pos,
    anchor: usize,
    /// Nodes in this subtree so far, the frame itself included.
    count: usize,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(String, Pos)>,
        /// Keys seen, once the mapping is too large for a linear scan.
        seen: Option<FxHashSet<String>>,
    },
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: FxHashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    docs: Vec<Node>,
}

impl Builder {
    /// Handles one event; `Ok(true)` at the end of the stream.
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<bool, SyntaxError> {
        let pos = Pos::of(span);
        match event {
            Event::StreamEnd => return Ok(true),
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {}
            Event::Scalar(text, style, anchor, tag) => {
                if self.expecting_key() {
                    return self
                        .key(text.into_owned(), pos, tag.as_deref())
                        .map(|()| false);
                }
                let value = resolve_scalar(&text, style, tag.as_deref())
                    .map_err(|message| SyntaxError { pos, message })?;
                self.finish(Node { value, pos }, anchor, 1)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(
                    pos,
                    anchor,
                    tag.as_deref(),
                    "seq",
                    FrameKind::Seq(Vec::new()),
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                let kind = FrameKind::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    seen: None,
                };
                self.open(pos, anchor, tag.as_deref(), "map", kind)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(SyntaxError {
                        pos,
                        message: "unbalanced end of a collection".into(),
                    });
                };
                let value = match frame.kind {
                    FrameKind::Seq(items) => Value::Seq(items),
                    FrameKind::Map { entries, .. } => Value::Map(entries),
                };
                self.finish(
                    Node {
                        value,
                        pos: frame.pos,
                    },
                    frame.anchor,
                    frame.count,
                )?;
            }
            Event::Alias(id) => {
                if self.expecting_key() {
                    return Err(SyntaxError {
                        pos,
                        message: "an alias cannot be used as a mapping key".into(),
                    });
                }
                let Some((node, count)) = self.anchors.get(&id) else {
                    return Err(SyntaxError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                let (node, count) = (node.clone(), *count);
                self.alias_nodes = self.alias_nodes.saturating_add(count);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(SyntaxError {
                        pos,
                        message: format!(
                            "aliases expand to more than {} nodes",
                            self.limits.max_alias_nodes
                        ),
                    });
                }
                self.finish(Node { pos, ..node }, 0, count)?;
            }
        }
        Ok(false)
    }

    fn open(
        &mut self,
        pos: Pos,
        anchor: usize,
        tag: Option<&Tag>,
        core_tag: &str,
        kind: FrameKind,
    ) -> Result<(), SyntaxError> {
        if self.expecting_key() {
            return Err(SyntaxError {
                pos,
                message: "mapping keys must be plain strings".into(),
            });
        }
        if tag.is_some_and(|t| !(t.is_yaml_core_schema() && t.suffix == core_tag)) {
            return Err(SyntaxError {
                pos,
                message: "unsupported tag on a collection".into(),
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(SyntaxError {
                pos,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
            });
        }
        self.stack.push(Frame {
            pos,
            anchor,
            count: 1,
            kind,
        });
        Ok(())
    }

    fn expecting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: FrameKind::Map {
                    pending_key: None,
                    ..
                },
                ..
            })
        )
    }

    fn key(&mut self, text: String, pos: Pos, tag: Option<&Tag>) -> Result<(), SyntaxError> {
        const LINEAR_SCAN_MAX: usize = 16;
        if tag.is_some_and(|t| !(t.is_yaml_core_schema() && t.suffix == "str")) {
            return Err(SyntaxError {
                pos,
                message: "mapping keys must be plain strings".into(),
            });
        }
        if let Some(Frame {
            kind:
                FrameKind::Map {
                    entries,
                    pending_key,
                    seen,
                },
            ..
        }) = self.stack.last_mut()
        {
            if seen.is_none() && entries.len() >= LINEAR_SCAN_MAX {
                *seen = Some(entries.iter().map(|e| e.key.clone()).collect());
            }
            let duplicate = match seen {
                Some(set) => !set.insert(text.clone()),
                None => entries.iter().any(|e| e.key == text),
            };
            if duplicate {
                return Err(SyntaxError {
                    pos,
                    message: format!("duplicate key '{text}'"),
                });
            }
            *pending_key = Some((text, pos));
        }
        Ok(())
    }

    /// Places a completed node in its parent (or as a document) and records its anchor.
    fn finish(&mut self, node: Node, anchor: usize, count: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(parent) => {
                parent.count = parent.count.saturating_add(count);
                match &mut parent.kind {
                    FrameKind::Seq(items) => items.push(node),
                    FrameKind::Map {
                        entries,
                        pending_key,
                        ..
                    } => match pending_key.take() {
                        Some((key, key_pos)) => entries.push(Entry {
                            key,
                            key_pos,
                            value: node,
                        }),
                        None => {
                            return Err(SyntaxError {
                                pos: node.pos,
                                message: "mapping keys must be plain strings".into(),
                            });
                        }
                    },
                }
            }
        }
        Ok(())
    }
}

/// Resolves a scalar with the YAML 1.2 core schema: only plain scalars can be
/// null, booleans or numbers, so `no`, `on` and `yes` stay strings.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let plain = style == ScalarStyle::Plain;
    let Some(tag) = tag else {
        return Ok(if plain {
            resolve_plain(text)
        } else {
            Value::String(text.to_owned())
        });
    };
    if !tag.is_yaml_core_schema() {
        return Err(format!("unsupported tag '{}{}'", tag.handle, tag.suffix));
    }
    let resolved = resolve_plain(text);
    let ok = match (tag.suffix.as_str(), &resolved) {
        ("str", _) => return Ok(Value::String(text.to_owned())),
        ("null", Value::Null) | ("bool", Value::Bool(_)) => true,
        ("int", Value::Number(_, t)) => is_integer_text(t),
        ("float", Value::Number(..)) => true,
        _ => false,
    };
    if ok {
        Ok(resolved)
    } else {
        Err(format!("'{text}' is not a valid !!{}", tag.suffix))
    }
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Value::Number(f64::NAN, text.into()),
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
        return Value::Number(inf, text.into());
    }
    let radix = |prefix: &str, radix: u32| {
        let digits = text.strip_prefix(prefix)?;
        let n = i64::from_str_radix(digits, radix).ok()?;
        (!digits.starts_with(['+', '-'])).then_some(n as f64)
    };
    if let Some(n) = radix("0o", 8).or_else(|| radix("0x", 16)) {
        return Value::Number(n, text.into());
    }
    if is_float_text(unsigned) {
        if let Ok(n) = text.parse::<f64>() {
            return Value::Number(n, text.into());
        }
    }
    Value::String(text.to_owned())
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
    fn complex_keys_and_foreign_tags_are_refused() {
        assert!(read("? [a]\n: 1\n").is_err());
        assert!(read("a: !custom x\n").is_err());
        assert_eq!(one("!!str 12"), Value::String("12".into()));
        assert!(read("!!int abc").is_err());
    }
}
