//! The audit trail (docs/audit.md): chaining, tamper detection, ring, redaction,
//! queries and stats, through the public API.

use std::sync::Arc;

use meshguard_policy::audit::{
    Anchor, AuditConfig, AuditError, AuditLog, Entry, EntryDraft, EntryHash, ProblemKind, Query,
    Stats, Verification, canonical_json, verify_jsonl, verify_jsonl_after,
};
use meshguard_policy::decision::Effect;
use meshguard_policy::json;
use meshguard_policy::pattern::Pattern;
use meshguard_policy::time::Timestamp;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000 + seconds * 1000).unwrap()
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn draft(n: i64, agent: &str, action: &str, decision: Effect) -> EntryDraft {
    EntryDraft {
        timestamp: at(n),
        agent_id: agent.into(),
        agent_name: format!("{agent} bot").into(),
        action: action.into(),
        resource: (n % 3 == 0).then(|| format!("doc-{n}")),
        decision,
        policy: Some("support-policy".into()),
        rule: (decision != Effect::Allow).then(|| Arc::from("rule-1")),
        reason: format!("reason {n}").into(),
        trace_id: format!("trace-{}", n % 4).into(),
        metadata: object(json!({"context": {"amount": n * 10, "ratio": n as f64 / 7.0}})),
    }
}

fn log_with(capacity: usize, n: i64) -> AuditLog {
    let mut log = AuditLog::new(AuditConfig {
        capacity,
        id_prefix: "k3f9".into(),
        ..AuditConfig::default()
    })
    .unwrap();
    let effects = [Effect::Allow, Effect::Deny, Effect::RequireApproval];
    for i in 1..=n {
        log.record(draft(
            i,
            "agent_support",
            "read:ticket",
            effects[i as usize % 3],
        ));
    }
    log
}

/// A ten-entry export, as lines without their newlines.
fn ten_lines() -> Vec<String> {
    log_with(100, 10)
        .export_jsonl()
        .lines()
        .map(String::from)
        .collect()
}

fn join(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn broken_at(v: &Verification) -> (Option<ProblemKind>, Option<u64>) {
    assert!(!v.ok, "expected a failure");
    (v.kind, v.first_bad_seq)
}

fn entry(line: &str) -> Entry {
    Entry::from_json(json::parse(line).unwrap()).unwrap()
}

/// Rewrites the entry on `line` and gives it a correct hash for its new content.
fn forge(line: &str, edit: impl FnOnce(&mut Entry)) -> String {
    let mut entry = entry(line);
    edit(&mut entry);
    entry.hash = entry.compute_hash();
    entry.to_json_line()
}

// --- The chain ---

#[test]
fn a_fresh_export_verifies_as_a_whole_log() {
    let text = log_with(100, 10).export_jsonl();
    let v = verify_jsonl_after(&text, &Anchor::GENESIS);
    assert!(v.ok, "{v:?}");
    assert_eq!(v.entries, 10);
    assert_eq!((v.first_bad_seq, v.problem), (None, None));
}

#[test]
fn each_hash_is_sha256_of_the_rfc8785_form_without_hash() {
    // What an outside verifier does: parse, drop `hash`, canonicalize, SHA-256.
    let text = log_with(100, 3).export_jsonl();
    let mut prev = "0".repeat(64);
    for line in text.lines() {
        let mut value: Value = serde_json::from_str(line).unwrap();
        let hash = value.as_object_mut().unwrap().remove("hash").unwrap();
        assert_eq!(value["prevHash"], json!(prev));
        let digest = Sha256::digest(canonical_json(&value).as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, json!(hex));
        prev = hex;
    }
}

#[test]
fn an_edited_reason_is_caught_at_its_seq() {
    let mut lines = ten_lines();
    lines[3] = lines[3].replace("reason 4", "reason X");
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::HashMismatch), Some(4)));
    assert_eq!(v.entries, 3);
    assert_eq!(v.first_bad_line, Some(4));
}

#[test]
fn edited_metadata_is_caught_at_its_seq() {
    let mut lines = ten_lines();
    lines[4] = lines[4].replace("\"amount\":50", "\"amount\":5");
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::HashMismatch), Some(5)));
}

#[test]
fn an_edited_decision_is_caught_at_its_seq() {
    let mut lines = ten_lines();
    assert!(lines[5].contains("\"decision\":\"allow\""));
    lines[5] = lines[5].replace("\"decision\":\"allow\"", "\"decision\":\"deny\"");
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::HashMismatch), Some(6)));
}

#[test]
fn an_edited_hash_or_prev_hash_is_caught() {
    let lines = ten_lines();
    let mut edited = lines.clone();
    let hash_at = edited[6].rfind("\"hash\":\"").unwrap() + 8;
    edited[6].replace_range(hash_at..hash_at + 1, "Z");
    let v = verify_jsonl(&join(&edited));
    // Not a hash any more: the field has the wrong form.
    assert_eq!(broken_at(&v), (Some(ProblemKind::Schema), Some(7)));

    let mut edited = lines;
    let forged = EntryHash::of(b"forged").to_string();
    let prev_at = edited[6].find("\"prevHash\":\"").unwrap() + 12;
    edited[6].replace_range(prev_at..prev_at + 64, &forged);
    let v = verify_jsonl(&join(&edited));
    assert_eq!(broken_at(&v), (Some(ProblemKind::ChainBreak), Some(7)));
}

#[test]
fn a_dropped_middle_line_breaks_the_chain_at_the_next_line() {
    let mut lines = ten_lines();
    lines.remove(4);
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::SeqBreak), Some(6)));
    assert_eq!(v.first_bad_line, Some(5));
    assert!(v.problem.unwrap().contains("entry 5 is missing"));
}

#[test]
fn a_dropped_first_line_is_a_valid_segment_unless_anchored() {
    let mut lines = ten_lines();
    lines.remove(0);
    let text = join(&lines);
    // Decision: a segment is checked for internal consistency only.
    let v = verify_jsonl(&text);
    assert!(v.ok);
    assert_eq!(v.entries, 9);
    // Anchored at the start of the log, the cut shows.
    let v = verify_jsonl_after(&text, &Anchor::GENESIS);
    assert_eq!(broken_at(&v), (Some(ProblemKind::SeqBreak), Some(2)));
}

#[test]
fn a_dropped_last_line_shows_only_against_the_head() {
    let log = log_with(100, 10);
    let lines: Vec<String> = log.export_jsonl().lines().map(String::from).collect();
    let v = verify_jsonl(&join(&lines[..9]));
    assert!(v.ok);
    let last = entry(&lines[8]);
    assert_ne!(Anchor::of(&last), log.head());
}

#[test]
fn a_forged_replacement_with_a_recomputed_hash_is_caught_by_the_next_line() {
    let mut lines = ten_lines();
    lines[3] = forge(&lines[3], |e| e.reason = "nothing to see".into());
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::ChainBreak), Some(5)));
    assert_eq!(v.entries, 4);
}

#[test]
fn an_inserted_forged_line_is_caught_by_the_next_line() {
    let mut lines = ten_lines();
    // A plausible seq-4 entry linked to seq 3, with a correct hash, before the real one.
    let forged = forge(&lines[3], |e| e.reason = "inserted".into());
    lines.insert(3, forged);
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::SeqBreak), Some(4)));
    assert_eq!(v.first_bad_line, Some(5));
    assert_eq!(v.entries, 4);
}

#[test]
fn swapped_lines_are_caught() {
    let mut lines = ten_lines();
    lines.swap(2, 3);
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::SeqBreak), Some(4)));
    assert_eq!(v.first_bad_line, Some(3));
    assert_eq!(v.entries, 2);
}

#[test]
fn a_duplicated_line_is_caught() {
    let mut lines = ten_lines();
    lines.insert(5, lines[4].clone());
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::SeqBreak), Some(5)));
    assert_eq!(v.first_bad_line, Some(6));
}

#[test]
fn a_last_line_cut_mid_way_is_caught_with_the_seq_it_should_have() {
    let mut text = log_with(100, 10).export_jsonl();
    text.truncate(text.len() - 40);
    let v = verify_jsonl(&text);
    assert_eq!(broken_at(&v), (Some(ProblemKind::Malformed), Some(10)));
    assert_eq!(v.entries, 9);
}

#[test]
fn a_non_json_line_is_caught_with_the_seq_it_should_have() {
    let mut lines = ten_lines();
    lines[6] = "this is not json".into();
    let v = verify_jsonl(&join(&lines));
    assert_eq!(broken_at(&v), (Some(ProblemKind::Malformed), Some(7)));
    assert!(v.problem.unwrap().contains("not valid JSON"));
}

#[test]
fn missing_unknown_and_wrong_typed_fields_are_caught() {
    let lines = ten_lines();
    let edit = |f: &dyn Fn(&mut Map<String, Value>)| {
        let mut value: Value = serde_json::from_str(&lines[2]).unwrap();
        f(value.as_object_mut().unwrap());
        let mut edited = lines.clone();
        edited[2] = serde_json::to_string(&value).unwrap();
        verify_jsonl(&join(&edited))
    };
    let v = edit(&|m| {
        m.remove("rule");
    });
    assert_eq!(broken_at(&v), (Some(ProblemKind::Schema), Some(3)));
    assert_eq!(v.problem.as_deref(), Some("line 3: missing key 'rule'"));
    let v = edit(&|m| {
        m.insert("extra".into(), json!(1));
    });
    assert_eq!(broken_at(&v), (Some(ProblemKind::Schema), Some(3)));
    assert_eq!(v.problem.as_deref(), Some("line 3: unknown key 'extra'"));
    let v = edit(&|m| {
        m.insert("metadata".into(), json!([]));
    });
    assert_eq!(broken_at(&v), (Some(ProblemKind::Schema), Some(3)));
    // An unreadable seq: report the seq the line should have had.
    let v = edit(&|m| {
        m.insert("seq".into(), json!("3"));
    });
    assert_eq!(broken_at(&v), (Some(ProblemKind::Schema), Some(3)));
    let v = edit(&|m| {
        m.insert("decision".into(), json!("maybe"));
    });
    assert_eq!(broken_at(&v), (Some(ProblemKind::Schema), Some(3)));
    assert_eq!(
        v.problem.as_deref(),
        Some(r#"line 3: decision: expected allow, deny or require_approval, found "maybe""#)
    );
}

// --- The ring ---

#[test]
fn the_ring_wraps_while_seq_grows_and_the_chain_continues() {
    let mut log = AuditLog::new(AuditConfig {
        capacity: 5,
        ..AuditConfig::default()
    })
    .unwrap();
    let mut sink = String::new();
    for n in 1..=12 {
        let entry = log.record(draft(n, "a", "read:x", Effect::Allow));
        sink.push_str(&entry.to_json_line());
        sink.push('\n');
    }
    assert_eq!(log.len(), 5);
    assert_eq!(log.capacity(), 5);
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [8, 9, 10, 11, 12]);

    // The sink saw one unbroken chain from the genesis.
    assert!(verify_jsonl_after(&sink, &Anchor::GENESIS).ok);
    // The ring's export is a segment continuing from entry 7.
    let export = log.export_jsonl();
    let v = verify_jsonl(&export);
    assert!(v.ok, "{v:?}");
    let seventh = entry(sink.lines().nth(6).unwrap());
    assert!(verify_jsonl_after(&export, &Anchor::of(&seventh)).ok);
    assert!(!verify_jsonl_after(&export, &Anchor::GENESIS).ok);
    assert!(sink.ends_with(&export));
    assert_eq!(log.head(), Anchor::of(log.iter().last().unwrap()));
}

// --- Redaction ---

#[test]
fn redacted_values_never_reach_the_entry_the_ring_or_the_export() {
    let mut log = AuditLog::new(AuditConfig {
        redact: vec!["email".into(), "customer.card".into()],
        ..AuditConfig::default()
    })
    .unwrap();
    let mut d = draft(1, "a", "write:refund", Effect::Deny);
    d.metadata = object(json!({
        "email": "alice@example.com",
        "context": {"email": "bob@example.com", "customer": {"card": "4111-1111-1111-1111", "tier": "gold"},
                    "items": [{"card": "5500-0000-0000-0004"}]},
    }));
    let secrets = [
        "alice@example.com",
        "bob@example.com",
        "4111-1111-1111-1111",
    ];
    let returned = log.record(d).clone();
    let returned_json = returned.to_json_line();
    let stored = log.iter().next().unwrap().to_json_line();
    let export = log.export_jsonl();
    for secret in secrets {
        for (place, text) in [
            ("entry", &returned_json),
            ("ring", &stored),
            ("export", &export),
        ] {
            assert!(!text.contains(secret), "{secret} in the {place}");
        }
        assert!(!returned.canonical().contains(secret));
    }
    assert_eq!(returned.metadata["email"], json!("[redacted]"));
    assert_eq!(
        returned.metadata["context"]["customer"]["card"],
        json!("[redacted]")
    );
    assert_eq!(
        returned.metadata["context"]["customer"]["tier"],
        json!("gold")
    );
    // Arrays are not searched.
    assert!(export.contains("5500-0000-0000-0004"));
    // The hash covers the redacted form, so the export verifies.
    assert!(verify_jsonl_after(&export, &Anchor::GENESIS).ok);
}

#[test]
fn a_bad_redact_path_is_refused_by_name() {
    let err = AuditLog::new(AuditConfig {
        redact: vec!["email".into(), "customer..card".into()],
        ..AuditConfig::default()
    })
    .unwrap_err();
    assert_eq!(
        err,
        AuditError::InvalidRedactPath {
            path: "customer..card".into()
        }
    );
    assert!(err.to_string().contains("\"customer..card\""));
}

// --- Queries and stats ---

fn query_log() -> AuditLog {
    let mut log = AuditLog::new(AuditConfig::default()).unwrap();
    let rows = [
        ("alice", "read:ticket", Effect::Allow),
        ("bob", "write:refund", Effect::Deny),
        ("alice", "write:refund", Effect::RequireApproval),
        ("alice", "read:customer", Effect::Allow),
        ("bob", "read:ticket", Effect::Deny),
        ("alice", "write:ticket", Effect::Deny),
    ];
    for (i, (agent, action, effect)) in rows.into_iter().enumerate() {
        log.record(draft(i as i64 + 1, agent, action, effect));
    }
    log
}

fn seqs(log: &AuditLog, q: Query) -> Vec<u64> {
    log.query(&q).into_iter().map(|e| e.seq).collect()
}

#[test]
fn each_query_filter_works_newest_first() {
    let log = query_log();
    let all = Query::default;
    assert_eq!(seqs(&log, all()), [6, 5, 4, 3, 2, 1]);
    assert_eq!(
        seqs(
            &log,
            Query {
                limit: Some(2),
                ..all()
            }
        ),
        [6, 5]
    );
    assert_eq!(
        seqs(
            &log,
            Query {
                agent_id: Some("bob".into()),
                ..all()
            }
        ),
        [5, 2]
    );
    let action = |p: &str| Some(Pattern::new(p).unwrap());
    assert_eq!(
        seqs(
            &log,
            Query {
                action: action("read:*"),
                ..all()
            }
        ),
        [5, 4, 1]
    );
    assert_eq!(
        seqs(
            &log,
            Query {
                action: action("*:refund"),
                ..all()
            }
        ),
        [3, 2]
    );
    assert_eq!(
        seqs(
            &log,
            Query {
                decision: Some(Effect::Deny),
                ..all()
            }
        ),
        [6, 5, 2]
    );
    // trace ids cycle trace-1, trace-2, trace-3, trace-0, trace-1, trace-2.
    assert_eq!(
        seqs(
            &log,
            Query {
                trace_id: Some("trace-1".into()),
                ..all()
            }
        ),
        [5, 1]
    );
    assert_eq!(
        seqs(
            &log,
            Query {
                since: Some(at(4)),
                ..all()
            }
        ),
        [6, 5, 4]
    );
    assert_eq!(
        seqs(
            &log,
            Query {
                until: Some(at(2)),
                ..all()
            }
        ),
        [2, 1]
    );
    assert_eq!(
        seqs(
            &log,
            Query {
                since: Some(at(3)),
                until: Some(at(3)),
                ..all()
            }
        ),
        [3]
    );
}

#[test]
fn query_filters_combine() {
    let log = query_log();
    let q = Query {
        agent_id: Some("alice".into()),
        action: Some(Pattern::new("write:*").unwrap()),
        decision: Some(Effect::Deny),
        ..Query::default()
    };
    assert_eq!(seqs(&log, q), [6]);
    let q = Query {
        agent_id: Some("alice".into()),
        since: Some(at(2)),
        limit: Some(2),
        ..Query::default()
    };
    assert_eq!(seqs(&log, q), [6, 4]);
    let q = Query {
        agent_id: Some("carol".into()),
        ..Query::default()
    };
    assert!(log.query(&q).is_empty());
}

#[test]
fn stats_count_the_ring_and_the_lifetime() {
    let log = query_log();
    assert_eq!(
        log.stats(),
        Stats {
            total: 6,
            allowed: 2,
            denied: 3,
            approval_required: 1,
            recorded: 6
        }
    );
    let mut small = AuditLog::new(AuditConfig {
        capacity: 2,
        ..AuditConfig::default()
    })
    .unwrap();
    for (i, effect) in [
        Effect::Deny,
        Effect::Deny,
        Effect::Allow,
        Effect::RequireApproval,
    ]
    .into_iter()
    .enumerate()
    {
        small.record(draft(i as i64, "a", "x", effect));
    }
    assert_eq!(
        serde_json::to_value(small.stats()).unwrap(),
        json!({"total": 2, "allowed": 1, "denied": 0, "approvalRequired": 1, "recorded": 4})
    );
}

// --- Any single-byte change to a value is caught ---

fn metadata_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_single_byte_change_is_caught_unless_every_value_stays(
        reasons in prop::collection::vec(".{0,16}", 1..5),
        meta in prop::collection::btree_map("[a-z\u{e9}\u{1f600}]{1,4}", metadata_value(), 0..4),
        line_pick in any::<prop::sample::Index>(),
        byte_pick in any::<prop::sample::Index>(),
        new_byte in any::<u8>(),
    ) {
        let mut log = AuditLog::new(AuditConfig::default()).unwrap();
        for (i, reason) in reasons.iter().enumerate() {
            let mut d = draft(i as i64, "agent", "act:x", Effect::Allow);
            d.reason = reason.as_str().into();
            d.metadata = meta.clone().into_iter().collect();
            log.record(d);
        }
        let text = log.export_jsonl();
        prop_assert!(verify_jsonl_after(&text, &Anchor::GENESIS).ok);
        let original = text.clone();

        // Change one byte inside one line (not its newline).
        let mut bytes = text.into_bytes();
        let mut starts = vec![0];
        starts.extend(bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1));
        starts.pop();
        let line = line_pick.index(starts.len());
        let end = bytes[starts[line]..].iter().position(|b| *b == b'\n').unwrap() + starts[line];
        let pos = starts[line] + byte_pick.index(end - starts[line]);
        prop_assume!(bytes[pos] != new_byte);
        bytes[pos] = new_byte;

        // Bytes that are not UTF-8 cannot be read as a log at all; read them lossily.
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        let v = verify_jsonl(&changed);
        if v.ok {
            // Only a re-encoding may pass: the changed line holds the same values.
            let before = original.lines().nth(line).unwrap();
            let after = changed.lines().nth(line).unwrap();
            let parse = |l: &str| serde_json::from_str::<Value>(l).unwrap();
            prop_assert_eq!(parse(before), parse(after), "a changed value verified: {}", after);
        } else {
            prop_assert_eq!(v.first_bad_line, Some(line + 1));
        }
    }
}

// --- Cost ---

/// `cargo test --release --test audit -- --ignored --nocapture record_cost`
#[test]
#[ignore]
fn record_cost() {
    use std::time::Instant;
    let n: usize = 200_000;
    let drafts: Vec<EntryDraft> = (0..n)
        .map(|i| {
            let mut d = draft(i as i64, "agent_support", "write:refund", Effect::Allow);
            d.metadata = object(json!({
                "context": {"amount": 120.5, "currency": "USD", "customer": {"tier": "gold", "id": "c-1"}},
                "mode": "enforce"
            }));
            d
        })
        .collect();
    let mut log = AuditLog::new(AuditConfig {
        redact: vec!["customer.id".into()],
        ..AuditConfig::default()
    })
    .unwrap();
    let start = Instant::now();
    for d in drafts {
        std::hint::black_box(log.record(d));
    }
    let per_entry = start.elapsed().as_nanos() as f64 / n as f64;
    let sample = log.iter().last().unwrap();
    let canonical_len = sample.canonical().len();

    let mut scratch = String::new();
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(sample.compute_hash_with(&mut scratch));
    }
    let hash_only = start.elapsed().as_nanos() as f64 / n as f64;

    let start = Instant::now();
    for _ in 0..n {
        scratch.clear();
        sample.canonical_into(&mut scratch);
        std::hint::black_box(&scratch);
    }
    let canonical_only = start.elapsed().as_nanos() as f64 / n as f64;
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(EntryHash::of(std::hint::black_box(scratch.as_bytes())));
    }
    let sha_only = start.elapsed().as_nanos() as f64 / n as f64;

    let export = log.export_jsonl();
    let start = Instant::now();
    let v = verify_jsonl(&export);
    let verify_per_line = start.elapsed().as_nanos() as f64 / v.entries as f64;
    assert!(v.ok);
    println!(
        "record: {per_entry:.0} ns/entry (canonical form {canonical_len} bytes; canonical+SHA-256 {hash_only:.0} ns = canonical {canonical_only:.0} ns + SHA-256 {sha_only:.0} ns); verify: {verify_per_line:.0} ns/line"
    );
}
