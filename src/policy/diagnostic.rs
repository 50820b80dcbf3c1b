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

#[cfg(test)]
mod tests {
    use super::*;

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
}
