//! The audit trail's canonical form (RFC 8785) written three ways, for the same
//! entry: the typed writer the log hashes with (`Entry::canonical`), this crate's
//! writer for any JSON value (`canonical_json`), and the `serde_json_canonicalizer`
//! crate over the same value. Results are recorded in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use meshguard_policy::audit::{Entry, canonical_json};
use meshguard_policy::json;
use serde_json::{Value, json};

/// A line as the log writes it for a check with a typical context, and the same
/// value without its `hash` (what is canonicalized).
fn entry(metadata: Value) -> (Entry, Value) {
    let line = json!({
        "id": "k3f9-7", "seq": 7, "timestamp": "2026-11-26T10:00:00.250Z",
        "agentId": "agent_support", "agentName": "Customer Support Agent",
        "action": "write:refund", "resource": "order-42", "decision": "deny",
        "policy": "refunds", "rule": "deny-large-refunds",
        "reason": "Refunds over $100 require manager approval", "traceId": "trace-0001",
        "metadata": metadata,
        "prevHash": "0".repeat(64), "hash": "0".repeat(64),
    });
    let parsed = json::parse(&line.to_string()).and_then(Entry::from_json);
    let Ok(entry) = parsed else {
        panic!("the bench entry must read: {parsed:?}");
    };
    let mut value = line;
    if let Some(members) = value.as_object_mut() {
        members.remove("hash");
    }
    (entry, value)
}

fn canonical(c: &mut Criterion) {
    let small = json!({"context": {"amount": 150}});
    let large = json!({
        "context": {"amount": 50, "currency": "USD", "customer": {"id": "c-1042", "tier": "gold",
                    "since": "2021-04-01"}, "items": [{"sku": "A-1", "qty": 2, "price": 12.5},
                    {"sku": "B-7", "qty": 1, "price": 25.0}], "note": "refund for a damaged parcel",
                    "score": 0.30000000000000004, "ratio": 1.5e-7},
        "channel": "chat", "ticket": 1234,
    });
    let mut g = c.benchmark_group("canonical");
    g.throughput(Throughput::Elements(1));
    for (name, metadata) in [("small metadata", small), ("larger metadata", large)] {
        let (entry, value) = entry(metadata);
        let ours = canonical_json(&value);
        assert_eq!(entry.canonical(), ours, "the typed writer must agree");
        let theirs = serde_json_canonicalizer::to_string(&value).unwrap_or_default();
        assert_eq!(theirs, ours, "the crate must agree on this entry");
        g.bench_function(format!("Entry::canonical, {name}"), |b| {
            b.iter(|| black_box(&entry).canonical())
        });
        g.bench_function(format!("canonical_json(Value), {name}"), |b| {
            b.iter(|| canonical_json(black_box(&value)))
        });
        g.bench_function(
            format!("serde_json_canonicalizer::to_string(Value), {name}"),
            |b| b.iter(|| serde_json_canonicalizer::to_string(black_box(&value))),
        );
    }
    g.finish();
}

criterion_group!(benches, canonical);
criterion_main!(benches);
