//! The evaluator (docs/decisions.md, docs/delegation.md): selects the policies that govern an agent, finds
//! each one's first matching rule, combines the answers, and applies delegation.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use smallvec::SmallVec;

use crate::agent::Agent;
use crate::condition::facts::{Fact, Facts, Overlay};
use crate::condition::{Env, Truth};
use crate::decision::{Decision, Effect, Mode, Outcome, rules};
use crate::delegation;
use crate::explain::{Explainer, Explanation, Quiet, RuleOutcome, Trace};
use crate::index::Candidates;
use crate::policy::{Diagnostic, LoadError, Policy, PolicySet, Rule, Source};
use crate::rate_limit::{RateLimiter, Spent};
use crate::time::Timestamp;
use crate::zone::{self, ZoneProvider};

/// Engine settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    pub mode: Mode,
    /// The longest delegation chain, in hops from the root (default 5).
    pub max_delegation_depth: u32,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            mode: Mode::Enforce,
            max_delegation_depth: 5,
        }
    }
}

/// A check: who does what, with which facts, when.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub agent: &'a Agent,
    pub action: &'a str,
    pub context: &'a dyn Facts,
    pub resource: Option<&'a str>,
    pub now: Timestamp,
    /// The delegators above `agent`, root first (empty when acting on its own).
    pub chain: &'a [Agent],
    /// The agent acts for delegators the caller cannot name (say, a run restored
    /// without its history): the engine refuses, rule `unknownChain`.
    pub chain_unknown: bool,
    /// The context is not known yet (a tool being offered before it is called): the
    /// decision says whether *some* context could be allowed (docs/decisions.md).
    pub any_context: bool,
    pub trace_id: Option<&'a Arc<str>>,
}

impl<'a> Request<'a> {
    /// A check of `action` by `agent` at `now`, with no context, resource or chain.
    pub fn new(agent: &'a Agent, action: &'a str, now: Timestamp) -> Self {
        Request {
            agent,
            action,
            context: &(),
            resource: None,
            now,
            chain: &[],
            chain_unknown: false,
            any_context: false,
            trace_id: None,
        }
    }

    pub fn context(self, context: &'a dyn Facts) -> Self {
        Request { context, ..self }
    }

    pub fn resource(self, resource: &'a str) -> Self {
        Request {
            resource: Some(resource),
            ..self
        }
    }

    pub fn chain(self, chain: &'a [Agent]) -> Self {
        Request { chain, ..self }
    }

    /// Marks the chain above the agent unknown: the check is refused (`unknownChain`).
    pub fn chain_unknown(self, chain_unknown: bool) -> Self {
        Request {
            chain_unknown,
            ..self
        }
    }

    /// Decides for a context not known yet: conditions on the context (and on a
    /// missing resource) neither stop an allow or require_approval rule nor make a
    /// deny rule fire, so the decision is the best any context could get. Spends no
    /// rate-limit budget.
    pub fn any_context(self, any_context: bool) -> Self {
        Request {
            any_context,
            ..self
        }
    }

    pub fn trace_id(self, trace_id: &'a Arc<str>) -> Self {
        Request {
            trace_id: Some(trace_id),
            ..self
        }
    }
}

/// A handoff from `from` to `to`; `chain` holds the delegators above `from`, root first.
#[derive(Clone, Copy)]
pub struct HandoffRequest<'a> {
    pub from: &'a Agent,
    pub to: &'a Agent,
    pub chain: &'a [Agent],
    /// The chain above `from` is unknown: the engine refuses, rule `unknownChain`.
    pub chain_unknown: bool,
    pub context: &'a dyn Facts,
    pub now: Timestamp,
    pub trace_id: Option<&'a Arc<str>>,
}

/// A handoff decision and the chain the delegate carries into its own checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Handoff {
    pub decision: Decision,
    /// The old chain with the delegator appended, root first.
    pub chain: Vec<Agent>,
}

/// Loaded policies plus the state checks share (rate-limit budgets). Cheap to check
/// from many threads at once; loading needs `&mut`.
pub struct Engine {
    set: Arc<PolicySet>,
    options: EngineOptions,
    zones: Arc<dyn ZoneProvider>,
    limiter: Mutex<RateLimiter>,
    /// The trace id of requests that bring none.
    no_trace: Arc<str>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(EngineOptions::default())
    }
}

/// One policy's answer: its first matching rule.
struct Answer<'s> {
    policy: &'s Policy,
    rule: &'s Rule,
    effect: Effect,
    /// Set when the reason differs from the rule's own (fail-closed, rate limit).
    reason: Option<String>,
    /// A rate-limited allow whose budget is spent if the final decision is allow.
    spends: bool,
}

impl Answer<'_> {
    fn outcome(self) -> Outcome {
        Outcome {
            effect: self.effect,
            policy: Some(self.policy.name.clone()),
            rule: Some(self.rule.name.clone()),
            reason: self
                .reason
                .map_or_else(|| self.rule.reason.clone(), Arc::from),
        }
    }
}

/// The answers gathered so far, first in load order for each effect.
#[derive(Default)]
struct Answers<'s> {
    deny: Option<Answer<'s>>,
    approval: Option<Answer<'s>>,
    allow: Option<Answer<'s>>,
    spend: Vec<(&'s Policy, &'s Rule)>,
}

impl<'s> Answers<'s> {
    fn add(&mut self, a: Answer<'s>) {
        if a.spends {
            self.spend.push((a.policy, a.rule));
        }
        let slot = match a.effect {
            Effect::Deny => &mut self.deny,
            Effect::RequireApproval => &mut self.approval,
            Effect::Allow => &mut self.allow,
        };
        if slot.is_none() {
            *slot = Some(a);
        }
    }

    fn strongest(self) -> Option<Answer<'s>> {
        self.deny.or(self.approval).or(self.allow)
    }
}

enum RuleResult<'s> {
    NoMatch,
    Answer(Answer<'s>),
    /// Under `anyContext`, a require_approval rule whose conditions on the context may
    /// hold: some contexts stop there, others go on to the policy's later rules.
    MayNeedApproval(Answer<'s>),
    Failed(Outcome),
}

/// A policy's answer under `anyContext`, from its first answer and the first
/// require_approval rule that some context could stop at before it: the more
/// permissive of the two, so that "could some context be allowed" is never narrower
/// than a real context. (A policy with no answer keeps its possible approval apart:
/// see `own_policies`.)
fn settle<'s>(answer: Answer<'s>, may_need: Option<Answer<'s>>) -> Answer<'s> {
    match may_need {
        Some(m) if answer.effect != Effect::Allow => m,
        _ => answer,
    }
}

/// Access to the rate limiter, locked on first use and held to the end of the check
/// so that the budget read and the spend cannot interleave with another thread.
struct Gate<'e> {
    limiter: &'e Mutex<RateLimiter>,
    guard: Option<MutexGuard<'e, RateLimiter>>,
}

impl<'e> Gate<'e> {
    fn get(&mut self) -> &mut RateLimiter {
        self.guard
            .get_or_insert_with(|| self.limiter.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Engine {
    /// An engine with no policies (every check is denied until some are loaded).
    pub fn new(options: EngineOptions) -> Engine {
        Engine {
            set: Arc::new(PolicySet::default()),
            options,
            zones: zone::default_provider(),
            limiter: Mutex::new(RateLimiter::default()),
            no_trace: Arc::from(""),
        }
    }

    /// Uses `zones` to resolve IANA time-zone names in policies loaded from now on.
    pub fn with_zones(mut self, zones: Arc<dyn ZoneProvider>) -> Engine {
        self.zones = zones;
        self
    }

    /// The settings.
    pub fn options(&self) -> EngineOptions {
        self.options
    }

    /// Changes the mode for later checks.
    pub fn set_mode(&mut self, mode: Mode) {
        self.options.mode = mode;
    }

    /// The policies in force.
    pub fn policies(&self) -> &PolicySet {
        &self.set
    }

    /// Whether a check by `agent` may spend rate-limit budget: a policy that applies
    /// to it has a rule with `rateLimit`. Budgets live in the engine, so a host that
    /// runs many engines sends such an agent's checks to one of them.
    pub fn rate_limits(&self, agent: &Agent) -> bool {
        self.set
            .policies()
            .iter()
            .any(|p| p.applies_to.matches(agent) && p.rules.iter().any(|r| r.rate_limit.is_some()))
    }

    /// The rate-limit budget spent in the hour up to `now`.
    pub fn rate_limits_spent(&self, now: Timestamp) -> Vec<Spent> {
        self.limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .spent(now)
    }

    /// Adds budget spent before, as [`Engine::rate_limits_spent`] gave it (to carry
    /// budgets over a restart), or nothing if a time is out of range.
    pub fn restore_rate_limits(&self, spent: &[Spent]) -> Result<(), String> {
        self.limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .restore(spent)
    }

    /// Replaces every policy with those in `sources`, or changes nothing if any has an
    /// error. Returns the warnings of the new set.
    pub fn load(&mut self, sources: &[Source<'_>]) -> Result<&[Diagnostic], LoadError> {
        let set = PolicySet::parse(sources, &*self.zones)?;
        self.replace(set);
        Ok(self.set.warnings())
    }

    /// Puts `set` in force. Rate-limit budgets carry over by policy and rule name.
    pub fn replace(&mut self, set: PolicySet) {
        self.set = Arc::new(set);
    }

    /// The zone provider that `load` uses.
    pub fn zones(&self) -> &dyn ZoneProvider {
        &*self.zones
    }

    /// Decides a check, spending rate-limit budget if it is allowed.
    pub fn check(&self, req: &Request<'_>) -> Decision {
        let outcome = self.decide(req, req.context, &mut Quiet, !req.any_context);
        self.decision(
            outcome,
            req.agent,
            req.action.to_owned(),
            req.now,
            req.trace_id,
        )
    }

    /// Decides a check like [`Engine::check`] and records how; spends no budget.
    pub fn explain(&self, req: &Request<'_>) -> (Decision, Explanation) {
        let mut explainer = Explainer::default();
        let outcome = self.decide(req, req.context, &mut explainer, false);
        let decision = self.decision(
            outcome,
            req.agent,
            req.action.to_owned(),
            req.now,
            req.trace_id,
        );
        (decision, explainer.explanation)
    }

    /// Decides a handoff (docs/delegation.md).
    pub fn check_handoff(&self, req: &HandoffRequest<'_>) -> Handoff {
        self.handoff(req, &mut Quiet, true)
    }

    /// Decides a handoff like [`Engine::check_handoff`] and records how; spends no budget.
    pub fn explain_handoff(&self, req: &HandoffRequest<'_>) -> (Handoff, Explanation) {
        let mut explainer = Explainer::default();
        let handoff = self.handoff(req, &mut explainer, false);
        (handoff, explainer.explanation)
    }

    fn handoff<T: Trace>(&self, req: &HandoffRequest<'_>, trace: &mut T, spend: bool) -> Handoff {
        let action = format!("handoff:{}", req.to.name);
        let mut after: Vec<&Agent> = req.chain.iter().collect();
        after.push(req.from);
        let depth = after.len() as f64;
        let fields = [
            ("from_agent", Fact::Str((&*req.from.name).into())),
            ("to_agent", Fact::Str((&*req.to.name).into())),
            ("depth", Fact::Number(depth)),
        ];
        let facts = Overlay {
            base: req.context,
            fields: &fields,
        };
        let check = Request {
            agent: req.from,
            action: &action,
            context: req.context,
            resource: None,
            now: req.now,
            chain: req.chain,
            chain_unknown: req.chain_unknown,
            any_context: false,
            trace_id: req.trace_id,
        };
        let structural = if req.chain_unknown {
            Some(delegation::unknown_chain(req.from, trace))
        } else {
            delegation::check_handoff_chain(
                &self.set,
                &after,
                req.to,
                self.options.max_delegation_depth,
                trace,
            )
        };
        let outcome = match structural {
            Some(deny) => deny,
            None => self.decide(&check, &facts, trace, spend),
        };
        let mut chain: Vec<Agent> = req.chain.to_vec();
        chain.push(req.from.clone());
        Handoff {
            decision: self.decision(outcome, req.from, action, req.now, req.trace_id),
            chain,
        }
    }

    fn decision(
        &self,
        o: Outcome,
        agent: &Agent,
        action: String,
        now: Timestamp,
        trace_id: Option<&Arc<str>>,
    ) -> Decision {
        let mut d = Decision {
            allowed: false,
            decision: o.effect,
            action,
            agent_id: agent.id.clone(),
            policy: o.policy,
            rule: o.rule,
            reason: o.reason,
            trace_id: trace_id.unwrap_or(&self.no_trace).clone(),
            timestamp: now,
            mode: self.options.mode,
            enforced: true,
        };
        d.apply_mode(self.options.mode);
        d
    }

    /// Delegation first (an unknown chain, the chain's length and ceilings), then the
    /// agent's policies.
    fn decide<T: Trace>(
        &self,
        req: &Request<'_>,
        facts: &dyn Facts,
        trace: &mut T,
        spend: bool,
    ) -> Outcome {
        if req.action.is_empty() {
            return Outcome {
                effect: Effect::Deny,
                policy: None,
                rule: None,
                reason: Arc::from("invalid request: the action is empty"),
            };
        }
        if req.chain_unknown {
            return delegation::unknown_chain(req.agent, trace);
        }
        if !req.chain.is_empty() {
            let limit = self.options.max_delegation_depth;
            if let Some(deny) = delegation::check_length(req.chain.len(), limit, trace) {
                return deny;
            }
            if let Some(deny) = delegation::check_ceilings(&self.set, req.chain, req.action, trace)
            {
                return deny;
            }
        }
        self.own_policies(req, facts, trace, spend)
    }

    /// docs/decisions.md for the acting agent.
    fn own_policies<T: Trace>(
        &self,
        req: &Request<'_>,
        facts: &dyn Facts,
        trace: &mut T,
        spend: bool,
    ) -> Outcome {
        let set = &*self.set;
        let applicable: SmallVec<[bool; 32]> = set
            .policies()
            .iter()
            .map(|p| p.applies_to.matches(req.agent))
            .collect();
        let env = Env {
            agent: req.agent,
            facts,
            resource: req.resource,
            now: req.now,
            any_context: req.any_context,
        };
        let mut gate = Gate {
            limiter: &self.limiter,
            guard: None,
        };
        let mut answers = Answers::default();
        // Under `anyContext`, the first possible approval of a policy that gave no
        // answer: it stands only where no policy answered and the default is not allow.
        let mut unanswered: Option<Answer<'_>> = None;
        if T::DETAILED {
            for (policy, &applies) in set.policies().iter().zip(&applicable) {
                trace.policy(policy, applies, req.agent);
                let (mut answer, mut may_need) = (None, None);
                for rule in policy.rules.iter().filter(|_| applies) {
                    match self.try_rule(policy, rule, false, req, &env, &mut gate, trace) {
                        RuleResult::NoMatch => {}
                        RuleResult::MayNeedApproval(a) => {
                            may_need = may_need.or(Some(a));
                        }
                        RuleResult::Answer(a) => {
                            answer = Some(a);
                            break;
                        }
                        RuleResult::Failed(o) => return o,
                    }
                }
                match answer {
                    Some(a) => answers.add(settle(a, may_need)),
                    None => unanswered = unanswered.or(may_need),
                }
            }
        } else {
            let mut candidates = Candidates::new();
            set.index().candidates(req.action, &mut candidates);
            let mut answered: Option<usize> = None;
            // A possible approval of the policy being read (anyContext only).
            let mut may_need: Option<(usize, Answer<'_>)> = None;
            for c in &candidates {
                let Some((p, policy, rule)) = set.rule(c.rule) else {
                    continue;
                };
                if !applicable.get(p).copied().unwrap_or(false) || answered == Some(p) {
                    continue;
                }
                // Candidates come policy by policy: the possible approval of one that
                // ended without an answer is kept apart, as in the detailed path.
                if let Some((_, m)) = may_need.take_if(|(q, _)| *q != p) {
                    unanswered = unanswered.or(Some(m));
                }
                match self.try_rule(policy, rule, c.confirmed, req, &env, &mut gate, trace) {
                    RuleResult::NoMatch => {}
                    RuleResult::MayNeedApproval(a) => {
                        may_need = may_need.or(Some((p, a)));
                    }
                    RuleResult::Answer(a) => {
                        answered = Some(p);
                        let a = settle(a, may_need.take().map(|(_, m)| m));
                        let deny = a.effect == Effect::Deny;
                        answers.add(a);
                        // Candidates come in load order: the first deny is final.
                        if deny {
                            break;
                        }
                    }
                    RuleResult::Failed(o) => return o,
                }
            }
            if let Some((_, m)) = may_need {
                unanswered = unanswered.or(Some(m));
            }
        }
        if !applicable.contains(&true) {
            let reason = format!("no policy applies to agent {}", req.agent.id);
            return Outcome {
                effect: Effect::Deny,
                policy: None,
                rule: None,
                reason: Arc::from(reason),
            };
        }
        let spent = std::mem::take(&mut answers.spend);
        let outcome = match answers.strongest() {
            Some(a) => a.outcome(),
            None => match (default_outcome(set, &applicable, req.action), unanswered) {
                (d, Some(m)) if d.effect != Effect::Allow => m.outcome(),
                (d, _) => d,
            },
        };
        if spend && outcome.effect == Effect::Allow {
            let agent = &req.agent.id;
            for (policy, rule) in spent {
                gate.get().spend((&policy.name, &rule.name), agent, req.now);
            }
        }
        outcome
    }

    /// Tries one rule; `confirmed` when the index already matched its action exactly.
    #[allow(clippy::too_many_arguments)]
    fn try_rule<'s, T: Trace>(
        &self,
        policy: &'s Policy,
        rule: &'s Rule,
        confirmed: bool,
        req: &Request<'_>,
        env: &Env<'_>,
        gate: &mut Gate<'_>,
        trace: &mut T,
    ) -> RuleResult<'s> {
        let matched = if confirmed {
            rule.actions
                .iter()
                .find(|p| p.is_exact() && p.as_str() == req.action)
        } else {
            rule.matches_action(req.action)
        };
        trace.rule(rule, matched);
        if matched.is_none() {
            return RuleResult::NoMatch;
        }
        let mut truth = Truth::True;
        let mut unknown = None;
        for condition in &rule.conditions {
            let t = match condition.eval(env, &policy.timezone, trace) {
                Ok(t) => t,
                Err(e) => {
                    trace.rule_outcome(RuleOutcome::Error);
                    let reason = format!(
                        "internal error in rule {} of policy {}: {e}",
                        rule.name, policy.name
                    );
                    return RuleResult::Failed(Outcome {
                        effect: Effect::Deny,
                        policy: Some(policy.name.clone()),
                        rule: Some(rule.name.clone()),
                        reason: Arc::from(reason),
                    });
                }
            };
            if t == Truth::Unknown && unknown.is_none() {
                unknown = Some(condition);
            }
            truth = truth.and(t);
            if truth == Truth::False && !T::DETAILED {
                break;
            }
        }
        // For a context not known yet, an unknown condition may hold for an allow or
        // require_approval rule, and may fail for a deny rule.
        let assumed = req.any_context && truth == Truth::Unknown;
        let answer = |effect, reason, spends| {
            let a = Answer {
                policy,
                rule,
                effect,
                reason,
                spends,
            };
            if assumed && effect == Effect::RequireApproval {
                RuleResult::MayNeedApproval(a)
            } else {
                RuleResult::Answer(a)
            }
        };
        if assumed {
            truth = Truth::from(rule.effect != Effect::Deny);
        }
        let matched_outcome = if assumed {
            RuleOutcome::ContextDependent
        } else {
            RuleOutcome::Matched
        };
        match (truth, rule.effect) {
            (Truth::False, _) => {
                trace.rule_outcome(if assumed {
                    RuleOutcome::ContextDependent
                } else {
                    RuleOutcome::ConditionsFalse
                });
                RuleResult::NoMatch
            }
            (Truth::Unknown, Effect::Deny) => {
                trace.rule_outcome(RuleOutcome::FailClosed);
                let what = unknown.map_or_else(String::new, |c| unknown_input(c.subject(), env));
                answer(
                    Effect::Deny,
                    Some(format!("{} (fail-closed: {what})", rule.reason)),
                    false,
                )
            }
            (Truth::Unknown, _) => {
                trace.rule_outcome(RuleOutcome::ConditionsUnknown);
                RuleResult::NoMatch
            }
            (Truth::True, effect) => match rule.rate_limit {
                None => {
                    trace.rule_outcome(matched_outcome);
                    answer(effect, None, false)
                }
                Some(limit) => {
                    let key = (&policy.name, &rule.name);
                    match gate.get().check(key, &req.agent.id, limit, req.now) {
                        Ok(()) => {
                            trace.rule_outcome(matched_outcome);
                            answer(effect, None, effect == Effect::Allow)
                        }
                        Err(exceeded) => {
                            trace.rule_outcome(RuleOutcome::RateLimited);
                            answer(Effect::Deny, Some(exceeded.reason(&rule.name)), false)
                        }
                    }
                }
            },
        }
    }
}

/// Says what was unknown about an input: `context.amount is missing`.
fn unknown_input(subject: String, env: &Env<'_>) -> String {
    let value = match subject
        .strip_prefix("context.")
        .and_then(crate::condition::facts::FieldPath::parse)
    {
        Some(path) => env.facts.get(&path).to_string(),
        None if subject == "resource" => match env.resource {
            Some(r) => format!("{r:?}"),
            None => "missing".into(),
        },
        None => "unknown".into(),
    };
    match value.as_str() {
        "missing" => format!("{subject} is missing"),
        "null" => format!("{subject} is null"),
        _ => format!("{subject} is {value}, which cannot be compared"),
    }
}

/// No rule matched anywhere: deny if any applicable policy defaults to deny.
fn default_outcome(set: &PolicySet, applicable: &[bool], action: &str) -> Outcome {
    let mut governing = set
        .policies()
        .iter()
        .zip(applicable)
        .filter(|(_, a)| **a)
        .map(|(p, _)| p);
    let first_deny = governing.clone().find(|p| p.default_effect == Effect::Deny);
    let (effect, policy, reason) = match first_deny {
        Some(p) => (
            Effect::Deny,
            p,
            format!(
                "no rule matched '{action}'; the default effect of policy {} is deny",
                p.name
            ),
        ),
        None => match governing.next() {
            Some(p) => (
                Effect::Allow,
                p,
                format!("no rule matched '{action}'; every applicable policy defaults to allow"),
            ),
            None => return Outcome::deny(None, rules::DEFAULT_EFFECT, "no policy applies".into()),
        },
    };
    Outcome {
        effect,
        policy: Some(policy.name.clone()),
        rule: Some(Arc::from(rules::DEFAULT_EFFECT)),
        reason: Arc::from(reason),
    }
}
