//! The JSON shapes bindings pass in: session settings and per-call options, each
//! read from a parsed [`Value`] by hand so that a wrong option is reported by its
//! path (`agent.trustTier: unknown trust tier 'root': …`). Unknown keys are errors,
//! so a misspelt option never silently does nothing; `null` counts as absent.

use serde_json::{Map, Value};

use crate::agent::Agent;
use crate::json::{self, JsonError, Obj};
use crate::time::Timestamp;

/// A policy text, bare or with a name for messages.
#[derive(Clone, Debug)]
pub enum PolicyText {
    Text(String),
    Named { name: String, text: String },
}

impl PolicyText {
    /// A string, or `{name, text}`.
    pub fn from_json(value: Value) -> Result<PolicyText, JsonError> {
        match value {
            Value::String(text) => Ok(PolicyText::Text(text)),
            Value::Object(_) => {
                let mut o = Obj::new(value, &["name", "text"])?;
                Ok(PolicyText::Named {
                    name: o.need_str("name")?,
                    text: o.need_str("text")?,
                })
            }
            other => Err(JsonError::expected("a policy text or {name, text}", &other)),
        }
    }

    /// An array of policy texts.
    pub fn list_from_json(value: Value) -> Result<Vec<PolicyText>, JsonError> {
        json::list(value, PolicyText::from_json)
    }
}

/// Settings of a [`Session`](super::Session).
#[derive(Clone, Debug, Default)]
pub struct SessionConfig {
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

impl SessionConfig {
    /// `{policies, agent, agentToken, verify, mode, maxDelegationDepth, audit, traceId, maxInputBytes}`.
    pub fn from_json(value: Value) -> Result<SessionConfig, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "policies",
                "agent",
                "agentToken",
                "verify",
                "mode",
                "maxDelegationDepth",
                "audit",
                "traceId",
                "maxInputBytes",
            ],
        )?;
        Ok(SessionConfig {
            policies: o.list("policies", PolicyText::from_json)?,
            agent: o.agent("agent")?,
            agent_token: o.str("agentToken")?,
            verify: o.get("verify", VerifyConfig::from_json)?,
            mode: o.str("mode")?,
            max_delegation_depth: o.u32("maxDelegationDepth")?,
            audit: o.get("audit", AuditSettings::from_json)?,
            trace_id: o.str("traceId")?,
            max_input_bytes: o.usize("maxInputBytes")?,
        })
    }
}

/// How agent tokens are verified.
#[derive(Clone, Debug, Default)]
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

impl VerifyConfig {
    /// `{secret, secretBase64url, publicKey, issuer, leewaySeconds}`.
    pub fn from_json(value: Value) -> Result<VerifyConfig, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "secret",
                "secretBase64url",
                "publicKey",
                "issuer",
                "leewaySeconds",
            ],
        )?;
        Ok(VerifyConfig {
            secret: o.str("secret")?,
            secret_base64url: o.str("secretBase64url")?,
            public_key: o.value("publicKey"),
            issuer: o.str("issuer")?,
            leeway_seconds: o.u32("leewaySeconds")?,
        })
    }
}

/// `false` turns the audit trail off; otherwise its settings.
#[derive(Clone, Debug)]
pub enum AuditSettings {
    Enabled(bool),
    Settings(AuditOptions),
}

impl AuditSettings {
    /// `true`, `false` or `{capacity, redact}`.
    pub fn from_json(value: Value) -> Result<AuditSettings, JsonError> {
        match value {
            Value::Bool(on) => Ok(AuditSettings::Enabled(on)),
            Value::Object(_) => AuditOptions::from_json(value).map(AuditSettings::Settings),
            other => Err(JsonError::expected("true, false or an object", &other)),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    pub capacity: Option<usize>,
    pub redact: Vec<String>,
}

impl AuditOptions {
    /// `{capacity, redact}`.
    pub fn from_json(value: Value) -> Result<AuditOptions, JsonError> {
        let mut o = Obj::options(value, &["capacity", "redact"])?;
        Ok(AuditOptions {
            capacity: o.usize("capacity")?,
            redact: o.strings("redact")?,
        })
    }
}

/// An instant as RFC 3339 text or milliseconds since the epoch.
#[derive(Clone, Debug)]
pub enum When {
    Millis(f64),
    Text(String),
}

impl When {
    /// Milliseconds since the epoch, or an RFC 3339 text (what a JavaScript `Date`
    /// becomes in JSON). The time is checked here, so a bad one is reported under
    /// its own key.
    pub fn from_json(value: Value) -> Result<When, JsonError> {
        let when = match value {
            Value::Number(n) => When::Millis(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(text) => When::Text(text),
            other => {
                return Err(JsonError::expected(
                    "milliseconds since the epoch or an RFC 3339 time",
                    &other,
                ));
            }
        };
        when.instant().map_err(JsonError::new)?;
        Ok(when)
    }

    /// The instant, or why there is none (without a path).
    fn instant(&self) -> Result<Timestamp, String> {
        match self {
            When::Millis(ms) => Timestamp::from_millis_f64(*ms).ok_or_else(|| {
                // JSON's spelling of the number, which needs no float formatting code.
                let text = serde_json::Number::from_f64(*ms)
                    .map_or_else(|| "a non-finite number".to_owned(), |n| n.to_string());
                format!("{text} is not a time between the years 0000 and 9999")
            }),
            When::Text(t) => Timestamp::parse_rfc3339(t).map_err(|e| e.to_string()),
        }
    }

    pub(crate) fn resolve(&self) -> Result<Timestamp, String> {
        self.instant().map_err(|e| format!("now: {e}"))
    }
}

/// Options of one check (and of `explain`).
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub context: Option<Map<String, Value>>,
    pub resource: Option<String>,
    pub now: Option<When>,
    /// The delegators above the agent, root first.
    pub chain: Vec<Agent>,
    /// The delegators above the agent cannot be named: the engine refuses.
    pub chain_unknown: bool,
    /// The context is not known yet: decide whether some context could be allowed.
    pub any_context: bool,
    /// Acts as this agent instead of the session's.
    pub agent: Option<Agent>,
    pub trace_id: Option<String>,
    /// Extra fields for the audit entry.
    pub metadata: Option<Map<String, Value>>,
}

impl CheckOptions {
    /// `{context, resource, now, chain, chainUnknown, anyContext, agent, traceId, metadata}`.
    pub fn from_json(value: Value) -> Result<CheckOptions, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "context",
                "resource",
                "now",
                "chain",
                "chainUnknown",
                "anyContext",
                "agent",
                "traceId",
                "metadata",
            ],
        )?;
        Ok(CheckOptions {
            context: o.object("context")?,
            resource: o.str("resource")?,
            now: o.get("now", When::from_json)?,
            chain: o.agents("chain")?,
            chain_unknown: o.bool("chainUnknown")?.unwrap_or(false),
            any_context: o.bool("anyContext")?.unwrap_or(false),
            agent: o.agent("agent")?,
            trace_id: o.str("traceId")?,
            metadata: o.object("metadata")?,
        })
    }
}

/// Options of a handoff check.
#[derive(Clone, Debug, Default)]
pub struct HandoffOptions {
    pub context: Option<Map<String, Value>>,
    pub now: Option<When>,
    pub chain: Vec<Agent>,
    /// The delegators above the delegating agent cannot be named: the engine refuses.
    pub chain_unknown: bool,
    pub trace_id: Option<String>,
    pub metadata: Option<Map<String, Value>>,
}

impl HandoffOptions {
    /// `{context, now, chain, chainUnknown, traceId, metadata}`.
    pub fn from_json(value: Value) -> Result<HandoffOptions, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "context",
                "now",
                "chain",
                "chainUnknown",
                "traceId",
                "metadata",
            ],
        )?;
        Ok(HandoffOptions {
            context: o.object("context")?,
            now: o.get("now", When::from_json)?,
            chain: o.agents("chain")?,
            chain_unknown: o.bool("chainUnknown")?.unwrap_or(false),
            trace_id: o.str("traceId")?,
            metadata: o.object("metadata")?,
        })
    }
}

/// A manual audit entry (`auditLog({action, decision, metadata})`).
#[derive(Clone, Debug)]
pub struct ManualEntry {
    pub action: String,
    /// `allow`, `deny`, `require_approval`; `allowed` and `denied` are read as such.
    pub decision: String,
    pub metadata: Map<String, Value>,
    pub reason: Option<String>,
    pub resource: Option<String>,
    pub agent: Option<Agent>,
    pub trace_id: Option<String>,
    pub now: Option<When>,
}

impl ManualEntry {
    /// `{action, decision, metadata, reason, resource, agent, traceId, now}`; `action`
    /// and `decision` are required.
    pub fn from_json(value: Value) -> Result<ManualEntry, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "action", "decision", "metadata", "reason", "resource", "agent", "traceId", "now",
            ],
        )?;
        Ok(ManualEntry {
            action: o.need_str("action")?,
            decision: o.need_str("decision")?,
            metadata: o.object("metadata")?.unwrap_or_default(),
            reason: o.str("reason")?,
            resource: o.str("resource")?,
            agent: o.agent("agent")?,
            trace_id: o.str("traceId")?,
            now: o.get("now", When::from_json)?,
        })
    }
}

/// Filters of an audit query.
#[derive(Clone, Debug, Default)]
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

impl AuditQuery {
    /// `{limit, agentId, action, decision, traceId, since, until}`.
    pub fn from_json(value: Value) -> Result<AuditQuery, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "limit", "agentId", "action", "decision", "traceId", "since", "until",
            ],
        )?;
        Ok(AuditQuery {
            limit: o.usize("limit")?,
            agent_id: o.str("agentId")?,
            action: o.str("action")?,
            decision: o.str("decision")?,
            trace_id: o.str("traceId")?,
            since: o.get("since", When::from_json)?,
            until: o.get("until", When::from_json)?,
        })
    }
}

/// Options of `issueAgentToken`.
#[derive(Clone, Debug)]
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

impl IssueConfig {
    /// `{secret, secretBase64url, privateKey, issuer, expiresIn, now}`.
    pub fn from_json(value: Value) -> Result<IssueConfig, JsonError> {
        let mut o = Obj::options(
            value,
            &[
                "secret",
                "secretBase64url",
                "privateKey",
                "issuer",
                "expiresIn",
                "now",
            ],
        )?;
        Ok(IssueConfig {
            secret: o.str("secret")?,
            secret_base64url: o.str("secretBase64url")?,
            private_key: o.value("privateKey"),
            issuer: o.str("issuer")?,
            expires_in: o.u64("expiresIn")?,
            now: o.get("now", When::from_json)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::TrustTier;
    use serde_json::json;

    fn err<T: std::fmt::Debug>(r: Result<T, JsonError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn check_options_name_the_bad_member() {
        for (options, message) in [
            (
                json!({"context": [1, 2]}),
                "context: expected an object, found an array",
            ),
            (
                json!({"contxt": {}}),
                "unknown option 'contxt'; did you mean 'context'?",
            ),
            (
                json!({"agent": {"id": 5}}),
                "agent.id: expected a non-empty string, found 5",
            ),
            (
                json!({"agent": {"id": "a", "trustTier": "root"}}),
                "agent.trustTier: unknown trust tier 'root': expected one of untrusted, basic, verified, trusted, privileged",
            ),
            (
                json!({"chain": [{"id": "a"}, {"id": "b", "name": false}]}),
                "chain[1].name: expected a string, found false",
            ),
            (
                json!({"chain": {}}),
                "chain: expected an array, found an object",
            ),
            (
                json!({"resource": 7}),
                "resource: expected a string, found 7",
            ),
            (
                json!({"now": "yesterday"}),
                "now: invalid time \"yesterday\": too short for a date and time (expected RFC 3339, like 2026-11-26T10:00:00Z)",
            ),
            (
                json!({"now": true}),
                "now: expected milliseconds since the epoch or an RFC 3339 time, found true",
            ),
            (
                json!({"now": 1e20}),
                "now: 1e+20 is not a time between the years 0000 and 9999",
            ),
            (json!("fast"), "expected an object, found \"fast\""),
        ] {
            assert_eq!(
                err(CheckOptions::from_json(options.clone())),
                message,
                "{options}"
            );
        }
    }

    #[test]
    fn check_options_keep_their_defaults() {
        let o = CheckOptions::from_json(json!({})).unwrap();
        assert!(o.context.is_none() && o.agent.is_none() && o.chain.is_empty());
        let o = CheckOptions::from_json(json!({
            "context": {"amount": 5}, "resource": null, "now": 1_700_000_000_000_u64,
            "chain": [{"id": "root", "trustTier": "trusted"}], "agent": {"id": "a"},
            "traceId": "t", "metadata": {"k": "v"}
        }))
        .unwrap();
        assert_eq!(o.context.unwrap()["amount"], json!(5));
        assert!(o.resource.is_none());
        assert!(matches!(o.now, Some(When::Millis(ms)) if ms == 1.7e12));
        assert_eq!(o.chain[0].trust_tier, TrustTier::Trusted);
        assert_eq!(&*o.agent.unwrap().name, "a");
        assert_eq!(o.trace_id.as_deref(), Some("t"));
        assert!(o.metadata.is_some());
    }

    #[test]
    fn session_settings_name_the_bad_member() {
        for (config, message) in [
            (
                json!({"verify": {"leewaySeconds": -1}}),
                "verify.leewaySeconds: expected a whole number of at least 0, found -1",
            ),
            (
                json!({"verify": {"secrett": "x"}}),
                "verify: unknown option 'secrett'; did you mean 'secret'?",
            ),
            (
                json!({"policies": ["a", 5]}),
                "policies[1]: expected a policy text or {name, text}, found 5",
            ),
            (
                json!({"policies": [{"name": "p"}]}),
                "policies[0].text: missing (expected a string)",
            ),
            (
                json!({"policies": [{"name": "p", "text": "t", "x": 1}]}),
                "policies[0]: unknown key 'x'",
            ),
            (
                json!({"audit": 5}),
                "audit: expected true, false or an object, found 5",
            ),
            (
                json!({"audit": {"capacity": 1.5}}),
                "audit.capacity: expected a whole number of at least 0, found 1.5",
            ),
            (
                json!({"audit": {"redact": ["a", null]}}),
                "audit.redact[1]: expected a string, found null",
            ),
            (
                json!({"maxDelegationDepth": 4_294_967_296_u64}),
                "maxDelegationDepth: expected a whole number of at most 4294967295, found 4294967296",
            ),
            (
                json!({"mode": ["audit"]}),
                "mode: expected a string, found an array",
            ),
        ] {
            assert_eq!(
                err(SessionConfig::from_json(config.clone())),
                message,
                "{config}"
            );
        }
    }

    #[test]
    fn session_settings_read_every_shape() {
        let c = SessionConfig::from_json(json!({
            "policies": ["a", {"name": "n", "text": "t"}], "agent": {"id": "a"},
            "verify": {"secret": "s", "publicKey": {"kty": "OKP"}, "leewaySeconds": 5},
            "mode": "audit", "maxDelegationDepth": 2, "audit": {"capacity": 3, "redact": ["x"]},
            "traceId": "t", "maxInputBytes": 10, "agentToken": null
        }))
        .unwrap();
        assert!(matches!(
            &c.policies[..],
            [PolicyText::Text(_), PolicyText::Named { .. }]
        ));
        let v = c.verify.unwrap();
        assert_eq!(
            (v.leeway_seconds, v.public_key),
            (Some(5), Some(json!({"kty": "OKP"})))
        );
        assert!(matches!(
            c.audit,
            Some(AuditSettings::Settings(AuditOptions {
                capacity: Some(3),
                ..
            }))
        ));
        assert_eq!(
            (c.max_delegation_depth, c.max_input_bytes),
            (Some(2), Some(10))
        );
        for (audit, on) in [(json!(true), true), (json!(false), false)] {
            let c = SessionConfig::from_json(json!({ "audit": audit })).unwrap();
            assert!(matches!(c.audit, Some(AuditSettings::Enabled(b)) if b == on));
        }
    }

    #[test]
    fn the_other_options_name_the_bad_member() {
        assert_eq!(
            err(ManualEntry::from_json(json!({"decision": "allow"}))),
            "action: missing (expected a string)"
        );
        assert_eq!(
            err(ManualEntry::from_json(
                json!({"action": "a", "decision": "allow", "metadata": "m"})
            )),
            "metadata: expected an object, found \"m\""
        );
        assert_eq!(
            err(AuditQuery::from_json(
                json!({"since": "2026-13-01T00:00:00Z"})
            )),
            "since: invalid time \"2026-13-01T00:00:00Z\": no such date, time or offset (expected RFC 3339, like 2026-11-26T10:00:00Z)"
        );
        assert_eq!(
            err(AuditQuery::from_json(json!({"limit": "10"}))),
            "limit: expected a whole number of at least 0, found \"10\""
        );
        assert_eq!(
            err(HandoffOptions::from_json(json!({"agent": {"id": "a"}}))),
            "unknown option 'agent'"
        );
        assert_eq!(
            err(IssueConfig::from_json(json!({"expiresIn": -5}))),
            "expiresIn: expected a whole number of at least 0, found -5"
        );
        let m = ManualEntry::from_json(json!({"action": "a", "decision": "deny"})).unwrap();
        assert!(m.metadata.is_empty() && m.agent.is_none());
        let i = IssueConfig::from_json(json!({"privateKey": "k", "now": "2026-01-01T00:00:00Z"}))
            .unwrap();
        assert_eq!(i.private_key, Some(json!("k")));
        assert!(matches!(i.now, Some(When::Text(_))));
    }
}
