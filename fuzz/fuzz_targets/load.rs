//! `load`: arbitrary bytes as a policy text (YAML, or JSON, which YAML reads too).
//!
//! An error is fine. A panic, a stack overflow, an allocation past `-rss_limit_mb`, or
//! more than the time budget for one input is not. The budget is 100 ms of CPU for an
//! uninstrumented build; this build carries AddressSanitizer and coverage counters, so
//! the target allows `MESHGUARD_FUZZ_LOAD_MS` (default 500) of thread CPU time, which
//! contention from other processes does not inflate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshguard_policy::agent::Agent;
use meshguard_policy::engine::{Engine, Request};
use meshguard_policy::policy::Source;
use meshguard_policy::time::Timestamp;
use meshguard_policy_fuzz::{budget_ms, cpu_millis};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The name only labels messages; the first byte picks one so both spellings run.
    let name = if data.first().is_some_and(|b| b & 1 == 1) {
        "fuzz.json"
    } else {
        "fuzz.yaml"
    };
    let start = cpu_millis();
    let mut engine = Engine::default();
    let loaded = engine.load(&[Source { name, text: &text }]).is_ok();
    let spent = cpu_millis() - start;
    assert!(
        spent <= budget_ms("MESHGUARD_FUZZ_LOAD_MS", 500.0),
        "loading {} bytes took {spent:.1} ms of CPU",
        data.len()
    );
    if loaded {
        // A loaded set can be checked.
        let agent = Agent::new("agent_fuzz");
        let _ = engine.check(&Request::new(&agent, "read:customer", Timestamp::EPOCH));
    }
});
