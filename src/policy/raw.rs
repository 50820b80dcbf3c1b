//! The policy format as serde types, read straight from `yaml_serde` (JSON is YAML).
//!
//! Values check themselves while they are read (`FromStr` and small visitors for
//! effects, patterns, tiers, days, time ranges and numbers), so an error carries the
//! parser's line, column and path. Mappings whose keys carry a position we keep
//! (a rule's line, the `appliesTo` a warning points at) are read by visitors that
//! note where their keys start; the others are derived with `deny_unknown_fields`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU32;

use rustc_hash::FxHashSet;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

use super::diagnostic::DiagnosticKind;
use super::{AppliesTo, Delegation, RateLimit};
use crate::agent::TrustTier;
use crate::condition::calendar::{DaySet, TimeRange};
use crate::condition::facts::FieldPath;
use crate::condition::spec::{OPERATORS, Op, Scalar};
use crate::condition::{Condition, FieldKey};
use crate::decision::Effect;
use crate::pattern::Pattern;
use crate::text::suggest;

const PLAIN_KEYS: &[&str] = &[
    "name",
    "version",
    "description",
    "appliesTo",
    "rules",
    "defaultEffect",
    "timezone",
    "delegation",
];
const AGT_KEYS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const AGT_API_VERSION: &str = "governance.toolkit/v1";
const SPEC_KEYS: &[&str] = &[
    "rules",
    "appliesTo",
    "defaultEffect",
    "delegation",
    "timezone",
];
const APPLIES_TO_KEYS: &[&str] = &["tags", "trustTiers", "agentIds", "orgIds"];
const RULE_KEYS: &[&str] = &["name", "effect", "actions", "conditions", "reason"];
const CONDITION_KEYS: &[&str] = &[
    "amount_max",
    "amount_min",
    "time_range",
    "days",
    "resource",
    "context",
    "tags",
    "minTrustTier",
    "rateLimit",
];
const TIER_NAMES: &[&str] = &[
    "untrusted",
    "unverified",
    "anonymous",
    "basic",
    "verified",
    "trusted",
    "privileged",
];

/// Where a piece of text starts in the source: the address of a scalar the parser
/// lent from it (plain and simply quoted scalars), turned into a line and column only
/// when a message or a listing needs one.
pub type At = Option<usize>;

/// An error message that names its kind and may carry a suggestion; it travels
/// through serde's `custom` as text and is taken apart again by [`Message::split`].
pub struct Message;

/// Separates the parts of an encoded message (a control character no message holds).
const SEP: char = '\u{1}';

impl Message {
    /// An error for serde carrying `kind`, `text` and a suggestion.
    pub fn error<E: de::Error>(kind: DiagnosticKind, text: &str, hint: Option<&str>) -> E {
        let code = match kind {
            DiagnosticKind::UnknownKey => 'u',
            DiagnosticKind::MissingKey => 'm',
            DiagnosticKind::WrongType => 't',
            DiagnosticKind::Duplicate => 'd',
            _ => 'v',
        };
        E::custom(format_args!(
            "{SEP}{code}{text}{SEP}{}",
            hint.unwrap_or_default()
        ))
    }

    /// The kind, text and suggestion of a message made by [`Message::error`].
    pub fn split(message: &str) -> Option<(DiagnosticKind, &str, Option<&str>)> {
        let rest = message.strip_prefix(SEP)?;
        let mut chars = rest.chars();
        let kind = match chars.next()? {
            'u' => DiagnosticKind::UnknownKey,
            'm' => DiagnosticKind::MissingKey,
            't' => DiagnosticKind::WrongType,
            'd' => DiagnosticKind::Duplicate,
            _ => DiagnosticKind::InvalidValue,
        };
        let (text, hint) = chars.as_str().split_once(SEP)?;
        Some((kind, text, (!hint.is_empty()).then_some(hint)))
    }
}

fn invalid<E: de::Error>(text: &str) -> E {
    Message::error(DiagnosticKind::InvalidValue, text, None)
}

/// A mapping key, checked against the known ones and against the keys before it.
pub struct Key<'de> {
    pub text: Cow<'de, str>,
    pub at: At,
}

struct KeySeed<'a, 'de> {
    /// The known keys (`None`: any key that is a dotted context path).
    known: Option<&'static [&'static str]>,
    what: &'static str,
    seen: &'a mut FxHashSet<Cow<'de, str>>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, 'de> {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> KeySeed<'_, 'de> {
    fn check<E: de::Error>(self, text: Cow<'de, str>, at: At) -> Result<Key<'de>, E> {
        match self.known {
            Some(known) if !known.contains(&&*text) => {
                let message = format!("unknown {} '{text}'", self.what);
                return Err(Message::error(
                    DiagnosticKind::UnknownKey,
                    &message,
                    suggest(&text, known),
                ));
            }
            None if FieldPath::parse(&text).is_none() => {
                let message = format!(
                    "invalid context path '{text}': expected dotted names like customer.tier"
                );
                return Err(invalid(&message));
            }
            _ => {}
        }
        if !self.seen.insert(text.clone()) {
            let message = format!("duplicate key '{text}'");
            return Err(Message::error(DiagnosticKind::Duplicate, &message, None));
        }
        Ok(Key { text, at })
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, 'de> {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        self.check(Cow::Borrowed(v), Some(v.as_ptr() as usize))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        self.check(Cow::Owned(v.to_owned()), None)
    }
}

/// Reads the keys of a mapping one by one, refusing unknown and repeated ones.
struct Keys<'de> {
    known: Option<&'static [&'static str]>,
    what: &'static str,
    seen: FxHashSet<Cow<'de, str>>,
}

impl<'de> Keys<'de> {
    fn new(known: &'static [&'static str], what: &'static str) -> Self {
        Keys {
            known: Some(known),
            what,
            seen: FxHashSet::default(),
        }
    }

    fn next<A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<Option<Key<'de>>, A::Error> {
        map.next_key_seed(KeySeed {
            known: self.known,
            what: self.what,
            seen: &mut self.seen,
        })
    }
}

/// A non-empty string value and where it starts.
pub struct Located {
    pub text: String,
    pub at: At,
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Located;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Located, E> {
                if v.is_empty() {
                    return Err(invalid("may not be empty"));
                }
                Ok(Located {
                    text: v.to_owned(),
                    at: Some(v.as_ptr() as usize),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Located, E> {
                if v.is_empty() {
                    return Err(invalid("may not be empty"));
                }
                Ok(Located {
                    text: v.to_owned(),
                    at: None,
                })
            }
        }
        // `any`, so that a number or a boolean is refused rather than read as text.
        d.deserialize_any(V)
    }
}

/// A value written as text and read with a parser of its own.
pub trait FromText: Sized {
    /// What one item is called in messages ("pattern", "tag").
    const WHAT: &'static str;
    /// The item, or a message with an optional suggestion.
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)>;
}

impl FromText for Pattern {
    const WHAT: &'static str = "pattern";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        Pattern::new(text).map_err(|e| (e.to_string(), None))
    }
}

impl FromText for TrustTier {
    const WHAT: &'static str = "trust tier";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        text.parse()
            .map_err(|e: crate::agent::UnknownTier| (e.to_string(), suggest(text, TIER_NAMES)))
    }
}

impl FromText for DaySet {
    const WHAT: &'static str = "day";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        DaySet::parse_item(text).map_err(|m| (m, None))
    }
}

impl FromText for Box<str> {
    const WHAT: &'static str = "name";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        if text.is_empty() {
            return Err(("may not be empty".into(), None));
        }
        Ok(Box::from(text))
    }
}

impl FromText for TimeRange {
    const WHAT: &'static str = "time range";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        TimeRange::parse(text).map_err(|m| (m, None))
    }
}

impl FromText for Effect {
    const WHAT: &'static str = "effect";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        text.parse().map_err(|()| {
            let message =
                format!("unknown effect '{text}': expected allow, deny or require_approval");
            (
                message,
                suggest(text, &["allow", "deny", "require_approval"]),
            )
        })
    }
}

/// `defaultEffect`: allow or deny.
pub struct DefaultEffect(pub Effect);

impl FromText for DefaultEffect {
    const WHAT: &'static str = "default effect";
    fn from_text(text: &str) -> Result<Self, (String, Option<&'static str>)> {
        match text {
            "allow" => Ok(DefaultEffect(Effect::Allow)),
            "deny" => Ok(DefaultEffect(Effect::Deny)),
            _ => Err((
                format!("unknown default effect '{text}': expected allow or deny"),
                suggest(text, &["allow", "deny"]),
            )),
        }
    }
}

/// Where the items of a text place go: each is read (or refused) by the place's
/// own type. The sink is a trait object so that one visitor serves every kind of
/// item, which keeps the .wasm small.
type Sink<'a> = &'a mut dyn FnMut(&str) -> Result<(), (String, Option<&'static str>)>;

/// One item, or (with `list`) one item or a list of them, read as they are met.
struct Texts<'a> {
    what: &'static str,
    list: bool,
    empty_ok: bool,
    sink: Sink<'a>,
}

impl<'de> DeserializeSeed<'de> for Texts<'_> {
    /// How many items were read.
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        if self.list {
            d.deserialize_any(self)
        } else {
            d.deserialize_str(self)
        }
    }
}

impl<'de> Visitor<'de> for Texts<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.list {
            true => write!(f, "a {} or a list of them", self.what),
            false => write!(f, "a {}", self.what),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        (self.sink)(v)
            .map_err(|(m, hint)| Message::error(DiagnosticKind::InvalidValue, &m, hint))?;
        Ok(1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while let Some(n) = seq.next_element_seed(Texts {
            what: self.what,
            list: false,
            empty_ok: false,
            sink: &mut *self.sink,
        })? {
            count += n;
        }
        if count == 0 && !self.empty_ok {
            let message = format!("expected at least one {}, found an empty list", self.what);
            return Err(invalid(&message));
        }
        Ok(count)
    }
}

/// One item read from a string.
pub struct One<T>(pub T);

impl<'de, T: FromText> Deserialize<'de> for One<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = None;
        let mut sink = |t: &str| T::from_text(t).map(|v| out = Some(v));
        Texts {
            what: T::WHAT,
            list: false,
            empty_ok: false,
            sink: &mut sink,
        }
        .deserialize(d)?;
        out.map(One)
            .ok_or_else(|| D::Error::invalid_length(0, &T::WHAT))
    }
}

/// One item or a list of them, at least one unless `EMPTY_OK`.
pub struct List<T, const EMPTY_OK: bool = false>(pub Vec<T>);

impl<'de, T: FromText, const EMPTY_OK: bool> Deserialize<'de> for List<T, EMPTY_OK> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = Vec::new();
        let mut sink = |t: &str| T::from_text(t).map(|v| out.push(v));
        Texts {
            what: T::WHAT,
            list: true,
            empty_ok: EMPTY_OK,
            sink: &mut sink,
        }
        .deserialize(d)?;
        Ok(List(out))
    }
}

/// Which shapes of value a place accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A finite number.
    Number,
    /// A string, number or boolean.
    Scalar,
    /// A scalar or a list of them (at least one).
    Scalars,
    /// A context spec: a scalar, a list, or a mapping of operators.
    Spec,
}

/// What a [`Shape`] read.
enum Read {
    One(Scalar),
    Many(Vec<Scalar>),
    Ops(Vec<Op>),
}

impl Read {
    /// The operators a context spec stands for.
    fn ops(self) -> Vec<Op> {
        match self {
            Read::One(s) => vec![Op::Equals(s)],
            Read::Many(l) => vec![Op::In(l)],
            Read::Ops(ops) => ops,
        }
    }

    /// The values of a list place.
    fn scalars(self) -> Vec<Scalar> {
        match self {
            Read::One(s) => vec![s],
            Read::Many(l) => l,
            Read::Ops(_) => Vec::new(),
        }
    }

    /// The value of a one-value place.
    fn scalar(self) -> Scalar {
        match self {
            Read::One(s) => s,
            other => other
                .scalars()
                .into_iter()
                .next()
                .unwrap_or(Scalar::Bool(false)),
        }
    }

    /// The number of a number place.
    fn number(self) -> f64 {
        match self.scalar() {
            Scalar::Number(n) => n,
            _ => f64::NAN,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Shape {
    type Value = Read;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read, D::Error> {
        d.deserialize_any(self)
    }
}

impl Shape {
    fn scalar<E: de::Error>(self, s: Scalar) -> Result<Read, E> {
        if self == Shape::Number && !matches!(s, Scalar::Number(_)) {
            return Err(E::invalid_type(unexpected(&s), &self));
        }
        Ok(Read::One(s))
    }
}

fn unexpected(s: &Scalar) -> de::Unexpected<'_> {
    match s {
        Scalar::Bool(b) => de::Unexpected::Bool(*b),
        Scalar::Number(n) => de::Unexpected::Float(*n),
        Scalar::Str(s) => de::Unexpected::Str(s),
    }
}

impl<'de> Visitor<'de> for Shape {
    type Value = Read;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Shape::Number => "a finite number",
            Shape::Scalar => "a string, number or boolean",
            Shape::Scalars => "a value or a list of them",
            Shape::Spec => "a value, a list of values or a mapping of operators",
        })
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read, E> {
        self.scalar(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read, E> {
        self.scalar(Scalar::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read, E> {
        self.scalar(Scalar::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read, E> {
        if !v.is_finite() {
            return Err(invalid("expected a finite number"));
        }
        self.scalar(Scalar::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read, E> {
        self.scalar(Scalar::Str(Box::from(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        match self {
            Shape::Number => Err(E::invalid_type(de::Unexpected::Unit, &self)),
            _ => Err(invalid(
                "null matches nothing (a null field is unknown); use `exists: false`",
            )),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        if matches!(self, Shape::Number | Shape::Scalar) {
            return Err(A::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(Shape::Scalar)? {
            out.push(item.scalar());
        }
        if out.is_empty() {
            return Err(invalid("expected at least one value, found an empty list"));
        }
        Ok(Read::Many(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        if self != Shape::Spec {
            return Err(A::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let mut keys = Keys::new(OPERATORS, "operator");
        let mut ops = Vec::new();
        while let Some(key) = keys.next(&mut map)? {
            let mut value = |shape| map.next_value_seed(shape);
            ops.push(match &*key.text {
                "equals" => Op::Equals(value(Shape::Scalar)?.scalar()),
                "not_equals" => Op::NotEquals(value(Shape::Scalar)?.scalar()),
                "in" => Op::In(value(Shape::Scalars)?.scalars()),
                "not_in" => Op::NotIn(value(Shape::Scalars)?.scalars()),
                "contains" => Op::Contains(value(Shape::Scalars)?.scalars()),
                "lt" => Op::Lt(value(Shape::Number)?.number()),
                "lte" => Op::Lte(value(Shape::Number)?.number()),
                "gt" => Op::Gt(value(Shape::Number)?.number()),
                "gte" => Op::Gte(value(Shape::Number)?.number()),
                "matches" => Op::Matches(map.next_value::<List<Pattern>>()?.0),
                "not_matches" => Op::NotMatches(map.next_value::<List<Pattern>>()?.0),
                "starts_with" => Op::StartsWith(map.next_value::<List<Box<str>>>()?.0),
                _ => Op::Exists(map.next_value::<bool>()?),
            });
        }
        if ops.is_empty() {
            return Err(invalid("expected at least one operator"));
        }
        Ok(Read::Ops(ops))
    }
}

/// `resource`: operators on the check's resource.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Resource {
    matches: Option<List<Pattern>>,
    starts_with: Option<List<Box<str>>>,
    contains: Option<List<Box<str>>>,
}

/// `rateLimit`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRateLimit {
    requests_per_minute: Option<NonZeroU32>,
    requests_per_hour: Option<NonZeroU32>,
}

/// A rule's `conditions`, in written order, and its rate limit.
#[derive(Default)]
pub struct Conditions {
    pub list: Vec<Condition>,
    pub rate_limit: Option<RateLimit>,
}

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Conditions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of conditions")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Conditions, E> {
                Ok(Conditions::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Conditions, A::Error> {
                let mut keys = Keys::new(CONDITION_KEYS, "condition");
                let mut out = Conditions::default();
                while let Some(key) = keys.next(&mut map)? {
                    let amount = |key, op| Condition::Field {
                        key,
                        path: FieldPath::amount(),
                        ops: vec![op],
                    };
                    let condition = match &*key.text {
                        "amount_max" => amount(
                            FieldKey::AmountMax,
                            Op::Lte(map.next_value_seed(Shape::Number)?.number()),
                        ),
                        "amount_min" => amount(
                            FieldKey::AmountMin,
                            Op::Gte(map.next_value_seed(Shape::Number)?.number()),
                        ),
                        "time_range" => Condition::TimeRange(map.next_value::<One<_>>()?.0),
                        "days" => {
                            let days: List<DaySet> = map.next_value()?;
                            Condition::Days(
                                days.0.into_iter().fold(DaySet::default(), DaySet::union),
                            )
                        }
                        "resource" => Condition::Resource(map.next_value::<Checked<Resource>>()?.0),
                        "context" => {
                            out.list.extend(map.next_value::<Context>()?.0);
                            continue;
                        }
                        "tags" => Condition::Tags(map.next_value::<List<Box<str>>>()?.0),
                        "minTrustTier" => Condition::MinTrustTier(map.next_value::<One<_>>()?.0),
                        _ => {
                            out.rate_limit = Some(map.next_value::<Checked<RawRateLimit>>()?.0);
                            continue;
                        }
                    };
                    out.list.push(condition);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// A derived mapping type checked as a whole while the parser is still on it, so
/// that an error carries its path and position.
trait Check<'de>: Deserialize<'de> {
    type Out;
    fn check(self) -> Result<Self::Out, &'static str>;
}

struct Checked<T: for<'de> Check<'de>>(<T as Check<'static>>::Out);

impl<'de, T: for<'a> Check<'a>> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: for<'a> Check<'a>> Visitor<'de> for V<T> {
            type Value = Checked<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Checked<T>, A::Error> {
                let raw = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                raw.check().map(Checked).map_err(invalid)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

impl Check<'_> for Resource {
    type Out = Vec<Op>;
    fn check(self) -> Result<Vec<Op>, &'static str> {
        let mut ops = Vec::new();
        if let Some(List(p)) = self.matches {
            ops.push(Op::Matches(p));
        }
        if let Some(List(p)) = self.starts_with {
            ops.push(Op::StartsWith(p));
        }
        if let Some(List(t)) = self.contains {
            ops.push(Op::Contains(t.into_iter().map(Scalar::Str).collect()));
        }
        if ops.is_empty() {
            return Err(
                "an empty resource condition constrains nothing; give matches, startsWith or contains",
            );
        }
        Ok(ops)
    }
}

impl Check<'_> for RawRateLimit {
    type Out = RateLimit;
    fn check(self) -> Result<RateLimit, &'static str> {
        if self.requests_per_minute.is_none() && self.requests_per_hour.is_none() {
            return Err("give requestsPerMinute, requestsPerHour or both");
        }
        Ok(RateLimit {
            per_minute: self.requests_per_minute.map(NonZeroU32::get),
            per_hour: self.requests_per_hour.map(NonZeroU32::get),
        })
    }
}

/// `context`: dotted paths to specs.
struct Context(Vec<Condition>);

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Context;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of context paths to expected values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Context, A::Error> {
                let mut keys = Keys {
                    known: None,
                    what: "context path",
                    seen: FxHashSet::default(),
                };
                let mut out = Vec::new();
                while let Some(key) = keys.next(&mut map)? {
                    let ops = map.next_value_seed(Shape::Spec)?.ops();
                    if let Some(path) = FieldPath::parse(&key.text) {
                        out.push(Condition::Field {
                            key: FieldKey::Context,
                            path,
                            ops,
                        });
                    }
                }
                if out.is_empty() {
                    return Err(invalid("an empty context condition constrains nothing"));
                }
                Ok(Context(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A rule as written, with where it starts.
pub struct RawRule {
    pub at: At,
    pub name: Option<Located>,
    pub effect: Effect,
    pub actions: Vec<Pattern>,
    pub conditions: Conditions,
    pub conditions_at: At,
    pub reason: Option<String>,
}

impl<'de> Deserialize<'de> for RawRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rule (a mapping with effect and actions)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRule, A::Error> {
                let mut keys = Keys::new(RULE_KEYS, "rule key");
                let (mut at, mut name, mut effect, mut actions) = (None, None, None, None);
                let (mut conditions, mut conditions_at, mut reason) = (None, None, None);
                while let Some(key) = keys.next(&mut map)? {
                    at = at.or(key.at);
                    match &*key.text {
                        "name" => {
                            name = Some(map.next_value()?);
                        }
                        "effect" => effect = Some(map.next_value::<One<Effect>>()?.0),
                        "actions" => actions = Some(map.next_value::<List<Pattern>>()?.0),
                        "conditions" => {
                            conditions_at = key.at;
                            conditions = Some(map.next_value()?);
                        }
                        _ => reason = Some(map.next_value()?),
                    }
                }
                let missing = |key| {
                    let message = format!("missing required key '{key}'");
                    Message::error(DiagnosticKind::MissingKey, &message, None)
                };
                Ok(RawRule {
                    at,
                    name,
                    effect: effect.ok_or_else(|| missing("effect"))?,
                    actions: actions.ok_or_else(|| missing("actions"))?,
                    conditions: conditions.unwrap_or_default(),
                    conditions_at,
                    reason,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// `rules`: at least one.
struct Rules(Vec<RawRule>);

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Rules;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of rules")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rules, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(8));
                while let Some(rule) = seq.next_element()? {
                    out.push(rule);
                }
                if out.is_empty() {
                    return Err(invalid("a policy needs at least one rule"));
                }
                Ok(Rules(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// `appliesTo`.
#[derive(Default)]
pub struct RawAppliesTo(pub AppliesTo);

impl<'de> Deserialize<'de> for RawAppliesTo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawAppliesTo;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of tags, trustTiers, agentIds or orgIds")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawAppliesTo, E> {
                Ok(RawAppliesTo::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawAppliesTo, A::Error> {
                let mut keys = Keys::new(APPLIES_TO_KEYS, "appliesTo key");
                let mut a = AppliesTo::default();
                while let Some(key) = keys.next(&mut map)? {
                    match &*key.text {
                        "trustTiers" => {
                            a.trust_tiers = Some(map.next_value::<List<_, true>>()?.0);
                        }
                        field => {
                            let names = Some(map.next_value::<List<Box<str>, true>>()?.0);
                            match field {
                                "tags" => a.tags = names,
                                "agentIds" => a.agent_ids = names,
                                _ => a.org_ids = names,
                            }
                        }
                    }
                }
                Ok(RawAppliesTo(a))
            }
        }
        d.deserialize_any(V)
    }
}

/// `delegation`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawDelegation {
    max_depth: Option<u32>,
    permission_ceiling: Option<List<Pattern, true>>,
}

/// `metadata` of the AGT form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: Located,
    version: Option<String>,
    description: Option<String>,
}

/// A policy document as written (either form), with where its parts start.
#[derive(Default)]
pub struct RawPolicy {
    pub at: At,
    pub name: Option<Located>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub applies_to: AppliesTo,
    pub applies_to_at: At,
    pub rules: Vec<RawRule>,
    pub rules_at: At,
    pub default_effect: Option<Effect>,
    pub timezone: Option<Located>,
    pub delegation: Delegation,
    /// `spec.` in the AGT form, for paths.
    pub agt: bool,
}

impl RawPolicy {
    /// One entry of the policy body (the top mapping, or `spec`).
    fn body<'de, A: MapAccess<'de>>(
        &mut self,
        key: &Key<'de>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match &*key.text {
            "name" => self.name = Some(map.next_value()?),
            "version" => self.version = Some(map.next_value()?),
            "description" => self.description = Some(map.next_value()?),
            "appliesTo" => {
                self.applies_to_at = key.at;
                self.applies_to = map.next_value::<RawAppliesTo>()?.0;
            }
            "rules" => {
                self.rules_at = key.at;
                self.rules = map.next_value::<Rules>()?.0;
            }
            "defaultEffect" => {
                self.default_effect = Some(map.next_value::<One<DefaultEffect>>()?.0.0)
            }
            "timezone" => self.timezone = Some(map.next_value()?),
            _ => {
                let d: RawDelegation = map.next_value()?;
                self.delegation = Delegation {
                    max_depth: d.max_depth,
                    permission_ceiling: d.permission_ceiling.map(|l| l.0),
                };
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for RawPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PolicyVisitor)
    }
}

struct PolicyVisitor;

impl<'de> Visitor<'de> for PolicyVisitor {
    type Value = RawPolicy;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy (a mapping with name and rules)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPolicy, A::Error> {
        let mut p = RawPolicy::default();
        // The first key tells the form.
        let mut keys = Keys::new(PLAIN_KEYS, "key");
        let Some(first) = map.next_key::<Located>()? else {
            return Err(Message::error(
                DiagnosticKind::MissingKey,
                "missing required key 'name'",
                None,
            ));
        };
        p.at = first.at;
        p.agt = AGT_KEYS.contains(&first.text.as_str());
        if p.agt {
            keys.known = Some(AGT_KEYS);
        }
        let mut key = Some(keys.check_first(first)?);
        let (mut api_version, mut kind, mut spec) = (false, false, false);
        while let Some(k) = key {
            if !p.agt {
                p.body(&k, &mut map)?;
            } else {
                match &*k.text {
                    "apiVersion" | "kind" => {
                        let want = if k.text == "kind" {
                            "Policy"
                        } else {
                            AGT_API_VERSION
                        };
                        map.next_value_seed(Exact(want))?;
                        api_version |= k.text == "apiVersion";
                        kind |= k.text == "kind";
                    }
                    "metadata" => {
                        let m: Metadata = map.next_value()?;
                        p.name = Some(m.name);
                        p.version = m.version;
                        p.description = m.description;
                    }
                    _ => {
                        spec = true;
                        map.next_value_seed(SpecSeed(&mut p))?;
                    }
                }
            }
            key = keys.next(&mut map)?;
        }
        let missing = |key: &str| {
            Err(Message::error(
                DiagnosticKind::MissingKey,
                &format!("missing required key '{key}'"),
                None,
            ))
        };
        if p.agt {
            for (present, key) in [
                (api_version, "apiVersion"),
                (kind, "kind"),
                (p.name.is_some(), "metadata"),
                (spec, "spec"),
            ] {
                if !present {
                    return missing(key);
                }
            }
        }
        if p.name.is_none() {
            return missing("name");
        }
        if p.rules.is_empty() {
            return missing("rules");
        }
        Ok(p)
    }
}

impl<'de> Keys<'de> {
    /// Checks a first key read before the known keys were chosen.
    fn check_first<E: de::Error>(&mut self, first: Located) -> Result<Key<'de>, E> {
        KeySeed {
            known: self.known,
            what: self.what,
            seen: &mut self.seen,
        }
        .check(Cow::Owned(first.text), first.at)
    }
}

/// A string that must be exactly this one.
struct Exact(&'static str);

impl<'de> DeserializeSeed<'de> for Exact {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Exact {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v == self.0 {
            Ok(())
        } else {
            Err(invalid(&format!("expected '{}', found '{v}'", self.0)))
        }
    }
}

/// `spec` of the AGT form, read into the policy.
struct SpecSeed<'a>(&'a mut RawPolicy);

impl<'de> DeserializeSeed<'de> for SpecSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SpecSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping with rules")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = Keys::new(SPEC_KEYS, "spec key");
        while let Some(key) = keys.next(&mut map)? {
            self.0.body(&key, &mut map)?;
        }
        Ok(())
    }
}

/// A document: one policy, a list of them, or nothing.
pub struct Document(pub Vec<RawPolicy>);

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Document;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a policy (a mapping with name and rules)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Document, E> {
                Ok(Document(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Document, A::Error> {
                PolicyVisitor.visit_map(map).map(|p| Document(vec![p]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Document, A::Error> {
                let mut out = Vec::new();
                while let Some(p) = seq.next_element()? {
                    out.push(p);
                }
                Ok(Document(out))
            }
        }
        d.deserialize_any(V)
    }
}
