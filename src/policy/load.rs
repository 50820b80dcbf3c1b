//! Reading sources (YAML streams, JSON texts or arrays, the AGT form) into policies.
//! Either every policy of every source loads, or none does.

use std::sync::Arc;

use super::Policy;
use super::decode::Decoder;
use super::diagnostic::{Diagnostic, DiagnosticKind, LoadError, Severity};
use super::guard::Limits;
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

/// Reads every source; fails if any document of any source has an error, or if two
/// policies share a name.
pub fn load_sources(
    sources: &[Source<'_>],
    zones: &dyn ZoneProvider,
    limits: Limits,
) -> Result<Loaded, LoadError> {
    let mut out = Collector::default();
    for source in sources {
        let mut d = Decoder::read(Arc::from(source.name), source.text, zones, limits);
        out.policies.append(&mut d.policies);
        out.errors.append(&mut d.errors);
        out.warnings.append(&mut d.warnings);
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
