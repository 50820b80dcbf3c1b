//! Issuing agent tokens.

use super::claims::write_claims;
use super::error::TokenError;
use super::jwt::sign_compact;
use super::keys::SigningKey;
use super::verify::DEFAULT_ISSUER;
use crate::agent::Agent;
use crate::time::Timestamp;

/// How long issued tokens last unless configured otherwise: one hour.
pub const DEFAULT_EXPIRES_IN_SECONDS: u64 = 3_600;

/// How tokens are issued. `now` is given, not read, so the core needs no clock.
#[derive(Clone, Debug)]
pub struct IssueOptions {
    pub key: SigningKey,
    /// The `iss`; [`DEFAULT_ISSUER`] by default.
    pub issuer: String,
    /// `exp - iat`, at least 1; [`DEFAULT_EXPIRES_IN_SECONDS`] by default.
    pub expires_in_seconds: u64,
    /// The `iat` (whole seconds, rounded down).
    pub now: Timestamp,
}

impl IssueOptions {
    /// Options for `key` at `now`: issuer `meshguard`, valid for an hour.
    pub fn new(key: SigningKey, now: Timestamp) -> IssueOptions {
        IssueOptions {
            key,
            issuer: DEFAULT_ISSUER.to_owned(),
            expires_in_seconds: DEFAULT_EXPIRES_IN_SECONDS,
            now,
        }
    }

    /// Sets the issuer.
    pub fn with_issuer(mut self, issuer: &str) -> IssueOptions {
        self.issuer = issuer.to_owned();
        self
    }

    /// Sets the lifetime in seconds.
    pub fn with_expires_in(mut self, seconds: u64) -> IssueOptions {
        self.expires_in_seconds = seconds;
        self
    }
}

/// Signs a token for `agent`: header `{"alg":"HS256"|"EdDSA","typ":"JWT"}`, claims
/// `sub`, `name`, `tier` (canonical name), `tags`, `orgId` (if any), `iat`, `exp`
/// (whole seconds) and `iss` — what [`super::verify_agent_token`] reads back.
///
/// Refused as `bad_claims`: an empty agent id or issuer, a lifetime of 0, or an
/// expiry past the year 9999.
pub fn issue_agent_token(agent: &Agent, opts: &IssueOptions) -> Result<String, TokenError> {
    if agent.id.is_empty() {
        return Err(TokenError::bad_claims("the agent id (sub) is empty"));
    }
    if opts.issuer.is_empty() {
        return Err(TokenError::bad_claims("the issuer (iss) is empty"));
    }
    if opts.expires_in_seconds == 0 {
        return Err(TokenError::bad_claims(
            "expires_in_seconds is 0; a token must last at least a second",
        ));
    }
    let iat = opts.now.millis().div_euclid(1_000);
    let exp = i64::try_from(opts.expires_in_seconds)
        .ok()
        .and_then(|lifetime| iat.checked_add(lifetime))
        .filter(|exp| {
            exp.checked_mul(1_000)
                .and_then(Timestamp::from_millis)
                .is_some()
        })
        .ok_or_else(|| {
            TokenError::bad_claims(format!(
                "a lifetime of {} seconds ends after the year 9999",
                opts.expires_in_seconds
            ))
        })?;
    let payload = write_claims(agent, &opts.issuer, iat, exp)?;
    let header = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, opts.key.algorithm());
    Ok(sign_compact(&header, &payload, &opts.key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{TokenErrorCode, VerifyOptions, verify_agent_token};

    fn key() -> SigningKey {
        SigningKey::hs256(&[9; 32]).unwrap()
    }

    #[test]
    fn header_and_times_are_as_documented() {
        let now = Timestamp::from_millis(1_800_000_000_999).unwrap();
        let token = issue_agent_token(&Agent::new("a"), &IssueOptions::new(key(), now)).unwrap();
        let header = token.split('.').next().unwrap();
        assert_eq!(header, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        let verified =
            verify_agent_token(&token, &VerifyOptions::new(key().verify_key()), now).unwrap();
        assert_eq!(verified.issued_at.unwrap().millis(), 1_800_000_000_000);
        assert_eq!(verified.expires_at.unwrap().millis(), 1_800_003_600_000);
    }

    #[test]
    fn impossible_tokens_are_not_issued() {
        let now = Timestamp::from_millis(0).unwrap();
        for (agent, opts) in [
            (Agent::new(""), IssueOptions::new(key(), now)),
            (
                Agent::new("a"),
                IssueOptions::new(key(), now).with_issuer(""),
            ),
            (
                Agent::new("a"),
                IssueOptions::new(key(), now).with_expires_in(0),
            ),
            (
                Agent::new("a"),
                IssueOptions::new(key(), now).with_expires_in(u64::MAX),
            ),
        ] {
            assert_eq!(
                issue_agent_token(&agent, &opts).unwrap_err().code,
                TokenErrorCode::BadClaims
            );
        }
    }
}
