//! A linear pre-scan of a policy text that refuses what would cost the YAML parser too
//! much before it runs: texts over the size limit, texts with more nodes than the
//! node limit (the parser and the readers spend most of their time per node), nesting
//! deeper than the depth limit (libyaml spends quadratic time on deep flow nesting),
//! and aliases that expand past the alias budget.
//!
//! The scan follows just enough of YAML's lexical rules (quotes, comments, block
//! scalars, flow and block indicators) to measure nesting; it never decides what a
//! document means, which stays the parser's job.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// Bounds on what a policy text may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted text, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Most nodes that aliases may add to a document, in all.
    pub max_alias_nodes: usize,
    /// Most nodes (scalars, flow collections and block list entries) a text may
    /// hold, aliases expanded.
    pub max_nodes: usize,
}

/// The default size limit: 512 KiB. What a text costs past its nodes is libyaml
/// reading its bytes (15–20 ns a byte natively, about three times that through the
/// package): at 4 MiB a text of long strings took 79 ms natively and 153 ms through
/// the package; at 512 KiB, with the node limit, every text stays in tens of
/// milliseconds on both (BENCHMARKS.md, "Hostile documents").
pub const MAX_BYTES: usize = 512 * 1024;

/// The default node limit. Time to load grows with nodes more than bytes (about
/// 0.4–0.6 µs a node natively, 1.5 µs through the package), so this bounds every
/// accepted text to tens of milliseconds; the 1,000-rule benchmark policy holds about
/// 15,000 nodes.
pub const MAX_NODES: usize = 25_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: MAX_BYTES,
            max_depth: 64,
            max_alias_nodes: 100_000,
            max_nodes: MAX_NODES,
        }
    }
}

/// Why a text was refused, and where (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Checks `text` against `limits`; `Ok` means the parser may read it.
pub fn check(text: &str, limits: Limits) -> Result<(), Refusal> {
    if text.len() > limits.max_bytes {
        return Err(Refusal {
            line: 1,
            column: 1,
            message: format!(
                "document is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    let counted = scan(text, limits.max_depth, limits.max_nodes)?;
    if counted.aliases > 0 {
        let budget = limits
            .max_nodes
            .min(counted.nodes.saturating_add(limits.max_alias_nodes));
        expansion(text, budget)?;
    }
    Ok(())
}

/// What the scan counted.
struct Counted {
    aliases: usize,
    nodes: usize,
}

/// Measures nesting and counts nodes in one pass.
fn scan(text: &str, max_depth: usize, max_nodes: usize) -> Result<Counted, Refusal> {
    let bytes = text.as_bytes();
    let mut aliases = 0;
    let mut nodes = 0usize;
    // A node starts at `i` of the line that starts at `start`.
    let mut node = |start: usize, i: usize, line: u32| {
        nodes += 1;
        if nodes > max_nodes {
            let message = format!(
                "text holds more than {max_nodes} YAML nodes (values, lists and list entries); split its policies into several texts"
            );
            return Err(refusal_at(text, start, i, line, message));
        }
        Ok(())
    };
    // Indents of the open block collections, innermost last.
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut block_scalar_above: Option<usize> = None;
    let mut i = 0;
    let mut line = 1u32;
    while i < bytes.len() {
        // One line: its indent first.
        let start = i;
        let indent = bytes
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        i += indent;
        let blank = matches!(bytes.get(i), None | Some(b'\n' | b'\r' | b'#'));
        if let Some(above) = block_scalar_above {
            if blank || indent > above {
                i = next_line(bytes, i);
                line += 1;
                continue;
            }
            block_scalar_above = None;
        }
        if !blank && flow == 0 {
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&top| top < indent) {
                indents.push(indent);
            }
        }
        let mut compact = 0usize;
        let mut token_start = true;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' | b'\r' => break,
                b' ' | b'\t' => {
                    i += 1;
                    continue;
                }
                b'#' if i == start || matches!(bytes.get(i - 1), Some(b' ' | b'\t')) => {
                    while !matches!(bytes.get(i), None | Some(b'\n' | b'\r')) {
                        i += 1;
                    }
                    break;
                }
                b'\'' | b'"' if token_start => {
                    node(start, i, line)?;
                    i = skip_quoted(bytes, i, &mut line);
                    token_start = false;
                    continue;
                }
                b'[' | b'{' if token_start || flow > 0 => {
                    node(start, i, line)?;
                    flow += 1;
                    let depth = indents.len().saturating_sub(1) + compact + flow;
                    if depth > max_depth {
                        return Err(too_deep(text, start, i, line, max_depth));
                    }
                    token_start = true;
                }
                b']' | b'}' if flow > 0 => {
                    flow -= 1;
                    token_start = false;
                }
                b',' if flow > 0 => token_start = true,
                b'-' | b'?' | b':' if separated(bytes, i) => {
                    if flow == 0 && b != b':' && token_start {
                        node(start, i, line)?;
                        compact += 1;
                        let depth = indents.len() - 1 + compact;
                        if depth > max_depth {
                            return Err(too_deep(text, start, i, line, max_depth));
                        }
                    }
                    token_start = true;
                }
                b'|' | b'>' if token_start && flow == 0 => {
                    node(start, i, line)?;
                    block_scalar_above = Some(indent);
                    token_start = false;
                }
                b'*' if token_start => {
                    node(start, i, line)?;
                    aliases += 1;
                    token_start = false;
                }
                b'&' | b'!' if token_start => {
                    // Node properties: the node itself follows.
                    while !matches!(bytes.get(i), None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
                        i += 1;
                    }
                    continue;
                }
                _ => {
                    if token_start {
                        node(start, i, line)?;
                    }
                    token_start = false;
                }
            }
            i += 1;
        }
        if indents.len() > max_depth + 1 {
            return Err(too_deep(text, start, start + indent, line, max_depth));
        }
        i = next_line(bytes, i);
        line += 1;
    }
    Ok(Counted { aliases, nodes })
}

/// Whether the indicator at `i` is followed by a space or the end of its line.
fn separated(bytes: &[u8], i: usize) -> bool {
    matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// The index after the line break that ends the line holding `i`.
fn next_line(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'\n' => break,
            b'\r' if bytes.get(i) != Some(&b'\n') => break,
            _ => {}
        }
    }
    i
}

/// Skips a quoted scalar starting at `i`, counting the line breaks inside it.
fn skip_quoted(bytes: &[u8], i: usize, line: &mut u32) -> usize {
    let quote = bytes.get(i).copied().unwrap_or(b'"');
    let mut j = i + 1;
    while let Some(&b) = bytes.get(j) {
        match b {
            b'\\' if quote == b'"' => j += 1,
            b'\'' if quote == b'\'' && bytes.get(j + 1) == Some(&b'\'') => j += 1,
            b'\n' => *line += 1,
            _ if b == quote => return j + 1,
            _ => {}
        }
        j += 1;
    }
    j
}

fn too_deep(text: &str, line_start: usize, at: usize, line: u32, max: usize) -> Refusal {
    refusal_at(
        text,
        line_start,
        at,
        line,
        format!("nesting deeper than {max} levels"),
    )
}

/// A refusal at byte `at` of the line that starts at `line_start`.
fn refusal_at(text: &str, line_start: usize, at: usize, line: u32, message: String) -> Refusal {
    let column = text
        .get(line_start..at)
        .map_or(1, |s| s.chars().count() + 1);
    Refusal {
        line,
        column: u32::try_from(column).unwrap_or(u32::MAX),
        message,
    }
}

/// Walks every document as the deserializer will, aliases expanded, and refuses the
/// text once its nodes pass `budget`. Runs only for texts that hold aliases.
fn expansion(text: &str, budget: usize) -> Result<(), Refusal> {
    let mut count = Counter {
        left: budget,
        limit: budget,
    };
    for doc in yaml_serde::Deserializer::from_str(text) {
        if let Err(e) = count.deserialize(doc) {
            let (line, column) = e
                .location()
                .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
            let message = e.to_string();
            if message.contains("aliases expand") {
                return Err(Refusal {
                    line,
                    column,
                    message: message
                        .split(" at line ")
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                });
            }
            // Any other error is the parser's to report, with its own position.
            return Ok(());
        }
    }
    Ok(())
}

/// Counts nodes down from a budget.
struct Counter {
    left: usize,
    limit: usize,
}

impl Counter {
    fn deserialize<'de, D: Deserializer<'de>>(&mut self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(CountVisitor(self))
    }

    fn take<E: de::Error>(&mut self) -> Result<(), E> {
        match self.left.checked_sub(1) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(E::custom(format!(
                "aliases expand the text past {} nodes",
                self.limit
            ))),
        }
    }
}

struct CountVisitor<'a>(&'a mut Counter);

impl<'de> de::DeserializeSeed<'de> for CountVisitor<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.deserialize(d)
    }
}

impl<'de> Visitor<'de> for CountVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.0.take()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.0.take()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.0.take()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.0.take()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.take()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.take()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.take()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.take()?;
        while seq.next_element_seed(CountVisitor(self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.take()?;
        while map.next_key_seed(CountVisitor(self.0))?.is_some() {
            map.next_value_seed(CountVisitor(self.0))?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use de::VariantAccess as _;
        let ((), variant) = data.variant_seed(CountVisitor(self.0))?;
        variant.newtype_variant_seed(CountVisitor(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Refusal {
        check(text, Limits::default()).unwrap_err()
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(check(&ok, Limits::default()), Ok(()));
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        let r = refused(&deep);
        assert_eq!((r.line, r.column), (1, 65));
        assert!(r.message.contains("nesting deeper than 64"), "{r:?}");
        let huge = "[".repeat(40_000);
        assert!(refused(&huge).message.contains("nesting"));
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let block = (0..200).fold(String::new(), |acc, i| {
            format!("{acc}{}k:\n", " ".repeat(i))
        });
        assert!(refused(&block).message.contains("nesting deeper than 64"));
        let compact = format!("{}x\n", "- ".repeat(100));
        assert!(refused(&compact).message.contains("nesting"));
    }

    #[test]
    fn brackets_in_quotes_comments_and_block_scalars_are_text() {
        let many = "[".repeat(100);
        let text = format!(
            "a: \"{many}\"\nb: '{many}'\n# {many}\nc: |\n  {many}\n  more\nd: see {many}\ne: [x, '{many}']\n"
        );
        assert_eq!(check(&text, Limits::default()), Ok(()));
    }

    #[test]
    fn a_policy_passes() {
        let text = "name: p\nrules:\n  - name: r\n    effect: allow\n    actions: [\"read:*\"]\n    conditions:\n      context:\n        a: {in: [x, y]}\n";
        assert_eq!(check(text, Limits::default()), Ok(()));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8u8 {
            let (prev, next) = ((b'a' + i) as char, (b'a' + i + 1) as char);
            let refs = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        let r = refused(&bomb);
        assert!(r.message.contains("aliases expand"), "{r:?}");
        assert_eq!(
            check("base: &b {x: 1}\ncopy: *b\n", Limits::default()),
            Ok(())
        );
    }

    #[test]
    fn texts_with_too_many_nodes_are_refused_where_the_limit_is_passed() {
        let limits = |max_nodes| Limits {
            max_nodes,
            ..Limits::default()
        };
        // name, p, rules, the flow list, its mapping, effect, allow, actions, the
        // list, then one node an item.
        let flow = |items: usize| {
            let list = vec!["a"; items].join(", ");
            format!("name: p\nrules: [{{effect: allow, actions: [{list}]}}]\n")
        };
        assert_eq!(check(&flow(11), limits(20)), Ok(()));
        let r = check(&flow(12), limits(20)).unwrap_err();
        assert_eq!((r.line, r.column), (2, 68), "{r:?}");
        assert!(r.message.contains("more than 20 YAML nodes"), "{r:?}");
        // Block entries count even when empty, and so do quoted and block scalars.
        assert!(check(&"-\n".repeat(21), limits(20)).is_err());
        assert_eq!(check(&"-\n".repeat(20), limits(20)), Ok(()));
        let text = "a: 'x y'\nb: \"[z]\"\nc: |\n  one\n  two\n";
        assert_eq!(check(text, limits(6)), Ok(()));
        assert!(check(text, limits(5)).is_err());
        // A plain scalar with spaces is one node.
        assert_eq!(check("a: one two three\n", limits(2)), Ok(()));
    }

    #[test]
    fn aliases_count_as_the_nodes_they_copy() {
        let text = "a: &a [x, x, x, x]\nb: *a\nc: *a\n";
        let limits = |max_nodes| Limits {
            max_nodes,
            ..Limits::default()
        };
        // The scan counts 10 nodes; expanded, with its mapping and lists, 19.
        assert_eq!(check(text, limits(19)), Ok(()));
        let r = check(text, limits(18)).unwrap_err();
        assert!(
            r.message.contains("aliases expand the text past 18 nodes"),
            "{r:?}"
        );
    }

    #[test]
    fn the_default_node_limit_admits_a_thousand_rules() {
        let mut text = String::from("name: thousand\nrules:\n");
        for i in 0..1000 {
            text.push_str(&format!(
                "  - name: r{i}\n    effect: allow\n    actions: [\"svc_{i}:*\", \"tool_{i}:invoke\"]\n    conditions: {{amount_max: {i}, time_range: \"09:00-18:00\"}}\n"
            ));
        }
        assert_eq!(check(&text, Limits::default()), Ok(()));
    }

    #[test]
    fn oversized_text_is_refused() {
        assert_eq!(Limits::default().max_bytes, MAX_BYTES);
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(
            check("a: 12345678901", limits)
                .unwrap_err()
                .message
                .contains("bytes")
        );
    }
}
