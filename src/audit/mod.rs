//! The tamper-evident audit trail (POLICY.md §8).
