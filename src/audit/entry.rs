//! One audit entry, its canonical form and its hash.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, Unexpected};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::canonical::write_object;
use crate::decision::{Decision, Effect};
use crate::json::{self, JsonError, field, hex_digit, push_ascii, push_uint, write_str};
use crate::time::Timestamp;

/// A SHA-256 digest that links entries: written as 64 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryHash([u8; 32]);

impl EntryHash {
    /// The `prevHash` of the first entry of a log: 64 zeros.
    pub const ZERO: EntryHash = EntryHash([0; 32]);

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> EntryHash {
        EntryHash(Sha256::digest(bytes).into())
    }

    /// The 64 hex digits, as ASCII.
    fn hex(&self) -> [u8; 64] {
        let mut hex = [0u8; 64];
        for (pair, b) in hex.chunks_exact_mut(2).zip(self.0) {
            if let [hi, lo] = pair {
                *hi = hex_digit(b >> 4);
                *lo = hex_digit(b & 0xf);
            }
        }
        hex
    }

    pub(crate) fn write_hex(&self, out: &mut String) {
        push_ascii(out, &self.hex());
    }
}

impl From<[u8; 32]> for EntryHash {
    fn from(bytes: [u8; 32]) -> Self {
        EntryHash(bytes)
    }
}

impl fmt::Display for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.hex()).map_err(|_| fmt::Error)?)
    }
}

/// Why a text is not an [`EntryHash`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryHashError;

impl fmt::Display for EntryHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a hash must be 64 lower-case hex digits")
    }
}

impl std::error::Error for EntryHashError {}

impl FromStr for EntryHash {
    type Err = EntryHashError;

    /// Reads exactly 64 lower-case hex digits (the one spelling the log writes).
    fn from_str(s: &str) -> Result<Self, EntryHashError> {
        let digits = s.as_bytes();
        if digits.len() != 64 {
            return Err(EntryHashError);
        }
        let nibble = |b: u8| match b {
            b'0'..=b'9' => Ok(b - b'0'),
            b'a'..=b'f' => Ok(b - b'a' + 10),
            _ => Err(EntryHashError),
        };
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            if let [hi, lo] = pair {
                *byte = nibble(*hi)? << 4 | nibble(*lo)?;
            }
        }
        Ok(EntryHash(bytes))
    }
}

/// One line of the audit trail (docs/audit.md). Lines hold the fields in this order,
/// as camelCase; `resource`, `policy` and `rule` are `null` when absent.
///
/// Read (see [`Entry::from_json`]) with every field required and no other allowed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an audit entry object"
)]
pub struct Entry {
    /// `<idPrefix>-<seq>`.
    pub id: String,
    /// 1 for the first entry of a log, then one more for each entry.
    pub seq: u64,
    #[serde(deserialize_with = "log_timestamp")]
    pub timestamp: Timestamp,
    pub agent_id: Arc<str>,
    pub agent_name: Arc<str>,
    pub action: String,
    #[serde(deserialize_with = "field::nullable")]
    pub resource: Option<String>,
    #[serde(deserialize_with = "decision")]
    pub decision: Effect,
    #[serde(deserialize_with = "field::nullable")]
    pub policy: Option<Arc<str>>,
    #[serde(deserialize_with = "field::nullable")]
    pub rule: Option<Arc<str>>,
    pub reason: Arc<str>,
    pub trace_id: Arc<str>,
    /// Free-form details; a check's context sits under `context`. Redacted before
    /// the entry is hashed.
    pub metadata: Map<String, Value>,
    /// The previous entry's `hash` ([`EntryHash::ZERO`] for seq 1).
    #[serde(deserialize_with = "hash")]
    pub prev_hash: EntryHash,
    /// SHA-256 of the canonical form of every other field ([`Entry::canonical_into`]).
    #[serde(deserialize_with = "hash")]
    pub hash: EntryHash,
}

const DECISIONS: &str = "allow, deny or require_approval";
const HEX: &str = "64 lower-case hex digits";

impl Entry {
    /// Reads an entry from a line parsed with [`json::parse`] (which refuses repeated
    /// keys and reads numbers exactly, so `metadata` hashes as written). Every field
    /// is required and no other is allowed; `resource`, `policy` and `rule` may be
    /// `null`; `seq` is a whole number, `decision` allow, deny or require_approval,
    /// `metadata` an object, the hashes 64 lower-case hex digits, and `timestamp`
    /// RFC 3339 in exactly the form the log writes (UTC, `Z`, milliseconds only when
    /// not zero). An error names the field: `seq: expected a whole number of at
    /// least 0, found "7"`.
    pub fn from_json(value: Value) -> Result<Entry, JsonError> {
        json::read(value)
    }

    /// Appends the canonical form of this entry without `hash` (the bytes hashed) to
    /// `out`: RFC 8785 JSON, members in key order, as described in [`crate::audit`].
    pub fn canonical_into(&self, out: &mut String) {
        // Keys in UTF-16 (here: ASCII) order.
        out.push_str("{\"action\":");
        write_str(out, &self.action);
        out.push_str(",\"agentId\":");
        write_str(out, &self.agent_id);
        out.push_str(",\"agentName\":");
        write_str(out, &self.agent_name);
        out.push_str(",\"decision\":\"");
        out.push_str(self.decision.as_str());
        out.push_str("\",\"id\":");
        write_str(out, &self.id);
        out.push_str(",\"metadata\":");
        write_object(out, &self.metadata);
        out.push_str(",\"policy\":");
        write_opt_str(out, self.policy.as_deref());
        out.push_str(",\"prevHash\":\"");
        self.prev_hash.write_hex(out);
        out.push_str("\",\"reason\":");
        write_str(out, &self.reason);
        out.push_str(",\"resource\":");
        write_opt_str(out, self.resource.as_deref());
        out.push_str(",\"rule\":");
        write_opt_str(out, self.rule.as_deref());
        out.push_str(",\"seq\":");
        push_uint(out, self.seq, 1);
        out.push_str(",\"timestamp\":\"");
        self.timestamp.write_rfc3339(out);
        out.push_str("\",\"traceId\":");
        write_str(out, &self.trace_id);
        out.push('}');
    }

    /// The canonical form of this entry without `hash`.
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(512);
        self.canonical_into(&mut out);
        out
    }

    /// The hash this entry should carry, computed with `scratch` as the buffer.
    pub fn compute_hash_with(&self, scratch: &mut String) -> EntryHash {
        scratch.clear();
        self.canonical_into(scratch);
        EntryHash::of(scratch.as_bytes())
    }

    /// The hash this entry should carry.
    pub fn compute_hash(&self) -> EntryHash {
        self.compute_hash_with(&mut String::new())
    }

    /// The entry as one line of JSON Lines (no newline): every field, in declaration
    /// order, compact.
    pub fn to_json_line(&self) -> String {
        let mut out = String::with_capacity(512);
        self.write_json_line(&mut out);
        out
    }

    /// Appends the JSON line (no newline) to `out`: the fields in order, `metadata`
    /// with sorted keys, numbers as JavaScript writes them, so that a sink writing
    /// `JSON.stringify(entry)` reproduces the line.
    pub(crate) fn write_json_line(&self, out: &mut String) {
        out.push_str("{\"id\":");
        write_str(out, &self.id);
        out.push_str(",\"seq\":");
        push_uint(out, self.seq, 1);
        out.push_str(",\"timestamp\":\"");
        self.timestamp.write_rfc3339(out);
        out.push_str("\",\"agentId\":");
        write_str(out, &self.agent_id);
        out.push_str(",\"agentName\":");
        write_str(out, &self.agent_name);
        out.push_str(",\"action\":");
        write_str(out, &self.action);
        out.push_str(",\"resource\":");
        write_opt_str(out, self.resource.as_deref());
        out.push_str(",\"decision\":\"");
        out.push_str(self.decision.as_str());
        out.push_str("\",\"policy\":");
        write_opt_str(out, self.policy.as_deref());
        out.push_str(",\"rule\":");
        write_opt_str(out, self.rule.as_deref());
        out.push_str(",\"reason\":");
        write_str(out, &self.reason);
        out.push_str(",\"traceId\":");
        write_str(out, &self.trace_id);
        out.push_str(",\"metadata\":");
        write_object(out, &self.metadata);
        out.push_str(",\"prevHash\":\"");
        self.prev_hash.write_hex(out);
        out.push_str("\",\"hash\":\"");
        self.hash.write_hex(out);
        out.push_str("\"}");
    }
}

/// A string that `T` reads (in its one spelling); anything else is an error that
/// says `expected`.
fn spelled<'de, D: Deserializer<'de>, T: FromStr>(d: D, expected: &str) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|_| de::Error::invalid_value(Unexpected::Str(&text), &expected))
}

fn decision<'de, D: Deserializer<'de>>(d: D) -> Result<Effect, D::Error> {
    spelled(d, DECISIONS)
}

fn hash<'de, D: Deserializer<'de>>(d: D) -> Result<EntryHash, D::Error> {
    spelled(d, HEX)
}

/// A timestamp in exactly the form the log writes it. The hash covers that form, so
/// any other spelling of the same instant (`t`, `+00:00`, `.000`) would verify
/// against a hash computed over different bytes; it is refused instead.
fn log_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(d)?;
    let at = Timestamp::parse_rfc3339(&text).map_err(de::Error::custom)?;
    let mut canonical = String::with_capacity(text.len());
    at.write_rfc3339(&mut canonical);
    if canonical != text {
        return Err(de::Error::custom(format_args!(
            "{text:?} is not in the log's form {canonical:?}"
        )));
    }
    Ok(at)
}

fn write_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.push_str("null"),
    }
}

/// What a caller supplies for a new entry; the log assigns `id`, `seq`, `prevHash`
/// and `hash`, and redacts `metadata`.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryDraft {
    pub timestamp: Timestamp,
    pub agent_id: Arc<str>,
    pub agent_name: Arc<str>,
    pub action: String,
    pub resource: Option<String>,
    pub decision: Effect,
    pub policy: Option<Arc<str>>,
    pub rule: Option<Arc<str>>,
    pub reason: Arc<str>,
    pub trace_id: Arc<str>,
    pub metadata: Map<String, Value>,
}

impl EntryDraft {
    /// A draft recording `decision` (its computed effect, whatever the mode).
    pub fn from_decision(
        decision: &Decision,
        agent_name: Arc<str>,
        resource: Option<String>,
        metadata: Map<String, Value>,
    ) -> EntryDraft {
        EntryDraft {
            timestamp: decision.timestamp,
            agent_id: decision.agent_id.clone(),
            agent_name,
            action: decision.action.clone(),
            resource,
            decision: decision.decision,
            policy: decision.policy.clone(),
            rule: decision.rule.clone(),
            reason: decision.reason.clone(),
            trace_id: decision.trace_id.clone(),
            metadata,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::canonical::canonical_json;
    use crate::decision::Mode;
    use serde_json::json;

    pub(crate) fn sample() -> Entry {
        Entry {
            id: "log-7".into(),
            seq: 7,
            timestamp: Timestamp::parse_rfc3339("2026-11-26T10:00:00.250Z").unwrap(),
            agent_id: "agent_support".into(),
            agent_name: "Support \"bot\"".into(),
            action: "write:refund".into(),
            resource: None,
            decision: Effect::RequireApproval,
            policy: Some("p".into()),
            rule: None,
            reason: "needs a manager\n".into(),
            trace_id: "t-1".into(),
            metadata: json!({"context": {"amount": 120.5, "b": [1, "x"]}, "a": null})
                .as_object()
                .unwrap()
                .clone(),
            prev_hash: EntryHash::ZERO,
            hash: EntryHash::ZERO,
        }
    }

    #[test]
    fn fields_serialize_in_order_with_nulls() {
        let line = sample().to_json_line();
        let mut at = 0;
        for key in [
            "id",
            "seq",
            "timestamp",
            "agentId",
            "agentName",
            "action",
            "resource",
            "decision",
            "policy",
            "rule",
            "reason",
            "traceId",
            "metadata",
            "prevHash",
            "hash",
        ] {
            let found = line[at..].find(&format!("\"{key}\":")).unwrap();
            at += found;
        }
        assert!(line.contains("\"resource\":null"));
        assert!(line.contains("\"rule\":null"));
        assert!(line.contains("\"decision\":\"require_approval\""));
        assert!(line.contains("\"timestamp\":\"2026-11-26T10:00:00.250Z\""));
        assert!(line.contains(&format!("\"prevHash\":\"{}\"", "0".repeat(64))));
    }

    #[test]
    fn the_typed_canonical_form_is_rfc8785_of_the_json_without_hash() {
        let e = sample();
        let mut value: Value = serde_json::from_str(&e.to_json_line()).unwrap();
        value.as_object_mut().unwrap().remove("hash");
        assert_eq!(e.canonical(), canonical_json(&value));
    }

    #[test]
    fn the_canonical_form_is_exactly_this() {
        assert_eq!(
            sample().canonical(),
            concat!(
                r#"{"action":"write:refund","agentId":"agent_support","agentName":"Support \"bot\"","#,
                r#""decision":"require_approval","id":"log-7","metadata":{"a":null,"context":{"amount":120.5,"b":[1,"x"]}},"#,
                r#""policy":"p","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","#,
                r#""reason":"needs a manager\n","resource":null,"rule":null,"seq":7,"#,
                r#""timestamp":"2026-11-26T10:00:00.250Z","traceId":"t-1"}"#
            )
        );
    }

    #[test]
    fn the_hash_is_sha256_of_the_canonical_bytes() {
        let e = sample();
        let want: [u8; 32] = Sha256::digest(e.canonical().as_bytes()).into();
        assert_eq!(e.compute_hash(), EntryHash::from(want));
        // A known vector: SHA-256 of the empty string.
        assert_eq!(
            EntryHash::of(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn read(value: Value) -> Result<Entry, String> {
        Entry::from_json(value).map_err(|e| e.to_string())
    }

    #[test]
    fn entries_round_trip_through_json() {
        let mut e = sample();
        e.hash = e.compute_hash();
        let back = Entry::from_json(json::parse(&e.to_json_line()).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn missing_or_mistyped_fields_are_refused() {
        let full: Value = serde_json::from_str(&sample().to_json_line()).unwrap();
        // `resource`, `policy` and `rule` may be null, but not absent.
        for field in [
            "id", "resource", "policy", "rule", "metadata", "prevHash", "hash", "seq",
        ] {
            let mut v = full.clone();
            v.as_object_mut().unwrap().remove(field);
            assert_eq!(read(v).unwrap_err(), format!("missing key '{field}'"));
        }
        for (field, bad, problem) in [
            (
                "seq",
                json!("7"),
                r#"expected a whole number of at least 0, found "7""#,
            ),
            (
                "seq",
                json!(-1),
                "expected a whole number of at least 0, found -1",
            ),
            (
                "seq",
                json!(7.5),
                "expected a whole number of at least 0, found 7.5",
            ),
            ("metadata", json!([]), "expected an object, found an array"),
            (
                "decision",
                json!("maybe"),
                r#"expected allow, deny or require_approval, found "maybe""#,
            ),
            ("decision", json!(null), "expected a string, found null"),
            (
                "timestamp",
                json!("yesterday"),
                r#"invalid time "yesterday": too short for a date and time (expected RFC 3339, like 2026-11-26T10:00:00Z)"#,
            ),
            (
                "prevHash",
                json!("00"),
                r#"expected 64 lower-case hex digits, found "00""#,
            ),
            ("hash", json!(7), "expected a string, found 7"),
            ("resource", json!(5), "expected a string, found 5"),
            ("agentId", json!(["a"]), "expected a string, found an array"),
        ] {
            let mut v = full.clone();
            v[field] = bad;
            assert_eq!(read(v).unwrap_err(), format!("{field}: {problem}"));
        }
        let mut v = full.clone();
        v["hash"] = json!("0".repeat(63) + "G");
        assert!(
            read(v)
                .unwrap_err()
                .starts_with("hash: expected 64 lower-case hex digits")
        );
        let mut v = full;
        v["extra"] = json!(1);
        assert_eq!(read(v).unwrap_err(), "unknown key 'extra'");
    }

    #[test]
    fn other_spellings_of_the_same_instant_are_refused() {
        let full: Value = serde_json::from_str(&sample().to_json_line()).unwrap();
        assert_eq!(full["timestamp"], "2026-11-26T10:00:00.250Z");
        for spelling in [
            "2026-11-26t10:00:00.250Z",
            "2026-11-26T10:00:00.250z",
            "2026-11-26 10:00:00.250Z",
            "2026-11-26T10:00:00.25Z",
            "2026-11-26T10:00:00.250+00:00",
            "2026-11-26T11:00:00.250+01:00",
        ] {
            let mut v = full.clone();
            v["timestamp"] = json!(spelling);
            assert_eq!(
                read(v).unwrap_err(),
                format!(
                    "timestamp: {spelling:?} is not in the log's form \"2026-11-26T10:00:00.250Z\""
                )
            );
        }
    }

    #[test]
    fn hashes_parse_only_in_lower_case_hex() {
        let h = EntryHash::of(b"x");
        assert_eq!(h.to_string().parse::<EntryHash>(), Ok(h));
        assert!(h.to_string().to_uppercase().parse::<EntryHash>().is_err());
        assert!("0".repeat(65).parse::<EntryHash>().is_err());
    }

    #[test]
    fn a_draft_takes_the_decision_fields() {
        let d = Decision {
            allowed: true,
            decision: Effect::Deny,
            action: "read:x".into(),
            agent_id: "a".into(),
            policy: Some("p".into()),
            rule: Some("r".into()),
            reason: "why".into(),
            trace_id: "t".into(),
            timestamp: Timestamp::EPOCH,
            mode: Mode::Audit,
            enforced: false,
        };
        let draft = EntryDraft::from_decision(&d, "A".into(), Some("doc".into()), Map::new());
        assert_eq!(draft.decision, Effect::Deny);
        assert_eq!(&*draft.agent_id, "a");
        assert_eq!(&*draft.agent_name, "A");
        assert_eq!(draft.action, "read:x");
        assert_eq!(draft.rule.as_deref(), Some("r"));
        assert_eq!(draft.resource.as_deref(), Some("doc"));
    }
}
