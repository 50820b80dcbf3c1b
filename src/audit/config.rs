//! How an audit log is set up, and why a setup is refused.

use std::fmt;

/// Settings for an [`AuditLog`](super::AuditLog).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditConfig {
    /// How many entries the ring keeps (at least 1). Older entries are dropped, so
    /// give the log a sink if every entry must be kept.
    pub capacity: usize,
    /// Dotted paths (`email`, `customer.card`) whose values are replaced by
    /// `"[redacted]"` under `metadata` and `metadata.context`.
    pub redact: Vec<String>,
    /// Entry ids are `<id_prefix>-<seq>` (just `<seq>` when empty). The core has no
    /// random numbers: pass something unique per log, such as a few random hex digits.
    pub id_prefix: String,
}

impl AuditConfig {
    /// The default capacity.
    pub const DEFAULT_CAPACITY: usize = 10_000;
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            capacity: Self::DEFAULT_CAPACITY,
            redact: Vec::new(),
            id_prefix: String::from("audit"),
        }
    }
}

/// Why an audit log could not be set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditError {
    /// `capacity` was 0.
    ZeroCapacity,
    /// A `redact` entry is not a dotted path (empty, or with an empty segment).
    InvalidRedactPath { path: String },
}

impl AuditError {
    /// A stable code for bindings.
    pub fn code(&self) -> &'static str {
        match self {
            AuditError::ZeroCapacity => "AUDIT_ZERO_CAPACITY",
            AuditError::InvalidRedactPath { .. } => "AUDIT_INVALID_REDACT_PATH",
        }
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditError::ZeroCapacity => {
                f.write_str("audit capacity must be at least 1 (the default is 10000)")
            }
            AuditError::InvalidRedactPath { path } => write!(
                f,
                "invalid redact path {path:?}: expected dotted keys like \"email\" or \"customer.card\", with no empty segment"
            ),
        }
    }
}

impl std::error::Error for AuditError {}
