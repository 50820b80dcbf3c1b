//! The operators of a `context` condition (docs/conditions.md) in three-valued logic.

use std::fmt;

use super::Truth;
use super::facts::{Fact, write_joined};
use crate::pattern::Pattern;

/// A literal a context field is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Number(f64),
    Str(Box<str>),
}

impl Scalar {
    /// Equality with a fact of the same type; `None` when the types differ.
    fn compare(&self, fact: &Fact<'_>) -> Option<bool> {
        match (self, fact) {
            (Scalar::Bool(a), Fact::Bool(b)) => Some(a == b),
            (Scalar::Number(a), Fact::Number(b)) => Some(a == b),
            (Scalar::Str(a), Fact::Str(b)) => Some(**a == **b),
            _ => None,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Number(n) => write!(f, "{n}"),
            Scalar::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// One operator.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Equals(Scalar),
    NotEquals(Scalar),
    In(Vec<Scalar>),
    NotIn(Vec<Scalar>),
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
    Matches(Vec<Pattern>),
    NotMatches(Vec<Pattern>),
    StartsWith(Vec<Box<str>>),
    Contains(Vec<Scalar>),
    Exists(bool),
}

/// Every operator name, as written in policies.
pub const OPERATORS: &[&str] = &[
    "equals",
    "not_equals",
    "in",
    "not_in",
    "lt",
    "lte",
    "gt",
    "gte",
    "matches",
    "not_matches",
    "starts_with",
    "contains",
    "exists",
];

impl Op {
    /// The operator's policy-file name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Equals(_) => "equals",
            Op::NotEquals(_) => "not_equals",
            Op::In(_) => "in",
            Op::NotIn(_) => "not_in",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Matches(_) => "matches",
            Op::NotMatches(_) => "not_matches",
            Op::StartsWith(_) => "starts_with",
            Op::Contains(_) => "contains",
            Op::Exists(_) => "exists",
        }
    }

    /// Applies the operator to a field's value. Absent fields and values of the wrong
    /// type are unknown, except for `exists`, which is never unknown.
    pub fn eval(&self, fact: &Fact<'_>) -> Truth {
        match self {
            Op::Equals(s) => s.compare(fact).map_or(Truth::Unknown, Truth::from),
            Op::NotEquals(s) => s
                .compare(fact)
                .map_or(Truth::Unknown, |eq| Truth::from(!eq)),
            Op::In(list) => member(list, fact),
            Op::NotIn(list) => member(list, fact).negate(),
            Op::Lt(b) => compare_number(fact, |n| n < *b),
            Op::Lte(b) => compare_number(fact, |n| n <= *b),
            Op::Gt(b) => compare_number(fact, |n| n > *b),
            Op::Gte(b) => compare_number(fact, |n| n >= *b),
            Op::Matches(ps) => text(fact, |s| ps.iter().any(|p| p.matches(s))),
            Op::NotMatches(ps) => text(fact, |s| !ps.iter().any(|p| p.matches(s))),
            Op::StartsWith(prefixes) => {
                text(fact, |s| prefixes.iter().any(|p| s.starts_with(&**p)))
            }
            Op::Contains(needles) => contains(needles, fact),
            Op::Exists(want) => Truth::from(fact.is_absent() != *want),
        }
    }
}

fn compare_number(fact: &Fact<'_>, f: impl Fn(f64) -> bool) -> Truth {
    match fact {
        Fact::Number(n) => Truth::from(f(*n)),
        _ => Truth::Unknown,
    }
}

fn text(fact: &Fact<'_>, f: impl Fn(&str) -> bool) -> Truth {
    match fact {
        Fact::Str(s) => Truth::from(f(s)),
        _ => Truth::Unknown,
    }
}

/// Membership among the listed values of the field's type; unknown when none has it.
fn member(list: &[Scalar], fact: &Fact<'_>) -> Truth {
    let mut comparable = false;
    for s in list {
        match s.compare(fact) {
            Some(true) => return Truth::True,
            Some(false) => comparable = true,
            None => {}
        }
    }
    if comparable {
        Truth::False
    } else {
        Truth::Unknown
    }
}

/// A string field contains any needle as a substring; a list field holds any needle.
fn contains(needles: &[Scalar], fact: &Fact<'_>) -> Truth {
    match fact {
        Fact::Str(s) => {
            let mut comparable = false;
            for n in needles {
                if let Scalar::Str(n) = n {
                    if s.contains(&**n) {
                        return Truth::True;
                    }
                    comparable = true;
                }
            }
            if comparable {
                Truth::False
            } else {
                Truth::Unknown
            }
        }
        Fact::List(items) => {
            let mut comparable = false;
            for item in items {
                match member(needles, item) {
                    Truth::True => return Truth::True,
                    Truth::False => comparable = true,
                    Truth::Unknown => {}
                }
            }
            // An empty list holds nothing, whatever the needle's type.
            if comparable || items.is_empty() {
                Truth::False
            } else {
                Truth::Unknown
            }
        }
        _ => Truth::Unknown,
    }
}

/// Writes a list of displayable items as `[a, b]`, or the item alone when there is one.
pub(crate) fn write_one_or_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
) -> fmt::Result {
    match items {
        [one] => write!(f, "{one}"),
        _ => write_joined(f, items, "[", "]"),
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.name())?;
        match self {
            Op::Equals(s) | Op::NotEquals(s) => write!(f, "{s}"),
            Op::In(l) | Op::NotIn(l) | Op::Contains(l) => write_one_or_list(f, l),
            Op::Lt(n) | Op::Lte(n) | Op::Gt(n) | Op::Gte(n) => write!(f, "{n}"),
            Op::Matches(p) | Op::NotMatches(p) => write_one_or_list(f, p),
            Op::StartsWith(p) => {
                let quoted: Vec<String> = p.iter().map(|s| format!("{s:?}")).collect();
                write_one_or_list(f, &quoted)
            }
            Op::Exists(b) => write!(f, "{b}"),
        }
    }
}
