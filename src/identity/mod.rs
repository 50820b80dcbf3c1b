//! Agent identity tokens (docs/agents-and-tokens.md): JWTs signed with HS256 (a shared secret of
//! at least 32 bytes) or EdDSA (Ed25519), verified into an [`Agent`](crate::agent::Agent)
//! or issued from one.
//!
//! Each key admits exactly one algorithm, so a token cannot pick how it is checked;
//! the payload is read only after the signature verifies; every refusal carries a
//! stable [`TokenErrorCode`]. Callers pass `now` and bring their keys: nothing here
//! reads a clock or needs randomness, so the WebAssembly build works unchanged.

mod claims;
mod error;
mod issue;
mod jwt;
mod keys;
mod verify;

pub use claims::VerifiedToken;
pub use error::{TokenError, TokenErrorCode};
pub use issue::{DEFAULT_EXPIRES_IN_SECONDS, IssueOptions, issue_agent_token};
pub use jwt::{sign_jws, verify_jws};
pub use keys::{MIN_SECRET_BYTES, Secret, SigningKey, VerifyKey};
pub use verify::{DEFAULT_ISSUER, DEFAULT_MAX_TOKEN_BYTES, VerifyOptions, verify_agent_token};
