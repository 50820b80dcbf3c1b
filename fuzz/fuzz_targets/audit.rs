//! `audit`: JSON Lines trails.
//!
//! First byte even: the rest is a trail as text; verifying it must not panic, and a
//! trail that verifies has one entry per line. First byte odd: the rest drives a
//! valid trail made by the module's own log and one mutation of it. When the
//! mutated trail still verifies from the genesis anchor, it must mean what the
//! original meant: the same entries as JSON values, or a prefix of them (cutting
//! lines from the end is the one change a trail cannot show, as documented).
#![no_main]

use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use meshguard_policy::audit::{
    Anchor, AuditConfig, AuditLog, EntryDraft, verify_jsonl, verify_jsonl_after,
};
use meshguard_policy::decision::Effect;
use meshguard_policy::time::Timestamp;
use serde_json::{Map, Value};

#[derive(Arbitrary, Debug)]
struct Draft {
    millis: u32,
    agent: u8,
    action: String,
    resource: Option<String>,
    effect: u8,
    reason: String,
    meta: Vec<(String, MetaValue)>,
}

#[derive(Arbitrary, Debug)]
enum MetaValue {
    Str(String),
    Int(i32),
    Bool(bool),
}

impl Draft {
    fn draft(&self) -> EntryDraft {
        let agent: Arc<str> = Arc::from(["a", "b", "agent_x"][usize::from(self.agent) % 3]);
        let metadata: Map<String, Value> = self
            .meta
            .iter()
            .take(3)
            .map(|(k, v)| {
                let v = match v {
                    MetaValue::Str(s) => Value::from(s.as_str()),
                    MetaValue::Int(i) => Value::from(*i),
                    MetaValue::Bool(b) => Value::from(*b),
                };
                (k.clone(), v)
            })
            .collect();
        EntryDraft {
            timestamp: Timestamp::from_millis(1_796_000_000_000 + i64::from(self.millis))
                .unwrap_or(Timestamp::EPOCH),
            agent_id: agent.clone(),
            agent_name: agent,
            action: if self.action.is_empty() {
                "read:x".into()
            } else {
                self.action.clone()
            },
            resource: self.resource.clone(),
            decision: [Effect::Allow, Effect::Deny, Effect::RequireApproval]
                [usize::from(self.effect) % 3],
            policy: Some(Arc::from("p")),
            rule: None,
            reason: Arc::from(self.reason.as_str()),
            trace_id: Arc::from("trace"),
            metadata,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Mutation {
    Byte { at: u16, to: u8 },
    Insert { at: u16, byte: u8 },
    Remove { at: u16 },
    DeleteLine(u8),
    SwapLines(u8, u8),
    DuplicateLine(u8),
}

/// The lines of a trail: one final newline ends the last line; `\r\n` is a newline.
fn lines(text: &str) -> Vec<&str> {
    match text.strip_suffix('\n').unwrap_or(text) {
        "" => Vec::new(),
        body => body
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect(),
    }
}

/// What a trail means: its lines as JSON values (`None` if any line is not JSON).
fn meaning(text: &str) -> Option<Vec<Value>> {
    lines(text)
        .iter()
        .map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn mutate(text: &str, m: &Mutation) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    let mut ls: Vec<String> = lines(text).iter().map(|l| format!("{l}\n")).collect();
    let n = ls.len().max(1);
    match *m {
        Mutation::Byte { at, to } => {
            let at = usize::from(at) % bytes.len().max(1);
            if let Some(b) = bytes.get_mut(at) {
                *b = to;
            }
        }
        Mutation::Insert { at, byte } => bytes.insert(usize::from(at) % (bytes.len() + 1), byte),
        Mutation::Remove { at } => {
            if !bytes.is_empty() {
                bytes.remove(usize::from(at) % bytes.len());
            }
        }
        Mutation::DeleteLine(i) => {
            ls.remove(usize::from(i) % n);
            bytes = ls.concat().into_bytes();
        }
        Mutation::SwapLines(i, j) => {
            ls.swap(usize::from(i) % n, usize::from(j) % n);
            bytes = ls.concat().into_bytes();
        }
        Mutation::DuplicateLine(i) => {
            let line = ls[usize::from(i) % n].clone();
            ls.insert(usize::from(i) % n, line);
            bytes = ls.concat().into_bytes();
        }
    }
    bytes
}

fn structured(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let drafts: Vec<Draft> = Vec::arbitrary(&mut u)?;
    let mutation = Mutation::arbitrary(&mut u)?;
    if drafts.is_empty() {
        return Ok(());
    }
    let Ok(mut log) = AuditLog::new(AuditConfig::default()) else {
        return Ok(());
    };
    for d in drafts.iter().take(5) {
        log.record(d.draft());
    }
    let original = log.export_jsonl();
    let verdict = verify_jsonl_after(&original, &Anchor::GENESIS);
    assert!(
        verdict.ok,
        "the module's own trail does not verify: {verdict:?}\n{original}"
    );
    let before = meaning(&original).expect("the module writes JSON lines");

    let mutated = mutate(&original, &mutation);
    let Ok(mutated) = std::str::from_utf8(&mutated) else {
        return Ok(());
    };
    let verdict = verify_jsonl_after(mutated, &Anchor::GENESIS);
    if verdict.ok {
        let after = meaning(mutated);
        assert!(
            after.as_ref().is_some_and(|a| before.starts_with(a)),
            "{mutation:?} changed the trail and it still verifies\n--- before\n{original}--- after\n{mutated}"
        );
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, rest)) if mode & 1 == 1 => {
            let _ = structured(rest);
        }
        Some((_, rest)) => {
            let text = String::from_utf8_lossy(rest);
            let verdict = verify_jsonl(&text);
            let _ = verify_jsonl_after(&text, &Anchor::GENESIS);
            if verdict.ok {
                assert_eq!(verdict.entries, lines(&text).len(), "{verdict:?}");
            }
        }
        None => {}
    }
});
