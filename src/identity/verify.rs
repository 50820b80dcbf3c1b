//! Verifying agent tokens.

use super::claims::{VerifiedToken, read_claims};
use super::error::TokenError;
use super::jwt::verify_jws;
use super::keys::VerifyKey;
use crate::time::Timestamp;

/// The issuer expected unless configured otherwise (docs/agents-and-tokens.md).
pub const DEFAULT_ISSUER: &str = "meshguard";

/// The largest token read by default; larger ones are `malformed` before any parsing.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// How tokens are verified.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// The only key, and so the only algorithm, accepted.
    pub key: VerifyKey,
    /// The required `iss`; [`DEFAULT_ISSUER`] by default.
    pub issuer: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds; 0 by default.
    pub leeway_seconds: u32,
    /// Tokens longer than this are refused as `malformed`; [`DEFAULT_MAX_TOKEN_BYTES`].
    pub max_token_bytes: usize,
}

impl VerifyOptions {
    /// Options for `key` with the defaults: issuer `meshguard`, no leeway, 8 KiB.
    pub fn new(key: VerifyKey) -> VerifyOptions {
        VerifyOptions {
            key,
            issuer: DEFAULT_ISSUER.to_owned(),
            leeway_seconds: 0,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }

    /// Sets the required issuer.
    pub fn with_issuer(mut self, issuer: &str) -> VerifyOptions {
        self.issuer = issuer.to_owned();
        self
    }

    /// Sets the leeway on `exp` and `nbf`.
    pub fn with_leeway(mut self, seconds: u32) -> VerifyOptions {
        self.leeway_seconds = seconds;
        self
    }
}

/// Verifies an agent JWT at `now` and returns the agent it names.
///
/// Checks, in order, each failure with its own [`TokenErrorCode`](super::TokenErrorCode):
/// 1. size, three unpadded base64url parts, a JSON header object — `malformed`;
/// 2. `alg` exactly the key's algorithm (`HS256` for a secret, `EdDSA` for Ed25519),
///    never `none` — `alg_not_allowed`; then `typ` absent or `JWT` and no `crit` —
///    `malformed`;
/// 3. the signature (HS256 compared in constant time; an empty signature included) —
///    `bad_signature`. Nothing in the payload is read before this passes;
/// 4. the payload a JSON object — `malformed`; `exp` **required** (a token that never
///    expires is `bad_claims`) and expired when `now >= exp + leeway` — `expired`;
///    `nbf` ahead when `now + leeway < nbf` — `not_yet_valid`; `iss` equal to the
///    expected issuer — `wrong_issuer`; `sub` a non-empty string and `name`, `tags`,
///    `orgId`/`org`, `iat` of the right types — `bad_claims`; `tier`/`trust` a known
///    tier (absent means `untrusted`) — `unknown_tier`.
///
/// Numeric dates may be integers or fractions of seconds. Unknown claims are
/// allowed; a member name repeated in the header or payload is `malformed`.
pub fn verify_agent_token(
    token: &str,
    opts: &VerifyOptions,
    now: Timestamp,
) -> Result<VerifiedToken, TokenError> {
    let payload = verify_jws(token, &opts.key, opts.max_token_bytes)?;
    read_claims(&payload, &opts.issuer, opts.leeway_seconds, now)
}
