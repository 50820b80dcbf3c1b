//! Reading sources (YAML streams, JSON texts or arrays, the AGT form) into policies.
//! Either every policy of every source loads, or none does.

use std::sync::Arc;

use super::Policy;
use super::decode::Decoder;
use super::diagnostic::{Diagnostic, DiagnosticKind, LoadError, Severity};
use crate::yaml::{self, Limits, Node, Value};
use crate::zone::ZoneProvider;

/// A named policy text.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// A file name or a label like `policies[0]`, used in messages.
    pub name: &'a str,
    pub text: &'a str,
}

/// Policies read from sources, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub policies: Vec<Policy>,
    pub warnings: Vec<Diagnostic>,
}

/// A policy input: a text, or documents already read (a policy written inline in a
/// larger YAML file, as conformance vectors do; positions then refer to that file).
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    Text(Source<'a>),
    Parsed { name: &'a str, docs: &'a [Node] },
}

/// Reads every source; fails if any document of any source has an error, or if two
/// policies share a name.
pub fn load_sources(
    sources: &[Source<'_>],
    zones: &dyn ZoneProvider,
    limits: Limits,
) -> Result<Loaded, LoadError> {
    let inputs: Vec<Input<'_>> = sources.iter().copied().map(Input::Text).collect();
    load_inputs(&inputs, zones, limits)
}

/// Like [`load_sources`], for texts and parsed documents together.
pub fn load_inputs(
    inputs: &[Input<'_>],
    zones: &dyn ZoneProvider,
    limits: Limits,
) -> Result<Loaded, LoadError> {
    let mut out = Collector::default();
    for input in inputs {
        match input {
            Input::Parsed { name, docs } => out.documents(Arc::from(*name), docs, zones),
            Input::Text(source) => {
                let name: Arc<str> = Arc::from(source.name);
                match yaml::read_stream(source.text, limits) {
                    Ok(docs) => out.documents(name, &docs, zones),
                    Err(e) => out.errors.push(Diagnostic {
                        severity: Severity::Error,
                        kind: DiagnosticKind::Syntax,
                        source: name,
                        document: 0,
                        line: e.pos.line,
                        column: e.pos.column,
                        path: String::new(),
                        message: e.message,
                        suggestion: None,
                    }),
                }
            }
        }
    }
    out.finish()
}

#[derive(Default)]
struct Collector {
    policies: Vec<Policy>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Collector {
    /// Decodes the documents of one source; a list at the top holds several policies.
    fn documents(&mut self, source: Arc<str>, docs: &[Node], zones: &dyn ZoneProvider) {
        let items: Vec<&Node> = docs
            .iter()
            .flat_map(|d| match &d.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![d],
            })
            .filter(|d| d.value != Value::Null)
            .collect();
        if items.is_empty() {
            self.errors.push(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::Syntax,
                source,
                document: 0,
                line: 1,
                column: 1,
                path: String::new(),
                message: "no policy found: the text holds no document".into(),
                suggestion: None,
            });
            return;
        }
        let mut decoder = Decoder::new(source, 0, zones);
        for (i, doc) in items.into_iter().enumerate() {
            decoder.next_document(i);
            if let Some(policy) = decoder.policy(doc) {
                self.policies.push(policy);
            }
        }
        self.errors.append(&mut decoder.errors);
        self.warnings.append(&mut decoder.warnings);
    }

    fn finish(mut self) -> Result<Loaded, LoadError> {
        for (i, p) in self.policies.iter().enumerate() {
            let earlier = self.policies.iter().take(i).find(|q| q.name == p.name);
            if let Some(q) = earlier {
                self.errors.push(Diagnostic {
                    severity: Severity::Error,
                    kind: DiagnosticKind::Duplicate,
                    source: p.origin.source.clone(),
                    document: p.origin.document,
                    line: p.origin.line,
                    column: 1,
                    path: "name".into(),
                    message: format!(
                        "policy name '{}' is already used by the policy at {}, line {}",
                        p.name, q.origin.source, q.origin.line
                    ),
                    suggestion: None,
                });
            }
        }
        if self.errors.is_empty() {
            Ok(Loaded {
                policies: self.policies,
                warnings: self.warnings,
            })
        } else {
            Err(LoadError {
                errors: self.errors,
                warnings: self.warnings,
            })
        }
    }
}
