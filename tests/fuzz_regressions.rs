//! Findings of the fuzz targets (fuzz/README.md), each kept as an ordinary test.

use meshguard_policy::agent::Agent;
use meshguard_policy::engine::{Engine, Request};
use meshguard_policy::policy::Source;
use meshguard_policy::time::Timestamp;
use serde_json::json;

fn engine_with(yaml: &str) -> Engine {
    let mut e = Engine::default();
    e.load(&[Source {
        name: "test.yaml",
        text: yaml,
    }])
    .expect("policy loads");
    e
}

/// `check` target, first finding: an earlier conditional `require_approval` rule
/// shadows a later `allow` under `anyContext`. With a real context the condition
/// fails and the allow rule decides, so *some* context is allowed; `anyContext`
/// takes the approval rule's unknown condition to hold and stops there, answering
/// "approval required" (docs/decisions.md promises whether some context could be
/// allowed). Fixed: the policy now answers the more permissive of the two.
#[test]
fn any_context_is_never_narrower_than_a_real_context() {
    let engine = engine_with(
        r#"
name: p0
rules:
  - {effect: require_approval, actions: ["*"], conditions: {amount_max: 10}}
  - {effect: allow, actions: ["*"]}
"#,
    );
    let agent = Agent::new("a");
    let now = Timestamp::parse_rfc3339("2026-11-26T12:00:00Z").unwrap();
    let context = json!({ "amount": 50 });
    let real = engine.check(&Request::new(&agent, "read:x", now).context(&context));
    assert!(real.allowed, "{real:?}");
    let any = engine.check(
        &Request::new(&agent, "read:x", now)
            .context(&context)
            .any_context(true),
    );
    assert!(
        any.allowed,
        "a real context is allowed but anyContext says {any:?}"
    );
}

/// `check` target, second finding (after the first was fixed): a policy whose only
/// rule is a conditional require_approval, defaulting to allow. A real context that
/// misses the condition falls to the default and is allowed, so `anyContext` must not
/// answer "approval required".
#[test]
fn any_context_keeps_a_default_allow_that_some_context_reaches() {
    let engine = engine_with(
        r#"
name: p1
defaultEffect: allow
rules:
  - {effect: require_approval, actions: ["*"], conditions: {amount_max: 10}}
"#,
    );
    let agent = Agent::new("a");
    let now = Timestamp::parse_rfc3339("2026-11-26T12:00:00Z").unwrap();
    let context = json!({ "amount": 50 });
    let real = engine.check(&Request::new(&agent, "read:x", now).context(&context));
    assert!(real.allowed, "{real:?}");
    let any = engine.check(&Request::new(&agent, "read:x", now).any_context(true));
    assert!(
        any.allowed,
        "a real context is allowed but anyContext says {any:?}"
    );
    let explained = engine.explain(&Request::new(&agent, "read:x", now).any_context(true));
    assert_eq!(explained.0.decision, any.decision);
    // With a default of deny, the possible approval is the most some context gets.
    let strict = engine_with(
        r#"
name: p1
rules:
  - {effect: require_approval, actions: ["*"], conditions: {amount_max: 10}}
"#,
    );
    let any = strict.check(&Request::new(&agent, "read:x", now).any_context(true));
    assert_eq!(
        any.decision,
        meshguard_policy::decision::Effect::RequireApproval
    );
}
