//! Native benchmarks: a check against the seed policy, checks against growing rule
//! sets (to show the index keeps cost flat), loading a 1,000-rule policy, and the
//! JSON paths the bindings take (a check with JSON options, verifying an audit export).
//! Results and the machine they ran on are recorded in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use meshguard_policy::agent::{Agent, TrustTier};
use meshguard_policy::audit::verify_jsonl;
use meshguard_policy::engine::{Engine, Request};
use meshguard_policy::ffi::{self, Host, Session};
use meshguard_policy::policy::{Source, guard};
use meshguard_policy::time::Timestamp;
use meshguard_policy::zone::default_provider;
use serde_json::json;

const SEED: &str = include_str!("../examples/policies/openai-support-agent.yaml");

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-26T10:00:00Z").unwrap_or(Timestamp::EPOCH)
}

fn support() -> Agent {
    Agent::new("agent_support")
        .with_name("Customer Support Agent")
        .with_tier(TrustTier::Verified)
        .with_tags(["openai", "support"])
}

fn engine(text: &str) -> Engine {
    let mut e = Engine::default();
    // One source a document: the node limit is a text's, and 10,000 rules need
    // several texts.
    let sources: Vec<Source> = text
        .split("---\n")
        .filter(|doc| !doc.is_empty())
        .map(|text| Source {
            name: "bench",
            text,
        })
        .collect();
    if let Err(err) = e.load(&sources) {
        panic!("bench policy must load: {err}");
    }
    e
}

/// `rules` rules over `min(rules, 1000)` distinct action literals, each rule with a
/// condition, spread over ten policies, plus a few wildcard rules.
fn many_rules(rules: usize) -> String {
    let literals = rules.min(1000);
    let policies = 10.min(rules);
    let mut text = String::new();
    for p in 0..policies {
        text.push_str(&format!("---\nname: bench-{p}\nrules:\n"));
        text.push_str("  - {effect: deny, actions: [\"*:delete\"], reason: no deletes}\n");
        for r in (p..rules).step_by(policies) {
            text.push_str(&format!(
                "  - {{effect: allow, actions: [\"tool_{}:invoke\"], conditions: {{amount_max: {}}}}}\n",
                r % literals,
                r / literals * 10 + 5
            ));
        }
    }
    text
}

fn seed_policy(c: &mut Criterion) {
    let e = engine(SEED);
    let now = now();
    let agent = support();
    let big = json!({"amount": 150});
    let small = json!({"amount": 50});
    let mut g = c.benchmark_group("seed policy");
    g.throughput(Throughput::Elements(1));
    g.bench_function("write:refund 150 (deny)", |b| {
        b.iter(|| {
            e.check(black_box(
                &Request::new(&agent, "write:refund", now).context(&big),
            ))
        })
    });
    g.bench_function("write:refund 50 (allow)", |b| {
        b.iter(|| {
            e.check(black_box(
                &Request::new(&agent, "write:refund", now).context(&small),
            ))
        })
    });
    g.bench_function("read:customer_data (allow)", |b| {
        b.iter(|| e.check(black_box(&Request::new(&agent, "read:customer_data", now))))
    });
    g.bench_function("write:email at 10:00 (allow)", |b| {
        b.iter(|| e.check(black_box(&Request::new(&agent, "write:email", now))))
    });
    g.bench_function("explain write:refund 150", |b| {
        b.iter(|| {
            e.explain(black_box(
                &Request::new(&agent, "write:refund", now).context(&big),
            ))
        })
    });
    g.finish();
}

fn rule_count_curve(c: &mut Criterion) {
    let now = now();
    let agent = Agent::new("bench");
    let ctx = json!({"amount": 40});
    let mut g = c.benchmark_group("check vs rule count");
    for rules in [10usize, 100, 1_000, 10_000] {
        let e = engine(&many_rules(rules));
        let action = format!("tool_{}:invoke", (rules.min(1000)) / 2);
        g.bench_with_input(BenchmarkId::from_parameter(rules), &rules, |b, _| {
            b.iter(|| e.check(black_box(&Request::new(&agent, &action, now).context(&ctx))))
        });
    }
    g.finish();
}

fn loading(c: &mut Criterion) {
    let mut text = String::from("name: thousand\nrules:\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "  - name: r{i}\n    effect: allow\n    actions: [\"svc_{i}:*\", \"tool_{i}:invoke\"]\n    conditions: {{amount_max: {i}, time_range: \"09:00-18:00\"}}\n"
        ));
    }
    let mut g = c.benchmark_group("load");
    g.bench_function("1,000-rule policy", |b| {
        b.iter(|| {
            let mut e = Engine::default();
            e.load(black_box(&[Source {
                name: "thousand",
                text: &text,
            }]))
            .map(|w| w.len())
        })
    });
    g.finish();
}

/// Hostile texts up to 4 MiB: what the guard refuses before the parser
/// runs, and the largest documents it lets through.
fn hostile(c: &mut Criterion) {
    let nested = |n: usize| format!("name: d\nrules: {}{}", "[".repeat(n), "]".repeat(n));
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for c in b'b'..=b'j' {
        let p = (c - 1) as char;
        let refs = vec![format!("*{p}"); 10].join(", ");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", c as char, c as char));
    }
    let limit = guard::MAX_BYTES - 64;
    // One rule whose actions fill 4 MiB: ~600,000 list items, refused by the size
    // limit; and one whose actions fill the size limit, refused by the node limit.
    let list = |items: usize, item: &str| {
        let items = format!("{item}, ").repeat(items);
        format!("name: flat\nrules:\n  - effect: allow\n    actions: [{items}x]\n")
    };
    let flat4 = list((4 << 20) / 7 - 20, "\"a:b\"");
    let flat = list(limit / 7, "\"a:b\"");
    // As many items as the node limit admits, short ones and ones of 18 bytes (about
    // the most text those nodes can carry inside the size limit).
    let admitted = guard::MAX_NODES - 20;
    let short = list(admitted, "\"a:b\"");
    let long_items = list(admitted, &format!("\"{}:b\"", "a".repeat(14)));
    // Block list entries with one short action each (an entry and its value are two
    // nodes).
    let entries = format!(
        "name: block\nrules:\n  - effect: allow\n    actions:\n{}",
        "      - a:b\n".repeat(admitted / 2)
    );
    // One mapping of context paths as large as the node limit admits.
    let mut paths = String::from(
        "name: paths\nrules:\n  - effect: allow\n    actions: [a]\n    conditions:\n      context:\n",
    );
    for i in 0..admitted / 2 - 10 {
        paths.push_str(&format!("        k{i}: 1\n"));
    }
    // Unconditional glob rules, each compared with those before it for the
    // unreachable-rule warning.
    let mut globs = String::from("name: globs\nrules:\n");
    for i in 0..admitted / 7 {
        globs.push_str(&format!("  - {{effect: allow, actions: [\"*x{i}\"]}}\n"));
    }
    // One string as long as the size limit admits, and one of 4 MiB.
    let long = |len: usize| {
        format!(
            "name: long\ndescription: \"{}\"\nrules: [{{effect: allow, actions: [a]}}]\n",
            "x".repeat(len - 80)
        )
    };
    // An anchored list copied by aliases: 20,000 items five times (refused by the
    // walk), and a fifth of the node limit five times (just inside it).
    let aliased = |items: usize| {
        let mut text = String::from("name: aliased\nrules:\n  - effect: allow\n    actions: &a [");
        for i in 0..items {
            text.push_str(&format!("\"t{i}\", "));
        }
        text.push_str("x]\n");
        for i in 0..4 {
            text.push_str(&format!("  - {{effect: allow, actions: *a, name: r{i}}}\n"));
        }
        text
    };
    let block = (0..200).fold(String::from("name: b\nrules:\n"), |acc, i| {
        format!("{acc}{}k:\n", " ".repeat(i + 2))
    });
    let mut g = c.benchmark_group("hostile documents");
    g.sample_size(10);
    // 24980 as "24,980", for the labels.
    let n = |n: usize| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(d);
        }
        out
    };
    let kib = guard::MAX_BYTES / 1024;
    for (name, text) in [
        ("20,000 nested [ (refused)".to_owned(), nested(20_000)),
        ("40,000 nested [ (refused)".to_owned(), nested(40_000)),
        ("200 nested block mappings (refused)".to_owned(), block),
        ("alias bomb, 10^9 nodes (refused)".to_owned(), bomb),
        (
            "4 MiB flat list of actions, ~600,000 items (refused)".to_owned(),
            flat4,
        ),
        (
            format!(
                "{kib} KiB flat list of actions, {} items (refused)",
                n(limit / 7)
            ),
            flat,
        ),
        ("4 MiB string (refused)".to_owned(), long(4 << 20)),
        (
            "20,000-item anchor aliased 4 times (refused)".to_owned(),
            aliased(20_000),
        ),
        (
            format!("{} short actions in a flow list (loads)", n(admitted)),
            short,
        ),
        (
            format!(
                "{} actions of 18 bytes, {} KiB (loads)",
                n(admitted),
                long_items.len() / 1024
            ),
            long_items,
        ),
        (
            format!("{} block list entries (loads)", n(admitted / 2)),
            entries,
        ),
        (format!("{kib} KiB string (loads)"), long(limit)),
        (
            format!(
                "{} context paths in one mapping (loads)",
                n(admitted / 2 - 10)
            ),
            paths,
        ),
        (
            format!("{} unconditional glob rules (loads)", n(admitted / 7)),
            globs,
        ),
        (
            format!(
                "{}-item anchor aliased 4 times (loads)",
                n(admitted / 5 - 20)
            ),
            aliased(admitted / 5 - 20),
        ),
    ] {
        let load = |text: &str| {
            Engine::default()
                .load(&[Source {
                    name: "hostile",
                    text,
                }])
                .map(|w| w.len())
                .map_err(|e| e.errors.len())
        };
        // The label says what happens; a bench of the wrong outcome measures nothing.
        assert!(text.len() <= 4 << 20, "{name}: {} bytes", text.len());
        assert_eq!(load(&text).is_ok(), name.ends_with("(loads)"), "{name}");
        g.bench_function(&name, |b| b.iter(|| load(black_box(&text))));
    }
    g.finish();
}

fn session(audit: bool) -> Session {
    let config = json!({
        "policies": [SEED],
        "agent": {"id": "agent_support", "name": "Customer Support Agent",
                  "trustTier": "verified", "tags": ["openai", "support"]},
        "audit": audit,
    });
    let host = Host {
        zones: default_provider(),
        now: now(),
        random: [7; 8],
    };
    match ffi::new_session(&config.to_string(), Vec::new(), &host) {
        Ok(s) => s,
        Err(err) => panic!("bench session must start: {}", err.message),
    }
}

/// What the npm package does per call: options JSON in, decision JSON out.
fn json_paths(c: &mut Criterion) {
    let now = now();
    let small = r#"{"context":{"amount":150}}"#;
    let large = json!({
        "context": {"amount": 50, "currency": "USD", "customer": {"id": "c-1042", "tier": "gold",
                    "since": "2021-04-01"}, "items": [{"sku": "A-1", "qty": 2, "price": 12.5},
                    {"sku": "B-7", "qty": 1, "price": 25.0}], "note": "refund for a damaged parcel"},
        "resource": "order-42",
        "traceId": "trace-0001",
        "metadata": {"channel": "chat", "ticket": 1234},
    })
    .to_string();
    let mut s = session(false);
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ffi::check write:refund 150 (deny)", |b| {
        b.iter(|| ffi::check(&mut s, "write:refund", black_box(small), now))
    });
    g.bench_function("ffi::check write:refund, larger options (allow)", |b| {
        b.iter(|| ffi::check(&mut s, "write:refund", black_box(&large), now))
    });
    let mut logged = session(true);
    for _ in 0..100 {
        if let Err(err) = ffi::check(&mut logged, "write:refund", &large, now) {
            panic!("bench check must pass: {}", err.message);
        }
    }
    let export = ffi::export_audit(&logged).unwrap_or_default();
    let check = verify_jsonl(&export);
    if !check.ok || check.entries != 100 {
        panic!("bench export must verify: {check:?}");
    }
    g.throughput(Throughput::Elements(100));
    g.bench_function("verify_jsonl, 100 entries", |b| {
        b.iter(|| verify_jsonl(black_box(&export)).entries)
    });
    g.finish();
}

criterion_group!(
    benches,
    seed_policy,
    rule_count_curve,
    loading,
    hostile,
    json_paths
);
criterion_main!(benches);
