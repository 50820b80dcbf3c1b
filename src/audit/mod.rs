//! The tamper-evident audit trail (docs/audit.md).
//!
//! An [`AuditLog`] records one [`Entry`] per decision (or manual entry), links each
//! to the one before by hash, keeps the newest `capacity` in a ring, and answers
//! queries and stats. [`AuditLog::record`] returns the stored entry so the caller can
//! pass it to a sink; the chain runs on when the ring drops old entries, so a sink
//! that keeps every entry holds one unbroken chain. The log reads no clock and draws
//! no random numbers: timestamps come with each [`EntryDraft`] and id prefixes with
//! the [`AuditConfig`].
//!
//! # Entries
//!
//! Exported as JSON Lines, one entry per line, fields in this order:
//!
//! ```json
//! {"id":"k3f9-7","seq":7,"timestamp":"2026-11-26T10:00:00Z","agentId":"agent_support",
//!  "agentName":"Support","action":"write:refund","resource":null,"decision":"deny",
//!  "policy":"refunds","rule":"deny-large-refunds","reason":"…","traceId":"…",
//!  "metadata":{},"prevHash":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! - `seq` is 1 for the first entry, then one more each time; `id` is
//!   `<idPrefix>-<seq>`.
//! - `timestamp` is RFC 3339 in UTC, with milliseconds only when they are not zero.
//! - `resource`, `policy` and `rule` are `null` when absent; `decision` is `allow`,
//!   `deny` or `require_approval`; `metadata` is an object (a check's context sits in
//!   `metadata.context`).
//! - `prevHash` is the previous entry's `hash`; the first entry's is 64 zeros.
//! - `hash` is SHA-256, as 64 lower-case hex digits, of the UTF-8 bytes of the
//!   *canonical form* of the entry without its `hash` member (so it covers
//!   `prevHash`).
//!
//! # The canonical form
//!
//! The canonical form is the JSON Canonicalization Scheme, RFC 8785 (JCS):
//!
//! 1. No whitespace anywhere outside strings.
//! 2. Object members sorted by key, comparing keys as sequences of UTF-16 code
//!    units, in every object at every depth (metadata included). Arrays keep their
//!    order.
//! 3. Strings in double quotes; `"` and `\` escaped with a backslash; U+0008, U+0009,
//!    U+000A, U+000C and U+000D as `\b \t \n \f \r`; every other character below
//!    U+0020 as `\u00xx` with lower-case hex; every other character (non-ASCII, `/`
//!    and U+007F included) as itself, in UTF-8.
//! 4. `true`, `false`, `null` as such.
//! 5. Numbers as ECMAScript's `Number.prototype.toString` writes the double:
//!    `1`, `-0.5`, `1e+21`, `1e-7`, `0.30000000000000004` (negative zero as `0`).
//!    One extension: an integer beyond ±2^53 that the entry holds exactly (up to
//!    the 64-bit range) is written exactly in decimal, where JCS would round it.
//!
//! So the input to SHA-256 for an entry starts
//! `{"action":"…","agentId":"…","agentName":"…","decision":"…","id":"…","metadata":{…},`
//! and goes on with `policy`, `prevHash`, `reason`, `resource`, `rule`, `seq`,
//! `timestamp`, `traceId`. Outside this crate a verifier can parse a line, delete
//! `hash`, canonicalize with any RFC 8785 library (in JavaScript, `JSON.stringify`
//! with keys sorted gives the same text for the values an entry holds), and
//! compare SHA-256 hex digests. [`canonical_json`] is this crate's implementation for
//! any JSON value; [`Entry::canonical`] writes an entry's directly. Both are checked
//! against the `serde_json_canonicalizer` crate in the tests; the log does not use
//! that crate because it is 14–18× slower on an entry and rounds integers past 2^53
//! (BENCHMARKS.md).
//!
//! # Verification
//!
//! [`verify_jsonl`] checks a JSON Lines text line by line and stops at the first bad
//! line: it must be a JSON object (read with an exact, strict reader: duplicate keys
//! and lone surrogates are refused) with exactly the entry fields, of the right types;
//! its `seq` must be one more than the previous line's; its `prevHash` must be the
//! previous line's `hash`; and its `hash` must match its canonical form. What is
//! verified are the values, not the bytes: a line re-encoded by another tool (keys
//! reordered, `\u001f` written `\u001F`, spaces added) still verifies, as RFC 8785
//! intends, while any change of a value does not. The log writes lines as
//! `JSON.stringify` would, so a JavaScript sink reproduces them. Lines end in `\n`
//! (`\r\n` is accepted); the final newline is optional.
//!
//! The text is verified as a *segment*: nothing before its first line is known, so
//! the first line's `seq` and `prevHash` are taken on trust (except that seq 1 must
//! have a zero `prevHash`). An export taken after the ring wrapped therefore verifies,
//! and so does one whose leading lines were removed; lines removed from the end cannot
//! be noticed either. To pin the start, pass an [`Anchor`] to [`verify_jsonl_after`]:
//! [`Anchor::GENESIS`] for a whole log, or the seq and hash of the last entry before
//! the segment. To pin the end, compare the last entry with [`AuditLog::head`].
//!
//! # Redaction
//!
//! Each configured dotted path is replaced by the string `"[redacted]"` under
//! `metadata` and under `metadata.context`, before the entry is hashed or stored, so
//! neither the ring, the returned entry, exports nor hashes carry the original. A path
//! that is absent is left absent; one that runs into a non-object is ignored. Arrays
//! are not searched: `items.card` does not reach into a list of items.
//!
//! # Cost
//!
//! Recording hashes the canonical form (about 400–600 bytes for a typical entry) into
//! a buffer the log reuses; the only allocations are the entry's id and whatever the
//! draft brings. See the `#[ignore]`d `record_cost` test in `tests/audit.rs`.

mod canonical;
mod config;
mod entry;
mod log;
mod query;
mod redact;
mod ring;
mod verify;

pub use canonical::canonical_json;
pub use config::{AuditConfig, AuditError};
pub use entry::{Entry, EntryDraft, EntryHash, EntryHashError};
pub use log::AuditLog;
pub use query::{Query, Stats};
pub use redact::REDACTED;
pub use verify::{Anchor, ProblemKind, Verification, verify_jsonl, verify_jsonl_after};
