//! The audit log: a bounded ring of hash-chained entries.

use std::fmt::Write as _;
use std::io;
use std::num::NonZeroUsize;

use super::redact::Redactor;
use super::ring::Ring;
use super::verify::Anchor;
use super::{AuditConfig, AuditError, Entry, EntryDraft, EntryHash, Query, Stats};

/// Records entries, keeps the newest `capacity` of them, and answers queries.
///
/// The chain runs across the whole life of the log: when the ring drops an entry, the
/// next entry still links to the last one recorded.
#[derive(Clone, Debug)]
pub struct AuditLog {
    ring: Ring<Entry>,
    redactor: Redactor,
    id_prefix: String,
    /// Ring-scoped counts plus `recorded`, which is also the last seq assigned.
    stats: Stats,
    head_hash: EntryHash,
    /// The canonical form of the entry being hashed, reused across records.
    scratch: String,
}

impl AuditLog {
    /// An empty log; refuses a zero capacity and redact paths that are not dotted
    /// paths.
    pub fn new(config: AuditConfig) -> Result<AuditLog, AuditError> {
        let capacity = NonZeroUsize::new(config.capacity).ok_or(AuditError::ZeroCapacity)?;
        Ok(AuditLog {
            ring: Ring::new(capacity),
            redactor: Redactor::new(&config.redact)?,
            id_prefix: config.id_prefix,
            stats: Stats::default(),
            head_hash: EntryHash::ZERO,
            scratch: String::with_capacity(512),
        })
    }

    /// Sets the prefix of the ids of entries recorded from now on (see
    /// [`AuditConfig::id_prefix`]); ids stay unique, since each carries its seq.
    pub fn set_id_prefix(&mut self, prefix: String) {
        self.id_prefix = prefix;
    }

    /// Appends an entry: assigns `id`, `seq`, `prevHash` and `hash`, redacts the
    /// metadata, and drops the oldest entry if the ring is full. Returns the stored
    /// entry, for the caller to hand to a sink.
    pub fn record(&mut self, draft: EntryDraft) -> &Entry {
        let EntryDraft {
            timestamp,
            agent_id,
            agent_name,
            action,
            resource,
            decision,
            policy,
            rule,
            reason,
            trace_id,
            mut metadata,
        } = draft;
        self.redactor.apply(&mut metadata);
        let seq = self.stats.recorded + 1;
        let mut id = String::with_capacity(self.id_prefix.len() + 21);
        if !self.id_prefix.is_empty() {
            id.push_str(&self.id_prefix);
            id.push('-');
        }
        let _ = write!(id, "{seq}");
        let mut entry = Entry {
            id,
            seq,
            timestamp,
            agent_id,
            agent_name,
            action,
            resource,
            decision,
            policy,
            rule,
            reason,
            trace_id,
            metadata,
            prev_hash: self.head_hash,
            hash: EntryHash::ZERO,
        };
        entry.hash = entry.compute_hash_with(&mut self.scratch);
        self.head_hash = entry.hash;
        self.stats.recorded = seq;
        self.stats.count(decision);
        let (dropped, stored) = self.ring.push(entry);
        if let Some(old) = dropped {
            self.stats.uncount(old.decision);
        }
        stored
    }

    /// The entries meeting `query`, newest first.
    pub fn query(&self, query: &Query) -> Vec<&Entry> {
        self.ring
            .iter()
            .rev()
            .filter(|e| query.matches(e))
            .take(query.limit.unwrap_or(usize::MAX))
            .collect()
    }

    /// Counts over the ring, and the lifetime `recorded` count.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The entries the ring holds, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.ring.iter()
    }

    /// How many entries the ring holds.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.ring.len() == 0
    }

    /// How many entries the ring can hold.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// The seq and hash of the last entry recorded ([`Anchor::GENESIS`] before the
    /// first): what the next entry will link to.
    pub fn head(&self) -> Anchor {
        Anchor {
            seq: self.stats.recorded,
            hash: self.head_hash,
        }
    }

    /// The ring as JSON Lines, oldest first: one entry per line, every field, each
    /// line ending in `\n`.
    pub fn export_jsonl(&self) -> String {
        let mut out = String::with_capacity(self.ring.len() * 512);
        for entry in self.ring.iter() {
            entry.write_json_line(&mut out);
            out.push('\n');
        }
        out
    }

    /// Writes the same JSON Lines as [`export_jsonl`](Self::export_jsonl) to `out`.
    pub fn export_jsonl_to<W: io::Write>(&self, mut out: W) -> io::Result<()> {
        let mut line = String::with_capacity(512);
        for entry in self.ring.iter() {
            line.clear();
            entry.write_json_line(&mut line);
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Effect;
    use crate::pattern::Pattern;
    use crate::time::Timestamp;
    use serde_json::{Map, json};

    fn draft(n: i64, agent: &str, action: &str, effect: Effect) -> EntryDraft {
        EntryDraft {
            timestamp: Timestamp::from_millis(n * 1000).unwrap(),
            agent_id: agent.into(),
            agent_name: agent.to_uppercase().into(),
            action: action.into(),
            resource: None,
            decision: effect,
            policy: None,
            rule: None,
            reason: "r".into(),
            trace_id: format!("t{}", n % 2).into(),
            metadata: Map::new(),
        }
    }

    fn log(capacity: usize) -> AuditLog {
        AuditLog::new(AuditConfig {
            capacity,
            id_prefix: "x".into(),
            ..AuditConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn entries_are_numbered_and_chained() {
        let mut l = log(10);
        let first = l.record(draft(1, "a", "read:x", Effect::Allow)).clone();
        assert_eq!((first.seq, first.id.as_str()), (1, "x-1"));
        assert_eq!(first.prev_hash, EntryHash::ZERO);
        assert_eq!(first.hash, first.compute_hash());
        let second = l.record(draft(2, "a", "read:x", Effect::Deny)).clone();
        assert_eq!((second.seq, second.id.as_str()), (2, "x-2"));
        assert_eq!(second.prev_hash, first.hash);
        assert_eq!(
            l.head(),
            Anchor {
                seq: 2,
                hash: second.hash
            }
        );
    }

    #[test]
    fn an_empty_prefix_gives_bare_numbers() {
        let mut l = AuditLog::new(AuditConfig {
            id_prefix: String::new(),
            ..AuditConfig::default()
        })
        .unwrap();
        assert_eq!(l.record(draft(1, "a", "b", Effect::Allow)).id, "1");
    }

    #[test]
    fn zero_capacity_is_refused() {
        let err = AuditLog::new(AuditConfig {
            capacity: 0,
            ..AuditConfig::default()
        })
        .unwrap_err();
        assert_eq!(err, AuditError::ZeroCapacity);
    }

    #[test]
    fn the_ring_wraps_and_the_chain_continues() {
        let mut l = log(3);
        let mut hashes = Vec::new();
        for n in 1..=7 {
            hashes.push(l.record(draft(n, "a", "read:x", Effect::Allow)).hash);
        }
        let seqs: Vec<u64> = l.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [5, 6, 7]);
        assert_eq!(l.iter().next().unwrap().prev_hash, hashes[3]);
        assert_eq!(l.len(), 3);
        assert_eq!(l.stats().recorded, 7);
        assert_eq!(l.stats().total, 3);
    }

    #[test]
    fn stats_follow_the_ring() {
        let mut l = log(3);
        l.record(draft(1, "a", "x", Effect::Deny));
        l.record(draft(2, "a", "x", Effect::Allow));
        l.record(draft(3, "a", "x", Effect::RequireApproval));
        assert_eq!(
            l.stats(),
            Stats {
                total: 3,
                allowed: 1,
                denied: 1,
                approval_required: 1,
                recorded: 3
            }
        );
        l.record(draft(4, "a", "x", Effect::Allow));
        assert_eq!(
            l.stats(),
            Stats {
                total: 3,
                allowed: 2,
                denied: 0,
                approval_required: 1,
                recorded: 4
            }
        );
        assert_eq!(
            serde_json::to_value(l.stats()).unwrap(),
            json!({"total": 3, "allowed": 2, "denied": 0, "approvalRequired": 1, "recorded": 4})
        );
    }

    #[test]
    fn queries_filter_and_return_newest_first() {
        let mut l = log(100);
        l.record(draft(1, "a", "read:doc", Effect::Allow));
        l.record(draft(2, "b", "write:doc", Effect::Deny));
        l.record(draft(3, "a", "write:doc", Effect::Deny));
        l.record(draft(4, "a", "read:mail", Effect::RequireApproval));
        let seqs = |q: Query| l.query(&q).iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(Query::default()), [4, 3, 2, 1]);
        assert_eq!(
            seqs(Query {
                limit: Some(2),
                ..Query::default()
            }),
            [4, 3]
        );
        assert_eq!(
            seqs(Query {
                limit: Some(0),
                ..Query::default()
            }),
            Vec::<u64>::new()
        );
        assert_eq!(
            seqs(Query {
                agent_id: Some("a".into()),
                ..Query::default()
            }),
            [4, 3, 1]
        );
        assert_eq!(
            seqs(Query {
                action: Some(Pattern::new("write:*").unwrap()),
                ..Query::default()
            }),
            [3, 2]
        );
        assert_eq!(
            seqs(Query {
                decision: Some(Effect::Deny),
                ..Query::default()
            }),
            [3, 2]
        );
        assert_eq!(
            seqs(Query {
                trace_id: Some("t1".into()),
                ..Query::default()
            }),
            [3, 1]
        );
        let t = |s: i64| Timestamp::from_millis(s * 1000);
        assert_eq!(
            seqs(Query {
                since: t(2),
                ..Query::default()
            }),
            [4, 3, 2]
        );
        assert_eq!(
            seqs(Query {
                until: t(2),
                ..Query::default()
            }),
            [2, 1]
        );
        assert_eq!(
            seqs(Query {
                agent_id: Some("a".into()),
                decision: Some(Effect::Deny),
                since: t(2),
                until: t(3),
                ..Query::default()
            }),
            [3]
        );
    }

    #[test]
    fn exports_are_one_line_per_entry_oldest_first() {
        let mut l = log(2);
        for n in 1..=3 {
            l.record(draft(n, "a", "x", Effect::Allow));
        }
        let text = l.export_jsonl();
        assert!(text.ends_with('\n'));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("{\"id\":\"x-2\",\"seq\":2,"));
        let mut streamed = Vec::new();
        l.export_jsonl_to(&mut streamed).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), text);
        assert_eq!(log(1).export_jsonl(), "");
    }
}
