//! Checking an exported JSON Lines log, line by line, against its hash chain.

use serde::Serialize;

use super::{Entry, EntryHash};
use crate::json;

/// The entry just before a segment: where the segment's chain must continue from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: u64,
    pub hash: EntryHash,
}

impl Anchor {
    /// Before the first entry of a log: the segment must start at seq 1 with a
    /// `prevHash` of 64 zeros.
    pub const GENESIS: Anchor = Anchor {
        seq: 0,
        hash: EntryHash::ZERO,
    };

    /// The anchor that `entry` provides for the entries after it.
    pub fn of(entry: &Entry) -> Anchor {
        Anchor {
            seq: entry.seq,
            hash: entry.hash,
        }
    }
}

/// What went wrong at the first bad line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// Not JSON, an empty line, or not an object.
    Malformed,
    /// A field is missing, unknown or of the wrong type.
    Schema,
    /// The seq does not follow the previous line's (a line missing, inserted,
    /// duplicated or moved).
    SeqBreak,
    /// `prevHash` is not the previous line's `hash`.
    ChainBreak,
    /// `hash` does not match the line's content: the entry was edited.
    HashMismatch,
}

impl ProblemKind {
    /// A stable code for bindings.
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::Malformed => "AUDIT_MALFORMED_LINE",
            ProblemKind::Schema => "AUDIT_BAD_FIELD",
            ProblemKind::SeqBreak => "AUDIT_SEQ_BREAK",
            ProblemKind::ChainBreak => "AUDIT_CHAIN_BREAK",
            ProblemKind::HashMismatch => "AUDIT_HASH_MISMATCH",
        }
    }
}

/// The result of verifying a JSON Lines log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// Every line checked out.
    pub ok: bool,
    /// How many entries checked out (all of them when `ok`; those before the first
    /// bad line otherwise).
    pub entries: usize,
    /// The seq of the first line where the chain breaks; for a line whose seq cannot
    /// be read, the seq it should have had (unknown for a first line without an
    /// anchor).
    pub first_bad_seq: Option<u64>,
    /// The 1-based line number of that line.
    pub first_bad_line: Option<usize>,
    pub kind: Option<ProblemKind>,
    /// What is wrong, for people.
    pub problem: Option<String>,
}

/// Verifies `text` as a contiguous segment of a log: every line is a well-formed
/// entry whose `hash` matches its content, and each line's `seq` and `prevHash`
/// follow from the line before. The first line is taken on trust, except that seq 1
/// must carry a `prevHash` of zeros; so an export taken after the ring wrapped (first
/// seq above 1) verifies, and so does a log whose first lines were cut off. Lines cut
/// from the end cannot be noticed either. Use [`verify_jsonl_after`] to pin the start.
pub fn verify_jsonl(text: &str) -> Verification {
    verify(text, None)
}

/// Like [`verify_jsonl`], but the first line must continue from `anchor`
/// ([`Anchor::GENESIS`] for a whole log: seq 1 and a zero `prevHash`).
pub fn verify_jsonl_after(text: &str, anchor: &Anchor) -> Verification {
    verify(text, Some(*anchor))
}

fn verify(text: &str, anchor: Option<Anchor>) -> Verification {
    let mut prev = anchor;
    let mut entries = 0;
    let mut scratch = String::with_capacity(512);
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines = if body.is_empty() {
        None
    } else {
        Some(body.split('\n'))
    };
    for (i, raw) in lines.into_iter().flatten().enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let expected = prev.and_then(|p| p.seq.checked_add(1));
        let fail = |seq: Option<u64>, kind: ProblemKind, problem: String| Verification {
            ok: false,
            entries,
            first_bad_seq: seq,
            first_bad_line: Some(line_no),
            kind: Some(kind),
            problem: Some(problem),
        };

        if line.is_empty() {
            return fail(
                expected,
                ProblemKind::Malformed,
                format!("line {line_no} is empty"),
            );
        }
        let value = match json::parse(line) {
            Ok(v) => v,
            Err(e) => {
                return fail(
                    expected,
                    ProblemKind::Malformed,
                    format!("line {line_no} is {e}"),
                );
            }
        };
        if !value.is_object() {
            return fail(
                expected,
                ProblemKind::Malformed,
                format!("line {line_no} is not a JSON object"),
            );
        }
        let own_seq = value.get("seq").and_then(serde_json::Value::as_u64);
        let entry = match Entry::from_json(value) {
            Ok(e) => e,
            Err(e) => {
                return fail(
                    own_seq.or(expected),
                    ProblemKind::Schema,
                    format!("line {line_no}: {e}"),
                );
            }
        };
        let seq = entry.seq;
        // Built only when something is wrong.
        let at = || format!("line {line_no} (seq {seq})");

        // The seq follows on.
        let seq_problem = match (prev, expected) {
            (Some(p), Some(want)) if seq != want => Some(if p.seq == 0 {
                format!("{}: a whole log must start at seq 1", at())
            } else if seq > want {
                let missing = if seq - want == 1 {
                    format!("entry {want} is missing")
                } else {
                    format!("entries {want} to {} are missing", seq - 1)
                };
                format!(
                    "{} follows seq {}: {missing} (removed or moved)",
                    at(),
                    p.seq
                )
            } else {
                format!(
                    "{} follows seq {}: a line is duplicated, inserted or out of order",
                    at(),
                    p.seq
                )
            }),
            (Some(p), None) => Some(format!(
                "{} follows seq {}, which is the last possible",
                at(),
                p.seq
            )),
            (None, _) if seq == 0 => Some(format!("{}: seqs start at 1", at())),
            _ => None,
        };
        if let Some(problem) = seq_problem {
            return fail(Some(seq), ProblemKind::SeqBreak, problem);
        }

        // The chain links on.
        let want_prev = match prev {
            Some(p) => Some(p.hash),
            None if seq == 1 => Some(EntryHash::ZERO),
            None => None,
        };
        if let Some(want) = want_prev {
            if entry.prev_hash != want {
                let problem = match prev {
                    Some(p) if p.seq == 0 => {
                        format!(
                            "{}: the first entry of a log must have a prevHash of 64 zeros",
                            at()
                        )
                    }
                    Some(p) if entries == 0 => format!(
                        "{}: prevHash {} is not the anchor's hash {} (seq {})",
                        at(),
                        entry.prev_hash,
                        p.hash,
                        p.seq
                    ),
                    Some(p) => format!(
                        "{}: prevHash {} is not the hash of seq {} ({}): an entry was inserted, removed or replaced",
                        at(),
                        entry.prev_hash,
                        p.seq,
                        p.hash
                    ),
                    None => {
                        format!(
                            "{}: the first entry of a log must have a prevHash of 64 zeros",
                            at()
                        )
                    }
                };
                return fail(Some(seq), ProblemKind::ChainBreak, problem);
            }
        }

        // The content matches its hash.
        let computed = entry.compute_hash_with(&mut scratch);
        if computed != entry.hash {
            return fail(
                Some(seq),
                ProblemKind::HashMismatch,
                format!(
                    "{}: the content does not match its hash (stored {}, computed {computed}): the entry was edited",
                    at(),
                    entry.hash
                ),
            );
        }

        prev = Some(Anchor::of(&entry));
        entries += 1;
    }
    Verification {
        ok: true,
        entries,
        first_bad_seq: None,
        first_bad_line: None,
        kind: None,
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditConfig, AuditLog, EntryDraft};
    use crate::decision::Effect;
    use crate::time::Timestamp;
    use serde_json::{Map, Value, json};

    fn export(metadata: Value, n: i64) -> String {
        let mut log = AuditLog::new(AuditConfig::default()).unwrap();
        for i in 1..=n {
            log.record(EntryDraft {
                timestamp: Timestamp::from_millis(i * 1000).unwrap(),
                agent_id: "a".into(),
                agent_name: "A".into(),
                action: "read:x".into(),
                resource: Some("r".into()),
                decision: Effect::Allow,
                policy: None,
                rule: None,
                reason: "ok".into(),
                trace_id: "t".into(),
                metadata: metadata.as_object().cloned().unwrap_or_else(Map::new),
            });
        }
        log.export_jsonl()
    }

    fn kind(v: &Verification) -> (Option<ProblemKind>, Option<u64>, Option<usize>) {
        (v.kind, v.first_bad_seq, v.first_bad_line)
    }

    #[test]
    fn an_empty_text_is_an_empty_valid_log() {
        for text in ["", "\n"] {
            let v = verify_jsonl(text);
            assert!(v.ok);
            assert_eq!(v.entries, 0);
        }
        assert!(verify_jsonl_after("", &Anchor::GENESIS).ok);
    }

    #[test]
    fn floats_that_serde_json_misreads_still_verify() {
        let text = export(
            json!({"score": 985.6906946328695, "p": 0.1, "big": 1e300}),
            3,
        );
        let v = verify_jsonl(&text);
        assert!(v.ok, "{v:?}");
        assert_eq!(v.entries, 3);
    }

    #[test]
    fn a_repeated_key_anywhere_in_a_line_is_malformed() {
        let text = export(json!({"context": {"amount": 5}}), 2);
        let lines: Vec<&str> = text.lines().collect();
        for (from, to) in [
            // At the top: a second `decision`, which readers resolve either way.
            (
                r#""decision":"allow","#,
                r#""decision":"allow","decision":"deny","#,
            ),
            // Deep in the metadata, which the hash covers.
            (r#"{"amount":5}"#, r#"{"amount":5,"amount":500}"#),
        ] {
            let forged = lines[1].replacen(from, to, 1);
            assert_ne!(forged, lines[1], "{from}");
            let v = verify_jsonl(&format!("{}\n{forged}\n", lines[0]));
            assert_eq!(kind(&v), (Some(ProblemKind::Malformed), Some(2), Some(2)));
            assert!(
                v.problem.as_deref().unwrap_or("").contains("duplicate key"),
                "{v:?}"
            );
        }
    }

    #[test]
    fn integers_past_2_53_verify_exactly_and_cannot_be_nudged() {
        // JCS would write both as the nearest double, 9007199254740992, so a hash
        // over that form could not tell them apart; this trail writes them exactly.
        let text = export(
            json!({"id": 9_007_199_254_740_993_u64, "n": -9_007_199_254_740_993_i64}),
            2,
        );
        assert!(text.contains("9007199254740993"), "{text}");
        let v = verify_jsonl(&text);
        assert!(v.ok, "{v:?}");
        let nudged = text.replacen("9007199254740993", "9007199254740992", 1);
        let v = verify_jsonl(&nudged);
        assert_eq!(
            kind(&v),
            (Some(ProblemKind::HashMismatch), Some(1), Some(1))
        );
    }

    #[test]
    fn crlf_line_ends_and_a_missing_final_newline_are_accepted() {
        let text = export(json!({}), 3);
        assert!(verify_jsonl(&text.replace('\n', "\r\n")).ok);
        assert!(verify_jsonl(text.trim_end()).ok);
    }

    #[test]
    fn lines_re_encoded_without_changing_a_value_verify() {
        let text = export(json!({"c": "\u{1f}", "b": 1}), 2);
        assert!(text.contains("\\u001f"));
        for reencoded in [
            text.replacen("\\u001f", "\\u001F", 1),
            text.replacen("\"seq\":2,", "\"seq\":2 ,", 1),
            text.replacen("{\"b\":1,\"c\"", "{\"c\":\"\\u001f\",\"b\":1,\"c\"", 0),
        ] {
            assert!(verify_jsonl(&reencoded).ok, "{reencoded}");
        }
        let edited = text.replacen("\"b\":1", "\"b\":2", 1);
        assert_eq!(
            kind(&verify_jsonl(&edited)).0,
            Some(ProblemKind::HashMismatch)
        );
    }

    #[test]
    fn empty_and_non_object_lines_are_malformed() {
        let text = export(json!({}), 2);
        let lines: Vec<&str> = text.lines().collect();
        let v = verify_jsonl(&format!("{}\n\n{}\n", lines[0], lines[1]));
        assert_eq!(kind(&v), (Some(ProblemKind::Malformed), Some(2), Some(2)));
        let v = verify_jsonl(&format!("{}\n[1]\n", lines[0]));
        assert_eq!(kind(&v), (Some(ProblemKind::Malformed), Some(2), Some(2)));
        // Nothing precedes a bad first line, so its seq is unknown.
        let v = verify_jsonl(&format!("nope\n{}\n", lines[1]));
        assert_eq!(kind(&v), (Some(ProblemKind::Malformed), None, Some(1)));
        // An anchor says what it should have been.
        let v = verify_jsonl_after(&format!("nope\n{}\n", lines[1]), &Anchor::GENESIS);
        assert_eq!(kind(&v), (Some(ProblemKind::Malformed), Some(1), Some(1)));
    }

    #[test]
    fn seq_one_must_start_from_zeros() {
        let text = export(json!({}), 1);
        let mut entry = Entry::from_json(json::parse(text.trim_end()).unwrap()).unwrap();
        entry.prev_hash = EntryHash::of(b"elsewhere");
        entry.hash = entry.compute_hash();
        let v = verify_jsonl(&entry.to_json_line());
        assert_eq!(kind(&v), (Some(ProblemKind::ChainBreak), Some(1), Some(1)));
        entry.seq = 0;
        entry.hash = entry.compute_hash();
        let v = verify_jsonl(&entry.to_json_line());
        assert_eq!(kind(&v), (Some(ProblemKind::SeqBreak), Some(0), Some(1)));
    }

    #[test]
    fn an_anchor_pins_the_start() {
        let text = export(json!({}), 3);
        let lines: Vec<&str> = text.lines().collect();
        let first = Entry::from_json(json::parse(lines[0]).unwrap()).unwrap();
        let rest = format!("{}\n{}\n", lines[1], lines[2]);
        assert!(verify_jsonl_after(&rest, &Anchor::of(&first)).ok);
        let wrong = Anchor {
            seq: 1,
            hash: EntryHash::of(b"x"),
        };
        let v = verify_jsonl_after(&rest, &wrong);
        assert_eq!(kind(&v), (Some(ProblemKind::ChainBreak), Some(2), Some(1)));
        let v = verify_jsonl_after(&rest, &Anchor::GENESIS);
        assert_eq!(kind(&v), (Some(ProblemKind::SeqBreak), Some(2), Some(1)));
    }

    #[test]
    fn verifications_serialize_in_camel_case() {
        let v = verify_jsonl("x");
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!({
                "ok": false, "entries": 0, "firstBadSeq": null, "firstBadLine": 1,
                "kind": "malformed", "problem": "line 1 is not valid JSON: expected value at line 1 column 1"
            })
        );
    }
}
