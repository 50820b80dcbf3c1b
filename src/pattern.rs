//! Action patterns: whole-string globs where `*` matches any run of characters
//! (the empty run included) and every other character matches itself.
//!
//! Matching is linear in the lengths of pattern and action: the pattern is split at
//! its stars, the first and last pieces are anchored, and each middle piece is found
//! by a left-to-right substring search that never revisits text (leftmost placement
//! is always safe when the only wildcard is `*`).

use std::fmt;

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: Box<str>,
    shape: Shape,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// No `*`: the action must equal the text.
    Exact,
    /// Only stars: matches everything.
    Any,
    /// At least one star, at least one literal piece.
    Glob {
        prefix: Box<str>,
        middle: Box<[Box<str>]>,
        suffix: Box<str>,
    },
}

/// Why a pattern was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternError {
    Empty,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::Empty => {
                f.write_str("a pattern may not be empty (use \"*\" to match everything)")
            }
        }
    }
}

impl Pattern {
    /// Compiles `text`; only the empty string is refused.
    pub fn new(text: &str) -> Result<Pattern, PatternError> {
        if text.is_empty() {
            return Err(PatternError::Empty);
        }
        let shape = if !text.contains('*') {
            Shape::Exact
        } else if text.bytes().all(|b| b == b'*') {
            Shape::Any
        } else {
            let mut pieces: Vec<&str> = text.split('*').collect();
            // `split` on a text with a star yields at least two pieces.
            let suffix = pieces.pop().unwrap_or_default();
            let prefix = if pieces.is_empty() {
                ""
            } else {
                pieces.remove(0)
            };
            Shape::Glob {
                prefix: prefix.into(),
                middle: pieces
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .map(Box::from)
                    .collect(),
                suffix: suffix.into(),
            }
        };
        Ok(Pattern {
            text: text.into(),
            shape,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no `*` and so matches only its own text.
    pub fn is_exact(&self) -> bool {
        self.shape == Shape::Exact
    }

    /// The literal text before the first star (the whole text when exact).
    pub fn literal_prefix(&self) -> &str {
        match &self.shape {
            Shape::Exact => &self.text,
            Shape::Any => "",
            Shape::Glob { prefix, .. } => prefix,
        }
    }

    /// The literal text after the last star (the whole text when exact).
    pub fn literal_suffix(&self) -> &str {
        match &self.shape {
            Shape::Exact => &self.text,
            Shape::Any => "",
            Shape::Glob { suffix, .. } => suffix,
        }
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Exact => *self.text == *text,
            Shape::Any => true,
            Shape::Glob {
                prefix,
                middle,
                suffix,
            } => {
                if text.len() < prefix.len() + suffix.len()
                    || !text.starts_with(&**prefix)
                    || !text.ends_with(&**suffix)
                {
                    return false;
                }
                let Some(mut rest) = text.get(prefix.len()..text.len() - suffix.len()) else {
                    return false;
                };
                for piece in middle.iter() {
                    match rest.find(&**piece) {
                        Some(at) => match rest.get(at + piece.len()..) {
                            Some(after) => rest = after,
                            None => return false,
                        },
                        None => return false,
                    }
                }
                true
            }
        }
    }

    /// Whether every action this pattern matches is also matched by `self`.
    ///
    /// Sound but not complete: reading `other`'s stars as literal characters, `self`
    /// must match that text. Each such character then lies inside a run that one of
    /// `self`'s stars absorbs, and that run may grow or shrink freely.
    pub fn covers(&self, other: &Pattern) -> bool {
        self.matches(&other.text)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Pattern::new(p).unwrap().matches(t)
    }

    #[test]
    fn exact_patterns_match_only_themselves() {
        assert!(m("read:x", "read:x"));
        assert!(!m("read:x", "read:xy"));
        assert!(!m("read:x", "Read:x"));
    }

    #[test]
    fn star_matches_any_run_including_separators_and_the_empty_run() {
        assert!(m("read:*", "read:"));
        assert!(m("read:*", "read:api/users/1"));
        assert!(m("*:email", "a:b:email"));
        assert!(m("db:*:customers", "db:query:replica:customers"));
        assert!(m("*", ""));
        assert!(m("**", "anything"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(!m("tool:*-safe", "tool:grep-safe-not"));
    }

    #[test]
    fn prefix_and_suffix_may_not_overlap() {
        assert!(!m("ab*ba", "aba"));
        assert!(m("ab*ba", "abba"));
    }

    #[test]
    fn unicode_is_matched_by_characters() {
        assert!(m("lire:*é", "lire:café"));
        assert!(m("*ü*", "Müller"));
    }

    #[test]
    fn empty_patterns_are_refused() {
        assert_eq!(Pattern::new(""), Err(PatternError::Empty));
    }

    #[test]
    fn covers_is_sound_on_examples() {
        let p = |s| Pattern::new(s).unwrap();
        assert!(p("read:*").covers(&p("read:a*")));
        assert!(p("*").covers(&p("x*y")));
        assert!(!p("a*b").covers(&p("a*")));
        assert!(!p("*x*").covers(&p("*")));
        assert!(p("write:refund").covers(&p("write:refund")));
    }

    #[test]
    fn forty_stars_against_ten_kilobytes_is_fast() {
        // Linear time makes this instant; a backtracking matcher would not finish.
        let pattern = format!("{}b", "*a".repeat(40));
        let text = "a".repeat(10_000);
        assert!(!m(&pattern, &text));
        assert!(m(&pattern, &format!("{text}b")));
    }
}
