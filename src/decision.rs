//! What a check returns (docs/decisions.md).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::json::write_str;
use crate::time::Timestamp;

/// The three answers a rule or a decision can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    Allow,
    RequireApproval,
    Deny,
}

impl Effect {
    /// The policy-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
            Effect::RequireApproval => "require_approval",
        }
    }
}

impl FromStr for Effect {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "allow" => Ok(Effect::Allow),
            "deny" => Ok(Effect::Deny),
            "require_approval" => Ok(Effect::RequireApproval),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Effect {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How decisions are applied (docs/decisions.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Decisions are applied.
    #[default]
    Enforce,
    /// Decisions are computed and logged, but everything is allowed.
    Audit,
    /// Development only: everything is allowed and logged as bypassed.
    Bypass,
}

impl Mode {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
            Mode::Bypass => "bypass",
        }
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "enforce" => Ok(Mode::Enforce),
            "audit" => Ok(Mode::Audit),
            "bypass" => Ok(Mode::Bypass),
            _ => Err(format!(
                "unknown mode '{s}': expected enforce, audit or bypass"
            )),
        }
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The rule names of decisions that no policy rule made (docs/decisions.md).
pub mod rules {
    /// No rule matched; a policy's `defaultEffect` decided.
    pub const DEFAULT_EFFECT: &str = "defaultEffect";
    /// Outside a delegator's `permissionCeiling`.
    pub const PERMISSION_CEILING: &str = "permissionCeiling";
    /// Beyond a delegator's `delegation.maxDepth`.
    pub const MAX_DEPTH: &str = "maxDepth";
    /// Beyond the engine's chain-length limit.
    pub const MAX_DELEGATION_DEPTH: &str = "maxDelegationDepth";
    /// The delegate is already on the chain.
    pub const CYCLE: &str = "cycle";
    /// The caller marked the chain unknown: its delegators cannot be named.
    pub const UNKNOWN_CHAIN: &str = "unknownChain";
}

/// A decision: the computed effect, whether the caller may proceed, and who decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Whether the action may go ahead: the effect is `allow`, or the mode is not `enforce`.
    pub allowed: bool,
    /// The computed effect, whatever the mode.
    pub decision: Effect,
    pub action: String,
    pub agent_id: Arc<str>,
    /// The deciding policy, if one decided.
    pub policy: Option<Arc<str>>,
    /// The deciding rule, or one of the names in [`rules`].
    pub rule: Option<Arc<str>>,
    pub reason: Arc<str>,
    pub trace_id: Arc<str>,
    pub timestamp: Timestamp,
    pub mode: Mode,
    /// Whether the decision was applied (`false` in audit and bypass modes).
    pub enforced: bool,
}

impl Decision {
    /// The decision as JSON, with the field names of docs/decisions.md (`agentId`, …).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(320);
        self.write_json_fields(&mut out);
        out.push('}');
        out
    }

    /// Appends the decision as a JSON object without its closing brace, so that a
    /// caller can add members (a handoff's chain, an explanation).
    pub fn write_json_fields(&self, out: &mut String) {
        let text = |out: &mut String, key: &str, value: Option<&str>| {
            out.push_str(key);
            match value {
                Some(v) => write_str(out, v),
                None => out.push_str("null"),
            }
        };
        out.push_str(if self.allowed {
            "{\"allowed\":true"
        } else {
            "{\"allowed\":false"
        });
        text(out, ",\"decision\":", Some(self.decision.as_str()));
        text(out, ",\"action\":", Some(&self.action));
        text(out, ",\"agentId\":", Some(&self.agent_id));
        text(out, ",\"policy\":", self.policy.as_deref());
        text(out, ",\"rule\":", self.rule.as_deref());
        text(out, ",\"reason\":", Some(&self.reason));
        text(out, ",\"traceId\":", Some(&self.trace_id));
        text(out, ",\"mode\":", Some(self.mode.as_str()));
        out.push_str(if self.enforced {
            ",\"enforced\":true"
        } else {
            ",\"enforced\":false"
        });
        // Last, so that bindings can reuse what they parsed of an identical decision.
        out.push_str(",\"timestamp\":\"");
        self.timestamp.write_rfc3339(out);
        out.push('"');
    }

    /// Applies `mode` to a computed effect.
    pub(crate) fn apply_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.enforced = mode == Mode::Enforce;
        self.allowed = !self.enforced || self.decision == Effect::Allow;
    }
}

/// The result of evaluation before it becomes a [`Decision`].
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) effect: Effect,
    pub(crate) policy: Option<Arc<str>>,
    pub(crate) rule: Option<Arc<str>>,
    pub(crate) reason: Arc<str>,
}

impl Outcome {
    pub(crate) fn deny(policy: Option<Arc<str>>, rule: &str, reason: String) -> Outcome {
        Outcome {
            effect: Effect::Deny,
            policy,
            rule: Some(Arc::from(rule)),
            reason: Arc::from(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_every_string_and_writes_nulls() {
        let d = Decision {
            allowed: true,
            decision: Effect::RequireApproval,
            action: "write:\"quoted\"\n\\".into(),
            agent_id: Arc::from("ag\u{1}ent"),
            policy: None,
            rule: Some(Arc::from("r")),
            reason: Arc::from("über \t tab"),
            trace_id: Arc::from(""),
            timestamp: Timestamp::from_millis(1_764_151_200_123).unwrap(),
            mode: Mode::Audit,
            enforced: false,
        };
        let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"allowed": true, "decision": "require_approval", "action": "write:\"quoted\"\n\\",
                "agentId": "ag\u{1}ent", "policy": null, "rule": "r", "reason": "über \t tab", "traceId": "",
                "timestamp": "2025-11-26T10:00:00.123Z", "mode": "audit", "enforced": false})
        );
    }
}
