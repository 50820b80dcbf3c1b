//! Agent claims: reading a verified payload into an [`Agent`], and writing one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Number;

use super::error::{TokenError, TokenErrorCode};
use super::jwt::read_object;
use crate::agent::{Agent, TrustTier};
use crate::json::field;
use crate::text::truncate;
use crate::time::Timestamp;

/// What a verified agent token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    /// From `sub`, `name`, `tier`/`trust`, `tags` and `orgId`/`org`.
    pub agent: Agent,
    /// `iss`, equal to the expected issuer.
    pub issuer: String,
    /// `iat`, if given.
    pub issued_at: Option<Timestamp>,
    /// `exp`. Always present: tokens without an expiry are refused.
    pub expires_at: Option<Timestamp>,
    /// `nbf`, if given.
    pub not_before: Option<Timestamp>,
}

/// The claims this crate reads; others (`aud`, `jti`) are ignored. A claim that is
/// present must have its type: `null` is not absent here.
#[derive(Deserialize)]
struct Payload {
    #[serde(default, deserialize_with = "field::not_null")]
    exp: Option<Number>,
    #[serde(default, deserialize_with = "field::not_null")]
    nbf: Option<Number>,
    #[serde(default, deserialize_with = "field::not_null")]
    iat: Option<Number>,
    #[serde(default, deserialize_with = "field::not_null")]
    iss: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    sub: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    name: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    tags: Option<Vec<Arc<str>>>,
    #[serde(rename = "orgId", default, deserialize_with = "field::not_null")]
    org_id: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    org: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    tier: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    trust: Option<String>,
}

/// Reads the claims of a payload whose signature has verified. Checks, in order:
/// a JSON object without repeated members whose claims have their types
/// (`malformed`, `bad_claims`); `exp` present and not passed (`bad_claims`,
/// `expired`); `nbf` not ahead (`not_yet_valid`); `iss` the expected issuer
/// (`wrong_issuer`); `sub` present and not empty, one spelling of each alias
/// (`bad_claims`); the tier (`unknown_tier`).
pub(crate) fn read_claims(
    payload: &[u8],
    issuer: &str,
    leeway_seconds: u32,
    now: Timestamp,
) -> Result<VerifiedToken, TokenError> {
    let claims: Payload = read_object(payload).map_err(|e| {
        let message = format!("the token's payload{e}");
        if e.starts_with(':') {
            TokenError::bad_claims(message)
        } else {
            TokenError::malformed(message)
        }
    })?;
    let leeway = i64::from(leeway_seconds) * 1_000;
    let leeway_note = || match leeway_seconds {
        0 => String::new(),
        s => format!(", leeway {s} s"),
    };

    let exp = numeric_date(claims.exp.as_ref(), "exp")?.ok_or_else(|| {
        TokenError::bad_claims("the token has no expiry (exp); tokens without one are refused")
    })?;
    if now.millis() >= exp.millis().saturating_add(leeway) {
        return Err(TokenError::new(
            TokenErrorCode::Expired,
            format!("the token expired at {exp} (now {now}{})", leeway_note()),
        ));
    }
    let nbf = numeric_date(claims.nbf.as_ref(), "nbf")?;
    if let Some(nbf) = nbf.filter(|nbf| now.millis().saturating_add(leeway) < nbf.millis()) {
        return Err(TokenError::new(
            TokenErrorCode::NotYetValid,
            format!(
                "the token is not valid before {nbf} (now {now}{})",
                leeway_note()
            ),
        ));
    }
    let iat = numeric_date(claims.iat.as_ref(), "iat")?;

    let Some(iss) = claims.iss else {
        return Err(TokenError::new(
            TokenErrorCode::WrongIssuer,
            format!("the token names no issuer (iss); expected {issuer:?}"),
        ));
    };
    if iss != issuer {
        return Err(TokenError::new(
            TokenErrorCode::WrongIssuer,
            format!(
                "the token was issued by {:?}, not the expected {issuer:?}",
                truncate(&iss, 64)
            ),
        ));
    }

    let sub = match claims.sub {
        Some(sub) if !sub.is_empty() => sub,
        Some(_) => return Err(TokenError::bad_claims("sub (the agent id) is empty")),
        None => {
            return Err(TokenError::bad_claims(
                "the token has no sub (the agent id)",
            ));
        }
    };
    let org = aliased(claims.org_id, claims.org, "orgId", "org")?;
    let tier = match aliased(claims.tier, claims.trust, "tier", "trust")? {
        None => TrustTier::Untrusted,
        Some(name) => name.parse().map_err(|e| {
            TokenError::new(TokenErrorCode::UnknownTier, format!("the token's {e}"))
        })?,
    };

    Ok(VerifiedToken {
        agent: Agent {
            name: Arc::from(claims.name.as_deref().unwrap_or(&sub)),
            id: Arc::from(sub),
            trust_tier: tier,
            tags: claims.tags.unwrap_or_default(),
            org_id: org.map(Arc::from),
        },
        issuer: iss,
        issued_at: iat,
        expires_at: Some(exp),
        not_before: nbf,
    })
}

/// The payload of an issued token; member order is fixed.
#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    name: &'a str,
    tier: &'static str,
    tags: &'a [Arc<str>],
    #[serde(rename = "orgId", skip_serializing_if = "Option::is_none")]
    org_id: Option<&'a str>,
    iat: i64,
    exp: i64,
    iss: &'a str,
}

/// The JSON payload for `agent`, with `iat` and `exp` in whole seconds.
pub(crate) fn write_claims(
    agent: &Agent,
    issuer: &str,
    iat: i64,
    exp: i64,
) -> Result<Vec<u8>, TokenError> {
    serde_json::to_vec(&Claims {
        sub: &agent.id,
        name: &agent.name,
        tier: agent.trust_tier.as_str(),
        tags: &agent.tags,
        org_id: agent.org_id.as_deref(),
        iat,
        exp,
        iss: issuer,
    })
    .map_err(|e| TokenError::bad_claims(format!("the claims could not be written: {e}")))
}

/// A NumericDate (RFC 7519 §2): seconds since the epoch, integer or fractional.
fn numeric_date(n: Option<&Number>, name: &str) -> Result<Option<Timestamp>, TokenError> {
    let Some(n) = n else {
        return Ok(None);
    };
    let at = match n.as_i64() {
        Some(seconds) => seconds.checked_mul(1_000).and_then(Timestamp::from_millis),
        None => n
            .as_f64()
            .and_then(|seconds| Timestamp::from_millis_f64(seconds * 1_000.0)),
    };
    at.map(Some).ok_or_else(|| {
        TokenError::bad_claims(format!(
            "{name} ({}) lies outside the years 0000 to 9999",
            truncate(&n.to_string(), 32)
        ))
    })
}

/// A claim that has a second name; giving both is refused.
fn aliased(
    one: Option<String>,
    other: Option<String>,
    name: &str,
    alias: &str,
) -> Result<Option<String>, TokenError> {
    match (one, other) {
        (Some(_), Some(_)) => Err(TokenError::bad_claims(format!(
            "the token gives both {name} and its alias {alias}; give one"
        ))),
        (one, other) => Ok(one.or(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_millis(seconds * 1_000).unwrap()
    }

    fn read(json: &str) -> Result<VerifiedToken, TokenError> {
        read_claims(json.as_bytes(), "meshguard", 0, at(NOW))
    }

    fn code(json: &str) -> TokenErrorCode {
        read(json).unwrap_err().code
    }

    #[test]
    fn minimal_claims_give_an_untrusted_agent_named_by_its_id() {
        let t = read(r#"{"sub":"a1","iss":"meshguard","exp":1800000060}"#).unwrap();
        assert_eq!(t.agent, Agent::new("a1"));
        assert_eq!(t.expires_at, Some(at(NOW + 60)));
        assert_eq!((t.issued_at, t.not_before), (None, None));
    }

    #[test]
    fn every_agent_field_and_alias_is_read() {
        let t = read(
            r#"{"sub":"a1","name":"Billing","trust":"Verified","tags":["x","y"],"org":"o1",
                "iss":"meshguard","exp":1800000060.5,"iat":1799999999,"nbf":1799999000,"aud":"extra"}"#,
        )
        .unwrap();
        let want = Agent::new("a1")
            .with_name("Billing")
            .with_tier(TrustTier::Verified)
            .with_tags(["x", "y"])
            .with_org("o1");
        assert_eq!(t.agent, want);
        assert_eq!(t.expires_at.unwrap().millis(), (NOW + 60) * 1_000 + 500);
        assert_eq!(t.issued_at, Some(at(NOW - 1)));
        assert_eq!(t.not_before, Some(at(NOW - 1_000)));
    }

    #[test]
    fn exp_is_required_and_compared_with_the_leeway() {
        assert_eq!(
            code(r#"{"sub":"a","iss":"meshguard"}"#),
            TokenErrorCode::BadClaims
        );
        assert_eq!(
            code(r#"{"sub":"a","iss":"meshguard","exp":1800000000}"#),
            TokenErrorCode::Expired
        );
        let late = br#"{"sub":"a","iss":"meshguard","exp":1799999995}"#;
        assert!(read_claims(late, "meshguard", 6, at(NOW)).is_ok());
        assert_eq!(
            read_claims(late, "meshguard", 5, at(NOW)).unwrap_err().code,
            TokenErrorCode::Expired
        );
    }

    #[test]
    fn nbf_is_compared_with_the_leeway() {
        let early = br#"{"sub":"a","iss":"meshguard","exp":1800000100,"nbf":1800000005}"#;
        assert_eq!(
            read_claims(early, "meshguard", 4, at(NOW))
                .unwrap_err()
                .code,
            TokenErrorCode::NotYetValid
        );
        assert!(read_claims(early, "meshguard", 5, at(NOW)).is_ok());
    }

    #[test]
    fn wrong_types_are_bad_claims() {
        for bad in [
            r#"{"sub":5,"iss":"meshguard","exp":1800000100}"#,
            r#"{"sub":"","iss":"meshguard","exp":1800000100}"#,
            r#"{"iss":"meshguard","exp":1800000100}"#,
            r#"{"sub":"a","iss":"meshguard","exp":"1800000100"}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1e300}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"nbf":null}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"iat":true}"#,
            r#"{"sub":"a","iss":7,"exp":1800000100}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"tags":"x"}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"tags":["x",1]}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"name":{}}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"tier":3}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"tier":"basic","trust":"basic"}"#,
            r#"{"sub":"a","iss":"meshguard","exp":1800000100,"orgId":"o","org":"p"}"#,
        ] {
            assert_eq!(code(bad), TokenErrorCode::BadClaims, "{bad}");
        }
    }

    #[test]
    fn issuer_and_tier_have_their_own_codes() {
        assert_eq!(
            code(r#"{"sub":"a","exp":1800000100}"#),
            TokenErrorCode::WrongIssuer
        );
        assert_eq!(
            code(r#"{"sub":"a","iss":"MeshGuard","exp":1800000100}"#),
            TokenErrorCode::WrongIssuer
        );
        let err =
            read(r#"{"sub":"a","iss":"meshguard","exp":1800000100,"tier":"root"}"#).unwrap_err();
        assert_eq!(err.code, TokenErrorCode::UnknownTier);
        assert!(err.message.contains("'root'"), "{}", err.message);
    }

    #[test]
    fn non_object_payloads_are_malformed() {
        assert_eq!(
            code("Example of Ed25519 signing"),
            TokenErrorCode::Malformed
        );
        assert_eq!(code(r#"["sub"]"#), TokenErrorCode::Malformed);
        assert_eq!(
            code(r#"{"sub":"a","sub":"b","iss":"meshguard","exp":1800000100}"#),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            read(r#"["sub"]"#).unwrap_err().message,
            "the token's payload is not a JSON object"
        );
        assert_eq!(
            read(r#"{"sub":"a","sub":"b"}"#).unwrap_err().message,
            r#"the token's payload is not valid JSON: duplicate key "sub" at line 1 column 16"#
        );
        // A repeated claim this crate ignores is refused all the same.
        assert_eq!(
            code(r#"{"sub":"a","iss":"meshguard","exp":1800000100,"aud":"x","aud":"y"}"#),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            read(r#"{"sub":"a","iss":"meshguard","exp":1800000100,"tags":["x",1]}"#)
                .unwrap_err()
                .message,
            "the token's payload: tags[1]: expected a string, found 1"
        );
    }

    #[test]
    fn written_claims_read_back() {
        let agent = Agent::new("a1")
            .with_name("Näme \"q\"")
            .with_tier(TrustTier::Privileged)
            .with_tags(["t"])
            .with_org("o");
        let json = write_claims(&agent, "meshguard", NOW, NOW + 60).unwrap();
        assert_eq!(
            read_claims(&json, "meshguard", 0, at(NOW)).unwrap().agent,
            agent
        );
        let text = String::from_utf8(json).unwrap();
        assert!(text.starts_with(r#"{"sub":"a1","name":"#), "{text}");
        assert!(
            text.ends_with(r#""iat":1800000000,"exp":1800000060,"iss":"meshguard"}"#),
            "{text}"
        );
    }
}
