//! Property tests of the engine's invariants over generated policies and requests.

use meshguard_policy::agent::{Agent, TrustTier};
use meshguard_policy::decision::Effect;
use meshguard_policy::engine::{Engine, HandoffRequest, Request};
use meshguard_policy::pattern::Pattern;
use meshguard_policy::policy::Source;
use meshguard_policy::time::Timestamp;
use proptest::prelude::*;
use serde_json::{Value, json};

const SEGMENTS: &[&str] = &["read", "write", "db", "a", "b", "x:y", "*"];
const TAGS: &[&str] = &["t1", "t2", "t3"];
const EFFECTS: &[&str] = &["allow", "deny", "require_approval"];

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SEGMENTS), 1..4).prop_map(|parts| parts.join(":"))
}

fn action() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&SEGMENTS[..6]), 1..4)
        .prop_map(|parts| parts.join(":"))
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..200).prop_map(|n| format!("amount_max: {n}")),
        (0u32..200).prop_map(|n| format!("amount_min: {n}")),
        prop::sample::select(&["x", "y"][..]).prop_map(|v| format!("context: {{k: {v}}}")),
        prop::sample::select(TAGS).prop_map(|t| format!("tags: [{t}]")),
        prop::sample::select(&["basic", "trusted"][..]).prop_map(|t| format!("minTrustTier: {t}")),
        pattern().prop_map(|p| format!("resource: {{matches: \"{p}\"}}")),
    ]
}

fn rule() -> impl Strategy<Value = String> {
    (
        prop::sample::select(EFFECTS),
        prop::collection::vec(pattern(), 1..3),
        prop::collection::vec(condition(), 0..3),
    )
        .prop_map(|(effect, actions, conditions)| {
            let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
            // One condition per key: later duplicates are dropped.
            let mut seen = Vec::new();
            let conditions: Vec<String> = conditions
                .into_iter()
                .filter(|c| {
                    let key = c.split(':').next().unwrap_or("").to_string();
                    let fresh = !seen.contains(&key);
                    seen.push(key);
                    fresh
                })
                .collect();
            format!(
                "  - effect: {effect}\n    actions: [{}]\n    conditions: {{{}}}\n",
                actions.join(", "),
                conditions.join(", ")
            )
        })
}

fn policy(index: usize) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(rule(), 1..5),
        prop::option::of(prop::sample::select(TAGS)),
        prop::sample::select(&["allow", "deny"][..]),
        prop::option::of(prop::collection::vec(pattern(), 0..3)),
    )
        .prop_map(move |(rules, tag, default, ceiling)| {
            let applies = tag.map_or(String::new(), |t| format!("appliesTo: {{tags: [{t}]}}\n"));
            let delegation = ceiling.map_or(String::new(), |c| {
                let c: Vec<String> = c.iter().map(|p| format!("\"{p}\"")).collect();
                format!("delegation: {{permissionCeiling: [{}]}}\n", c.join(", "))
            });
            format!(
                "name: p{index}\n{applies}defaultEffect: {default}\n{delegation}rules:\n{}",
                rules.concat()
            )
        })
}

fn policies() -> impl Strategy<Value = Vec<String>> {
    (1usize..4).prop_flat_map(|n| (0..n).map(policy).collect::<Vec<_>>())
}

fn agent() -> impl Strategy<Value = Agent> {
    (
        prop::sample::select(&["a", "b", "c"][..]),
        prop::sample::subsequence(TAGS, 0..3),
        prop::sample::select(TrustTier::ALL.to_vec()),
    )
        .prop_map(|(id, tags, tier)| Agent::new(id).with_tags(tags).with_tier(tier))
}

fn context() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just(Value::Null),
            (0u32..200).prop_map(|n| json!(n)),
            Just(json!("50"))
        ],
        prop_oneof![
            Just(Value::Null),
            Just(json!("x")),
            Just(json!("y")),
            Just(json!(1))
        ],
    )
        .prop_map(|(amount, k)| {
            let mut ctx = serde_json::Map::new();
            if !amount.is_null() {
                ctx.insert("amount".into(), amount);
            }
            if !k.is_null() {
                ctx.insert("k".into(), k);
            }
            Value::Object(ctx)
        })
}

fn engine(texts: &[String]) -> Engine {
    let names: Vec<String> = (0..texts.len()).map(|i| format!("p{i}")).collect();
    let sources: Vec<Source<'_>> = texts
        .iter()
        .zip(&names)
        .map(|(text, name)| Source { name, text })
        .collect();
    let mut e = Engine::default();
    if let Err(err) = e.load(&sources) {
        panic!(
            "generated policies must load: {err}\n{}",
            texts.join("\n---\n")
        );
    }
    e
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-26T12:00:00Z").unwrap()
}

/// A reference glob matcher: plain recursion, exponential but obviously right.
fn reference_match(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| reference_match(rest, &t[i..])),
        Some((c, rest)) => t.first() == Some(c) && reference_match(rest, &t[1..]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_pattern_without_a_star_matches_only_itself(p in "[a-c:/.]{1,6}", t in "[a-c:/.]{0,6}") {
        prop_assert_eq!(Pattern::new(&p).unwrap().matches(&t), p == t);
        prop_assert!(Pattern::new(&p).unwrap().matches(&p));
    }

    #[test]
    fn glob_matching_agrees_with_a_reference_matcher(p in "[ab*]{1,8}", t in "[ab]{0,10}") {
        let (pc, tc): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
        prop_assert_eq!(Pattern::new(&p).unwrap().matches(&t), reference_match(&pc, &tc));
    }

    #[test]
    fn covers_is_sound(p in "[ab*]{1,5}", q in "[ab*]{1,5}", t in "[ab]{0,8}") {
        let (p, q) = (Pattern::new(&p).unwrap(), Pattern::new(&q).unwrap());
        if p.covers(&q) && q.matches(&t) {
            prop_assert!(p.matches(&t));
        }
    }

    #[test]
    fn check_and_explain_agree(texts in policies(), a in agent(), act in action(), ctx in context(), resource in prop::option::of(action())) {
        let e = engine(&texts);
        let mut req = Request::new(&a, &act, now()).context(&ctx);
        if let Some(r) = &resource {
            req = req.resource(r);
        }
        let (explained, _) = e.explain(&req);
        let checked = e.check(&req);
        prop_assert_eq!(checked, explained);
    }

    #[test]
    fn adding_a_deny_rule_never_turns_a_denial_into_an_allow(
        texts in policies(), a in agent(), act in action(), ctx in context(),
        extra in rule(), which in 0usize..4, at_top in any::<bool>(),
    ) {
        let before = engine(&texts).check(&Request::new(&a, &act, now()).context(&ctx));
        let mut changed = texts.clone();
        let target = which % changed.len();
        let deny = extra.replacen("effect: allow", "effect: deny", 1).replacen("effect: require_approval", "effect: deny", 1);
        let policy = &mut changed[target];
        let at = if at_top { policy.find("rules:\n").unwrap() + "rules:\n".len() } else { policy.len() };
        policy.insert_str(at, &deny);
        let after = engine(&changed).check(&Request::new(&a, &act, now()).context(&ctx));
        if before.decision != Effect::Allow {
            prop_assert_ne!(after.decision, Effect::Allow, "before: {:?}\npolicies:\n{}", before, changed.join("\n---\n"));
        }
    }

    #[test]
    fn a_delegation_chain_never_widens_what_an_agent_may_do(
        texts in policies(), a in agent(), chain in prop::collection::vec(agent(), 0..3), d in agent(), act in action(),
    ) {
        let e = engine(&texts);
        let shorter = e.check(&Request::new(&a, &act, now()).chain(&chain));
        let mut longer = chain.clone();
        longer.push(d);
        let under = e.check(&Request::new(&a, &act, now()).chain(&longer));
        if under.allowed {
            prop_assert!(shorter.allowed, "a longer chain allowed what a shorter one did not");
        }
    }

    #[test]
    fn a_handoff_never_widens_what_the_delegate_may_do(texts in policies(), from in agent(), to in agent(), act in action()) {
        let e = engine(&texts);
        let h = e.check_handoff(&HandoffRequest { from: &from, to: &to, chain: &[], chain_unknown: false, context: &(), now: now(), trace_id: None });
        let delegated = e.check(&Request::new(&to, &act, now()).chain(&h.chain));
        let alone = e.check(&Request::new(&to, &act, now()));
        if delegated.allowed {
            prop_assert!(alone.allowed);
        }
    }

    #[test]
    fn loading_arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let mut e = Engine::default();
        let _ = e.load(&[Source { name: "fuzz", text: &text }]);
    }

    #[test]
    fn loading_mangled_policies_never_panics(texts in policies(), cut in 0usize..400, junk in "[\\[\\]{}:,'\"*&! \\n-]{0,8}") {
        let mut text = texts.join("\n---\n");
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count().max(1)).unwrap_or(0);
        text.insert_str(at, &junk);
        let mut e = Engine::default();
        if e.load(&[Source { name: "mangled", text: &text }]).is_ok() {
            let a = Agent::new("a");
            let _ = e.explain(&Request::new(&a, "read:x", now()));
        }
    }

    #[test]
    fn evaluation_never_panics_on_arbitrary_requests(
        texts in policies(), id in "\\PC{1,20}", act in "\\PC{0,40}", ctx_text in "\\PC{0,40}",
        millis in any::<i64>(), resource in "\\PC{0,20}",
    ) {
        let e = engine(&texts);
        let a = Agent::new(&id);
        let ctx: Value = serde_json::from_str(&ctx_text).unwrap_or(json!({"amount": ctx_text}));
        let when = Timestamp::from_millis(millis).unwrap_or_else(now);
        let req = Request::new(&a, &act, when).context(&ctx).resource(&resource);
        let _ = e.check(&req);
        let _ = e.explain(&req);
        let _ = e.check_handoff(&HandoffRequest { from: &a, to: &Agent::new(&act), chain: &[], chain_unknown: false, context: &ctx, now: when, trace_id: None });
    }
}
