//! Agent tokens end to end: round trips, the RFC 8037 vector, and an attack suite in
//! which every forged or broken token is refused with its own code. Attack tokens are
//! built here with the primitive crates, independently of the code under test.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::Signer as _;
use hmac::{Hmac, KeyInit, Mac};
use meshguard_policy::agent::{Agent, TrustTier};
use meshguard_policy::identity::{
    IssueOptions, SigningKey, TokenErrorCode, VerifyKey, VerifyOptions, issue_agent_token,
    sign_jws, verify_agent_token, verify_jws,
};
use meshguard_policy::time::Timestamp;
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &[u8] = b"meshguard test secret, 32+ bytes long";
/// The Ed25519 key of RFC 8037 appendix A.1.
const D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const NOW: i64 = 1_800_000_000;

fn now() -> Timestamp {
    Timestamp::from_millis(NOW * 1_000).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

fn seed() -> [u8; 32] {
    B64.decode(D).unwrap().try_into().unwrap()
}

/// `header.payload.` for JSON values, unsigned.
fn signing_input(header: &Value, payload: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    )
}

fn hmac(secret: &[u8], input: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hs256_with(secret: &[u8], header: &Value, payload: &Value) -> String {
    let input = signing_input(header, payload);
    format!("{input}.{}", b64(&hmac(secret, &input)))
}

fn hs256(payload: &Value) -> String {
    hs256_with(SECRET, &json!({"alg": "HS256", "typ": "JWT"}), payload)
}

fn eddsa_with(header: &Value, payload: &Value) -> String {
    let input = signing_input(header, payload);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed());
    format!("{input}.{}", b64(&key.sign(input.as_bytes()).to_bytes()))
}

fn eddsa(payload: &Value) -> String {
    eddsa_with(&json!({"alg": "EdDSA", "typ": "JWT"}), payload)
}

/// Valid claims at `NOW`, to be spoilt one at a time.
fn claims() -> Value {
    json!({"sub": "agent-1", "iss": "meshguard", "iat": NOW - 10, "exp": NOW + 600})
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn hs_opts() -> VerifyOptions {
    VerifyOptions::new(VerifyKey::hs256(SECRET).unwrap())
}

fn ed_opts() -> VerifyOptions {
    VerifyOptions::new(VerifyKey::ed25519_raw(X).unwrap())
}

/// The code a token is refused with; panics if it is accepted.
fn refused(token: &str, opts: &VerifyOptions) -> TokenErrorCode {
    match verify_agent_token(token, opts, now()) {
        Ok(t) => panic!("accepted {token}: {t:?}"),
        Err(e) => {
            assert!(e.message.len() < 300, "overlong message: {}", e.message);
            e.code
        }
    }
}

fn full_agent() -> Agent {
    Agent::new("agent-7")
        .with_name("Billing bot ✓")
        .with_tier(TrustTier::Trusted)
        .with_tags(["finance", "eu"])
        .with_org("org-42")
}

// ---- round trips -------------------------------------------------------------------

#[test]
fn an_hs256_token_round_trips_every_agent_field() {
    let key = SigningKey::hs256(SECRET).unwrap();
    let token = issue_agent_token(&full_agent(), &IssueOptions::new(key, now())).unwrap();
    let verified = verify_agent_token(&token, &hs_opts(), now()).unwrap();
    assert_eq!(verified.agent, full_agent());
    assert_eq!(verified.issuer, "meshguard");
    assert_eq!(verified.issued_at, Some(now()));
    assert_eq!(
        verified.expires_at,
        Some(now().saturating_add_millis(3_600_000))
    );
    assert_eq!(verified.not_before, None);
}

#[test]
fn an_eddsa_token_round_trips_through_the_public_jwk() {
    let key = SigningKey::parse_private_key(&format!(
        r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}","x":"{X}","kid":"k1"}}"#
    ))
    .unwrap();
    let public = VerifyKey::parse_public_key(&key.public_jwk().unwrap()).unwrap();
    let opts = IssueOptions::new(key, now())
        .with_issuer("issuer.example")
        .with_expires_in(60);
    let token = issue_agent_token(&full_agent(), &opts).unwrap();
    let verify = VerifyOptions::new(public).with_issuer("issuer.example");
    let verified = verify_agent_token(&token, &verify, now()).unwrap();
    assert_eq!(verified.agent, full_agent());
    assert_eq!(
        verified.expires_at,
        Some(now().saturating_add_millis(60_000))
    );
    // The default issuer is not this one.
    assert_eq!(refused(&token, &ed_opts()), TokenErrorCode::WrongIssuer);
}

#[test]
fn an_untiered_agent_round_trips_as_untrusted() {
    let key = SigningKey::hs256(SECRET).unwrap();
    let token = issue_agent_token(&Agent::new("a"), &IssueOptions::new(key, now())).unwrap();
    let verified = verify_agent_token(&token, &hs_opts(), now()).unwrap();
    assert_eq!(verified.agent, Agent::new("a"));
}

#[test]
fn tokens_signed_elsewhere_with_aliases_and_fractional_dates_verify() {
    let payload = json!({
        "sub": "a2", "trust": "privileged", "org": "o", "tags": [], "iss": "meshguard",
        "exp": NOW as f64 + 0.5, "nbf": NOW as f64 - 0.25, "aud": "anything", "jti": "x"
    });
    let hs = verify_agent_token(&hs256(&payload), &hs_opts(), now()).unwrap();
    let ed = verify_agent_token(&eddsa(&payload), &ed_opts(), now()).unwrap();
    assert_eq!(hs, ed);
    assert_eq!(hs.agent.trust_tier, TrustTier::Privileged);
    assert_eq!(hs.agent.org_id.as_deref(), Some("o"));
    assert_eq!(hs.expires_at.unwrap().millis(), NOW * 1_000 + 500);
    // A header without typ, with a kid, and the RFC 9864 name of the algorithm.
    for header in [
        json!({"alg": "EdDSA"}),
        json!({"alg": "EdDSA", "kid": "k1", "typ": "jwt"}),
        json!({"alg": "Ed25519"}),
    ] {
        assert!(verify_agent_token(&eddsa_with(&header, &payload), &ed_opts(), now()).is_ok());
    }
}

// ---- RFC 8037 ----------------------------------------------------------------------

const RFC_8037_JWS: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

#[test]
fn the_rfc_8037_example_verifies_at_the_jws_layer() {
    let key =
        VerifyKey::ed25519_jwk(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}"#)).unwrap();
    let payload = verify_jws(RFC_8037_JWS, &key, 8192).unwrap();
    assert_eq!(payload, b"Example of Ed25519 signing");
    // Ed25519 is deterministic: signing reproduces the example byte for byte.
    let signer = SigningKey::ed25519_raw(D).unwrap();
    assert_eq!(
        sign_jws(b"Example of Ed25519 signing", &signer),
        RFC_8037_JWS
    );
    // It is a JWS, not an agent token.
    assert_eq!(refused(RFC_8037_JWS, &ed_opts()), TokenErrorCode::Malformed);
}

// ---- algorithm attacks -------------------------------------------------------------

#[test]
fn alg_none_is_refused_with_or_without_a_signature() {
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT"});
        let input = signing_input(&header, &claims());
        for opts in [hs_opts(), ed_opts()] {
            assert_eq!(
                refused(&format!("{input}."), &opts),
                TokenErrorCode::AlgNotAllowed
            );
            let signed = format!("{input}.{}", b64(&hmac(SECRET, &input)));
            assert_eq!(refused(&signed, &opts), TokenErrorCode::AlgNotAllowed);
        }
    }
}

#[test]
fn hs256_signed_with_the_ed25519_public_key_is_refused() {
    let public_bytes = B64.decode(X).unwrap();
    let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}"#);
    let header = json!({"alg": "HS256", "typ": "JWT"});
    for secret in [&public_bytes[..], X.as_bytes(), jwk.as_bytes()] {
        let token = hs256_with(secret, &header, &claims());
        assert_eq!(refused(&token, &ed_opts()), TokenErrorCode::AlgNotAllowed);
    }
}

#[test]
fn an_eddsa_token_is_refused_by_an_hs256_verifier() {
    assert_eq!(
        refused(&eddsa(&claims()), &hs_opts()),
        TokenErrorCode::AlgNotAllowed
    );
    assert_eq!(
        refused(&hs256(&claims()), &ed_opts()),
        TokenErrorCode::AlgNotAllowed
    );
}

#[test]
fn other_algorithms_are_refused() {
    for alg in ["HS384", "HS512", "RS256", "ES256", "hs256", "eddsa", ""] {
        let header = json!({"alg": alg});
        assert_eq!(
            refused(&hs256_with(SECRET, &header, &claims()), &hs_opts()),
            TokenErrorCode::AlgNotAllowed,
            "{alg}"
        );
        assert_eq!(
            refused(&eddsa_with(&header, &claims()), &ed_opts()),
            TokenErrorCode::AlgNotAllowed,
            "{alg}"
        );
    }
}

#[test]
fn a_key_embedded_in_the_header_is_not_trusted() {
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let header = json!({"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519",
        "x": b64(attacker.verifying_key().as_bytes())}});
    let input = signing_input(&header, &claims());
    let token = format!(
        "{input}.{}",
        b64(&attacker.sign(input.as_bytes()).to_bytes())
    );
    assert_eq!(refused(&token, &ed_opts()), TokenErrorCode::BadSignature);
}

#[test]
fn critical_header_extensions_are_malformed() {
    let header = json!({"alg": "HS256", "crit": ["exp"], "exp": NOW + 10});
    assert_eq!(
        refused(&hs256_with(SECRET, &header, &claims()), &hs_opts()),
        TokenErrorCode::Malformed
    );
    let header = json!({"alg": "HS256", "typ": "dpop+jwt"});
    assert_eq!(
        refused(&hs256_with(SECRET, &header, &claims()), &hs_opts()),
        TokenErrorCode::Malformed
    );
}

// ---- signature attacks -------------------------------------------------------------

/// `token` with one bit of its decoded part `part` (0, 1, 2) flipped.
fn flip_bit(token: &str, part: usize, byte: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut bytes = B64.decode(&parts[part]).unwrap();
    bytes[byte] ^= 0x01;
    parts[part] = b64(&bytes);
    parts.join(".")
}

#[test]
fn a_flipped_bit_anywhere_breaks_the_signature() {
    for (token, opts) in [(hs256(&claims()), hs_opts()), (eddsa(&claims()), ed_opts())] {
        // A digit of the payload, the header's "typ" -> "txp" (an ignored member), the
        // signature. (A header that turns invalid, like typ "KWT", is malformed first.)
        let payload = B64.decode(token.split('.').nth(1).unwrap()).unwrap();
        let digit = payload.iter().position(|&b| b == b'1').unwrap();
        assert_eq!(
            refused(&flip_bit(&token, 1, digit), &opts),
            TokenErrorCode::BadSignature
        );
        let header = B64.decode(token.split('.').next().unwrap()).unwrap();
        let y = header.iter().position(|&b| b == b'y').unwrap();
        assert_eq!(
            refused(&flip_bit(&token, 0, y), &opts),
            TokenErrorCode::BadSignature
        );
        let j = header.iter().position(|&b| b == b'J').unwrap();
        assert_eq!(
            refused(&flip_bit(&token, 0, j), &opts),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            refused(&flip_bit(&token, 2, 0), &opts),
            TokenErrorCode::BadSignature
        );
        assert_eq!(
            refused(&flip_bit(&token, 2, 31), &opts),
            TokenErrorCode::BadSignature
        );
    }
}

#[test]
fn a_stripped_signature_is_a_bad_signature() {
    for (token, opts) in [(hs256(&claims()), hs_opts()), (eddsa(&claims()), ed_opts())] {
        let (input, _) = token.rsplit_once('.').unwrap();
        assert_eq!(
            refused(&format!("{input}."), &opts),
            TokenErrorCode::BadSignature
        );
        // Without the final dot it is no longer a compact JWS.
        assert_eq!(refused(input, &opts), TokenErrorCode::Malformed);
    }
}

#[test]
fn a_truncated_or_extended_signature_is_a_bad_signature() {
    for (token, opts) in [(hs256(&claims()), hs_opts()), (eddsa(&claims()), ed_opts())] {
        let (input, sig) = token.rsplit_once('.').unwrap();
        let mut bytes = B64.decode(sig).unwrap();
        bytes.pop();
        assert_eq!(
            refused(&format!("{input}.{}", b64(&bytes)), &opts),
            TokenErrorCode::BadSignature
        );
        bytes.extend([0, 0]);
        assert_eq!(
            refused(&format!("{input}.{}", b64(&bytes)), &opts),
            TokenErrorCode::BadSignature
        );
    }
}

#[test]
fn a_token_signed_with_another_secret_is_a_bad_signature() {
    let token = hs256_with(
        b"another secret, also 32 bytes long!",
        &json!({"alg": "HS256"}),
        &claims(),
    );
    assert_eq!(refused(&token, &hs_opts()), TokenErrorCode::BadSignature);
}

#[test]
fn claims_are_not_read_before_the_signature_verifies() {
    // Expired, wrong issuer, unknown tier and not even JSON: still a bad signature.
    let header = b64(br#"{"alg":"HS256"}"#);
    for payload in [
        with(claims(), "exp", json!(1)).to_string(),
        with(claims(), "tier", json!("root")).to_string(),
        "not json".to_owned(),
    ] {
        let token = format!("{header}.{}.{}", b64(payload.as_bytes()), b64(&[0; 32]));
        assert_eq!(refused(&token, &hs_opts()), TokenErrorCode::BadSignature);
    }
}

// ---- claims ------------------------------------------------------------------------

#[test]
fn expiry_is_exclusive_and_required() {
    let at = |exp: i64| hs256(&with(claims(), "exp", json!(exp)));
    assert_eq!(refused(&at(NOW - 1), &hs_opts()), TokenErrorCode::Expired);
    assert_eq!(refused(&at(NOW), &hs_opts()), TokenErrorCode::Expired);
    assert!(verify_agent_token(&at(NOW + 1), &hs_opts(), now()).is_ok());
    assert_eq!(
        refused(&hs256(&without(claims(), "exp")), &hs_opts()),
        TokenErrorCode::BadClaims
    );
}

#[test]
fn leeway_lets_a_just_expired_token_pass() {
    let token = hs256(&with(claims(), "exp", json!(NOW - 30)));
    assert!(verify_agent_token(&token, &hs_opts().with_leeway(60), now()).is_ok());
    assert_eq!(
        refused(&token, &hs_opts().with_leeway(30)),
        TokenErrorCode::Expired
    );
}

#[test]
fn a_token_not_yet_valid_is_refused_unless_within_the_leeway() {
    let token = hs256(&with(claims(), "nbf", json!(NOW + 30)));
    assert_eq!(refused(&token, &hs_opts()), TokenErrorCode::NotYetValid);
    assert_eq!(
        refused(&token, &hs_opts().with_leeway(29)),
        TokenErrorCode::NotYetValid
    );
    assert!(verify_agent_token(&token, &hs_opts().with_leeway(30), now()).is_ok());
    let at_nbf = hs256(&with(claims(), "nbf", json!(NOW)));
    assert!(verify_agent_token(&at_nbf, &hs_opts(), now()).is_ok());
}

#[test]
fn a_wrong_or_missing_issuer_is_refused() {
    for claims in [
        with(claims(), "iss", json!("evil")),
        with(claims(), "iss", json!("meshguard ")),
        without(claims(), "iss"),
    ] {
        assert_eq!(
            refused(&hs256(&claims), &hs_opts()),
            TokenErrorCode::WrongIssuer
        );
    }
    let token = hs256(&claims());
    assert_eq!(
        refused(&token, &hs_opts().with_issuer("other")),
        TokenErrorCode::WrongIssuer
    );
}

#[test]
fn known_claims_of_the_wrong_type_are_bad_claims() {
    for (name, value) in [
        ("sub", json!(42)),
        ("sub", json!("")),
        ("tags", json!("finance")),
        ("tags", json!([1])),
        ("exp", json!("1800000600")),
        ("nbf", json!([NOW])),
        ("iat", json!(null)),
        ("name", json!(false)),
        ("orgId", json!({})),
        ("iss", json!(["meshguard"])),
    ] {
        let token = hs256(&with(claims(), name, value.clone()));
        assert_eq!(
            refused(&token, &hs_opts()),
            TokenErrorCode::BadClaims,
            "{name}: {value}"
        );
    }
    assert_eq!(
        refused(&hs256(&without(claims(), "sub")), &hs_opts()),
        TokenErrorCode::BadClaims
    );
}

#[test]
fn an_unknown_tier_is_refused() {
    for claims in [
        with(claims(), "tier", json!("superuser")),
        with(claims(), "trust", json!("root")),
    ] {
        assert_eq!(
            refused(&hs256(&claims), &hs_opts()),
            TokenErrorCode::UnknownTier
        );
    }
}

#[test]
fn expiry_is_checked_before_the_issuer() {
    let claims = with(with(claims(), "exp", json!(NOW - 1)), "iss", json!("evil"));
    assert_eq!(
        refused(&hs256(&claims), &hs_opts()),
        TokenErrorCode::Expired
    );
}

#[test]
fn repeated_claims_are_malformed() {
    let header = b64(br#"{"alg":"HS256"}"#);
    let payload = b64(format!(
        r#"{{"sub":"agent-1","sub":"admin","iss":"meshguard","exp":{}}}"#,
        NOW + 60
    )
    .as_bytes());
    let input = format!("{header}.{payload}");
    let token = format!("{input}.{}", b64(&hmac(SECRET, &input)));
    assert_eq!(refused(&token, &hs_opts()), TokenErrorCode::Malformed);
}

// ---- shape -------------------------------------------------------------------------

#[test]
fn a_one_megabyte_token_is_refused_quickly() {
    let huge = format!(
        "{}.{}.{}",
        "a".repeat(500_000),
        "b".repeat(500_000),
        "c".repeat(48_576)
    );
    let started = Instant::now();
    let err = verify_agent_token(&huge, &hs_opts(), now()).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(err.code, TokenErrorCode::Malformed);
    assert!(err.message.len() < 100, "{}", err.message);
}

#[test]
fn tokens_without_three_parts_are_malformed() {
    let token = hs256(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        String::new(),
        parts[0].to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{token}.{}", parts[2]),
        format!("{token}."),
        "...".to_owned(),
    ] {
        assert_eq!(
            refused(&bad, &hs_opts()),
            TokenErrorCode::Malformed,
            "{bad}"
        );
    }
}

#[test]
fn bad_base64url_is_malformed() {
    let token = hs256(&claims());
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, sig) = rest.split_once('.').unwrap();
    let std_b64 = base64::engine::general_purpose::STANDARD.encode(hmac(SECRET, "x"));
    for bad in [
        format!("{header}*.{payload}.{sig}"),
        format!("{header}.{payload}=.{sig}"),
        format!("{header}.{payload}.{sig}="),
        format!("{header}.{payload}.{std_b64}"),
        format!("{header}A.{payload}.{sig}"),
        format!("{header}.{payload}.{sig}\n"),
        format!("Bearer {token}"),
    ] {
        assert_eq!(
            refused(&bad, &hs_opts()),
            TokenErrorCode::Malformed,
            "{bad}"
        );
    }
}

#[test]
fn a_header_that_is_not_a_json_object_is_malformed() {
    let payload = b64(claims().to_string().as_bytes());
    for header in [
        "HS256",
        "[\"HS256\"]",
        "{\"alg\":\"HS256\"",
        "",
        "{\"alg\":\"HS256\",\"alg\":\"none\"}",
    ] {
        let input = format!("{}.{payload}", b64(header.as_bytes()));
        let token = format!("{input}.{}", b64(&hmac(SECRET, &input)));
        assert_eq!(
            refused(&token, &hs_opts()),
            TokenErrorCode::Malformed,
            "{header}"
        );
    }
}

// ---- keys --------------------------------------------------------------------------

#[test]
fn a_secret_shorter_than_32_bytes_is_refused_at_construction() {
    let short = &SECRET[..31];
    assert_eq!(
        VerifyKey::hs256(short).unwrap_err().code,
        TokenErrorCode::BadKey
    );
    let err = SigningKey::hs256(short).unwrap_err();
    assert_eq!(err.code, TokenErrorCode::BadKey);
    assert!(!err.message.contains("meshguard test"), "{}", err.message);
}

#[test]
fn error_messages_never_contain_the_private_key() {
    let bad_jwks = [
        format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}"}}"#),
        format!(r#"{{"kty":"OKP","crv":"X25519","d":"{D}"}}"#),
        format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}A"}}"#),
        format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}","x":"{D}"}}"#),
        format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}","d":"{D}"}}"#),
        format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}"#),
    ];
    for (i, jwk) in bad_jwks.iter().enumerate() {
        let result = if i == 0 {
            VerifyKey::parse_public_key(jwk).map(|_| ())
        } else {
            SigningKey::parse_private_key(jwk).map(|_| ())
        };
        let err = result.unwrap_err();
        assert_eq!(err.code, TokenErrorCode::BadKey, "{jwk}");
        assert!(!err.message.contains(&D[..8]), "{}", err.message);
    }
}

// ---- properties --------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Changing any one character of a valid token never yields an accepted token.
    #[test]
    fn no_single_character_change_is_accepted(
        eddsa_key in any::<bool>(),
        at in any::<prop::sample::Index>(),
        with_char in prop::sample::select(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=".to_vec()
        ),
    ) {
        let (token, opts) = if eddsa_key {
            (eddsa(&claims()), ed_opts())
        } else {
            (hs256(&claims()), hs_opts())
        };
        let mut bytes = token.clone().into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != with_char);
        bytes[i] = with_char;
        let mutated = String::from_utf8(bytes).unwrap();
        prop_assert!(verify_agent_token(&mutated, &opts, now()).is_err());
    }

    /// Arbitrary text is refused without panicking.
    #[test]
    fn arbitrary_text_is_refused(text in "[A-Za-z0-9_.=-]{0,200}|\\PC{0,100}") {
        prop_assert!(verify_agent_token(&text, &hs_opts(), now()).is_err());
        prop_assert!(verify_agent_token(&text, &ed_opts(), now()).is_err());
    }

    /// Any agent survives issue and verification with either key.
    #[test]
    fn issued_agents_verify_unchanged(
        id in "\\PC{1,20}",
        name in "\\PC{0,20}",
        tier in prop::sample::select(TrustTier::ALL.to_vec()),
        tags in prop::collection::vec("\\PC{0,8}", 0..4),
        org in prop::option::of("\\PC{0,8}"),
        eddsa_key in any::<bool>(),
    ) {
        let mut agent = Agent::new(&id).with_name(&name).with_tier(tier)
            .with_tags(tags.iter().map(String::as_str));
        if let Some(org) = &org {
            agent = agent.with_org(org);
        }
        let key = if eddsa_key {
            SigningKey::ed25519_raw(D).unwrap()
        } else {
            SigningKey::hs256(SECRET).unwrap()
        };
        let opts = VerifyOptions::new(key.verify_key());
        let token = issue_agent_token(&agent, &IssueOptions::new(key, now())).unwrap();
        prop_assert_eq!(verify_agent_token(&token, &opts, now()).unwrap().agent, agent);
    }
}
