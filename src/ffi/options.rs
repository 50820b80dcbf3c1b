//! The JSON shapes bindings pass in: session settings and per-call options.
//! Unknown fields are errors, so a misspelt option never silently does nothing.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::agent::Agent;
use crate::time::Timestamp;

/// A policy text, bare or with a name for messages.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum PolicyText {
    Text(String),
    Named { name: String, text: String },
}

/// Settings of a [`Session`](super::Session).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionConfig {
    #[serde(default)]
    pub policies: Vec<PolicyText>,
    /// The agent checks act as unless they name another.
    pub agent: Option<Agent>,
    /// A signed identity for the default agent, checked with `verify`.
    pub agent_token: Option<String>,
    pub verify: Option<VerifyConfig>,
    /// `enforce` (default), `audit` or `bypass`.
    pub mode: Option<String>,
    pub max_delegation_depth: Option<u32>,
    pub audit: Option<AuditSettings>,
    /// The trace id of checks that bring none (default: generated per session).
    pub trace_id: Option<String>,
    /// The largest options text (context included) one call accepts, in bytes.
    pub max_input_bytes: Option<usize>,
}

/// How agent tokens are verified.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyConfig {
    /// HS256 secret as UTF-8 text (at least 32 bytes).
    pub secret: Option<String>,
    /// HS256 secret as base64url bytes.
    pub secret_base64url: Option<String>,
    /// Ed25519 public key: a JWK (object or JSON text) or raw base64url.
    pub public_key: Option<Value>,
    pub issuer: Option<String>,
    pub leeway_seconds: Option<u32>,
}

/// `false` turns the audit trail off; otherwise its settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum AuditSettings {
    Enabled(bool),
    Settings(AuditOptions),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditOptions {
    pub capacity: Option<usize>,
    #[serde(default)]
    pub redact: Vec<String>,
}

/// An instant as RFC 3339 text or milliseconds since the epoch.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum When {
    Millis(f64),
    Text(String),
}

impl When {
    pub(crate) fn resolve(&self) -> Result<Timestamp, String> {
        match self {
            When::Millis(ms) => Timestamp::from_millis_f64(*ms)
                .ok_or_else(|| format!("now: {ms} is not a time between the years 0000 and 9999")),
            When::Text(t) => Timestamp::parse_rfc3339(t).map_err(|e| format!("now: {e}")),
        }
    }
}

/// Options of one check (and of `explain`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckOptions {
    pub context: Option<Map<String, Value>>,
    pub resource: Option<String>,
    pub now: Option<When>,
    /// The delegators above the agent, root first.
    #[serde(default)]
    pub chain: Vec<Agent>,
    /// Acts as this agent instead of the session's.
    pub agent: Option<Agent>,
    pub trace_id: Option<String>,
    /// Extra fields for the audit entry.
    pub metadata: Option<Map<String, Value>>,
}

/// Options of a handoff check.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandoffOptions {
    pub context: Option<Map<String, Value>>,
    pub now: Option<When>,
    #[serde(default)]
    pub chain: Vec<Agent>,
    pub trace_id: Option<String>,
    pub metadata: Option<Map<String, Value>>,
}

/// A manual audit entry (`auditLog({action, decision, metadata})`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManualEntry {
    pub action: String,
    /// `allow`, `deny`, `require_approval`; `allowed` and `denied` are read as such.
    pub decision: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
    pub reason: Option<String>,
    pub resource: Option<String>,
    pub agent: Option<Agent>,
    pub trace_id: Option<String>,
    pub now: Option<When>,
}

/// Filters of an audit query.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditQuery {
    pub limit: Option<usize>,
    pub agent_id: Option<String>,
    /// A pattern, as in policies.
    pub action: Option<String>,
    pub decision: Option<String>,
    pub trace_id: Option<String>,
    pub since: Option<When>,
    pub until: Option<When>,
}

/// Options of `issueAgentToken`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueConfig {
    pub secret: Option<String>,
    pub secret_base64url: Option<String>,
    /// Ed25519 private key: a JWK with `d` (object or JSON text) or a raw base64url seed.
    pub private_key: Option<Value>,
    pub issuer: Option<String>,
    /// Seconds until expiry (default 3600).
    pub expires_in: Option<u64>,
    pub now: Option<When>,
}
