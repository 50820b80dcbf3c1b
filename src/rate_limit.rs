//! Rate-limit budgets: sliding windows of allowed calls per (agent, policy, rule),
//! driven by each check's `now` so that replays and tests are deterministic.

use std::collections::VecDeque;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use crate::json::{self, JsonError, field};
use crate::policy::RateLimit;
use crate::time::Timestamp;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

/// The calls one agent spent against one rule's budget, for a host that keeps budgets
/// across restarts of its engine (a Durable Object that may be evicted, say).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object {policy, rule, agent, at}")]
pub struct Spent {
    #[serde(deserialize_with = "field::non_empty")]
    pub policy: Arc<str>,
    #[serde(deserialize_with = "field::non_empty")]
    pub rule: Arc<str>,
    #[serde(deserialize_with = "field::non_empty")]
    pub agent: Arc<str>,
    /// When, in milliseconds since the Unix epoch.
    pub at: Vec<i64>,
}

impl Spent {
    /// Appends a list of these as JSON, which [`Spent::from_json`] reads item by item.
    pub fn write_list(spent: &[Spent], out: &mut String) {
        out.push('[');
        for (i, s) in spent.iter().enumerate() {
            out.push_str(if i == 0 { "{" } else { ",{" });
            for (key, value) in [
                ("policy", &s.policy),
                ("rule", &s.rule),
                ("agent", &s.agent),
            ] {
                let _ = write!(out, "\"{key}\":");
                json::write_str(out, value);
                out.push(',');
            }
            out.push_str("\"at\":[");
            for (j, t) in s.at.iter().enumerate() {
                let _ = write!(out, "{}{t}", if j == 0 { "" } else { "," });
            }
            out.push_str("]}");
        }
        out.push(']');
    }

    /// Reads one item of what [`RateLimiter::spent`] gave, as JSON.
    pub fn from_json(value: Value) -> Result<Spent, JsonError> {
        json::read(value)
    }
}

/// Which window ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    PerMinute(u32),
    PerHour(u32),
}

impl Exceeded {
    /// `rate limit exceeded: N per minute (rule R)`.
    pub fn reason(self, rule: &str) -> String {
        let (n, unit) = match self {
            Exceeded::PerMinute(n) => (n, "minute"),
            Exceeded::PerHour(n) => (n, "hour"),
        };
        format!("rate limit exceeded: {n} per {unit} (rule {rule})")
    }
}

/// (policy name, rule name).
type RuleKey = (Arc<str>, Arc<str>);

/// The budgets of one engine. Keys use names, so budgets survive a policy reload.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: FxHashMap<RuleKey, FxHashMap<Arc<str>, Window>>,
    since_sweep: u32,
}

/// The instants of the calls spent in the last hour, oldest first.
#[derive(Debug, Default)]
struct Window(VecDeque<i64>);

impl Window {
    /// Calls in `(now - span, now]`.
    fn count(&self, now: i64, span: i64) -> u32 {
        let after = self.0.partition_point(|&t| t <= now - span);
        let upto = self.0.partition_point(|&t| t <= now);
        u32::try_from(upto.saturating_sub(after)).unwrap_or(u32::MAX)
    }
}

impl RateLimiter {
    /// Whether a call at `now` fits the budget; spends nothing.
    pub fn check(
        &self,
        key: (&Arc<str>, &Arc<str>),
        agent: &str,
        limit: RateLimit,
        now: Timestamp,
    ) -> Result<(), Exceeded> {
        let window = self
            .windows
            .get(&(key.0.clone(), key.1.clone()))
            .and_then(|agents| agents.get(agent));
        let count = |span| window.map_or(0, |w| w.count(now.millis(), span));
        if let Some(n) = limit.per_minute {
            if count(MINUTE) >= n {
                return Err(Exceeded::PerMinute(n));
            }
        }
        if let Some(n) = limit.per_hour {
            if count(HOUR) >= n {
                return Err(Exceeded::PerHour(n));
            }
        }
        Ok(())
    }

    /// Spends one call at `now`.
    pub fn spend(&mut self, key: (&Arc<str>, &Arc<str>), agent: &Arc<str>, now: Timestamp) {
        let now = now.millis();
        let window = self
            .windows
            .entry((key.0.clone(), key.1.clone()))
            .or_default()
            .entry(agent.clone())
            .or_default();
        let at = window.0.partition_point(|&t| t <= now);
        window.0.insert(at, now);
        let newest = window.0.back().copied().unwrap_or(now);
        while window.0.front().is_some_and(|&t| t <= newest - HOUR) {
            window.0.pop_front();
        }
        self.since_sweep += 1;
        if self.since_sweep >= 4096 {
            self.sweep(newest);
        }
    }

    /// Every call spent in the hour up to `now`.
    pub fn spent(&self, now: Timestamp) -> Vec<Spent> {
        let since = now.millis() - HOUR;
        self.windows
            .iter()
            .flat_map(|((policy, rule), agents)| {
                agents.iter().map(move |(agent, w)| Spent {
                    policy: policy.clone(),
                    rule: rule.clone(),
                    agent: agent.clone(),
                    at: w.0.iter().copied().filter(|&t| t > since).collect(),
                })
            })
            .filter(|s| !s.at.is_empty())
            .collect()
    }

    /// Adds calls spent before (what [`RateLimiter::spent`] gave), or nothing if one
    /// of the times is out of range.
    pub fn restore(&mut self, spent: &[Spent]) -> Result<(), String> {
        let mut calls = Vec::new();
        for (i, s) in spent.iter().enumerate() {
            for (j, &t) in s.at.iter().enumerate() {
                let at = Timestamp::from_millis(t)
                    .ok_or_else(|| format!("[{i}].at[{j}]: {t} is not a time"))?;
                calls.push((s, at));
            }
        }
        for (s, at) in calls {
            self.spend((&s.policy, &s.rule), &s.agent, at);
        }
        Ok(())
    }

    /// Drops windows with nothing left in the last hour.
    fn sweep(&mut self, now: i64) {
        self.since_sweep = 0;
        for agents in self.windows.values_mut() {
            agents.retain(|_, w| w.0.back().is_some_and(|&t| t > now - HOUR));
        }
        self.windows.retain(|_, agents| !agents.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_millis(s * 1000).unwrap()
    }

    #[test]
    fn the_window_slides() {
        let (p, r, a): (Arc<str>, Arc<str>, Arc<str>) = ("p".into(), "r".into(), "a".into());
        let limit = RateLimit {
            per_minute: Some(2),
            per_hour: Some(3),
        };
        let mut rl = RateLimiter::default();
        assert!(rl.check((&p, &r), &a, limit, at(0)).is_ok());
        rl.spend((&p, &r), &a, at(0));
        rl.spend((&p, &r), &a, at(30));
        assert_eq!(
            rl.check((&p, &r), &a, limit, at(59)),
            Err(Exceeded::PerMinute(2))
        );
        // The call at 0 leaves the window (now - 60 s, now] at 60 s.
        assert!(rl.check((&p, &r), &a, limit, at(60)).is_ok());
        rl.spend((&p, &r), &a, at(60));
        assert_eq!(
            rl.check((&p, &r), &a, limit, at(200)),
            Err(Exceeded::PerHour(3))
        );
        assert!(rl.check((&p, &r), &a, limit, at(3600)).is_ok());
        // Another agent has its own budget.
        assert!(rl.check((&p, &r), "b", limit, at(59)).is_ok());
    }

    #[test]
    fn spent_budget_carries_over_to_another_limiter() {
        let (p, r, a): (Arc<str>, Arc<str>, Arc<str>) = ("p".into(), "r".into(), "a".into());
        let limit = RateLimit {
            per_minute: Some(2),
            per_hour: None,
        };
        let mut rl = RateLimiter::default();
        rl.spend((&p, &r), &a, at(0));
        rl.spend((&p, &r), &a, at(10));
        let spent = rl.spent(at(20));
        assert_eq!(spent.len(), 1);
        assert_eq!(spent[0].at, vec![0, 10_000]);
        let mut fresh = RateLimiter::default();
        fresh.restore(&spent).unwrap();
        assert_eq!(
            fresh.check((&p, &r), &a, limit, at(20)),
            Err(Exceeded::PerMinute(2))
        );
        // Calls older than an hour are not carried.
        assert!(rl.spent(at(3700)).is_empty());
        let bad = Spent {
            at: vec![i64::MAX],
            ..spent[0].clone()
        };
        assert!(fresh.restore(&[bad]).is_err());
    }

    #[test]
    fn spent_lists_read_back_and_bad_ones_name_the_path() {
        let spent = vec![Spent {
            policy: "p".into(),
            rule: "r".into(),
            agent: "a\"b".into(),
            at: vec![-5, 0, 1_700_000_000_000],
        }];
        let mut text = String::new();
        Spent::write_list(&spent, &mut text);
        assert_eq!(json::from_str::<Vec<Spent>>(&text), Ok(spent));
        for (text, message) in [
            (
                r#"[{"policy":"p","rule":"r","agent":"a","at":[1,"2"]}]"#,
                r#"[0].at[1]: expected a whole number, found "2""#,
            ),
            (
                r#"[{"policy":"","rule":"r","agent":"a","at":[]}]"#,
                r#"[0].policy: expected a non-empty string, found """#,
            ),
            (
                r#"[{"policy":"p","rule":"r","agent":"a"}]"#,
                "[0]: missing key 'at'",
            ),
            (
                r#"[{"policy":"p","rule":"r","agent":"a","at":[],"agnt":1}]"#,
                "[0]: unknown key 'agnt'; did you mean 'agent'?",
            ),
            (r#"{"policy":"p"}"#, "expected an array, found an object"),
        ] {
            assert_eq!(
                json::from_str::<Vec<Spent>>(text).unwrap_err().to_string(),
                message,
                "{text}"
            );
        }
    }
}
