//! Engine behaviours beyond the conformance vectors: modes, rate limits,
//! explain, atomic reloads, loading forms, diagnostics and delegation details.

use meshguard_policy::agent::{Agent, TrustTier};
use meshguard_policy::decision::{Effect, Mode};
use meshguard_policy::engine::{Engine, EngineOptions, HandoffRequest, Request};
use meshguard_policy::explain::RuleOutcome;
use meshguard_policy::policy::{DiagnosticKind, Source};
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

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn noon() -> Timestamp {
    at("2026-11-26T12:00:00Z")
}

fn support() -> Agent {
    Agent::new("agent_support")
        .with_name("Customer Support")
        .with_tier(TrustTier::Verified)
        .with_tags(["support"])
}

const REFUNDS: &str = r#"
name: refunds
rules:
  - name: small
    effect: allow
    actions: ["write:refund"]
    conditions: {amount_max: 100}
  - name: large
    effect: deny
    actions: ["write:refund"]
    conditions: {amount_min: 100.01}
    reason: Refunds over $100 require manager approval
"#;

#[test]
fn a_deny_rule_with_an_unknown_condition_fails_closed_and_names_the_field() {
    let e = engine_with(REFUNDS);
    let a = support();
    let d = e.check(&Request::new(&a, "write:refund", noon()));
    assert_eq!(d.decision, Effect::Deny);
    assert_eq!(d.rule.as_deref(), Some("large"));
    assert!(d.reason.contains("manager approval"), "{}", d.reason);
    assert!(
        d.reason.contains("context.amount is missing"),
        "{}",
        d.reason
    );

    let ctx = json!({"amount": "50"});
    let d = e.check(&Request::new(&a, "write:refund", noon()).context(&ctx));
    assert!(
        d.reason.contains("context.amount is \"50\""),
        "{}",
        d.reason
    );
}

#[test]
fn audit_mode_allows_but_reports_the_computed_decision() {
    let mut e = engine_with(REFUNDS);
    e.set_mode(Mode::Audit);
    let a = support();
    let ctx = json!({"amount": 500});
    let d = e.check(&Request::new(&a, "write:refund", noon()).context(&ctx));
    assert_eq!(
        (d.decision, d.allowed, d.enforced, d.mode),
        (Effect::Deny, true, false, Mode::Audit)
    );
}

#[test]
fn bypass_mode_allows_and_marks_the_decision_unenforced() {
    let mut e = engine_with(REFUNDS);
    e.set_mode(Mode::Bypass);
    let a = support();
    let d = e.check(&Request::new(&a, "delete:everything", noon()));
    assert_eq!(
        (d.decision, d.allowed, d.enforced, d.mode),
        (Effect::Deny, true, false, Mode::Bypass)
    );
}

#[test]
fn require_approval_is_not_allowed_in_enforce_mode() {
    let e = engine_with("name: p\nrules: [{effect: require_approval, actions: [\"pay\"]}]");
    let a = support();
    let d = e.check(&Request::new(&a, "pay", noon()));
    assert_eq!((d.decision, d.allowed), (Effect::RequireApproval, false));
}

const LIMITED: &str = r#"
name: limited
rules:
  - name: search
    effect: allow
    actions: ["read:web_search"]
    conditions:
      rateLimit: {requestsPerMinute: 2}
"#;

#[test]
fn a_rate_limit_slides_with_the_checks_now_and_names_the_rule() {
    let e = engine_with(LIMITED);
    let a = support();
    let check = |t: &str| e.check(&Request::new(&a, "read:web_search", at(t)));
    assert!(check("2026-11-26T10:00:00Z").allowed);
    assert!(check("2026-11-26T10:00:30Z").allowed);
    let d = check("2026-11-26T10:00:59Z");
    assert!(!d.allowed);
    assert_eq!(d.rule.as_deref(), Some("search"));
    assert_eq!(
        &*d.reason,
        "rate limit exceeded: 2 per minute (rule search)"
    );
    // The first call leaves the window at 10:01:00.
    assert!(check("2026-11-26T10:01:00Z").allowed);
    // Another agent has its own budget.
    let other = Agent::new("other");
    assert!(
        e.check(&Request::new(
            &other,
            "read:web_search",
            at("2026-11-26T10:01:00Z")
        ))
        .allowed
    );
}

#[test]
fn budget_is_spent_only_when_the_final_decision_is_allow() {
    let e = engine_with(&format!(
        "{LIMITED}---\nname: blocker\nrules: [{{effect: deny, actions: [\"read:web_search\"], conditions: {{tags: [blocked]}}}}]\n"
    ));
    let blocked = Agent::new("b").with_tags(["blocked"]);
    for _ in 0..5 {
        assert!(
            !e.check(&Request::new(&blocked, "read:web_search", noon()))
                .allowed
        );
    }
    let free = Agent::new("b");
    assert!(
        e.check(&Request::new(&free, "read:web_search", noon()))
            .allowed
    );
    assert!(
        e.check(&Request::new(&free, "read:web_search", noon()))
            .allowed
    );
    assert!(
        !e.check(&Request::new(&free, "read:web_search", noon()))
            .allowed
    );
}

#[test]
fn explain_spends_no_budget_and_shows_every_condition_with_values() {
    let e = engine_with(&format!("{LIMITED}---\n{REFUNDS}"));
    let a = support();
    for _ in 0..4 {
        let (d, _) = e.explain(&Request::new(&a, "read:web_search", noon()));
        assert!(d.allowed);
    }
    let ctx = json!({"amount": 150});
    let (d, x) = e.explain(&Request::new(&a, "write:refund", noon()).context(&ctx));
    assert_eq!(d.rule.as_deref(), Some("large"));
    let refunds = x.policies.iter().find(|p| &*p.policy == "refunds").unwrap();
    assert!(refunds.applies);
    assert_eq!(refunds.rules.len(), 2);
    assert_eq!(refunds.rules[0].outcome, RuleOutcome::ConditionsFalse);
    assert!(
        refunds.rules[0].conditions[0].detail.contains("150"),
        "{:?}",
        refunds.rules[0].conditions
    );
    assert_eq!(refunds.rules[1].outcome, RuleOutcome::Matched);
    let limited = x.policies.iter().find(|p| &*p.policy == "limited").unwrap();
    assert_eq!(limited.rules[0].outcome, RuleOutcome::ActionMismatch);
}

#[test]
fn explain_says_why_a_policy_does_not_apply() {
    let e = engine_with(
        "name: ops\nappliesTo: {tags: [ops]}\nrules: [{effect: allow, actions: [\"*\"]}]",
    );
    let a = support();
    let (d, x) = e.explain(&Request::new(&a, "read:x", noon()));
    assert!(
        d.reason
            .contains("no policy applies to agent agent_support")
    );
    assert!(!x.policies[0].applies);
    assert!(
        x.policies[0].why.contains("none of the tags [ops]"),
        "{}",
        x.policies[0].why
    );
}

#[test]
fn a_failed_load_leaves_the_previous_policies_in_force() {
    let mut e = engine_with(REFUNDS);
    let bad = [
        Source {
            name: "good.yaml",
            text: LIMITED,
        },
        Source {
            name: "bad.yaml",
            text: "name: x\nrules: [{effect: permit, actions: [a]}]",
        },
    ];
    let err = e.load(&bad).unwrap_err();
    assert_eq!(err.errors[0].source.as_ref(), "bad.yaml");
    assert_eq!(e.policies().policies().len(), 1);
    assert_eq!(&*e.policies().policies()[0].name, "refunds");
}

#[test]
fn every_error_is_reported_with_source_line_column_and_path() {
    let mut e = Engine::default();
    let text =
        "name: x\nrules:\n  - effect: alow\n    actions: [a]\n  - effect: deny\n    actions: []\n";
    let err = e
        .load(&[Source {
            name: "p.yaml",
            text,
        }])
        .unwrap_err();
    // Deserializing stops at a document's first error: the empty `actions` of
    // rules[1] is reported once rules[0] is fixed.
    assert_eq!(err.errors.len(), 1, "{err:?}");
    let first = &err.errors[0];
    assert_eq!(
        (first.line, first.column, first.path.as_str()),
        (3, 13, "rules[0].effect")
    );
    assert_eq!(first.suggestion.as_deref(), Some("allow"));
    assert_eq!(
        first.to_string(),
        "p.yaml, line 3, column 13: rules[0].effect: unknown effect 'alow': expected allow, deny or require_approval; did you mean 'allow'?"
    );
    let fixed = text.replace("alow", "allow");
    let err = e
        .load(&[Source {
            name: "p.yaml",
            text: &fixed,
        }])
        .unwrap_err();
    assert_eq!(err.errors[0].path, "rules[1].actions");
    assert_eq!((err.errors[0].line, err.errors[0].column), (6, 14));
}

#[test]
fn duplicate_policy_names_and_rule_names_are_errors() {
    let mut e = Engine::default();
    let a = Source {
        name: "a.yaml",
        text: "name: same\nrules: [{effect: allow, actions: [a]}]",
    };
    let b = Source {
        name: "b.yaml",
        text: "name: same\nrules: [{effect: allow, actions: [b]}]",
    };
    let err = e.load(&[a, b]).unwrap_err();
    assert_eq!(err.errors[0].kind, DiagnosticKind::Duplicate);
    assert!(err.errors[0].message.contains("a.yaml"));
    let dup_rules = "name: r\nrules:\n  - {name: one, effect: allow, actions: [a]}\n  - {name: one, effect: deny, actions: [b]}\n";
    let err = e
        .load(&[Source {
            name: "r.yaml",
            text: dup_rules,
        }])
        .unwrap_err();
    assert_eq!(err.errors[0].path, "rules[1].name");
}

#[test]
fn warnings_flag_policies_for_nobody_and_unreachable_rules() {
    let mut e = Engine::default();
    let text = r#"
name: w
appliesTo: {tags: []}
rules:
  - {name: all-reads, effect: allow, actions: ["read:*"]}
  - {name: shadowed, effect: deny, actions: ["read:secrets", "read:a*"]}
  - {name: reachable, effect: deny, actions: ["read:x", "write:x"]}
"#;
    let warnings = e
        .load(&[Source {
            name: "w.yaml",
            text,
        }])
        .unwrap()
        .to_vec();
    let kinds: Vec<_> = warnings.iter().map(|w| (w.kind, w.path.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (
                DiagnosticKind::AppliesToNobody,
                "appliesTo.tags".to_string()
            ),
            (DiagnosticKind::UnreachableRule, "rules[1]".to_string()),
        ]
    );
    assert!(warnings[1].message.contains("all-reads"));
}

#[test]
fn json_arrays_yaml_streams_and_the_agt_form_all_load() {
    let mut e = Engine::default();
    let json = r#"[{"name": "j1", "rules": [{"effect": "allow", "actions": "a"}]},
                  {"name": "j2", "rules": [{"effect": "deny", "actions": ["b"]}]}]"#;
    let agt = r#"
apiVersion: governance.toolkit/v1
kind: Policy
metadata: {name: agt, version: 2}
spec:
  timezone: "+02:00"
  rules: [{effect: allow, actions: ["c"], conditions: {time_range: "09:00-10:00"}}]
"#;
    e.load(&[
        Source {
            name: "j.json",
            text: json,
        },
        Source {
            name: "agt.yaml",
            text: agt,
        },
    ])
    .unwrap();
    let names: Vec<&str> = e.policies().policies().iter().map(|p| &*p.name).collect();
    assert_eq!(names, ["j1", "j2", "agt"]);
    assert_eq!(e.policies().policies()[2].version.as_deref(), Some("2"));
    let a = Agent::new("x");
    // 07:30 UTC is 09:30 at +02:00.
    assert!(
        e.check(&Request::new(&a, "c", at("2026-11-26T07:30:00Z")))
            .allowed
    );
    assert!(
        !e.check(&Request::new(&a, "c", at("2026-11-26T09:30:00Z")))
            .allowed
    );
}

#[test]
fn agt_errors_have_spec_paths() {
    let mut e = Engine::default();
    let text = "apiVersion: governance.toolkit/v1\nkind: Policy\nmetadata: {name: a}\nspec:\n  rules: [{effect: allow, actions: [x], conditions: {amount_mx: 1}}]\n";
    let err = e.load(&[Source { name: "a", text }]).unwrap_err();
    assert_eq!(err.errors[0].path, "spec.rules[0].conditions.amount_mx");
    let wrong_kind = "apiVersion: governance.toolkit/v2\nkind: Policy\nmetadata: {name: a}\nspec: {rules: [{effect: allow, actions: [x]}]}\n";
    let err = e
        .load(&[Source {
            name: "a",
            text: wrong_kind,
        }])
        .unwrap_err();
    assert_eq!(err.errors[0].path, "apiVersion");
}

#[test]
fn hostile_documents_are_refused_with_an_error() {
    let mut e = Engine::default();
    // Just past the 512 KiB limit, and far past it.
    for len in [(512 << 10) + 1, 10 << 20] {
        let huge = format!("name: {}", "a".repeat(len - 6));
        let err = e
            .load(&[Source {
                name: "huge",
                text: &huge,
            }])
            .unwrap_err();
        assert!(
            err.errors[0]
                .message
                .contains("more than the limit of 524288 bytes"),
            "{err}"
        );
    }
    let huge = "a".repeat(10 * 1024 * 1024);
    let err = e
        .load(&[Source {
            name: "huge",
            text: &huge,
        }])
        .unwrap_err();
    assert!(err.errors[0].message.contains("bytes"), "{err}");
    let deep = format!("name: d\nrules: {}{}", "[".repeat(2000), "]".repeat(2000));
    assert!(
        e.load(&[Source {
            name: "deep",
            text: &deep
        }])
        .is_err()
    );
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for c in b'b'..=b'j' {
        let p = (c - 1) as char;
        bomb.push_str(&format!(
            "{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
            c as char, c as char
        ));
    }
    let err = e
        .load(&[Source {
            name: "bomb",
            text: &bomb,
        }])
        .unwrap_err();
    assert!(err.errors[0].message.contains("aliases"), "{err}");
}

#[test]
fn yaml_1_1_booleans_are_strings_and_duplicate_keys_are_errors() {
    let e = engine_with(
        "name: yn\nrules: [{effect: allow, actions: [x], conditions: {context: {answer: no}}}]",
    );
    let a = Agent::new("a");
    let ctx = json!({"answer": "no"});
    assert!(
        e.check(&Request::new(&a, "x", noon()).context(&ctx))
            .allowed
    );
    let mut e = Engine::default();
    let err = e
        .load(&[Source {
            name: "d",
            text: "name: a\nname: b\nrules: []",
        }])
        .unwrap_err();
    assert!(err.errors[0].message.contains("duplicate key"), "{err}");
}

#[test]
fn context_operators_follow_three_valued_logic() {
    let e = engine_with(
        r#"
name: ops
rules:
  - name: not-blocked
    effect: deny
    actions: ["op"]
    conditions: {context: {status: {not_equals: active}}}
  - name: ok
    effect: allow
    actions: ["op"]
    conditions:
      context:
        labels: {contains: vip}
        email: {not_matches: "*@evil.com", starts_with: [ann, bob]}
        score: {gte: 1, lt: 10}
        region: {not_in: [cn, ru]}
"#,
    );
    let a = Agent::new("a");
    let good = json!({"status": "active", "labels": ["vip"], "email": "ann@ok.com", "score": 3, "region": "de"});
    let check = |ctx: &serde_json::Value| e.check(&Request::new(&a, "op", noon()).context(ctx));
    assert!(check(&good).allowed);
    let mut missing_status = good.clone();
    missing_status.as_object_mut().unwrap().remove("status");
    let d = check(&missing_status);
    assert_eq!(
        d.rule.as_deref(),
        Some("not-blocked"),
        "a missing field fails closed on the deny rule"
    );
    for (key, value) in [
        ("labels", json!(["x"])),
        ("email", json!("x@evil.com")),
        ("score", json!(10)),
        ("region", json!("ru")),
        ("score", json!("3")),
    ] {
        let mut ctx = good.clone();
        ctx[key] = value;
        assert!(!check(&ctx).allowed, "{key}");
    }
}

#[test]
fn handoff_context_carries_engine_set_fields_over_caller_values() {
    let e = engine_with(
        r#"
name: h
rules:
  - effect: allow
    actions: ["handoff:*"]
    conditions: {context: {depth: 1, from_agent: Tier 1, to_agent: Billing}}
"#,
    );
    let t1 = Agent::new("t1").with_name("Tier 1");
    let billing = Agent::new("b").with_name("Billing");
    let ctx = json!({"depth": 9, "from_agent": "spoofed"});
    let req = HandoffRequest {
        from: &t1,
        to: &billing,
        chain: &[],
        chain_unknown: false,
        context: &ctx,
        now: noon(),
        trace_id: None,
    };
    let h = e.check_handoff(&req);
    assert!(h.decision.allowed, "{}", h.decision.reason);
    assert_eq!(h.decision.action, "handoff:Billing");
    assert_eq!(h.chain, vec![t1.clone()]);
}

#[test]
fn the_engine_limits_chain_length_for_handoffs_and_checks() {
    let mut e = Engine::new(EngineOptions {
        max_delegation_depth: 2,
        ..Default::default()
    });
    e.load(&[Source {
        name: "all",
        text: "name: all\nrules: [{effect: allow, actions: [\"*\"]}]",
    }])
    .unwrap();
    let agents: Vec<Agent> = (0..4).map(|i| Agent::new(&format!("a{i}"))).collect();
    let handoff = |chain: &[Agent], from: &Agent, to: &Agent| {
        e.check_handoff(&HandoffRequest {
            from,
            to,
            chain,
            chain_unknown: false,
            context: &(),
            now: noon(),
            trace_id: None,
        })
        .decision
    };
    assert!(handoff(&[], &agents[0], &agents[1]).allowed);
    assert!(handoff(&agents[..1], &agents[1], &agents[2]).allowed);
    let d = handoff(&agents[..2], &agents[2], &agents[3]);
    assert_eq!(
        (d.allowed, d.rule.as_deref(), d.policy.as_deref()),
        (false, Some("maxDelegationDepth"), None)
    );
    let d = e.check(&Request::new(&agents[3], "x", noon()).chain(&agents[..3]));
    assert_eq!(d.rule.as_deref(), Some("maxDelegationDepth"));
    let d = handoff(&agents[..1], &agents[1], &agents[1]);
    assert_eq!(d.rule.as_deref(), Some("cycle"));
}

#[test]
fn an_empty_ceiling_lets_delegates_do_nothing() {
    let e = engine_with(
        "name: boss\nappliesTo: {agentIds: [boss]}\nrules: [{effect: allow, actions: [\"*\"]}]\ndelegation: {permissionCeiling: []}\n---\nname: worker\nappliesTo: {agentIds: [w]}\nrules: [{effect: allow, actions: [\"*\"]}]\n",
    );
    let boss = Agent::new("boss").with_name("Boss");
    let w = Agent::new("w");
    let chain = [boss];
    let d = e.check(&Request::new(&w, "read:x", noon()).chain(&chain));
    assert_eq!(
        (d.allowed, d.rule.as_deref(), d.policy.as_deref()),
        (false, Some("permissionCeiling"), Some("boss"))
    );
    assert_eq!(
        &*d.reason,
        "outside the delegation ceiling of Boss (policy boss)"
    );
    assert!(e.check(&Request::new(&w, "read:x", noon())).allowed);
}

#[test]
fn max_depth_zero_forbids_any_delegation_and_names_the_policy() {
    let e = engine_with(
        "name: solo\nappliesTo: {agentIds: [s]}\nrules: [{effect: allow, actions: [\"*\"]}]\ndelegation: {maxDepth: 0}\n",
    );
    let s = Agent::new("s").with_name("Solo");
    let d = e
        .check_handoff(&HandoffRequest {
            from: &s,
            to: &Agent::new("t"),
            chain: &[],
            chain_unknown: false,
            context: &(),
            now: noon(),
            trace_id: None,
        })
        .decision;
    assert_eq!(
        (d.rule.as_deref(), d.policy.as_deref()),
        (Some("maxDepth"), Some("solo"))
    );
    assert!(d.reason.contains("Solo"), "{}", d.reason);
}

#[test]
fn an_empty_action_is_denied() {
    let e = engine_with("name: all\nrules: [{effect: allow, actions: [\"*\"]}]");
    let a = Agent::new("a");
    let d = e.check(&Request::new(&a, "", noon()));
    assert!(!d.allowed);
    assert!(d.reason.contains("empty"));
}

#[test]
fn decisions_serialize_with_the_spec_field_names() {
    let e = engine_with(REFUNDS);
    let a = support();
    let ctx = json!({"amount": 150});
    let trace: std::sync::Arc<str> = "t-1".into();
    let d = e.check(
        &Request::new(&a, "write:refund", at("2026-11-26T10:00:00Z"))
            .context(&ctx)
            .trace_id(&trace),
    );
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(
        v,
        json!({"allowed": false, "decision": "deny", "action": "write:refund", "agentId": "agent_support",
               "policy": "refunds", "rule": "large", "reason": "Refunds over $100 require manager approval",
               "traceId": "t-1", "timestamp": "2026-11-26T10:00:00Z", "mode": "enforce", "enforced": true})
    );
}

#[test]
fn a_delegators_max_depth_is_the_smallest_and_names_the_first_policy_among_equals() {
    let e = engine_with(
        r#"
name: loose
appliesTo: {agentIds: [root]}
rules: [{effect: allow, actions: ["*"]}]
delegation: {maxDepth: 3}
---
name: tight-a
appliesTo: {agentIds: [root]}
rules: [{effect: allow, actions: ["*"]}]
delegation: {maxDepth: 1}
---
name: tight-b
appliesTo: {agentIds: [root]}
rules: [{effect: allow, actions: ["*"]}]
delegation: {maxDepth: 1}
---
name: others
appliesTo: {agentIds: [mid, leaf]}
rules: [{effect: allow, actions: ["*"]}]
"#,
    );
    let root = Agent::new("root").with_name("Root");
    let mid = Agent::new("mid");
    let leaf = Agent::new("leaf");
    let chain = [root.clone()];
    let d = e
        .check_handoff(&HandoffRequest {
            from: &mid,
            to: &leaf,
            chain: &chain,
            chain_unknown: false,
            context: &(),
            now: noon(),
            trace_id: None,
        })
        .decision;
    assert_eq!(
        (d.rule.as_deref(), d.policy.as_deref()),
        (Some("maxDepth"), Some("tight-a"))
    );
    assert!(
        d.reason.contains("Root") && d.reason.contains("maxDepth of 1"),
        "{}",
        d.reason
    );
}

#[test]
fn the_first_ceiling_from_the_root_names_the_denial() {
    let e = engine_with(
        r#"
name: root-ceiling
appliesTo: {agentIds: [root]}
rules: [{effect: allow, actions: ["*"]}]
delegation: {permissionCeiling: ["read:*"]}
---
name: mid-ceiling
appliesTo: {agentIds: [mid]}
rules: [{effect: allow, actions: ["*"]}]
delegation: {permissionCeiling: ["write:*"]}
---
name: leaf
appliesTo: {agentIds: [leaf]}
rules: [{effect: allow, actions: ["*"]}]
"#,
    );
    let chain = [
        Agent::new("root").with_name("Root"),
        Agent::new("mid").with_name("Mid"),
    ];
    let leaf = Agent::new("leaf");
    let write = e.check(&Request::new(&leaf, "write:x", noon()).chain(&chain));
    assert_eq!(write.policy.as_deref(), Some("root-ceiling"));
    let read = e.check(&Request::new(&leaf, "read:x", noon()).chain(&chain));
    assert_eq!(read.policy.as_deref(), Some("mid-ceiling"));
    assert_eq!(
        &*read.reason,
        "outside the delegation ceiling of Mid (policy mid-ceiling)"
    );
}

#[test]
fn a_check_under_a_chain_marked_unknown_is_denied_by_the_engine_before_any_rule() {
    let e = engine_with("name: all\nrules: [{effect: allow, actions: [\"*\"]}]\n");
    let billing = Agent::new("billing").with_name("Billing Specialist");
    let known = e.check(&Request::new(&billing, "read:x", noon()));
    assert!(known.allowed);
    let d = e.check(&Request::new(&billing, "read:x", noon()).chain_unknown(true));
    assert_eq!(
        (
            d.allowed,
            d.decision,
            d.rule.as_deref(),
            d.policy.as_deref()
        ),
        (false, Effect::Deny, Some("unknownChain"), None)
    );
    assert!(
        d.reason.starts_with("unknown delegation chain")
            && d.reason.contains("delegated to Billing Specialist"),
        "{}",
        d.reason
    );
    // A chain given alongside does not make it known.
    let root = [Agent::new("root")];
    let d = e.check(
        &Request::new(&billing, "read:x", noon())
            .chain(&root)
            .chain_unknown(true),
    );
    assert_eq!(d.rule.as_deref(), Some("unknownChain"));
    let (d, explanation) = e.explain(&Request::new(&billing, "read:x", noon()).chain_unknown(true));
    assert_eq!(d.rule.as_deref(), Some("unknownChain"));
    assert_eq!(explanation.delegation.len(), 1);
    assert_eq!(
        (
            explanation.delegation[0].check,
            explanation.delegation[0].passed
        ),
        ("unknownChain", false)
    );
    assert!(explanation.policies.is_empty(), "no policy is consulted");
}

#[test]
fn a_handoff_from_an_agent_whose_chain_is_unknown_is_denied_by_the_engine() {
    let e = engine_with("name: all\nrules: [{effect: allow, actions: [\"*\"]}]\n");
    let billing = Agent::new("billing").with_name("Billing Specialist");
    let escalation = Agent::new("escalation").with_name("Escalation Manager");
    let handoff = |chain_unknown| {
        e.check_handoff(&HandoffRequest {
            from: &billing,
            to: &escalation,
            chain: &[],
            chain_unknown,
            context: &(),
            now: noon(),
            trace_id: None,
        })
    };
    assert!(handoff(false).decision.allowed);
    let h = handoff(true);
    assert_eq!(
        (h.decision.allowed, h.decision.rule.as_deref()),
        (false, Some("unknownChain"))
    );
    assert_eq!(h.decision.action, "handoff:Escalation Manager");
    assert!(
        h.decision
            .reason
            .contains("delegated to Billing Specialist"),
        "{}",
        h.decision.reason
    );
}

#[test]
fn audit_mode_reports_an_unknown_chain_deny_but_lets_it_through() {
    let mut e = engine_with("name: all\nrules: [{effect: allow, actions: [\"*\"]}]\n");
    e.set_mode(Mode::Audit);
    let a = Agent::new("a");
    let d = e.check(&Request::new(&a, "read:x", noon()).chain_unknown(true));
    assert_eq!(
        (d.allowed, d.decision, d.enforced, d.rule.as_deref()),
        (true, Effect::Deny, false, Some("unknownChain"))
    );
}

const FILES: &str = r#"
name: files
rules:
  - name: no-secrets
    effect: deny
    actions: ["mcp:files:read_file"]
    conditions: {context: {path: {contains: ".env"}}}
    reason: Secrets are never read
  - name: reads
    effect: allow
    actions: ["mcp:files:read_file", "mcp:files:list_files"]
    conditions: {context: {path: {starts_with: "src/"}}}
  - name: present
    effect: allow
    actions: ["mcp:files:stat"]
    conditions: {context: {path: {exists: false}}}
  - name: never
    effect: deny
    actions: ["mcp:files:delete_file"]
    reason: Files are never deleted
  - name: approvals
    effect: require_approval
    actions: ["mcp:files:write_file"]
    conditions: {context: {path: {starts_with: "src/"}}}
    reason: Writes need a person
"#;

#[test]
fn any_context_says_whether_some_context_could_be_allowed() {
    let e = engine_with(FILES);
    let a = support();
    let offer = |action| e.check(&Request::new(&a, action, noon()).any_context(true));
    // Allowed for some paths: a context condition neither stops the allow nor fires the deny.
    let read = offer("mcp:files:read_file");
    assert_eq!(
        (read.decision, read.rule.as_deref()),
        (Effect::Allow, Some("reads"))
    );
    // `exists` on a context not known yet is unknown too, not false.
    assert_eq!(offer("mcp:files:stat").decision, Effect::Allow);
    assert_eq!(
        offer("mcp:files:write_file").decision,
        Effect::RequireApproval
    );
    // A deny that holds whatever the context, and an action no rule allows.
    let delete = offer("mcp:files:delete_file");
    assert_eq!(
        (delete.decision, delete.rule.as_deref()),
        (Effect::Deny, Some("never"))
    );
    assert_eq!(
        offer("mcp:files:move_file").rule.as_deref(),
        Some("defaultEffect")
    );
    // The same actions with a real context are decided on it.
    let secret = e.check(
        &Request::new(&a, "mcp:files:read_file", noon()).context(&json!({"path": "src/.env"})),
    );
    assert_eq!(secret.rule.as_deref(), Some("no-secrets"));
    let stat = e.check(&Request::new(&a, "mcp:files:stat", noon()).context(&json!({"path": "x"})));
    assert_eq!(stat.decision, Effect::Deny);
}

#[test]
fn any_context_keeps_what_does_not_depend_on_the_context() {
    let e = engine_with(
        r#"
name: tiered
rules:
  - {name: trusted-only, effect: allow, actions: ["mcp:*"], conditions: {minTrustTier: trusted, context: {path: {starts_with: "src/"}}}}
delegation: {permissionCeiling: ["read:*"]}
"#,
    );
    let verified = support();
    let trusted = support().with_tier(TrustTier::Trusted);
    let offer =
        |a: &Agent| e.check(&Request::new(a, "mcp:files:read_file", noon()).any_context(true));
    assert_eq!(
        offer(&verified).decision,
        Effect::Deny,
        "a false condition stays false"
    );
    assert_eq!(offer(&trusted).decision, Effect::Allow);
    let root = [trusted.clone()];
    let d = e.check(
        &Request::new(&trusted, "mcp:files:read_file", noon())
            .chain(&root)
            .any_context(true),
    );
    assert_eq!(
        d.rule.as_deref(),
        Some("permissionCeiling"),
        "delegation is decided as always"
    );
    let d = e.check(
        &Request::new(&trusted, "mcp:files:read_file", noon())
            .chain_unknown(true)
            .any_context(true),
    );
    assert_eq!(d.rule.as_deref(), Some("unknownChain"));
}

#[test]
fn any_context_spends_no_budget_and_explains_the_rules_it_assumed() {
    let e = engine_with(
        r#"
name: budget
rules:
  - name: no-secrets
    effect: deny
    actions: ["read:file"]
    conditions: {context: {path: {contains: ".env"}}}
  - name: reads
    effect: allow
    actions: ["read:file"]
    conditions: {context: {path: {starts_with: "src/"}}, rateLimit: {requestsPerMinute: 1}}
"#,
    );
    let a = support();
    for _ in 0..3 {
        assert!(
            e.check(&Request::new(&a, "read:file", noon()).any_context(true))
                .allowed
        );
    }
    let ctx = json!({"path": "src/a.rs"});
    assert!(
        e.check(&Request::new(&a, "read:file", noon()).context(&ctx))
            .allowed,
        "the budget is whole"
    );
    let (d, explanation) = e.explain(&Request::new(&a, "read:file", noon()).any_context(true));
    assert_eq!(d.decision, Effect::Deny, "the minute's budget is now spent");
    let outcomes: Vec<RuleOutcome> = explanation.policies[0]
        .rules
        .iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [RuleOutcome::ContextDependent, RuleOutcome::RateLimited]
    );
}
