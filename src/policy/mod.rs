//! Policies: the model (this file), reading documents into it (`guard`, `raw`, `decode`,
//! `load`), and
//! the diagnostics that explain what is wrong with a document (`diagnostic`).

pub mod decode;
pub mod diagnostic;
pub mod guard;
pub mod listing;
pub mod load;
mod raw;
pub(crate) mod set;

use std::sync::Arc;

use crate::agent::{Agent, TrustTier};
use crate::condition::Condition;
use crate::decision::Effect;
use crate::pattern::Pattern;
use crate::zone::Zone;

pub use diagnostic::{Diagnostic, DiagnosticKind, LoadError, Severity};
pub use guard::Limits;
pub use listing::RuleListing;
pub use load::{Source, load_sources};
pub use set::PolicySet;

/// One policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    pub name: Arc<str>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub applies_to: AppliesTo,
    pub rules: Vec<Rule>,
    /// `Allow` or `Deny` (absent means deny).
    pub default_effect: Effect,
    pub timezone: Zone,
    pub delegation: Delegation,
    pub origin: Origin,
}

/// Where a policy came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub source: Arc<str>,
    /// 0-based index of the document within its source.
    pub document: usize,
    pub line: u32,
}

/// Which agents a policy governs: each present field must match (AND), and one value
/// of a field is enough (OR). `None` fields constrain nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppliesTo {
    pub tags: Option<Vec<Box<str>>>,
    pub trust_tiers: Option<Vec<TrustTier>>,
    pub agent_ids: Option<Vec<Box<str>>>,
    pub org_ids: Option<Vec<Box<str>>>,
}

impl AppliesTo {
    /// Whether the policy governs `agent`.
    pub fn matches(&self, agent: &Agent) -> bool {
        self.first_mismatch(agent).is_none()
    }

    /// The first field that rules `agent` out, with a sentence saying why.
    pub fn first_mismatch(&self, agent: &Agent) -> Option<String> {
        fn any<T>(field: &Option<Vec<T>>, ok: impl Fn(&T) -> bool) -> bool {
            field.as_ref().is_none_or(|values| values.iter().any(ok))
        }
        fn list<T: AsRef<str>>(values: &Option<Vec<T>>) -> String {
            let names: Vec<&str> = values.iter().flatten().map(AsRef::as_ref).collect();
            names.join(", ")
        }
        if !any(&self.agent_ids, |id| **id == *agent.id) {
            return Some(format!(
                "agent id {} is not in agentIds [{}]",
                agent.id,
                list(&self.agent_ids)
            ));
        }
        if !any(&self.tags, |t| agent.has_tag(t)) {
            return Some(format!("agent has none of the tags [{}]", list(&self.tags)));
        }
        if !any(&self.trust_tiers, |t| *t == agent.trust_tier) {
            let tiers: Vec<&str> = self
                .trust_tiers
                .iter()
                .flatten()
                .map(|t| t.as_str())
                .collect();
            return Some(format!(
                "agent tier {} is not in trustTiers [{}]",
                agent.trust_tier,
                tiers.join(", ")
            ));
        }
        if !any(&self.org_ids, |o| agent.org_id.as_deref() == Some(&**o)) {
            return Some(format!(
                "agent org {} is not in orgIds [{}]",
                agent.org_id.as_deref().unwrap_or("(none)"),
                list(&self.org_ids)
            ));
        }
        None
    }
}

/// One rule of a policy.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The written name, or `rule-<n>` counting from 1.
    pub name: Arc<str>,
    pub effect: Effect,
    pub actions: Vec<Pattern>,
    pub conditions: Vec<Condition>,
    pub rate_limit: Option<RateLimit>,
    /// The written reason, or a sentence naming the rule and its policy.
    pub reason: Arc<str>,
    pub line: u32,
}

impl Rule {
    /// Whether any of the rule's patterns matches `action`.
    pub fn matches_action(&self, action: &str) -> Option<&Pattern> {
        self.actions.iter().find(|p| p.matches(action))
    }
}

/// A rule's budget of calls per agent (sliding windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
}

/// What a policy's agents may pass on to their delegates.
#[derive(Clone, Debug, Default)]
pub struct Delegation {
    /// Hops a chain may run below this policy's agents.
    pub max_depth: Option<u32>,
    /// The most any delegate of this policy's agents may do.
    pub permission_ceiling: Option<Vec<Pattern>>,
}
