//! Selecting entries, and counting them.

use serde::Serialize;

use super::Entry;
use crate::decision::Effect;
use crate::pattern::Pattern;
use crate::time::Timestamp;

/// Which entries [`AuditLog::query`](super::AuditLog::query) returns: those meeting
/// every filter that is set, newest first, at most `limit` of them.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub limit: Option<usize>,
    /// Exact agent id.
    pub agent_id: Option<String>,
    /// Action glob (`read:*`).
    pub action: Option<Pattern>,
    pub decision: Option<Effect>,
    /// Exact trace id.
    pub trace_id: Option<String>,
    /// Entries stamped at or after this instant.
    pub since: Option<Timestamp>,
    /// Entries stamped at or before this instant.
    pub until: Option<Timestamp>,
}

impl Query {
    /// Whether `entry` meets every filter (`limit` aside).
    pub fn matches(&self, entry: &Entry) -> bool {
        self.agent_id
            .as_deref()
            .is_none_or(|id| *entry.agent_id == *id)
            && self
                .trace_id
                .as_deref()
                .is_none_or(|id| *entry.trace_id == *id)
            && self.decision.is_none_or(|d| entry.decision == d)
            && self.since.is_none_or(|t| entry.timestamp >= t)
            && self.until.is_none_or(|t| entry.timestamp <= t)
            && self
                .action
                .as_ref()
                .is_none_or(|p| p.matches(&entry.action))
    }
}

/// Counts of entries. `total`, `allowed`, `denied` and `approvalRequired` cover the
/// entries the ring holds now; `recorded` counts every entry since the log was
/// created, including those the ring has since dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub total: usize,
    pub allowed: usize,
    pub denied: usize,
    pub approval_required: usize,
    pub recorded: u64,
}

impl Stats {
    pub(crate) fn count(&mut self, effect: Effect) {
        self.total += 1;
        *self.slot(effect) += 1;
    }

    pub(crate) fn uncount(&mut self, effect: Effect) {
        self.total = self.total.saturating_sub(1);
        let slot = self.slot(effect);
        *slot = slot.saturating_sub(1);
    }

    fn slot(&mut self, effect: Effect) -> &mut usize {
        match effect {
            Effect::Allow => &mut self.allowed,
            Effect::Deny => &mut self.denied,
            Effect::RequireApproval => &mut self.approval_required,
        }
    }
}
