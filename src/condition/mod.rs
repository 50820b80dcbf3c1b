//! Rule conditions (docs/conditions.md), evaluated in three-valued logic: a condition whose
//! input is missing, null or of the wrong type is *unknown*, never false and never true.

pub mod calendar;
pub mod facts;
pub mod spec;

use std::fmt;

use serde::Serialize;

use crate::agent::{Agent, TrustTier};
use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::time::Timestamp;
use crate::zone::Zone;
use calendar::{DaySet, TimeRange};
use facts::{Fact, Facts, FieldPath};
use spec::Op;

/// Hears each condition as it is evaluated: its value and the values compared.
/// `explain` records them; a plain check hears nothing.
pub(crate) trait Observe {
    fn condition(
        &mut self,
        _condition: &Condition,
        _truth: Truth,
        _detail: impl FnOnce() -> String,
    ) {
    }
}

/// The value of a condition in three-valued logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

impl Truth {
    /// Three-valued AND: false wins, then unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::True,
        }
    }

    /// Three-valued NOT: unknown stays unknown.
    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// What a check offers conditions to look at.
pub struct Env<'a> {
    pub agent: &'a Agent,
    pub facts: &'a dyn Facts,
    pub resource: Option<&'a str>,
    pub now: Timestamp,
    /// The context is not known yet: every condition on it is unknown.
    pub any_context: bool,
}

impl Env<'_> {
    /// The wall-clock time of the check in `zone`.
    fn local(&self, zone: &Zone) -> Result<NaiveDateTime, String> {
        Ok(self.now.local(zone.offset(self.now)?))
    }
}

/// Which condition key a field test came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKey {
    AmountMax,
    AmountMin,
    Context,
}

/// One condition of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `amount_max`, `amount_min`, or one path of `context`.
    Field {
        key: FieldKey,
        path: FieldPath,
        ops: Vec<Op>,
    },
    /// `resource`: every operator must hold on the check's resource.
    Resource(Vec<Op>),
    TimeRange(TimeRange),
    Days(DaySet),
    /// The agent has any of these tags.
    Tags(Vec<Box<str>>),
    MinTrustTier(TrustTier),
}

impl Condition {
    /// The key as written in the policy (`amount_max`, `context.customer.tier`).
    pub fn key(&self) -> String {
        match self {
            Condition::Field {
                key: FieldKey::AmountMax,
                ..
            } => "amount_max".into(),
            Condition::Field {
                key: FieldKey::AmountMin,
                ..
            } => "amount_min".into(),
            Condition::Field { path, .. } => format!("context.{path}"),
            Condition::Resource(_) => "resource".into(),
            Condition::TimeRange(_) => "time_range".into(),
            Condition::Days(_) => "days".into(),
            Condition::Tags(_) => "tags".into(),
            Condition::MinTrustTier(_) => "minTrustTier".into(),
        }
    }

    /// The input that was unknown when this condition is unknown.
    pub fn subject(&self) -> String {
        match self {
            Condition::Field { path, .. } => format!("context.{path}"),
            Condition::Resource(_) => "resource".into(),
            other => other.key(),
        }
    }

    /// Evaluates the condition; `Err` only for an internal failure (a time zone
    /// that cannot answer), which the engine turns into a deny.
    pub(crate) fn eval<T: Observe>(
        &self,
        env: &Env<'_>,
        zone: &Zone,
        trace: &mut T,
    ) -> Result<Truth, String> {
        let truth = match self {
            Condition::Field { path, ops, .. } if env.any_context => {
                trace.condition(self, Truth::Unknown, || {
                    format!("context.{path} is not known yet; wanted {}", OpList(ops))
                });
                Truth::Unknown
            }
            Condition::Field { path, ops, .. } => {
                let fact = env.facts.get(path);
                let truth = all(ops, &fact);
                trace.condition(self, truth, || {
                    format!("context.{path} is {fact}; wanted {}", OpList(ops))
                });
                truth
            }
            Condition::Resource(ops) => {
                let fact = env.resource.map_or(Fact::Missing, |r| Fact::Str(r.into()));
                let truth = all(ops, &fact);
                trace.condition(self, truth, || {
                    format!("resource is {fact}; wanted {}", OpList(ops))
                });
                truth
            }
            Condition::TimeRange(range) => {
                let local = env.local(zone)?;
                let truth = Truth::from(range.contains(local.hour() * 60 + local.minute()));
                trace.condition(self, truth, || {
                    format!(
                        "local time {:02}:{:02} ({zone}); wanted {range}",
                        local.hour(),
                        local.minute()
                    )
                });
                truth
            }
            Condition::Days(days) => {
                let local = env.local(zone)?;
                let truth = Truth::from(days.contains(local.weekday()));
                trace.condition(self, truth, || {
                    format!(
                        "local day {} ({zone}); wanted {days}",
                        calendar::day_name(local.weekday())
                    )
                });
                truth
            }
            Condition::Tags(tags) => {
                let truth = Truth::from(tags.iter().any(|t| env.agent.has_tag(t)));
                trace.condition(self, truth, || {
                    let have: Vec<&str> = env.agent.tags.iter().map(|t| &**t).collect();
                    format!(
                        "agent tags [{}]; wanted any of [{}]",
                        have.join(", "),
                        tags.join(", ")
                    )
                });
                truth
            }
            Condition::MinTrustTier(min) => {
                let tier = env.agent.trust_tier;
                let truth = Truth::from(tier >= *min);
                trace.condition(self, truth, || {
                    format!("agent tier {tier}; wanted at least {min}")
                });
                truth
            }
        };
        Ok(truth)
    }
}

fn all(ops: &[Op], fact: &Fact<'_>) -> Truth {
    ops.iter()
        .fold(Truth::True, |acc, op| acc.and(op.eval(fact)))
}

/// Operators shown as `{gt 0, lte 20}`.
struct OpList<'a>(&'a [Op]);

impl fmt::Display for OpList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            ops => facts::write_joined(f, ops, "{", "}"),
        }
    }
}

#[cfg(test)]
mod tests;
