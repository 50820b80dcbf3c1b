//! `options`: arbitrary JSON through the JSON entry points the WebAssembly binding
//! calls: the constructor's settings, check, explain and handoff options, manual
//! audit entries, audit queries and token-issuing options. The first byte picks the
//! entry point; the rest is the JSON text. No panic, and every answer that is not an
//! error is JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshguard_policy::ffi::{self, Host};
use meshguard_policy::time::Timestamp;
use meshguard_policy::zone;

const POLICY: &str = r#"{"name": "p", "rules": [
  {"effect": "allow", "actions": ["read:*", "handoff:*"], "conditions": {"amount_max": 100}},
  {"effect": "deny", "actions": ["write:*"], "reason": "no writes"}],
  "delegation": {"maxDepth": 2, "permissionCeiling": ["read:*"]}}"#;

fn host() -> Host {
    Host {
        zones: zone::default_provider(),
        now: Timestamp::from_millis(1_796_000_000_000).unwrap_or(Timestamp::EPOCH),
        random: [7; 8],
    }
}

fn is_json(out: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(out).is_ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let host = host();
    let now = host.now;
    if which % 7 == 0 {
        let _ = ffi::new_session(&text, Vec::new(), &host);
        return;
    }
    let config = serde_json::json!({
        "policies": [POLICY],
        "agent": {"id": "a", "trustTier": "verified"},
        "verify": {"secret": "meshguard-fuzz-secret-of-32-bytes-or-more"},
    });
    let Ok(mut session) = ffi::new_session(&config.to_string(), Vec::new(), &host) else {
        panic!("the fixed session settings are refused");
    };
    let out = match which % 7 {
        1 => ffi::check(&mut session, "read:x", &text, now),
        2 => ffi::explain(&session, "read:x", &text, now),
        3 => ffi::check_handoff(&mut session, "null", r#"{"id": "b"}"#, &text, now),
        4 => ffi::audit_log(&mut session, &text, now),
        5 => ffi::audit_query(&session, &text),
        _ => ffi::issue_agent_token(r#"{"id": "a"}"#, &text, now)
            .map(|t| serde_json::Value::from(t).to_string()),
    };
    if let Ok(out) = out {
        assert!(is_json(&out), "not JSON: {out}");
    }
});
