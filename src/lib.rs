//! MeshGuard policy engine.
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
pub mod time;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod yaml;
pub mod zone;
