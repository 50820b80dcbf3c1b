//! What each decision records, through the session's typed calls.

use serde_json::{Map, Value, json};

use super::*;

fn host() -> Host {
    Host {
        zones: crate::zone::default_provider(),
        now: Timestamp::EPOCH,
        random: [1; 8],
    }
}

fn session(mode: Option<&str>) -> Session {
    let policy = r#"{"name": "p", "rules": [{"effect": "allow", "actions": ["read:*"]}]}"#;
    let config = SessionConfig {
        policies: vec![PolicyText::Text(policy.into())],
        agent: Some(Agent::new("a")),
        mode: mode.map(Into::into),
        ..SessionConfig::default()
    };
    Session::new(config, &host()).unwrap()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn a_check_records_its_metadata_context_chain_and_an_unenforced_mode() {
    let mut s = session(Some("audit"));
    s.set_sink(true);
    let opts = CheckOptions {
        context: Some(object(json!({"amount": 5}))),
        resource: Some("order:1".into()),
        chain: vec![Agent::new("root")],
        metadata: Some(object(json!({"tool": "refund"}))),
        ..CheckOptions::default()
    };
    let d = s.check("write:refund", opts, Timestamp::EPOCH).unwrap();
    assert!(!d.enforced);
    let entries = s.take_pending();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        e.metadata,
        object(json!({
            "tool": "refund",
            "context": {"amount": 5},
            "chain": ["root"],
            "mode": "audit",
            "enforced": false,
        }))
    );
    assert_eq!(e.resource.as_deref(), Some("order:1"));
    assert_eq!((e.decision, &e.rule), (d.decision, &d.rule));
    assert!(
        s.take_pending().is_empty(),
        "pending entries are taken once"
    );
}

#[test]
fn an_enforced_check_without_context_or_chain_records_empty_metadata() {
    let mut s = session(None);
    s.check("read:x", CheckOptions::default(), Timestamp::EPOCH)
        .unwrap();
    assert!(s.take_pending().is_empty(), "no sink, nothing pending");
    let log = s.audit().unwrap();
    assert_eq!(log.len(), 1);
    let e = log.iter().next().unwrap();
    assert!(e.metadata.is_empty(), "{:?}", e.metadata);
    assert_eq!(&*e.trace_id, s.trace_id());
}

#[test]
fn a_handoff_records_the_delegate_and_explaining_records_nothing() {
    let mut s = session(None);
    let h = s
        .check_handoff(
            None,
            Agent::new("b"),
            HandoffOptions::default(),
            Timestamp::EPOCH,
        )
        .unwrap();
    assert_eq!(h.chain.len(), 1);
    assert_eq!(&*h.chain[0].id, "a");
    s.explain("read:x", CheckOptions::default(), Timestamp::EPOCH)
        .unwrap();
    s.explain_handoff(
        None,
        Agent::new("c"),
        HandoffOptions::default(),
        Timestamp::EPOCH,
    )
    .unwrap();
    let log = s.audit().unwrap();
    assert_eq!(log.len(), 1, "explain and explain_handoff record nothing");
    let e = log.iter().next().unwrap();
    assert_eq!(e.metadata, object(json!({"toAgent": "b"})));
    assert_eq!(&*e.agent_name, "a");
}

#[test]
fn a_manual_entry_falls_back_to_the_session_agent_and_needs_the_trail() {
    let mut s = session(None);
    let m = ManualEntry {
        action: "notify:user".into(),
        decision: "allowed".into(),
        metadata: Map::new(),
        reason: None,
        resource: None,
        agent: None,
        trace_id: None,
        now: None,
    };
    let e = s.audit_log(m.clone(), Timestamp::EPOCH).unwrap();
    assert_eq!((&*e.agent_id, &*e.reason), ("a", "recorded manually"));
    let config = SessionConfig {
        audit: Some(AuditSettings::Enabled(false)),
        ..SessionConfig::default()
    };
    let mut off = Session::new(config, &host()).unwrap();
    assert_eq!(
        off.audit_log(m, Timestamp::EPOCH).unwrap_err().message,
        "the audit trail is off (audit: false)"
    );
}
