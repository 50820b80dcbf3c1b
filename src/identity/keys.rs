//! Keys: HS256 secrets and Ed25519 keys, read from bytes, raw base64url or a JWK
//! (RFC 8037 `{"kty":"OKP","crv":"Ed25519","x":…}`). No key generation: callers bring
//! keys, so the core needs no random number generator.

use std::fmt;

use ed25519_dalek::VerifyingKey;
use hmac::{Hmac, KeyInit};
use sha2::Sha256;

use super::error::TokenError;
use serde::Deserialize;

use super::jwt::{b64url_decode, b64url_encode, read_object};
use crate::text::truncate;

/// The shortest HS256 secret accepted: 256 bits, the size of the MAC (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// An HS256 secret of at least [`MIN_SECRET_BYTES`], held as the keyed HMAC state.
/// Its `Debug` output shows nothing of the key.
#[derive(Clone)]
pub struct Secret {
    mac: Hmac<Sha256>,
}

impl Secret {
    /// A secret from its bytes; fewer than 32 bytes is a `bad_key` error.
    pub fn new(bytes: &[u8]) -> Result<Secret, TokenError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TokenError::bad_key(format!(
                "an HS256 secret needs at least {MIN_SECRET_BYTES} bytes (256 bits); this one has {}",
                bytes.len()
            )));
        }
        let mac = Hmac::<Sha256>::new_from_slice(bytes)
            .map_err(|_| TokenError::bad_key("the HS256 secret could not key HMAC-SHA-256"))?;
        Ok(Secret { mac })
    }

    /// A fresh HMAC-SHA-256 keyed with this secret.
    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        self.mac.clone()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A key that verifies agent tokens. Each key accepts exactly one algorithm, so a
/// token cannot choose how it is checked (no `alg` confusion).
#[derive(Clone, Debug)]
pub enum VerifyKey {
    /// A shared secret; accepts `alg: HS256`.
    Hs256(Secret),
    /// An Ed25519 public key; accepts `alg: EdDSA` (and its RFC 9864 name `Ed25519`).
    Ed25519(VerifyingKey),
}

impl VerifyKey {
    /// An HS256 verifier; a secret under 32 bytes is refused (`bad_key`).
    pub fn hs256(secret: &[u8]) -> Result<VerifyKey, TokenError> {
        Secret::new(secret).map(VerifyKey::Hs256)
    }

    /// An Ed25519 verifier from a public JWK: `{"kty":"OKP","crv":"Ed25519","x":…}`.
    /// A JWK that holds the private part (`d`) is refused, so signing keys do not end
    /// up in verifier configuration.
    pub fn ed25519_jwk(json: &str) -> Result<VerifyKey, TokenError> {
        let jwk = Jwk::read(json)?;
        if jwk.d.is_some() {
            return Err(TokenError::bad_key(
                "this JWK holds a private key (\"d\"); give the verifier only the public key",
            ));
        }
        let x = jwk
            .x
            .ok_or_else(|| TokenError::bad_key("the JWK has no public key (\"x\")"))?;
        public_key(&x, "the JWK's \"x\"").map(VerifyKey::Ed25519)
    }

    /// An Ed25519 verifier from the 32-byte public key in unpadded base64url.
    pub fn ed25519_raw(b64url: &str) -> Result<VerifyKey, TokenError> {
        public_key(b64url.trim(), "the raw public key").map(VerifyKey::Ed25519)
    }

    /// An Ed25519 verifier from text that is either a public JWK (it starts with `{`)
    /// or a raw base64url public key.
    pub fn parse_public_key(text: &str) -> Result<VerifyKey, TokenError> {
        let text = text.trim();
        if text.starts_with('{') {
            VerifyKey::ed25519_jwk(text)
        } else if text.starts_with("-----BEGIN") {
            Err(pem_refused())
        } else {
            VerifyKey::ed25519_raw(text)
        }
    }

    /// The JWS `alg` this key verifies: `HS256` or `EdDSA`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            VerifyKey::Hs256(_) => "HS256",
            VerifyKey::Ed25519(_) => "EdDSA",
        }
    }
}

/// A key that issues agent tokens.
#[derive(Clone)]
pub enum SigningKey {
    /// A shared secret; signs with HS256.
    Hs256(Secret),
    /// An Ed25519 private key; signs with EdDSA.
    Ed25519(ed25519_dalek::SigningKey),
}

impl SigningKey {
    /// An HS256 signer; a secret under 32 bytes is refused (`bad_key`).
    pub fn hs256(secret: &[u8]) -> Result<SigningKey, TokenError> {
        Secret::new(secret).map(SigningKey::Hs256)
    }

    /// An Ed25519 signer from a private JWK: `{"kty":"OKP","crv":"Ed25519","d":…,"x":…}`.
    /// `x`, when given, must be the public key of `d`.
    pub fn ed25519_jwk(json: &str) -> Result<SigningKey, TokenError> {
        let jwk = Jwk::read(json)?;
        let d = jwk.d.ok_or_else(|| {
            TokenError::bad_key("the JWK has no private key (\"d\"); it can only verify")
        })?;
        let key = seed_key(&d, "the JWK's \"d\"")?;
        if let Some(x) = jwk.x {
            let given = public_key(&x, "the JWK's \"x\"")?;
            if given != key.verifying_key() {
                return Err(TokenError::bad_key(
                    "the JWK's \"x\" is not the public key of its \"d\"",
                ));
            }
        }
        Ok(SigningKey::Ed25519(key))
    }

    /// An Ed25519 signer from the 32-byte seed (the JWK `d`) in unpadded base64url.
    pub fn ed25519_raw(b64url: &str) -> Result<SigningKey, TokenError> {
        seed_key(b64url.trim(), "the raw private key").map(SigningKey::Ed25519)
    }

    /// An Ed25519 signer from text that is either a private JWK (it starts with `{`)
    /// or a raw base64url seed.
    pub fn parse_private_key(text: &str) -> Result<SigningKey, TokenError> {
        let text = text.trim();
        if text.starts_with('{') {
            SigningKey::ed25519_jwk(text)
        } else if text.starts_with("-----BEGIN") {
            Err(pem_refused())
        } else {
            SigningKey::ed25519_raw(text)
        }
    }

    /// For Ed25519, the public JWK (`{"kty":"OKP","crv":"Ed25519","x":…}`) to hand to
    /// verifiers; `None` for a shared secret, which has no public part.
    pub fn public_jwk(&self) -> Option<String> {
        match self {
            SigningKey::Hs256(_) => None,
            SigningKey::Ed25519(key) => Some(format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
                b64url_encode(key.verifying_key().as_bytes())
            )),
        }
    }

    /// The key that verifies what this key signs.
    pub fn verify_key(&self) -> VerifyKey {
        match self {
            SigningKey::Hs256(secret) => VerifyKey::Hs256(secret.clone()),
            SigningKey::Ed25519(key) => VerifyKey::Ed25519(key.verifying_key()),
        }
    }

    /// The JWS `alg` this key signs with: `HS256` or `EdDSA`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            SigningKey::Hs256(_) => "HS256",
            SigningKey::Ed25519(_) => "EdDSA",
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningKey::Hs256(secret) => f.debug_tuple("Hs256").field(secret).finish(),
            SigningKey::Ed25519(key) => f
                .debug_struct("Ed25519")
                .field("public", &b64url_encode(key.verifying_key().as_bytes()))
                .finish_non_exhaustive(),
        }
    }
}

fn pem_refused() -> TokenError {
    TokenError::bad_key(
        "PEM keys are not supported; give a JWK or the raw key in unpadded base64url",
    )
}

/// The members of an OKP JWK that matter here; others (`kid`, `key_ops`) are ignored,
/// and `null` counts as absent.
#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    d: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
}

impl Jwk {
    /// Reads and checks an Ed25519 JWK. Messages quote no member values that could
    /// be key material.
    fn read(json: &str) -> Result<Jwk, TokenError> {
        // A repeated member, which parsers resolve differently, is a syntax error.
        // Every member read is a string, so no error quotes key material.
        let jwk: Jwk =
            read_object(json.as_bytes()).map_err(|e| TokenError::bad_key(format!("the JWK{e}")))?;
        match jwk.kty.as_deref() {
            Some("OKP") => {}
            Some(other) => {
                return Err(TokenError::bad_key(format!(
                    "the JWK has kty {:?}; an Ed25519 key has kty \"OKP\"",
                    truncate(other, 16)
                )));
            }
            None => return Err(TokenError::bad_key("the JWK has no \"kty\"")),
        }
        if jwk.crv.as_deref() != Some("Ed25519") {
            return Err(TokenError::bad_key(format!(
                "the JWK has crv {:?}; only \"Ed25519\" is supported",
                truncate(jwk.crv.as_deref().unwrap_or(""), 16)
            )));
        }
        if let Some(alg) = jwk
            .alg
            .as_deref()
            .filter(|a| !matches!(*a, "EdDSA" | "Ed25519"))
        {
            return Err(TokenError::bad_key(format!(
                "the JWK is for alg {:?}, not EdDSA",
                truncate(alg, 16)
            )));
        }
        if let Some(usage) = jwk.usage.as_deref().filter(|u| *u != "sig") {
            return Err(TokenError::bad_key(format!(
                "the JWK is for use {:?}, not \"sig\"",
                truncate(usage, 16)
            )));
        }
        Ok(jwk)
    }
}

/// Exactly 32 bytes of unpadded base64url.
fn key_bytes(b64url: &str, what: &str) -> Result<[u8; 32], TokenError> {
    let bytes = b64url_decode(b64url).map_err(|e| TokenError::bad_key(format!("{what} {e}")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        TokenError::bad_key(format!(
            "{what} has {} bytes; an Ed25519 key has 32",
            bytes.len()
        ))
    })
}

fn public_key(b64url: &str, what: &str) -> Result<VerifyingKey, TokenError> {
    let bytes = key_bytes(b64url, what)?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| TokenError::bad_key(format!("{what} is not a point on Ed25519")))?;
    if key.is_weak() {
        return Err(TokenError::bad_key(format!(
            "{what} is a weak (small-order) Ed25519 key"
        )));
    }
    Ok(key)
}

fn seed_key(b64url: &str, what: &str) -> Result<ed25519_dalek::SigningKey, TokenError> {
    key_bytes(b64url, what).map(|seed| ed25519_dalek::SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::TokenErrorCode;

    // RFC 8037 appendix A.1/A.2.
    const D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn code<T: fmt::Debug>(r: Result<T, TokenError>) -> TokenErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(code(VerifyKey::hs256(&[7; 31])), TokenErrorCode::BadKey);
        assert_eq!(code(SigningKey::hs256(b"")), TokenErrorCode::BadKey);
        assert!(VerifyKey::hs256(&[7; 32]).is_ok());
    }

    #[test]
    fn bad_jwks_are_refused_without_quoting_values() {
        let message = |jwk: &str| VerifyKey::ed25519_jwk(jwk).map(|_| ()).unwrap_err().message;
        assert_eq!(
            message(r#"{"kty":"OKP","#),
            "the JWK is not valid JSON: EOF while parsing a value at line 1 column 13"
        );
        assert_eq!(message(r#"["OKP"]"#), "the JWK is not a JSON object");
        assert_eq!(
            message(&format!(
                "{{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\n\"x\":\"{X}\",\"x\":\"{X}\"}}"
            )),
            r#"the JWK is not valid JSON: duplicate key "x" at line 2 column 53"#
        );
        assert_eq!(
            message(r#"{"kty":"OKP","crv":"Ed25519","x":5}"#),
            "the JWK: x: expected a string, found 5"
        );
        let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":7,"use":null}}"#);
        assert!(VerifyKey::ed25519_jwk(&jwk).is_ok());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let key = SigningKey::hs256(b"0123456789abcdef0123456789abcdef").unwrap();
        assert!(!format!("{key:?}").contains("0123"));
        let ed = SigningKey::ed25519_raw(D).unwrap();
        let shown = format!("{ed:?}");
        assert!(!shown.contains(D) && shown.contains(X), "{shown}");
    }

    #[test]
    fn the_rfc_8037_private_key_yields_its_public_key() {
        let key = SigningKey::ed25519_jwk(&format!(
            r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}","x":"{X}"}}"#
        ))
        .unwrap();
        assert_eq!(
            key.public_jwk().unwrap(),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}"#)
        );
        let public = VerifyKey::parse_public_key(&key.public_jwk().unwrap()).unwrap();
        match (public, VerifyKey::ed25519_raw(X).unwrap()) {
            (VerifyKey::Ed25519(a), VerifyKey::Ed25519(b)) => assert_eq!(a, b),
            _ => panic!("expected Ed25519 keys"),
        }
        assert!(SigningKey::parse_private_key(D).is_ok());
        assert!(SigningKey::parse_private_key(&format!("  {D}\n")).is_ok());
    }

    #[test]
    fn mismatched_or_foreign_jwks_are_refused() {
        let other_x = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        for (jwk, private) in [
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}","x":"{other_x}"}}"#),
                true,
            ),
            (
                format!(r#"{{"kty":"OKP","crv":"X25519","x":"{X}"}}"#),
                false,
            ),
            (
                format!(r#"{{"kty":"EC","crv":"Ed25519","x":"{X}"}}"#),
                false,
            ),
            (format!(r#"{{"crv":"Ed25519","x":"{X}"}}"#), false),
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","alg":"ES256"}}"#),
                false,
            ),
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","use":"enc"}}"#),
                false,
            ),
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","x":"{X}"}}"#),
                false,
            ),
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}="}}"#),
                false,
            ),
            // A repeated member the key ignores is refused all the same.
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"a","kid":"b"}}"#),
                false,
            ),
            (
                format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{D}","x":"{X}"}}"#),
                false,
            ),
            (r#"{"kty":"OKP","crv":"Ed25519"}"#.to_owned(), false),
            (r#"{"kty":"OKP","crv":"Ed25519","x":5}"#.to_owned(), false),
            ("[1]".to_owned(), false),
        ] {
            let result = if private {
                SigningKey::ed25519_jwk(&jwk).map(|_| ())
            } else {
                VerifyKey::ed25519_jwk(&jwk).map(|_| ())
            };
            let err = result.unwrap_err();
            assert_eq!(err.code, TokenErrorCode::BadKey, "{jwk}");
            assert!(!err.message.contains(D), "{}", err.message);
        }
    }

    #[test]
    fn raw_keys_must_be_32_unpadded_bytes() {
        assert!(VerifyKey::ed25519_raw(X).is_ok());
        for bad in [
            "",
            "AAAA",
            &format!("{X}="),
            &format!("{X}AA"),
            "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        ] {
            assert_eq!(
                code(VerifyKey::ed25519_raw(bad)),
                TokenErrorCode::BadKey,
                "{bad}"
            );
        }
        // The identity point has small order.
        let identity = b64url_encode(&{
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        });
        assert_eq!(
            code(VerifyKey::ed25519_raw(&identity)),
            TokenErrorCode::BadKey
        );
        assert_eq!(
            code(VerifyKey::parse_public_key("-----BEGIN PUBLIC KEY-----")),
            TokenErrorCode::BadKey
        );
    }

    #[test]
    fn a_public_jwk_cannot_sign_and_hs256_has_no_public_jwk() {
        let public = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}"#);
        assert_eq!(
            code(SigningKey::ed25519_jwk(&public)),
            TokenErrorCode::BadKey
        );
        let secret = SigningKey::hs256(&[1; 32]).unwrap();
        assert_eq!(secret.public_jwk(), None);
        assert_eq!(secret.algorithm(), "HS256");
        assert_eq!(secret.verify_key().algorithm(), "HS256");
    }
}
