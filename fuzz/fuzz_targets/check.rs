//! `check`: small generated policy sets, an agent, an action, a context, a chain and
//! a time. No panic, and:
//! - `explain` reaches the decision `check` does;
//! - nothing is allowed that a matching unconditional deny rule forbids;
//! - a check under a chain never gets more than the same check without it;
//! - a check never gets more than the same check for "any context" (one known
//!   exception, see below);
//! - a handoff's explanation reaches the decision the handoff check does.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use meshguard_policy::agent::{Agent, TrustTier};
use meshguard_policy::decision::{Decision, Effect};
use meshguard_policy::engine::{Engine, HandoffRequest, Request};
use meshguard_policy::policy::Source;
use meshguard_policy::time::Timestamp;
use serde_json::{Value, json};

const WORDS: [&str; 8] = [
    "read",
    "write",
    ":",
    "*",
    "refund",
    "customer",
    "handoff:b",
    "x",
];
const IDS: [&str; 4] = ["a", "b", "c", "d"];
const TAGS: [&str; 3] = ["t1", "t2", "t3"];

/// An action or pattern: up to four words.
#[derive(Arbitrary, Debug)]
struct Words(Vec<u8>);

impl Words {
    fn text(&self) -> String {
        let s: String = self
            .0
            .iter()
            .take(4)
            .map(|w| WORDS[*w as usize % WORDS.len()])
            .collect();
        if s.is_empty() { "*".into() } else { s }
    }
}

fn pick<'a>(list: &[&'a str], picks: &[u8]) -> Vec<&'a str> {
    picks
        .iter()
        .take(3)
        .map(|i| list[*i as usize % list.len()])
        .collect()
}

fn tier(i: u8) -> TrustTier {
    TrustTier::ALL[i as usize % TrustTier::ALL.len()]
}

#[derive(Arbitrary, Debug)]
enum Applies {
    All,
    Ids(Vec<u8>),
    Tags(Vec<u8>),
    Tiers(Vec<u8>),
}

impl Applies {
    fn json(&self) -> Option<Value> {
        match self {
            Applies::All => None,
            Applies::Ids(p) => Some(json!({ "agentIds": pick(&IDS, p) })),
            Applies::Tags(p) => Some(json!({ "tags": pick(&TAGS, p) })),
            Applies::Tiers(p) => Some(json!({
                "trustTiers": p.iter().take(3).map(|i| tier(*i).as_str()).collect::<Vec<_>>()
            })),
        }
    }

    /// The oracle: does a policy with this `appliesTo` apply to `agent`?
    fn matches(&self, agent: &Agent) -> bool {
        match self {
            Applies::All => true,
            Applies::Ids(p) => pick(&IDS, p).contains(&&*agent.id),
            Applies::Tags(p) => pick(&TAGS, p).iter().any(|t| agent.has_tag(t)),
            Applies::Tiers(p) => p.iter().take(3).any(|i| tier(*i) == agent.trust_tier),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Cond {
    AmountMax(i16),
    AmountMin(i16),
    Tags(Vec<u8>),
    MinTier(u8),
    Resource(Words),
    Days(u8),
    TimeRange(u8, u8),
    Context(u8),
}

impl Cond {
    fn json(&self) -> Value {
        match self {
            Cond::AmountMax(n) => json!({ "amount_max": n }),
            Cond::AmountMin(n) => json!({ "amount_min": n }),
            Cond::Tags(p) => json!({ "tags": pick(&TAGS, p) }),
            Cond::MinTier(i) => json!({ "minTrustTier": tier(*i).as_str() }),
            Cond::Resource(w) => json!({ "resource": { "matches": w.text() } }),
            Cond::Days(mask) => {
                let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
                let mut list: Vec<&str> = (0..7)
                    .filter(|d| mask & (1 << d) != 0)
                    .map(|d| days[d])
                    .collect();
                if list.is_empty() {
                    list.push("sun");
                }
                json!({ "days": list })
            }
            Cond::TimeRange(a, b) => {
                let (a, b) = (a % 24, b % 24);
                let b = if a == b { (b + 1) % 24 } else { b };
                json!({ "time_range": format!("{a:02}:00-{b:02}:00") })
            }
            Cond::Context(v) => {
                json!({ "context": { "customer.tier": ["gold", "silver", v % 4] } })
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct GenRule {
    effect: u8,
    actions: Vec<Words>,
    conditions: Vec<Cond>,
}

impl GenRule {
    fn effect(&self) -> Effect {
        match self.effect % 3 {
            0 => Effect::Allow,
            1 => Effect::Deny,
            _ => Effect::RequireApproval,
        }
    }

    fn patterns(&self) -> Vec<String> {
        let mut p: Vec<String> = self.actions.iter().take(2).map(Words::text).collect();
        if p.is_empty() {
            p.push("*".into());
        }
        p
    }

    fn conditions(&self) -> &[Cond] {
        &self.conditions[..self.conditions.len().min(2)]
    }
}

#[derive(Arbitrary, Debug)]
struct GenPolicy {
    applies: Applies,
    rules: Vec<GenRule>,
    default_allow: Option<bool>,
    ceiling: Option<Vec<Words>>,
    max_depth: Option<u8>,
}

impl GenPolicy {
    fn rules(&self) -> &[GenRule] {
        &self.rules[..self.rules.len().min(4)]
    }

    fn json(&self, i: usize) -> Value {
        let rules: Vec<Value> = self
            .rules()
            .iter()
            .map(|r| {
                let effect = match r.effect() {
                    Effect::Allow => "allow",
                    Effect::Deny => "deny",
                    Effect::RequireApproval => "require_approval",
                };
                let mut rule = json!({ "effect": effect, "actions": r.patterns() });
                if !r.conditions().is_empty() {
                    let mut all = serde_json::Map::new();
                    for c in r.conditions() {
                        if let Value::Object(m) = c.json() {
                            all.extend(m);
                        }
                    }
                    rule["conditions"] = Value::Object(all);
                }
                rule
            })
            .collect();
        let mut p = json!({ "name": format!("p{i}"), "rules": rules });
        if let Some(a) = self.applies.json() {
            p["appliesTo"] = a;
        }
        if let Some(d) = self.default_allow {
            p["defaultEffect"] = json!(if d { "allow" } else { "deny" });
        }
        let mut delegation = serde_json::Map::new();
        if let Some(c) = &self.ceiling {
            let c: Vec<String> = c.iter().take(2).map(Words::text).collect();
            delegation.insert("permissionCeiling".into(), json!(c));
        }
        if let Some(d) = self.max_depth {
            delegation.insert("maxDepth".into(), json!(d % 4 + 1));
        }
        if !delegation.is_empty() {
            p["delegation"] = Value::Object(delegation);
        }
        p
    }

    /// The oracle: does an unconditional deny rule decide this policy's answer for
    /// `action`? Rules are tried in order: a rule whose action does not match is
    /// skipped, and so is a conditional deny (if it held, the answer is deny anyway);
    /// a rule of another effect may have decided, so the oracle stops there.
    fn denies(&self, action: &str) -> bool {
        for rule in self.rules() {
            if !rule.patterns().iter().any(|p| glob(p, action)) {
                continue;
            }
            match (rule.effect(), rule.conditions().is_empty()) {
                (Effect::Deny, true) => return true,
                (Effect::Deny, false) => continue,
                _ => return false,
            }
        }
        false
    }
}

/// `*` matches any run, every other character itself (POLICY.md §2).
fn glob(p: &str, t: &str) -> bool {
    match p.split_once('*') {
        None => p == t,
        Some((head, rest)) => {
            let Some(t) = t.strip_prefix(head) else {
                return false;
            };
            (0..=t.len())
                .filter(|i| t.is_char_boundary(*i))
                .any(|i| glob(rest, &t[i..]))
        }
    }
}

#[derive(Arbitrary, Debug)]
struct GenAgent {
    id: u8,
    tier: u8,
    tags: Vec<u8>,
}

impl GenAgent {
    fn agent(&self) -> Agent {
        let id = IDS[self.id as usize % IDS.len()];
        Agent::new(id)
            .with_name(id)
            .with_tier(tier(self.tier))
            .with_tags(pick(&TAGS, &self.tags))
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    policies: Vec<GenPolicy>,
    agent: GenAgent,
    action: Words,
    amount: Option<i16>,
    customer_tier: Option<u8>,
    resource: Option<Words>,
    chain: Vec<GenAgent>,
    minutes: u16,
    to: GenAgent,
}

/// Deny, then require_approval, then allow: how much a decision grants.
fn grant(d: &Decision) -> u8 {
    match (d.allowed, d.decision) {
        (false, _) | (_, Effect::Deny) => 0,
        (true, Effect::RequireApproval) => 1,
        (true, Effect::Allow) => 2,
    }
}

fn same(a: &Decision, b: &Decision) -> bool {
    (a.allowed, a.decision, &a.policy, &a.rule, &a.reason)
        == (b.allowed, b.decision, &b.policy, &b.rule, &b.reason)
}

fuzz_target!(|input: Input| {
    let policies = &input.policies[..input.policies.len().min(3)];
    let texts: Vec<String> = policies
        .iter()
        .enumerate()
        .map(|(i, p)| p.json(i).to_string())
        .collect();
    let names: Vec<String> = (0..texts.len()).map(|i| format!("p{i}.json")).collect();
    let sources: Vec<Source<'_>> = names
        .iter()
        .zip(&texts)
        .map(|(name, text)| Source { name, text })
        .collect();
    let mut engine = Engine::default();
    if engine.load(&sources).is_err() {
        return;
    }

    let agent = input.agent.agent();
    let action = input.action.text();
    let chain: Vec<Agent> = input.chain.iter().take(3).map(GenAgent::agent).collect();
    let mut context = json!({});
    if let Some(a) = input.amount {
        context["amount"] = json!(a);
    }
    if let Some(t) = input.customer_tier {
        let tier = ["gold", "silver", "x"][t as usize % 3];
        context["customer"] = json!({ "tier": tier });
    }
    let resource = input.resource.as_ref().map(Words::text);
    let now = Timestamp::from_millis(1_796_000_000_000 + i64::from(input.minutes) * 60_000)
        .unwrap_or(Timestamp::EPOCH);

    let base = {
        let r = Request::new(&agent, &action, now).context(&context);
        match &resource {
            Some(res) => r.resource(res),
            None => r,
        }
    };
    let chained = base.chain(&chain);

    let (explained, _) = engine.explain(&chained);
    let decided = engine.check(&chained);
    assert!(
        same(&explained, &decided),
        "explain {explained:?} vs check {decided:?}"
    );

    let alone = engine.check(&base);
    assert!(
        grant(&decided) <= grant(&alone),
        "under chain {chain:?}: {decided:?}; alone: {alone:?}"
    );

    // "Any context" is at least as good as a real one.
    let any = engine.check(&base.any_context(true));
    assert!(
        grant(&alone) <= grant(&any),
        "with context: {alone:?}; any context: {any:?}"
    );

    for p in policies {
        if p.applies.matches(&agent) && p.denies(&action) {
            assert!(
                grant(&alone) == 0,
                "a matching deny was overruled: {alone:?}"
            );
            assert!(
                grant(&decided) == 0,
                "a matching deny was overruled: {decided:?}"
            );
        }
    }

    let to = input.to.agent();
    let handoff = HandoffRequest {
        from: &agent,
        to: &to,
        chain: &chain,
        chain_unknown: false,
        context: &context,
        now,
        trace_id: None,
    };
    let (explained, _) = engine.explain_handoff(&handoff);
    let decided = engine.check_handoff(&handoff);
    assert!(
        same(&explained.decision, &decided.decision),
        "handoff: explain {explained:?} vs check {decided:?}"
    );
});
