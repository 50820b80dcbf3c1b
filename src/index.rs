//! An index from actions to the rules whose patterns may match them, so a check
//! looks at a handful of candidate rules however many rules are loaded.
//!
//! Exact patterns go in a hash map. Other patterns are keyed by their longer literal
//! end: the text before the first `*` in a prefix trie, or the text after the last
//! `*` in a trie of reversed suffixes. Patterns with neither (`*`, `*x*`) are tried
//! for every action. Trie hits are candidates only; the full pattern decides.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::pattern::Pattern;

/// A rule's position in the global (policy, rule) order.
pub type RuleId = u32;

/// Candidate lists, on the stack while they are short.
pub type Candidates = SmallVec<[Candidate; 16]>;

/// A candidate rule, and whether an exact pattern already matched it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub rule: RuleId,
    /// `false` when the rule's patterns must still be tried.
    pub confirmed: bool,
}

#[derive(Debug, Default)]
pub struct ActionIndex {
    exact: FxHashMap<Box<str>, Vec<RuleId>>,
    prefixes: Trie,
    suffixes: Trie,
    always: Vec<RuleId>,
}

impl ActionIndex {
    /// Adds one pattern of `rule`.
    pub fn insert(&mut self, pattern: &Pattern, rule: RuleId) {
        if pattern.is_exact() {
            self.exact
                .entry(pattern.as_str().into())
                .or_default()
                .push(rule);
            return;
        }
        let (prefix, suffix) = (pattern.literal_prefix(), pattern.literal_suffix());
        if prefix.is_empty() && suffix.is_empty() {
            self.always.push(rule);
        } else if prefix.len() >= suffix.len() {
            self.prefixes.insert(prefix.bytes(), rule);
        } else {
            self.suffixes.insert(suffix.bytes().rev(), rule);
        }
    }

    /// The candidate rules for `action`, sorted by rule id, each once.
    pub fn candidates(&self, action: &str, out: &mut Candidates) {
        out.clear();
        if let Some(rules) = self.exact.get(action) {
            out.extend(rules.iter().map(|&rule| Candidate {
                rule,
                confirmed: true,
            }));
        }
        let unconfirmed = |rule| Candidate {
            rule,
            confirmed: false,
        };
        out.extend(self.always.iter().copied().map(unconfirmed));
        self.prefixes
            .walk(action.bytes(), |r| out.push(unconfirmed(r)));
        self.suffixes
            .walk(action.bytes().rev(), |r| out.push(unconfirmed(r)));
        // Confirmed sorts after unconfirmed for the same rule; keep the confirmed one.
        out.sort_unstable();
        out.dedup_by(|later, earlier| {
            let same = later.rule == earlier.rule;
            if same {
                earlier.confirmed |= later.confirmed;
            }
            same
        });
    }
}

/// A byte trie whose nodes hold the rules keyed by the path to them.
#[derive(Debug)]
struct Trie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default)]
struct TrieNode {
    /// Sorted by byte.
    children: Vec<(u8, u32)>,
    rules: Vec<RuleId>,
}

impl Default for Trie {
    fn default() -> Self {
        Trie {
            nodes: vec![TrieNode::default()],
        }
    }
}

impl Trie {
    fn insert(&mut self, key: impl Iterator<Item = u8>, rule: RuleId) {
        let mut at = 0usize;
        for b in key {
            let Some(node) = self.nodes.get(at) else {
                return;
            };
            at = match node.children.binary_search_by_key(&b, |c| c.0) {
                Ok(i) => node.children.get(i).map_or(0, |c| c.1 as usize),
                Err(i) => {
                    let new = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    if let Some(node) = self.nodes.get_mut(at) {
                        node.children.insert(i, (b, new as u32));
                    }
                    new
                }
            };
        }
        if let Some(node) = self.nodes.get_mut(at) {
            node.rules.push(rule);
        }
    }

    /// Calls `found` for the rules of every node along `key`.
    fn walk(&self, key: impl Iterator<Item = u8>, mut found: impl FnMut(RuleId)) {
        let Some(mut node) = self.nodes.first() else {
            return;
        };
        node.rules.iter().copied().for_each(&mut found);
        for b in key {
            let Ok(i) = node.children.binary_search_by_key(&b, |c| c.0) else {
                return;
            };
            let Some(next) = node
                .children
                .get(i)
                .and_then(|c| self.nodes.get(c.1 as usize))
            else {
                return;
            };
            node = next;
            node.rules.iter().copied().for_each(&mut found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(patterns: &[&str]) -> ActionIndex {
        let mut ix = ActionIndex::default();
        for (i, p) in patterns.iter().enumerate() {
            ix.insert(&Pattern::new(p).unwrap(), i as RuleId);
        }
        ix
    }

    fn candidates(ix: &ActionIndex, action: &str) -> Vec<RuleId> {
        let mut out = Candidates::new();
        ix.candidates(action, &mut out);
        out.iter().map(|c| c.rule).collect()
    }

    #[test]
    fn candidates_include_every_rule_that_matches() {
        let patterns = [
            "read:x",
            "read:*",
            "*:email",
            "*",
            "db:*:customers",
            "*mid*",
            "write:x",
        ];
        let ix = index(&patterns);
        for action in [
            "read:x",
            "write:email",
            "db:q:customers",
            "mid",
            "zzz",
            "write:x",
        ] {
            let got = candidates(&ix, action);
            for (i, p) in patterns.iter().enumerate() {
                if Pattern::new(p).unwrap().matches(action) {
                    assert!(
                        got.contains(&(i as RuleId)),
                        "{p} should be a candidate for {action}"
                    );
                }
            }
            assert!(
                got.windows(2).all(|w| w[0] < w[1]),
                "sorted and unique: {got:?}"
            );
        }
        assert!(!candidates(&ix, "read:x").contains(&6));
    }

    #[test]
    fn exact_hits_are_confirmed() {
        let ix = index(&["read:x", "read:*"]);
        let mut out = Candidates::new();
        ix.candidates("read:x", &mut out);
        assert_eq!(
            out.to_vec(),
            vec![
                Candidate {
                    rule: 0,
                    confirmed: true
                },
                Candidate {
                    rule: 1,
                    confirmed: false
                }
            ]
        );
    }
}
