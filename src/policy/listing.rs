//! A plain listing of the rules a policy set holds, for coverage reports and editors
//! that mark rules no test reached.

use std::sync::Arc;

use serde::Serialize;

use super::PolicySet;
use crate::decision::Effect;

/// One rule: which policy holds it, what it does, and where it was written.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleListing {
    pub policy: Arc<str>,
    /// The written name, or `rule-<n>` counting from 1.
    pub rule: Arc<str>,
    pub effect: Effect,
    pub actions: Vec<String>,
    /// The name of the source the policy was loaded from.
    pub source: Arc<str>,
    /// The 1-based line of the rule in that source.
    pub line: u32,
}

impl PolicySet {
    /// Every rule of every policy, in load order and top to bottom.
    pub fn rule_listing(&self) -> Vec<RuleListing> {
        self.policies()
            .iter()
            .flat_map(|p| {
                p.rules.iter().map(|r| RuleListing {
                    policy: p.name.clone(),
                    rule: r.name.clone(),
                    effect: r.effect,
                    actions: r.actions.iter().map(|a| a.as_str().to_owned()).collect(),
                    source: p.origin.source.clone(),
                    line: r.line,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    #[test]
    fn every_rule_is_listed_with_its_policy_and_line() {
        let text = "name: p\nrules:\n  - {name: r, effect: allow, actions: [\"read:*\", a]}\n  - effect: deny\n    actions: [\"*\"]\n---\nname: q\nrules: [{effect: require_approval, actions: [x]}]\n";
        let set = PolicySet::parse(
            &[Source {
                name: "p.yaml",
                text,
            }],
            &*crate::zone::default_provider(),
        )
        .unwrap();
        let listing = set.rule_listing();
        let summary: Vec<(&str, &str, Effect, u32)> = listing
            .iter()
            .map(|r| (&*r.policy, &*r.rule, r.effect, r.line))
            .collect();
        assert_eq!(
            summary,
            [
                ("p", "r", Effect::Allow, 3),
                ("p", "rule-2", Effect::Deny, 4),
                ("q", "rule-1", Effect::RequireApproval, 8),
            ]
        );
        assert_eq!(listing[0].actions, ["read:*", "a"]);
        assert_eq!(&*listing[0].source, "p.yaml");
        assert_eq!(
            serde_json::to_value(&listing[1]).unwrap(),
            serde_json::json!({"policy": "p", "rule": "rule-2", "effect": "deny", "actions": ["*"], "source": "p.yaml", "line": 4})
        );
    }
}
