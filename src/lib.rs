//! MeshGuard policy engine: decides whether an AI agent may take an action, from
//! YAML policies, knows agents by signed tokens, narrows what delegates may do along a
//! chain of handoffs, and records every decision in a tamper-evident audit trail. The
//! same engine runs natively and, through [`ffi`] and the `wasm` binding, in
//! JavaScript.
//!
//! The policy language (policies, conditions, decisions, delegation, tokens, the audit
//! trail, test files) is described in the repository's
//! [`docs/`](https://github.com/meshguard/policy-module/tree/main/docs).
//!
//! ```
//! use meshguard_policy::agent::{Agent, TrustTier};
//! use meshguard_policy::engine::{Engine, Request};
//! use meshguard_policy::policy::Source;
//! use meshguard_policy::time::Timestamp;
//!
//! let policy = r#"
//! name: refunds
//! rules:
//!   - {effect: allow, actions: ["write:refund"], conditions: {amount_max: 100}}
//!   - {effect: deny, actions: ["write:refund"], conditions: {amount_min: 100.01},
//!      reason: Refunds over $100 require manager approval}
//! "#;
//! let mut engine = Engine::default();
//! engine.load(&[Source { name: "refunds.yaml", text: policy }])?;
//!
//! let agent = Agent::new("agent_support").with_tier(TrustTier::Verified);
//! let context = serde_json::json!({ "amount": 150 });
//! let now = Timestamp::parse_rfc3339("2026-11-26T10:00:00Z")?;
//! let decision = engine.check(&Request::new(&agent, "write:refund", now).context(&context));
//! assert!(!decision.allowed);
//! assert_eq!(&*decision.reason, "Refunds over $100 require manager approval");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Where things are: [`policy`] (model, loading, diagnostics), [`pattern`] and
//! [`index`] (actions), [`condition`], [`engine`] and [`delegation`] (deciding),
//! [`explain`], [`identity`] (tokens), [`audit`], [`session`] (the governed session:
//! engine, identity and audit together), [`ffi`] (its JSON functions), [`conformance`]
//! (vector files).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod agent;
pub mod audit;
pub mod condition;
pub mod conformance;
pub mod decision;
pub mod delegation;
pub mod engine;
pub mod explain;
pub mod ffi;
pub mod identity;
pub mod index;
pub mod json;
pub mod pattern;
pub mod policy;
pub mod rate_limit;
pub mod session;
pub mod text;
pub mod time;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod zone;
