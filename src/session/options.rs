//! The JSON shapes bindings pass in: session settings and per-call options, read
//! with serde's derive through [`json::read`], so that a wrong option is reported by
//! its path (`agent.trustTier: unknown trust tier 'root': …`). Unknown keys are
//! errors, so a misspelt option never silently does nothing; `null` counts as absent.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use serde_json::{Map, Value};

use crate::agent::Agent;
use crate::json::{self, JsonError, field};
use crate::time::Timestamp;

/// Gives a type `from_json(Value)`, which reads it with [`json::read`].
macro_rules! from_json {
    ($($t:ty),*) => {$(
        impl $t {
            /// Reads this from a parsed JSON value; an error names the path.
            pub fn from_json(value: Value) -> Result<$t, JsonError> {
                json::read(value)
            }
        }
    )*};
}

from_json!(
    PolicyText,
    SessionConfig,
    VerifyConfig,
    AuditSettings,
    AuditOptions,
    When,
    CheckOptions,
    HandoffOptions,
    ManualEntry,
    AuditQuery,
    IssueConfig
);

/// A policy text, bare or with a name for messages.
#[derive(Clone, Debug)]
pub enum PolicyText {
    Text(String),
    Named { name: String, text: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object {name, text}")]
struct NamedText {
    name: String,
    text: String,
}

impl<'de> Deserialize<'de> for PolicyText {
    /// A string, or `{name, text}`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PolicyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a policy text or {name, text}")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<PolicyText, E> {
                Ok(PolicyText::Text(text.to_owned()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<PolicyText, E> {
                Ok(PolicyText::Text(text))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PolicyText, A::Error> {
                let n = NamedText::deserialize(MapAccessDeserializer::new(map))?;
                Ok(PolicyText::Named {
                    name: n.name,
                    text: n.text,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Settings of a [`Session`](super::Session):
/// `{policies, agent, agentToken, verify, mode, maxDelegationDepth, audit, traceId, maxInputBytes}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
pub struct SessionConfig {
    #[serde(default, deserialize_with = "field::or_default")]
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

/// How agent tokens are verified: `{secret, secretBase64url, publicKey, issuer, leewaySeconds}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
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
#[derive(Clone, Debug)]
pub enum AuditSettings {
    Enabled(bool),
    Settings(AuditOptions),
}

impl<'de> Deserialize<'de> for AuditSettings {
    /// `true`, `false` or `{capacity, redact}`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AuditSettings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or an object")
            }
            fn visit_bool<E: de::Error>(self, on: bool) -> Result<AuditSettings, E> {
                Ok(AuditSettings::Enabled(on))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AuditSettings, A::Error> {
                AuditOptions::deserialize(MapAccessDeserializer::new(map))
                    .map(AuditSettings::Settings)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{capacity, redact}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object")]
pub struct AuditOptions {
    pub capacity: Option<usize>,
    #[serde(default, deserialize_with = "field::or_default")]
    pub redact: Vec<String>,
}

/// An instant as RFC 3339 text or milliseconds since the epoch.
#[derive(Clone, Debug)]
pub enum When {
    Millis(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for When {
    /// Milliseconds since the epoch, or an RFC 3339 text (what a JavaScript `Date`
    /// becomes in JSON). The time is checked here, so a bad one is reported under
    /// its own key.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = When;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("milliseconds since the epoch or an RFC 3339 time")
            }
            fn visit_f64<E: de::Error>(self, ms: f64) -> Result<When, E> {
                When::checked(When::Millis(ms))
            }
            fn visit_u64<E: de::Error>(self, ms: u64) -> Result<When, E> {
                self.visit_f64(ms as f64)
            }
            fn visit_i64<E: de::Error>(self, ms: i64) -> Result<When, E> {
                self.visit_f64(ms as f64)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<When, E> {
                When::checked(When::Text(text.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl When {
    fn checked<E: de::Error>(self) -> Result<When, E> {
        self.instant().map_err(E::custom)?;
        Ok(self)
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

/// Options of one check (and of `explain`):
/// `{context, resource, now, chain, chainUnknown, anyContext, agent, traceId, metadata}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
pub struct CheckOptions {
    pub context: Option<Map<String, Value>>,
    pub resource: Option<String>,
    pub now: Option<When>,
    /// The delegators above the agent, root first.
    #[serde(default, deserialize_with = "field::or_default")]
    pub chain: Vec<Agent>,
    /// The delegators above the agent cannot be named: the engine refuses.
    #[serde(default, deserialize_with = "field::or_default")]
    pub chain_unknown: bool,
    /// The context is not known yet: decide whether some context could be allowed.
    #[serde(default, deserialize_with = "field::or_default")]
    pub any_context: bool,
    /// Acts as this agent instead of the session's.
    pub agent: Option<Agent>,
    pub trace_id: Option<String>,
    /// Extra fields for the audit entry.
    pub metadata: Option<Map<String, Value>>,
}

/// Options of a handoff check: `{context, now, chain, chainUnknown, traceId, metadata}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
pub struct HandoffOptions {
    pub context: Option<Map<String, Value>>,
    pub now: Option<When>,
    #[serde(default, deserialize_with = "field::or_default")]
    pub chain: Vec<Agent>,
    /// The delegators above the delegating agent cannot be named: the engine refuses.
    #[serde(default, deserialize_with = "field::or_default")]
    pub chain_unknown: bool,
    pub trace_id: Option<String>,
    pub metadata: Option<Map<String, Value>>,
}

/// A manual audit entry (`auditLog({action, decision, metadata, reason, resource,
/// agent, traceId, now})`); `action` and `decision` are required.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
pub struct ManualEntry {
    pub action: String,
    /// `allow`, `deny`, `require_approval`; `allowed` and `denied` are read as such.
    pub decision: String,
    #[serde(default, deserialize_with = "field::or_default")]
    pub metadata: Map<String, Value>,
    pub reason: Option<String>,
    pub resource: Option<String>,
    pub agent: Option<Agent>,
    pub trace_id: Option<String>,
    pub now: Option<When>,
}

/// Filters of an audit query: `{limit, agentId, action, decision, traceId, since, until}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
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

/// Options of `issueAgentToken`: `{secret, secretBase64url, privateKey, issuer, expiresIn, now}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", expecting = "an object")]
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
                "unknown key 'contxt'; did you mean 'context'?",
            ),
            (
                json!({"agent": {"id": 5}}),
                "agent.id: expected a string, found 5",
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
                "verify.leewaySeconds: expected a whole number from 0 to 4294967295, found -1",
            ),
            (
                json!({"verify": {"secrett": "x"}}),
                "verify: unknown key 'secrett'; did you mean 'secret'?",
            ),
            (
                json!({"policies": ["a", 5]}),
                "policies[1]: expected a policy text or {name, text}, found 5",
            ),
            (
                json!({"policies": [{"name": "p"}]}),
                "policies[0]: missing key 'text'",
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
                "maxDelegationDepth: expected a whole number from 0 to 4294967295, found 4294967296",
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
            "missing key 'action'"
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
            "unknown key 'agent'"
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

    #[test]
    fn options_texts_refuse_repeated_keys() {
        let e = json::from_str::<CheckOptions>(r#"{"resource": "a", "resource": "b"}"#);
        assert_eq!(
            err(e),
            r#"not valid JSON: duplicate key "resource" at line 1 column 28"#
        );
        let e = json::from_str::<CheckOptions>(r#"{"context": {"amount": 1, "amount": 500}}"#);
        assert!(err(e).starts_with(r#"not valid JSON: duplicate key "amount""#));
    }

    #[test]
    fn arrays_are_not_read_as_objects() {
        // serde's derive would read a struct from an array of its fields in order.
        assert_eq!(
            err(CheckOptions::from_json(json!([{}, "r"]))),
            "expected an object, found an array"
        );
        assert_eq!(
            err(CheckOptions::from_json(json!({"agent": ["a", "A"]}))),
            "agent: expected an agent object {id, name, trustTier, tags, orgId}, found an array"
        );
    }
}
