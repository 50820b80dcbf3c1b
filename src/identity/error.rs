//! Why a token or key was refused: a stable code for programs, a message for people.

use std::fmt;

use serde::Serialize;

/// A stable classification of token failures. [`TokenErrorCode::as_str`] gives the
/// wire name that bindings expose as `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenErrorCode {
    /// Not a compact JWS: too large, not three parts, bad base64url, a header or
    /// payload that is not a JSON object, a missing `alg`, `typ` other than `JWT`,
    /// or a `crit` header (no extensions are understood, so none may be critical).
    Malformed,
    /// `alg` is `none` or not the algorithm the configured key is for.
    AlgNotAllowed,
    /// The signature is absent, of the wrong length, or does not verify.
    BadSignature,
    /// `exp` has passed (allowing for the leeway).
    Expired,
    /// `nbf` lies ahead (allowing for the leeway).
    NotYetValid,
    /// `iss` is absent or not the expected issuer.
    WrongIssuer,
    /// A required claim is absent (`sub`, `exp`) or a known claim has the wrong type.
    BadClaims,
    /// `tier` (or `trust`) names no known trust tier.
    UnknownTier,
    /// A key could not be built: a secret under 32 bytes, or a JWK or raw key that is
    /// not a valid Ed25519 key. Raised when keys are constructed, never by verification.
    BadKey,
}

impl TokenErrorCode {
    /// Every code: those of verification roughly in the order it checks, then `bad_key`.
    pub const ALL: [TokenErrorCode; 9] = [
        TokenErrorCode::Malformed,
        TokenErrorCode::AlgNotAllowed,
        TokenErrorCode::BadSignature,
        TokenErrorCode::Expired,
        TokenErrorCode::NotYetValid,
        TokenErrorCode::WrongIssuer,
        TokenErrorCode::BadClaims,
        TokenErrorCode::UnknownTier,
        TokenErrorCode::BadKey,
    ];

    /// The stable wire name, like `alg_not_allowed`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenErrorCode::Malformed => "malformed",
            TokenErrorCode::AlgNotAllowed => "alg_not_allowed",
            TokenErrorCode::BadSignature => "bad_signature",
            TokenErrorCode::Expired => "expired",
            TokenErrorCode::NotYetValid => "not_yet_valid",
            TokenErrorCode::WrongIssuer => "wrong_issuer",
            TokenErrorCode::BadClaims => "bad_claims",
            TokenErrorCode::UnknownTier => "unknown_tier",
            TokenErrorCode::BadKey => "bad_key",
        }
    }
}

impl fmt::Display for TokenErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused token or key. The message never contains key material, and any
/// token text it quotes is truncated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenError {
    pub code: TokenErrorCode,
    pub message: String,
}

impl TokenError {
    pub(crate) fn new(code: TokenErrorCode, message: impl Into<String>) -> TokenError {
        TokenError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> TokenError {
        TokenError::new(TokenErrorCode::Malformed, message)
    }

    pub(crate) fn bad_claims(message: impl Into<String>) -> TokenError {
        TokenError::new(TokenErrorCode::BadClaims, message)
    }

    pub(crate) fn bad_key(message: impl Into<String>) -> TokenError {
        TokenError::new(TokenErrorCode::BadKey, message)
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for TokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_stable_distinct_names() {
        let names: Vec<&str> = TokenErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "malformed",
                "alg_not_allowed",
                "bad_signature",
                "expired",
                "not_yet_valid",
                "wrong_issuer",
                "bad_claims",
                "unknown_tier",
                "bad_key"
            ]
        );
        for code in TokenErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    #[test]
    fn display_names_the_code() {
        let e = TokenError::malformed("not a token");
        assert_eq!(e.to_string(), "not a token (malformed)");
    }
}
