//! `pattern`: the action matcher against a small memoized backtracking oracle.
//!
//! Input: `pattern '\n' action` (the first newline splits; lossy UTF-8). Checks that
//! `Pattern::matches` agrees with the oracle, that `covers` is sound on the action,
//! and that compiling never panics. Many-`*` patterns come from the fuzzer. Time:
//! compiling and matching an input of at most 4 KiB must take under
//! `MESHGUARD_FUZZ_PATTERN_MS` (default 100) ms of CPU; a backtracking matcher
//! exceeds that on `*a*a*…b` long before 4 KiB. The oracle is O(pattern × action).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshguard_policy::pattern::Pattern;
use meshguard_policy_fuzz::{budget_ms, cpu_millis};

/// Whether `p` (with `*` matching any run) matches all of `t`: plain backtracking
/// over characters, memoized so the oracle itself stays polynomial.
fn oracle(p: &[char], t: &[char]) -> bool {
    fn go(p: &[char], t: &[char], i: usize, j: usize, memo: &mut Vec<Option<bool>>) -> bool {
        let key = i * (t.len() + 1) + j;
        if let Some(known) = memo[key] {
            return known;
        }
        let result = if i == p.len() {
            j == t.len()
        } else if p[i] == '*' {
            go(p, t, i + 1, j, memo) || (j < t.len() && go(p, t, i, j + 1, memo))
        } else {
            j < t.len() && p[i] == t[j] && go(p, t, i + 1, j + 1, memo)
        };
        memo[key] = Some(result);
        result
    }
    let mut memo = vec![None; (p.len() + 1) * (t.len() + 1)];
    go(p, t, 0, 0, &mut memo)
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 4096 {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let (pattern, action) = text.split_once('\n').unwrap_or((&text, ""));
    let start = cpu_millis();
    let Ok(compiled) = Pattern::new(pattern) else {
        return;
    };
    let matched = compiled.matches(action);
    let spent = cpu_millis() - start;
    assert!(
        spent <= budget_ms("MESHGUARD_FUZZ_PATTERN_MS", 100.0),
        "matching {} pattern bytes against {} took {spent:.1} ms of CPU",
        pattern.len(),
        action.len()
    );
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = action.chars().collect();
    let expected = oracle(&p, &t);
    assert_eq!(matched, expected, "pattern {pattern:?} on {action:?}");
    // Every pattern matches its own text read literally.
    assert!(compiled.matches(pattern), "pattern {pattern:?} on itself");
    // `covers` is sound: what the action pattern matches, the covering one matches.
    if let Ok(other) = Pattern::new(action) {
        if compiled.covers(&other) {
            for probe in [
                action,
                &action.replace('*', ""),
                &action.replace('*', "**x"),
            ] {
                if other.matches(probe) {
                    assert!(
                        compiled.matches(probe),
                        "{pattern:?} covers {action:?} but does not match {probe:?}"
                    );
                }
            }
        }
    }
});
