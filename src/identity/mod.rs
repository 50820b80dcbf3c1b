//! Agent identity tokens (POLICY.md §4).
