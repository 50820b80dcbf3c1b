//! A loaded, indexed set of policies: what an engine evaluates against.

use super::guard::Limits;
use super::load::{Loaded, Source, load_sources};
use super::{Diagnostic, LoadError, Policy, Rule};
use crate::index::{ActionIndex, RuleId};
use crate::zone::ZoneProvider;

/// Policies in load order, with an index from actions to candidate rules.
#[derive(Debug, Default)]
pub struct PolicySet {
    policies: Vec<Policy>,
    /// Rule id to (policy index, rule index), in (policy, rule) order.
    rules: Vec<(u32, u32)>,
    index: ActionIndex,
    warnings: Vec<Diagnostic>,
}

impl PolicySet {
    /// Reads and indexes `sources`; nothing is kept if any of them has an error.
    pub fn parse(sources: &[Source<'_>], zones: &dyn ZoneProvider) -> Result<PolicySet, LoadError> {
        load_sources(sources, zones, Limits::default()).map(PolicySet::from)
    }

    /// The policies, in load order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// Warnings found while loading.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// How many rules all policies hold together.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub(crate) fn index(&self) -> &ActionIndex {
        &self.index
    }

    /// The policy index, policy, and rule behind a rule id.
    pub(crate) fn rule(&self, id: RuleId) -> Option<(usize, &Policy, &Rule)> {
        let &(p, r) = self.rules.get(id as usize)?;
        let policy = self.policies.get(p as usize)?;
        Some((p as usize, policy, policy.rules.get(r as usize)?))
    }
}

impl From<Loaded> for PolicySet {
    fn from(loaded: Loaded) -> PolicySet {
        let mut set = PolicySet {
            warnings: loaded.warnings,
            ..PolicySet::default()
        };
        for (p, policy) in loaded.policies.iter().enumerate() {
            for (r, rule) in policy.rules.iter().enumerate() {
                let id = set.rules.len() as RuleId;
                set.rules.push((p as u32, r as u32));
                for pattern in &rule.actions {
                    set.index.insert(pattern, id);
                }
            }
        }
        set.policies = loaded.policies;
        set
    }
}
