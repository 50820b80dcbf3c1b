//! What a check returns (POLICY.md §5).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Serialize, Serializer};

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

/// How decisions are applied (POLICY.md §5.5).
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

/// The rule names of decisions that no policy rule made (POLICY.md §7).
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
}

/// A decision: the computed effect, whether the caller may proceed, and who decided.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(serialize_with = "as_rfc3339")]
    pub timestamp: Timestamp,
    pub mode: Mode,
    /// Whether the decision was applied (`false` in audit and bypass modes).
    pub enforced: bool,
}

fn as_rfc3339<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

impl Decision {
    /// Applies `mode` to a computed effect.
    pub(crate) fn apply_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.enforced = mode == Mode::Enforce;
        self.allowed = !self.enforced || self.decision == Effect::Allow;
    }
}
