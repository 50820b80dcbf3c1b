//! The JSON layer's messages: every bad input names the call and the path.

use super::*;

fn host() -> Host {
    Host {
        zones: crate::zone::default_provider(),
        now: Timestamp::EPOCH,
        random: [1; 8],
    }
}

fn session() -> Session {
    let policy = r#"{"name": "p", "rules": [{"effect": "allow", "actions": ["read:*"]}]}"#;
    let config = serde_json::json!({ "policies": [policy], "agent": {"id": "a"} });
    new_session(&config.to_string(), Vec::new(), &host()).unwrap()
}

#[test]
fn bad_options_are_reported_with_the_call_and_the_path() {
    let mut s = session();
    let refused = |s: &mut Session, options: &str| {
        check(s, "read:x", options, Timestamp::EPOCH)
            .unwrap_err()
            .message
    };
    assert_eq!(
        refused(&mut s, r#"{"context": [1, 2]}"#),
        "check options: context: expected an object, found an array"
    );
    assert_eq!(
        refused(&mut s, r#"{"contxt": {}}"#),
        "check options: unknown key 'contxt'; did you mean 'context'?"
    );
    assert_eq!(
        refused(&mut s, r#"{"context": "#),
        "check options: not valid JSON: EOF while parsing a value at line 1 column 12"
    );
    assert_eq!(
        explain(
            &s,
            "read:x",
            r#"{"chain": [{"id": "r"}, {"name": null}]}"#,
            Timestamp::EPOCH
        )
        .unwrap_err()
        .message,
        "explain options: chain[1]: missing key 'id'"
    );
    assert_eq!(
        check_handoff(&mut s, "", r#"{"id": ""}"#, "{}", Timestamp::EPOCH)
            .unwrap_err()
            .message,
        "toAgent: id: expected a non-empty string, found \"\""
    );
    assert_eq!(
        audit_query(&s, r#"{"limit": -1}"#).unwrap_err().message,
        "audit query: limit: expected a whole number of at least 0, found -1"
    );
    assert_eq!(
        issue_agent_token(r#"{"id": "a"}"#, r#"{"expiresIn": "1h"}"#, Timestamp::EPOCH)
            .unwrap_err()
            .message,
        "token options: expiresIn: expected a whole number of at least 0, found \"1h\""
    );
    let d = check(&mut s, "read:x", "{}", Timestamp::EPOCH).unwrap();
    assert!(d.contains(r#""allowed":true"#), "{d}");
}

#[test]
fn a_check_or_handoff_under_an_unknown_chain_is_denied_and_recorded() {
    let mut s = session();
    let d = check(
        &mut s,
        "read:x",
        r#"{"chainUnknown": true}"#,
        Timestamp::EPOCH,
    )
    .unwrap();
    assert!(
        d.contains(r#""allowed":false"#) && d.contains(r#""rule":"unknownChain""#),
        "{d}"
    );
    let h = check_handoff(
        &mut s,
        "",
        r#"{"id": "b"}"#,
        r#"{"chainUnknown": true}"#,
        Timestamp::EPOCH,
    )
    .unwrap();
    assert!(h.contains(r#""rule":"unknownChain""#), "{h}");
    let trail = audit_query(&s, r#"{"decision": "deny"}"#).unwrap();
    assert_eq!(
        trail.matches(r#""rule":"unknownChain""#).count(),
        2,
        "{trail}"
    );
    assert_eq!(
        check(&mut s, "read:x", r#"{"chainUnknown": 1}"#, Timestamp::EPOCH)
            .unwrap_err()
            .message,
        "check options: chainUnknown: expected true or false, found 1"
    );
}

#[test]
fn any_context_is_taken_without_a_context_only() {
    let mut s = session();
    let d = explain(&s, "read:x", r#"{"anyContext": true}"#, Timestamp::EPOCH).unwrap();
    assert!(d.contains(r#""allowed":true"#), "{d}");
    let e = check(
        &mut s,
        "read:x",
        r#"{"anyContext": true, "context": {"a": 1}}"#,
        Timestamp::EPOCH,
    )
    .unwrap_err();
    assert!(e.message.contains("without `context`"), "{}", e.message);
}

#[test]
fn reseeding_redraws_the_default_trace_id_and_the_audit_ids() {
    let mut s = session();
    assert_eq!(s.trace_id(), "mg-0101010101010101");
    s.reseed([0xab; 8]);
    assert_eq!(s.trace_id(), "mg-abababababababab");
    let d = check(&mut s, "read:x", "{}", Timestamp::EPOCH).unwrap();
    assert!(d.contains("mg-abababababababab"), "{d}");
    assert!(
        export_audit(&s)
            .unwrap()
            .contains(r#""id":"abababababababab-1""#)
    );

    let config = r#"{"traceId": "run-7", "agent": {"id": "a"}}"#;
    let mut given = new_session(config, Vec::new(), &host()).unwrap();
    given.reseed([0xab; 8]);
    assert_eq!(given.trace_id(), "run-7");
}

#[test]
fn an_agent_spends_rate_limits_only_under_a_policy_that_applies_to_it_and_has_one() {
    let limited = r#"{"name": "l", "appliesTo": {"tags": ["bot"]}, "rules": [
        {"effect": "allow", "actions": ["*"], "conditions": {"rateLimit": {"requestsPerMinute": 2}}}]}"#;
    let plain = r#"{"name": "p", "rules": [{"effect": "allow", "actions": ["read:*"]}]}"#;
    let config = serde_json::json!({ "policies": [limited, plain], "agent": {"id": "a"} });
    let s = new_session(&config.to_string(), Vec::new(), &host()).unwrap();
    assert!(!rate_limits(&s, "null").unwrap());
    assert!(rate_limits(&s, r#"{"id": "b", "tags": ["bot"]}"#).unwrap());
    assert!(!rate_limits(&s, r#"{"id": "b", "tags": ["human"]}"#).unwrap());
    assert_eq!(
        rate_limits(&s, r#"{"id": ""}"#).unwrap_err().message,
        "agent: id: expected a non-empty string, found \"\""
    );
}

#[test]
fn spent_rate_limits_carry_over_to_a_new_session() {
    let limited = r#"{"name": "l", "rules": [{"name": "r", "effect": "allow", "actions": ["*"],
        "conditions": {"rateLimit": {"requestsPerMinute": 1}}}]}"#;
    let config = serde_json::json!({ "policies": [limited], "agent": {"id": "a"} }).to_string();
    let mut first = new_session(&config, Vec::new(), &host()).unwrap();
    let now = Timestamp::from_millis(1_000_000).unwrap();
    assert!(
        check(&mut first, "read:x", "{}", now)
            .unwrap()
            .contains(r#""allowed":true"#)
    );
    let spent = rate_limits_spent(&first, now);
    assert_eq!(
        spent,
        r#"[{"policy":"l","rule":"r","agent":"a","at":[1000000]}]"#
    );

    let mut second = new_session(&config, Vec::new(), &host()).unwrap();
    restore_rate_limits(&second, &spent).unwrap();
    let d = check(&mut second, "read:x", "{}", now).unwrap();
    assert!(d.contains("rate limit exceeded"), "{d}");
    assert_eq!(
        restore_rate_limits(&second, r#"[{"policy": "l"}]"#)
            .unwrap_err()
            .message,
        "rate-limit state: [0]: missing key 'rule'"
    );
}

#[test]
fn bad_settings_are_reported_with_the_path() {
    let e = new_session(r#"{"verify": {"leewaySeconds": -1}}"#, Vec::new(), &host())
        .err()
        .unwrap();
    assert_eq!(
        e.message,
        "MeshGuard options: verify.leewaySeconds: expected a whole number from 0 to 4294967295, found -1"
    );
    let e = new_session(r#"{"mode": "yolo"}"#, Vec::new(), &host())
        .err()
        .unwrap();
    assert_eq!(
        e.message,
        "unknown mode 'yolo': expected enforce, audit or bypass"
    );
}

fn named(name: &str, text: &str) -> PolicyText {
    PolicyText::Named {
        name: name.to_owned(),
        text: text.to_owned(),
    }
}

#[test]
fn policy_texts_cross_beside_the_settings_and_replace_each_other_whole() {
    let reads = "name: reads\nrules:\n  - {effect: allow, actions: ['read:*']}\n";
    let mut s = new_session(
        r#"{"agent": {"id": "a"}}"#,
        vec![named("reads.yaml", reads)],
        &host(),
    )
    .unwrap();
    assert!(rules(&s).unwrap().contains(r#""source":"reads.yaml""#));
    let d = check(&mut s, "read:x", "{}", Timestamp::EPOCH).unwrap();
    assert!(d.contains(r#""decision":"allow""#), "{d}");

    // A bad text changes nothing, and its error names it and the line.
    let e = load_policies(
        &mut s,
        &[named("bad.yaml", "name: b\nrules: [{effect: maybe}]\n")],
    )
    .unwrap_err();
    assert!(
        e.message
            .starts_with("bad.yaml, line 2, column 18: rules[0].effect"),
        "{}",
        e.message
    );
    assert!(rules(&s).unwrap().contains(r#""source":"reads.yaml""#));

    let writes = "name: writes\nrules:\n  - {effect: allow, actions: ['write:*']}\n";
    assert_eq!(
        load_policies(&mut s, &[named("writes.yaml", writes)]).unwrap(),
        "[]"
    );
    let d = check(&mut s, "read:x", "{}", Timestamp::EPOCH).unwrap();
    assert!(d.contains(r#""decision":"deny""#), "{d}");
}

#[test]
fn policy_texts_given_both_ways_are_refused() {
    let policy = r#"{"name": "p", "rules": [{"effect": "allow", "actions": ["*"]}]}"#;
    let config = serde_json::json!({ "policies": [policy] }).to_string();
    let e = new_session(&config, vec![named("p", policy)], &host())
        .err()
        .unwrap();
    assert_eq!(
        e.message,
        "MeshGuard options: policies are given both in the options and beside them"
    );
}

#[test]
fn a_policy_text_past_the_size_limit_is_refused_before_it_is_read() {
    let text = format!(
        "name: big\ndescription: \"{}\"\nrules: []\n",
        "\"".repeat(4 << 20)
    );
    let e = new_session("{}", vec![named("big.yaml", &text)], &host())
        .err()
        .unwrap();
    assert_eq!(
        e.message,
        "big.yaml, line 1, column 1: document is 4194340 bytes, more than the limit of 524288 bytes"
    );
}
