//! The check's context as the conditions see it: values looked up by dotted path.
//!
//! Conditions read only the fields they name, through [`Facts`], so a binding can
//! serve lookups straight from its own objects instead of converting whole contexts.

use std::borrow::Cow;
use std::fmt;

/// A dotted path into the context (`customer.tier`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    text: Box<str>,
    segments: Box<[Box<str>]>,
}

impl FieldPath {
    /// Splits `text` at dots; `None` if any segment is empty.
    pub fn parse(text: &str) -> Option<FieldPath> {
        let segments: Box<[Box<str>]> = text.split('.').map(Box::from).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        Some(FieldPath {
            text: text.into(),
            segments,
        })
    }

    /// The path `amount`, which `amount_max` and `amount_min` read.
    pub fn amount() -> FieldPath {
        FieldPath {
            text: "amount".into(),
            segments: Box::new(["amount".into()]),
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(|s| &**s)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A value found in the context.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact<'a> {
    /// No such field.
    Missing,
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'a, str>),
    List(Vec<Fact<'a>>),
    /// A nested object (only its presence matters to conditions).
    Object,
}

impl Fact<'_> {
    /// Missing or null: what `exists` treats as absent.
    pub fn is_absent(&self) -> bool {
        matches!(self, Fact::Missing | Fact::Null)
    }
}

impl fmt::Display for Fact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Missing => f.write_str("missing"),
            Fact::Null => f.write_str("null"),
            Fact::Bool(b) => write!(f, "{b}"),
            Fact::Number(n) => write!(f, "{n}"),
            Fact::Str(s) => write!(f, "{:?}", crate::text::truncate(s, 80)),
            Fact::List(items) => write_joined(f, items, "[", "]"),
            Fact::Object => f.write_str("an object"),
        }
    }
}

/// Writes `items` separated by commas between `open` and `close`: `[a, b]`.
pub(crate) fn write_joined<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    open: &str,
    close: &str,
) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

/// Where conditions look up context fields.
pub trait Facts {
    /// The value at `path`, or [`Fact::Missing`].
    fn get(&self, path: &FieldPath) -> Fact<'_>;
}

/// No context at all.
impl Facts for () {
    fn get(&self, _: &FieldPath) -> Fact<'_> {
        Fact::Missing
    }
}

impl Facts for serde_json::Value {
    fn get(&self, path: &FieldPath) -> Fact<'_> {
        let mut at = self;
        for segment in path.segments() {
            match at.get(segment) {
                Some(next) => at = next,
                None => return Fact::Missing,
            }
        }
        json_fact(at)
    }
}

fn json_fact(v: &serde_json::Value) -> Fact<'_> {
    use serde_json::Value as J;
    match v {
        J::Null => Fact::Null,
        J::Bool(b) => Fact::Bool(*b),
        J::Number(n) => n.as_f64().map_or(Fact::Null, Fact::Number),
        J::String(s) => Fact::Str(Cow::Borrowed(s)),
        J::Array(items) => Fact::List(items.iter().map(json_fact).collect()),
        J::Object(_) => Fact::Object,
    }
}

/// Facts with a few top-level fields set over another source (the fields the
/// engine sets for handoffs win over the caller's).
pub struct Overlay<'a> {
    pub base: &'a dyn Facts,
    pub fields: &'a [(&'a str, Fact<'a>)],
}

impl Facts for Overlay<'_> {
    fn get(&self, path: &FieldPath) -> Fact<'_> {
        let mut segments = path.segments();
        if let (Some(first), None) = (segments.next(), segments.next()) {
            if let Some((_, fact)) = self.fields.iter().find(|(k, _)| *k == first) {
                return fact.clone();
            }
        }
        self.base.get(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get<'a>(facts: &'a dyn Facts, path: &FieldPath) -> Fact<'a> {
        facts.get(path)
    }

    fn path(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn nested_paths_are_followed() {
        let ctx = json!({"customer": {"tier": "gold"}, "n": 3, "tags": ["a"]});
        assert_eq!(get(&ctx, &path("customer.tier")), Fact::Str("gold".into()));
        assert_eq!(get(&ctx, &path("customer")), Fact::Object);
        assert_eq!(get(&ctx, &path("customer.missing")), Fact::Missing);
        assert_eq!(get(&ctx, &path("n.deeper")), Fact::Missing);
        assert_eq!(
            get(&ctx, &path("tags")),
            Fact::List(vec![Fact::Str("a".into())])
        );
    }

    #[test]
    fn empty_segments_are_refused() {
        for bad in ["", ".a", "a.", "a..b"] {
            assert!(FieldPath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn overlay_fields_win_at_the_top_level_only() {
        let ctx = json!({"depth": 99, "x": {"depth": 1}});
        let fields = [("depth", Fact::Number(2.0))];
        let o = Overlay {
            base: &ctx,
            fields: &fields,
        };
        assert_eq!(get(&o, &path("depth")), Fact::Number(2.0));
        assert_eq!(get(&o, &path("x.depth")), Fact::Number(1.0));
    }
}
