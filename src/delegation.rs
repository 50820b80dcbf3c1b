//! Delegation chains (docs/delegation.md): cycles, the engine's chain limit, each
//! delegator's `maxDepth`, and the permission ceilings that narrow what delegates do.

use std::sync::Arc;

use crate::agent::Agent;
use crate::decision::Outcome;
use crate::decision::rules;
use crate::explain::{DelegationStep, Trace};
use crate::policy::{Policy, PolicySet};

/// The policies of `set` that apply to `agent`, in load order.
fn governing<'s>(set: &'s PolicySet, agent: &'s Agent) -> impl Iterator<Item = &'s Policy> {
    set.policies()
        .iter()
        .filter(|p| p.applies_to.matches(agent))
}

/// The agent's `delegation.maxDepth`: the smallest among its policies that set one,
/// with the first such policy in load order.
fn max_depth<'s>(set: &'s PolicySet, agent: &'s Agent) -> Option<(u32, &'s Policy)> {
    governing(set, agent)
        .filter_map(|p| Some((p.delegation.max_depth?, p)))
        .fold(None, |best, (d, p)| match best {
            Some((b, _)) if b <= d => best,
            _ => Some((d, p)),
        })
}

/// A chain the caller marked unknown: whoever delegated to `agent` cannot be named,
/// so no ceiling or depth can be checked, and the engine refuses.
pub(crate) fn unknown_chain<T: Trace>(agent: &Agent, trace: &mut T) -> Outcome {
    trace.delegation(|| DelegationStep {
        check: rules::UNKNOWN_CHAIN,
        delegator: None,
        policy: None,
        passed: false,
        detail: format!("the chain above {} is marked unknown", agent.name),
    });
    Outcome::deny(
        None,
        rules::UNKNOWN_CHAIN,
        format!(
            "unknown delegation chain: the agents that delegated to {} cannot be named, so their ceilings and depth limits cannot be checked",
            agent.name
        ),
    )
}

/// The engine's limit on chain length: `hops` from the root to the acting agent.
pub(crate) fn check_length<T: Trace>(hops: usize, limit: u32, trace: &mut T) -> Option<Outcome> {
    let passed = hops <= limit as usize;
    trace.delegation(|| DelegationStep {
        check: rules::MAX_DELEGATION_DEPTH,
        delegator: None,
        policy: None,
        passed,
        detail: format!("{hops} hops from the root; the engine allows {limit}"),
    });
    (!passed).then(|| {
        Outcome::deny(
            None,
            rules::MAX_DELEGATION_DEPTH,
            format!("delegation depth {hops} exceeds the engine's limit of {limit} hops"),
        )
    })
}

/// Whether `action` lies inside the ceiling of every policy of every delegator on
/// `chain` (root first) that sets one.
pub(crate) fn check_ceilings<T: Trace>(
    set: &PolicySet,
    chain: &[Agent],
    action: &str,
    trace: &mut T,
) -> Option<Outcome> {
    for delegator in chain {
        for policy in governing(set, delegator) {
            let Some(ceiling) = &policy.delegation.permission_ceiling else {
                continue;
            };
            let inside = ceiling.iter().find(|p| p.matches(action));
            trace.delegation(|| DelegationStep {
                check: rules::PERMISSION_CEILING,
                delegator: Some(delegator.name.clone()),
                policy: Some(policy.name.clone()),
                passed: inside.is_some(),
                detail: match inside {
                    Some(p) => format!("'{action}' is inside the ceiling (pattern {p})"),
                    None => format!("'{action}' matches no pattern of the ceiling"),
                },
            });
            if inside.is_none() {
                return Some(Outcome::deny(
                    Some(policy.name.clone()),
                    rules::PERMISSION_CEILING,
                    format!(
                        "outside the delegation ceiling of {} (policy {})",
                        delegator.name, policy.name
                    ),
                ));
            }
        }
    }
    None
}

/// The structural checks of a handoff from the last agent of `after` (the chain once
/// the handoff is made, root first) to `to`: cycle, engine limit, then every
/// delegator's `maxDepth` from the root down.
pub(crate) fn check_handoff_chain<T: Trace>(
    set: &PolicySet,
    after: &[&Agent],
    to: &Agent,
    limit: u32,
    trace: &mut T,
) -> Option<Outcome> {
    let cycle = after.iter().any(|a| a.id == to.id);
    trace.delegation(|| DelegationStep {
        check: rules::CYCLE,
        delegator: None,
        policy: None,
        passed: !cycle,
        detail: format!(
            "{} is {}on the chain",
            to.name,
            if cycle { "already " } else { "not " }
        ),
    });
    if cycle {
        return Some(Outcome::deny(
            None,
            rules::CYCLE,
            format!(
                "handoff cycle: {} is already on the delegation chain",
                to.name
            ),
        ));
    }
    if let Some(deny) = check_length(after.len(), limit, trace) {
        return Some(deny);
    }
    for (i, delegator) in after.iter().enumerate() {
        let Some((max, policy)) = max_depth(set, delegator) else {
            continue;
        };
        let hops = after.len() - i;
        let passed = hops <= max as usize;
        let name: Arc<str> = delegator.name.clone();
        trace.delegation(|| DelegationStep {
            check: rules::MAX_DEPTH,
            delegator: Some(name.clone()),
            policy: Some(policy.name.clone()),
            passed,
            detail: format!("{hops} hops below {name}; its maxDepth is {max}"),
        });
        if !passed {
            return Some(Outcome::deny(
                Some(policy.name.clone()),
                rules::MAX_DEPTH,
                format!(
                    "delegation depth {hops} below {name} exceeds its maxDepth of {max} (policy {})",
                    policy.name
                ),
            ));
        }
    }
    None
}
