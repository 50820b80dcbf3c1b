//! What is wrong with a policy document, and where: errors and warnings with the
//! source, document, line, column, path, and a suggestion when a known name is close.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Error or warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A stable classification of diagnostics, for programs that react to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// The text is not YAML or JSON, or breaks a reader limit (size, depth, aliases).
    Syntax,
    /// A key the format does not have.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value of the wrong type (a number where a string belongs).
    WrongType,
    /// A value of the right type that is not allowed (an unknown effect, a bad time range).
    InvalidValue,
    /// A name used twice (policies in one engine, rules in one policy).
    Duplicate,
    /// Warning: a policy whose `appliesTo` can match no agent.
    AppliesToNobody,
    /// Warning: a rule that an earlier unconditional rule always pre-empts.
    UnreachableRule,
}

/// One finding about a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    /// The source's name: a file name, or `policies[i]`.
    pub source: Arc<str>,
    /// 0-based index of the document within a multi-document source.
    pub document: usize,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    /// Where in the document (`rules[3].conditions.amount_mx`), empty at the top.
    pub path: String,
    pub message: String,
    /// A known name close to what was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if self.document > 0 {
            write!(f, " (document {})", self.document + 1)?;
        }
        write!(f, ", line {}, column {}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean '{s}'?")?;
        }
        Ok(())
    }
}

/// A failed load: every error found (at least one), and the warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl LoadError {
    /// The first error, the one a short message names.
    pub fn first(&self) -> Option<&Diagnostic> {
        self.errors.first()
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [] => f.write_str("policy load failed"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{first} (and {} more errors)", rest.len()),
        }
    }
}

impl std::error::Error for LoadError {}

/// A location inside a document, built up as the decoder descends.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path one key further down.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    /// The path one list index further down.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, k) => f.write_str(k),
            Path::Key(parent, k) => write!(f, "{parent}.{k}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The known name closest to `written`, if it is close enough to be a likely typo:
/// equal once ASCII case, `_` and `-` are ignored, or within a small edit distance.
/// (Known names are ASCII; folding only ASCII keeps Unicode case tables out of the
/// WebAssembly module.)
pub fn suggest<'k>(written: &str, known: &[&'k str]) -> Option<&'k str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let folded = fold(written);
    if let Some(k) = known.iter().find(|k| fold(k) == folded) {
        return Some(k);
    }
    let limit = (written.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(&folded, &fold(k)), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = (0..(a.len() + 1) * width)
        .map(|i| if i < width { i } else { 0 })
        .collect();
    let at = |i: usize, j: usize| i * width + j;
    for i in 1..=a.len() {
        if let Some(cell) = d.get_mut(at(i, 0)) {
            *cell = i;
        }
        for j in 1..=b.len() {
            let same = a.get(i - 1) == b.get(j - 1);
            let get = |i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX - 1);
            let mut best = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + usize::from(!same));
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                best = best.min(get(i - 2, j - 2) + 1);
            }
            if let Some(cell) = d.get_mut(at(i, j)) {
                *cell = best;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions() {
        let known = ["amount_max", "amount_min", "time_range", "rateLimit"];
        assert_eq!(suggest("amount_mx", &known), Some("amount_max"));
        assert_eq!(suggest("amuont_min", &known), Some("amount_min"));
        assert_eq!(suggest("rate_limit", &known), Some("rateLimit"));
        assert_eq!(suggest("TimeRange", &known), Some("time_range"));
        assert_eq!(suggest("colour", &known), None);
        assert_eq!(suggest("rulez", &["rules", "name"]), Some("rules"));
    }

    #[test]
    fn paths_render_like_the_document() {
        let root = Path::Root;
        let rules = root.key("rules");
        let third = rules.index(3);
        let cond = third.key("conditions");
        assert_eq!(
            cond.key("amount_mx").to_string(),
            "rules[3].conditions.amount_mx"
        );
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
