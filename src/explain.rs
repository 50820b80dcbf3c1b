//! `explain`: the path an evaluation took. The evaluator reports each step to a
//! `Trace`; a check uses `Quiet`, which compiles to nothing, and `explain` uses
//! `Explainer`, which records every policy, rule and condition.

use std::sync::Arc;

use serde::Serialize;

use crate::agent::Agent;
use crate::condition::{Condition, Observe, Truth};
use crate::decision::Effect;
use crate::pattern::Pattern;
use crate::policy::{Policy, Rule};

/// Receives the steps of an evaluation (conditions through [`Observe`]).
pub(crate) trait Trace: Observe {
    /// Try every rule of every applicable policy (instead of the indexed candidates only),
    /// and evaluate every condition (instead of stopping at the first false one).
    const DETAILED: bool;

    fn policy(&mut self, _policy: &Policy, _applies: bool, _agent: &Agent) {}
    fn rule(&mut self, _rule: &Rule, _matched: Option<&Pattern>) {}
    fn rule_outcome(&mut self, _outcome: RuleOutcome) {}
    fn delegation(&mut self, _step: impl FnOnce() -> DelegationStep) {}
}

/// Records nothing.
pub(crate) struct Quiet;

impl Trace for Quiet {
    const DETAILED: bool = false;
}

impl Observe for Quiet {}

/// The path an evaluation took.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explanation {
    /// Delegation checks, in the order they ran.
    pub delegation: Vec<DelegationStep>,
    /// Every policy, in load order (for handoffs and delegated checks, the acting agent's).
    pub policies: Vec<PolicyTrace>,
}

/// One policy: whether it applied to the agent, and the rules it tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyTrace {
    pub policy: Arc<str>,
    pub applies: bool,
    /// Why it applied or not.
    pub why: String,
    /// The rules tried, top to bottom, up to the first that matched.
    pub rules: Vec<RuleTrace>,
}

/// One rule tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleTrace {
    pub rule: Arc<str>,
    pub effect: Effect,
    /// The pattern that matched the action, if one did.
    pub matched_pattern: Option<String>,
    pub conditions: Vec<ConditionTrace>,
    pub outcome: RuleOutcome,
}

/// What became of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    /// No pattern matched the action.
    ActionMismatch,
    /// A condition was false.
    ConditionsFalse,
    /// A condition was unknown, so an allow or require_approval rule did not match.
    ConditionsUnknown,
    /// The rule matched and is the policy's answer.
    Matched,
    /// A deny rule matched because a condition was unknown.
    FailClosed,
    /// For a context not known yet (`any_context`): an unknown condition was taken to
    /// hold for an allow or require_approval rule (it matched) and to fail for a deny
    /// rule (it did not).
    ContextDependent,
    /// The rule matched but its rate limit was spent: deny.
    RateLimited,
    /// A condition could not be evaluated (an internal error): deny.
    Error,
}

/// One condition of a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConditionTrace {
    pub key: String,
    pub value: Truth,
    /// The values compared.
    pub detail: String,
}

/// One delegation check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelegationStep {
    /// `unknownChain`, `cycle`, `maxDelegationDepth`, `maxDepth` or `permissionCeiling`.
    pub check: &'static str,
    /// The delegator's name, where the check concerns one.
    pub delegator: Option<Arc<str>>,
    pub policy: Option<Arc<str>>,
    pub passed: bool,
    pub detail: String,
}

/// Records everything into an [`Explanation`].
#[derive(Default)]
pub(crate) struct Explainer {
    pub explanation: Explanation,
}

impl Trace for Explainer {
    const DETAILED: bool = true;

    fn policy(&mut self, policy: &Policy, applies: bool, agent: &Agent) {
        let why = match policy.applies_to.first_mismatch(agent) {
            Some(mismatch) => mismatch,
            None if policy.applies_to == Default::default() => {
                "no appliesTo: applies to every agent".into()
            }
            None => "appliesTo matches the agent".into(),
        };
        self.explanation.policies.push(PolicyTrace {
            policy: policy.name.clone(),
            applies,
            why,
            rules: Vec::new(),
        });
    }

    fn rule(&mut self, rule: &Rule, matched: Option<&Pattern>) {
        if let Some(p) = self.explanation.policies.last_mut() {
            p.rules.push(RuleTrace {
                rule: rule.name.clone(),
                effect: rule.effect,
                matched_pattern: matched.map(|p| p.as_str().to_owned()),
                conditions: Vec::new(),
                outcome: RuleOutcome::ActionMismatch,
            });
        }
    }

    fn rule_outcome(&mut self, outcome: RuleOutcome) {
        if let Some(r) = self
            .explanation
            .policies
            .last_mut()
            .and_then(|p| p.rules.last_mut())
        {
            r.outcome = outcome;
        }
    }

    fn delegation(&mut self, step: impl FnOnce() -> DelegationStep) {
        self.explanation.delegation.push(step());
    }
}

impl Observe for Explainer {
    fn condition(&mut self, condition: &Condition, truth: Truth, detail: impl FnOnce() -> String) {
        if let Some(r) = self
            .explanation
            .policies
            .last_mut()
            .and_then(|p| p.rules.last_mut())
        {
            r.conditions.push(ConditionTrace {
                key: condition.key(),
                value: truth,
                detail: detail(),
            });
        }
    }
}
