//! The YAML reader against an independent one: `saphyr-parser`'s events, built into
//! the same tree. On every YAML file of the repository and the shared vectors
//! (`../shared/conformance`, or `$MESHGUARD_SHARED_CONFORMANCE`), and on
//! generated documents in every style (then mangled), both must read the same nodes
//! at the same positions, or both refuse.

use std::path::{Path, PathBuf};

use meshguard_policy::yaml::{Entry, Limits, Node, Pos, Value, read_stream, scalar};
use proptest::prelude::*;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

// --- The oracle ---

enum Frame {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<Entry>, Option<(String, Pos)>),
}

/// Where saphyr and we place nodes differently (block scalars: we point at `|` or
/// `>`, saphyr at the content; lists: we point at the first `-`, saphyr after it
/// when the list is not indented under its key, and the events do not say which
/// lists are flow lists), the oracle gives no position, which matches any.
const ANYWHERE: Pos = Pos { line: 0, column: 0 };

fn pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line() as u32,
        column: span.start.col() as u32 + 1,
    }
}

/// The documents as saphyr reads them, or `None` where it refuses the text or one
/// of our rules (duplicate keys, keys that are not scalars, tags outside the core
/// schema) refuses the tree.
fn oracle(text: &str) -> Option<Vec<Node>> {
    // YAML's printable characters (saphyr lets DEL and C1 controls through).
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    if !text.chars().all(printable) {
        return None;
    }
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors = std::collections::HashMap::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let at = pos(&span);
        let is_map = matches!(event, Event::MappingStart(..));
        let (node, anchor) = match event {
            Event::StreamEnd => break,
            Event::Scalar(text, style, anchor, tag) => {
                let tag = match tag {
                    Some(t) if t.is_yaml_core_schema() => Some(t.suffix.clone()),
                    Some(_) => return None,
                    None => None,
                };
                if let Some(Frame::Map(_, _, entries, key @ None)) = stack.last_mut() {
                    if tag.as_deref().is_some_and(|t| t != "str")
                        || entries.iter().any(|e| e.key == *text)
                    {
                        return None;
                    }
                    *key = Some((text.into_owned(), at));
                    continue;
                }
                let plain = style == ScalarStyle::Plain;
                let value = scalar::resolve(text.to_string(), plain, tag.as_deref()).ok()?;
                // An empty document: saphyr places it after `---`, we on it.
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    || (stack.is_empty() && plain && text.is_empty());
                (
                    Node {
                        value,
                        pos: if block { ANYWHERE } else { at },
                    },
                    anchor,
                )
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                let map = is_map;
                let core = if map { "map" } else { "seq" };
                if tag.is_some_and(|t| !(t.is_yaml_core_schema() && t.suffix == core))
                    || matches!(stack.last(), Some(Frame::Map(_, _, _, None)))
                {
                    return None;
                }
                stack.push(if map {
                    Frame::Map(at, anchor, Vec::new(), None)
                } else {
                    Frame::Seq(ANYWHERE, anchor, Vec::new())
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Frame::Seq(p, anchor, items) => (
                    Node {
                        value: Value::Seq(items),
                        pos: p,
                    },
                    anchor,
                ),
                Frame::Map(p, anchor, entries, _) => (
                    Node {
                        value: Value::Map(entries),
                        pos: p,
                    },
                    anchor,
                ),
            },
            Event::Alias(id) => {
                if matches!(stack.last(), Some(Frame::Map(_, _, _, None))) {
                    return None;
                }
                let node: &Node = anchors.get(&id)?;
                (
                    Node {
                        pos: at,
                        ..node.clone()
                    },
                    0,
                )
            }
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, key)) => {
                let (key, key_pos) = key.take()?;
                entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                });
            }
        }
    }
    Some(docs)
}

/// Both readers agree on `text`: the same documents, or both refuse it.
fn agree(text: &str) -> Result<(), String> {
    let ours = match read_stream(text, Limits::default()) {
        // Documented refusals: explicit keys, single-pair mappings in [ ], %TAG; and
        // where saphyr lets through in places what YAML forbids: tabs in indentation,
        // lines of quoted values and flow collections not indented under their key.
        Err(e)
            if [
                "not supported",
                "a tab cannot indent",
                "must be indented",
                "key is missing",
                // Indicators YAML reserves, which saphyr lets start a plain scalar.
                "cannot start with '|'",
                "cannot start with '>'",
                "cannot start with '%'",
                "cannot start with '@'",
                "cannot start with '`'",
                "block scalars cannot appear inside",
            ]
            .iter()
            .any(|m| e.message.contains(m)) =>
        {
            return Ok(());
        }
        // A byte order mark inside a stream: saphyr refuses it where we read a character.
        _ if text.chars().skip(1).any(|c| c == '\u{feff}') => return Ok(()),
        // A block scalar whose text ends in a blank line without a line break: saphyr
        // counts that line as a break in places (`|\n  a\n  ` gives "a\n\n"); YAML
        // does not (clip keeps one break).
        _ if !text.ends_with('\n') && (text.contains('|') || text.contains('>')) => return Ok(()),
        // A comment line indented with a tab inside a multi-line plain scalar: YAML
        // ends the scalar there; saphyr reads the line as blank and goes on.
        _ if text.split('\n').any(|line| {
            let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
            indent.contains('\t') && line.trim_start_matches([' ', '\t']).starts_with('#')
        }) =>
        {
            return Ok(());
        }
        // saphyr wants a space after ':'; YAML allows a tab.
        _ if text.contains(":\t") => return Ok(()),
        // saphyr refuses a plain scalar ending in " -" before a flow indicator
        // (`[a -]`, also after a tab or a line break), which YAML reads as "a -".
        _ if text
            .as_bytes()
            .windows(3)
            .any(|w| matches!(w, [b' ' | b'\t' | b'\n', b'-', b',' | b']' | b'}'])) =>
        {
            return Ok(());
        }
        result => result.ok(),
    };
    let theirs = oracle(text);
    let detail = match (&ours, &theirs) {
        (Some(a), Some(b)) if a.len() == b.len() => {
            match a
                .iter()
                .zip(b)
                .find_map(|(a, b)| first_difference(a, b, "$"))
            {
                None => return Ok(()),
                Some(d) => d,
            }
        }
        (None, None) => return Ok(()),
        _ => format!("ours: {}, saphyr: {}", summary(&ours), summary(&theirs)),
    };
    Err(format!("the readers disagree on {text:?}: {detail}"))
}

fn summary(docs: &Option<Vec<Node>>) -> String {
    match docs {
        None => "refused".into(),
        Some(d) => format!("{} documents", d.len()),
    }
}

/// Where two trees first differ, and how.
fn first_difference(a: &Node, b: &Node, path: &str) -> Option<String> {
    let here = |what: &str| Some(format!("at {path}: {what}"));
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) if x.len() == y.len() => {
            if let Some(d) = x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
            {
                return Some(d);
            }
        }
        (Value::Map(x), Value::Map(y)) if x.len() == y.len() => {
            for (p, q) in x.iter().zip(y) {
                if p.key != q.key || p.key_pos != q.key_pos {
                    return here(&format!(
                        "key {:?} at {:?} / {:?} at {:?}",
                        p.key, p.key_pos, q.key, q.key_pos
                    ));
                }
                if let Some(d) = first_difference(&p.value, &q.value, &format!("{path}.{}", p.key))
                {
                    return Some(d);
                }
            }
        }
        (Value::Seq(_), Value::Seq(_)) | (Value::Map(_), Value::Map(_)) => {
            return here("different lengths");
        }
        (x, y) if x != y => return here(&format!("ours {x:?} / saphyr {y:?}")),
        _ => {}
    }
    (a.pos != b.pos && b.pos != ANYWHERE)
        .then(|| {
            format!(
                "at {path}: ours at {:?} / saphyr at {:?} ({})",
                a.pos,
                b.pos,
                a.value.kind()
            )
        })?
        .into()
}

// --- Files ---

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(&*name, "target" | "node_modules" | ".git" | "pkg")
                && !name.starts_with(".build")
            {
                yaml_files(&path, out);
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_yaml_file_reads_as_saphyr_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("MESHGUARD_SHARED_CONFORMANCE")
        .map_or_else(|| root.join("../shared/conformance"), PathBuf::from);
    let mut files = Vec::new();
    yaml_files(root, &mut files);
    yaml_files(&shared, &mut files);
    assert!(files.len() >= 5, "found only {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        agree(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

#[test]
fn the_styles_of_the_spec_read_alike() {
    for text in [
        "a: 1\nb:\n  - x\n  - y: 2\n    z: [3, {w: 4}]\n",
        "key:\n- a\n- b\nnext: c\n",
        "- - a\n  - b\n- c: d\n  e: f\n",
        "plain: this is\n  folded over\n\n  two lines\n",
        "s: 'it''s\n  folded'\nd: \"tab\\there\\\n  joined \\u00e9 \\U0001F600\"\n",
        "lit: |\n  one\n   two\n\n  three\nfold: >-\n  a\n  b\n\n  c\n   d\n  e\nkeep: |+\n  x\n\n",
        "ind: |2\n    two more\nstrip: |-\n  s\n",
        "--- &a\nx: 1\n--- !!map\ny: &b [1]\nz: *b\n...\n--- |\n text\n",
        "%YAML 1.2\n---\n!!str 12: !!int 5\nq: !!float 1\n",
        "{\"json\": [1, 2.5e3, true, null, \"\\\"q\\\"\"], \"n\": {}}",
        "# only a comment\n",
        "",
        "---\n",
        "a: # comment\n  b # not a key\nc: d#e\n",
        "url: http://x.y/z?q=1\ntime: 09:00-18:00\n",
        "a: {b: c,\n  d: [e,\n f]}\n",
        r#"'it''s': 1
"say \"hi\"": 2
'0"''': 3
"#,
        "\u{feff}a: b\r\nc: d\r\n",
        "- !!str\n- &x ~\n- *x\n",
        "é: ü\n  ü\nb: 'x'\n",
        "a:\n  - b\n  -\n  - c\n",
        "x: >\n\n  folded\n  text\n\n\n",
    ] {
        agree(text).unwrap();
    }
}

#[test]
fn broken_documents_are_refused_by_both() {
    for text in [
        "a: [b, c",
        "a: 'open",
        "a: \"open",
        "a:\n  b: 1\n c: 2\n",
        "a: b: c\n",
        "- a\nb: c\n",
        "a: 1\na: 2\n",
        "\ta: 1\n",
        "a: !custom x\n",
        "[a]: b\n",
        "a: |\n  x\n y\n",
        "a: *nothing\n",
        "{a: 1, a: 2}",
        "a: \"\\q\"\n",
        "a: 'x\n\t\n  y'\n",
        "%\n---\na\n",
    ] {
        agree(text).unwrap();
        assert!(read_stream(text, Limits::default()).is_err(), "{text:?}");
    }
}

// --- Generated documents ---

#[derive(Clone, Debug)]
enum Tree {
    Scalar(String),
    Seq(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let scalar = prop_oneof![
        "[a-z]{1,8}",
        "[a-z0-9 .:#'\"/-]{0,12}",
        "[0-9]{1,4}(\\.[0-9]{1,2})?",
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("~".to_owned()),
        "[a-zé😀 ]{1,6}(\n[a-z ]{0,6}){0,3}",
        ".{0,6}",
    ]
    .prop_map(Tree::Scalar);
    scalar.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::Seq),
            prop::collection::btree_map("[a-z]{1,6}( [a-z]{1,3})?", inner, 0..4)
                .prop_map(|m| Tree::Map(m.into_iter().collect())),
        ]
    })
}

/// How to write each node: picks come from a list of choices, used in turn.
struct Styles<'a> {
    picks: &'a [u8],
    at: usize,
}

impl Styles<'_> {
    fn pick(&mut self, n: u8) -> u8 {
        let p = self
            .picks
            .get(self.at % self.picks.len().max(1))
            .copied()
            .unwrap_or(0);
        self.at += 1;
        p % n
    }
}

fn quote_double(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar_text(s: &str, st: &mut Styles, indent: usize, flow: bool) -> String {
    let lines: Vec<&str> = s.split('\n').collect();
    match st.pick(if flow { 3 } else { 5 }) {
        0 => quote_double(s),
        1 => format!("'{}'", s.replace('\'', "''").replace('\n', "\n\n")),
        2 => s.replace('\n', "\n\n"),
        k => {
            let pad = " ".repeat(indent + 2);
            let head = if k == 3 { "|" } else { ">" };
            let chomp = ["", "-", "+"][st.pick(3) as usize];
            let body: Vec<String> = lines.iter().map(|l| format!("{pad}{l}")).collect();
            format!("{head}{chomp}\n{}", body.join("\n"))
        }
    }
}

fn render(t: &Tree, st: &mut Styles, indent: usize, flow: bool) -> String {
    match t {
        Tree::Scalar(s) => scalar_text(s, st, indent, flow),
        Tree::Seq(items) if flow || items.is_empty() || st.pick(3) == 0 => {
            let parts: Vec<String> = items.iter().map(|i| render(i, st, indent, true)).collect();
            format!(
                "[{}]",
                parts.join(if st.pick(2) == 0 { ", " } else { ",\n " })
            )
        }
        Tree::Map(entries) if flow || entries.is_empty() || st.pick(3) == 0 => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", render(v, st, indent, true)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Tree::Seq(items) => {
            let pad = " ".repeat(indent);
            let mut out = String::new();
            for item in items {
                let body = render(item, st, indent + 2, false);
                let sep = if st.pick(4) == 0 {
                    "\n".to_owned() + &" ".repeat(indent + 2)
                } else {
                    " ".into()
                };
                out.push_str(&format!("\n{pad}-{sep}{body}"));
                if st.pick(5) == 0 {
                    out.push_str("  # note");
                }
            }
            out
        }
        Tree::Map(entries) => {
            let pad = " ".repeat(indent);
            let mut out = String::new();
            for (k, v) in entries {
                let key = if st.pick(4) == 0 {
                    quote_double(k)
                } else {
                    k.clone()
                };
                let body = render(v, st, indent + 2, false);
                out.push_str(&format!("\n{pad}{key}: {body}"));
                if st.pick(6) == 0 {
                    out.push('\n');
                }
            }
            out
        }
    }
}

fn document(t: &Tree, picks: &[u8]) -> String {
    let mut st = Styles { picks, at: 0 };
    let body = render(t, &mut st, 0, false);
    let head = if st.pick(3) == 0 { "---" } else { "" };
    format!("{head}{body}\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_documents_read_alike(t in tree(), picks in prop::collection::vec(any::<u8>(), 1..32)) {
        let text = document(&t, &picks);
        prop_assert!(agree(&text).is_ok(), "{}", agree(&text).unwrap_err());
    }

    #[test]
    fn mangled_documents_read_alike_or_are_refused_by_both(
        t in tree(),
        picks in prop::collection::vec(any::<u8>(), 1..32),
        at in any::<prop::sample::Index>(),
        insert in prop::sample::select(vec![
            "", " ", "\n", ":", "- ", "#", "'", "\"", "[", "}", ",", "  ", "\t", "&a ", "*a", "|", "? ",
            "\n---\n", "\n...\n", "!!str ", "!!int ", "\\", "\r\n", ">-\n", "{", "]", ": ", " #x\n",
        ]),
        cut in 0usize..3,
    ) {
        let text = document(&t, &picks);
        let chars: Vec<char> = text.chars().collect();
        let k = at.index(chars.len() + 1);
        let end = (k + cut).min(chars.len());
        let mangled: String = chars[..k].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
        prop_assert!(agree(&mangled).is_ok(), "{}", agree(&mangled).unwrap_err());
    }
}
