//! Compact JWS (RFC 7515 §7.1): unpadded base64url, splitting, header checks, and
//! HS256/EdDSA signatures. Knows nothing of agent claims.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use hmac::Mac as _;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::error::{TokenError, TokenErrorCode};
use super::keys::{SigningKey, VerifyKey};
use crate::json::{self, field};
use crate::text::truncate;

/// Unpadded base64url (RFC 7515 §2).
pub(crate) fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict unpadded base64url: `=` padding, other alphabets, whitespace and
/// non-canonical final characters are refused. The error names no input characters.
pub(crate) fn b64url_decode(text: &str) -> Result<Vec<u8>, String> {
    if let Some(at) = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err(if text.as_bytes().get(at) == Some(&b'=') {
            "is padded with '=', which base64url in JWS does not use".to_owned()
        } else {
            format!("has a character outside base64url at offset {at}")
        });
    }
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| "is not valid base64url (its length or last character is off)".to_owned())
}

/// A JSON object read into `T` (a header, claims, a JWK) with [`json::parse`], which
/// refuses a repeated member name: parsers resolve one differently, so it makes the
/// text invalid (RFC 7515 §5.2 step 4). The error completes `the token's header…`:
/// ` is not a JSON object`, ` is not valid JSON: duplicate key "alg" at line 1
/// column 18`, `: alg: expected a string, found 1`.
pub(crate) fn read_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| " is not UTF-8 text".to_owned())?;
    let value = json::parse(text).map_err(|e| format!(" is {e}"))?;
    if !value.is_object() {
        return Err(" is not a JSON object".to_owned());
    }
    json::read(value).map_err(|e| format!(": {e}"))
}

/// The header members this crate acts on; others (`kid`, `jwk`, `jku`) are ignored.
/// A member that is present must have its type: `null` is not absent here.
#[derive(Deserialize)]
struct Header {
    #[serde(default, deserialize_with = "field::not_null")]
    alg: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    typ: Option<String>,
    #[serde(default, deserialize_with = "field::not_null")]
    crit: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "field::not_null")]
    b64: Option<bool>,
}

/// A compact JWS whose three parts decoded and whose header is a JSON object.
struct Parts<'t> {
    signing_input: &'t str,
    header: Header,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

/// Checks size and shape and decodes the parts; all failures are `malformed`.
fn split(token: &str, max_token_bytes: usize) -> Result<Parts<'_>, TokenError> {
    if token.len() > max_token_bytes {
        return Err(TokenError::malformed(format!(
            "the token is {} bytes, over the limit of {max_token_bytes}",
            token.len()
        )));
    }
    let mut pieces = token.splitn(4, '.');
    let (Some(header), Some(payload), Some(signature), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(TokenError::malformed(format!(
            "a compact JWS has three parts separated by '.'; this token has {}",
            token.split('.').count()
        )));
    };
    let signing_input = token
        .get(..header.len() + 1 + payload.len())
        .ok_or_else(|| TokenError::malformed("the token could not be split"))?;
    if header.is_empty() {
        return Err(TokenError::malformed("the token's header part is empty"));
    }
    let decode = |part: &str, name: &str| {
        b64url_decode(part).map_err(|e| TokenError::malformed(format!("the token's {name} {e}")))
    };
    let header_bytes = decode(header, "header")?;
    let payload = decode(payload, "payload")?;
    let signature = decode(signature, "signature")?;
    let header = read_object(&header_bytes)
        .map_err(|e| TokenError::malformed(format!("the token's header{e}")))?;
    Ok(Parts {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// The `alg` values a key accepts: exactly its own algorithm.
fn accepted_algs(key: &VerifyKey) -> &'static [&'static str] {
    match key {
        VerifyKey::Hs256(_) => &["HS256"],
        // `Ed25519` is the fully specified name RFC 9864 gives the same algorithm.
        VerifyKey::Ed25519(_) => &["EdDSA", "Ed25519"],
    }
}

/// `alg` first (`alg_not_allowed`), then `typ`, `crit` and `b64` (`malformed`).
fn check_header(header: &Header, key: &VerifyKey) -> Result<(), TokenError> {
    let alg = header
        .alg
        .as_deref()
        .ok_or_else(|| TokenError::malformed("the header has no alg"))?;
    let accepted = accepted_algs(key);
    if !accepted.contains(&alg) {
        let message = if alg.eq_ignore_ascii_case("none") {
            "unsecured tokens (alg \"none\") are never accepted".to_owned()
        } else {
            format!(
                "alg {:?} is not allowed: the configured key verifies only {}",
                truncate(alg, 24),
                key.algorithm()
            )
        };
        return Err(TokenError::new(TokenErrorCode::AlgNotAllowed, message));
    }
    if let Some(typ) = header.typ.as_deref().filter(|typ| {
        !typ.eq_ignore_ascii_case("JWT") && !typ.eq_ignore_ascii_case("application/jwt")
    }) {
        return Err(TokenError::malformed(format!(
            "the header's typ {:?} is not \"JWT\"",
            truncate(typ, 32)
        )));
    }
    if header.crit.is_some() {
        return Err(TokenError::malformed(
            "the header marks extensions as critical (crit), and none are supported",
        ));
    }
    if header.b64 == Some(false) {
        return Err(TokenError::malformed(
            "unencoded payloads (b64) are not supported",
        ));
    }
    Ok(())
}

/// Verifies the signature over `signing_input`; HS256 tags are compared in constant time.
fn check_signature(
    signing_input: &str,
    signature: &[u8],
    key: &VerifyKey,
) -> Result<(), TokenError> {
    let bad = |message: String| TokenError::new(TokenErrorCode::BadSignature, message);
    if signature.is_empty() {
        return Err(bad("the token has no signature".to_owned()));
    }
    match key {
        VerifyKey::Hs256(secret) => {
            let mut mac = secret.mac();
            mac.update(signing_input.as_bytes());
            mac.verify_slice(signature)
                .map_err(|_| bad("the HS256 signature does not match".to_owned()))
        }
        VerifyKey::Ed25519(public) => {
            let bytes = <[u8; 64]>::try_from(signature).map_err(|_| {
                bad(format!(
                    "an EdDSA signature has 64 bytes; this one has {}",
                    signature.len()
                ))
            })?;
            public
                .verify_strict(
                    signing_input.as_bytes(),
                    &ed25519_dalek::Signature::from_bytes(&bytes),
                )
                .map_err(|_| bad("the EdDSA signature does not verify".to_owned()))
        }
    }
}

/// Verifies a compact JWS and returns its payload bytes, unread.
///
/// Checks, in order: size (at most `max_token_bytes`), three parts of strict unpadded
/// base64url and a JSON header object without repeated members (`malformed`); `alg`
/// exactly the key's algorithm (`alg_not_allowed`); `typ` absent or `JWT`, no `crit`
/// (`malformed`); the signature (`bad_signature`, also for an empty one). Unsigned
/// header members like `jwk`, `jku` and `kid` are ignored: the key is the caller's.
pub fn verify_jws(
    token: &str,
    key: &VerifyKey,
    max_token_bytes: usize,
) -> Result<Vec<u8>, TokenError> {
    let parts = split(token, max_token_bytes)?;
    check_header(&parts.header, key)?;
    check_signature(parts.signing_input, &parts.signature, key)?;
    Ok(parts.payload)
}

/// Signs `payload` as a compact JWS with the header `{"alg":…}` (no `typ`), the form
/// of the RFC 8037 examples. Agent tokens use [`super::issue_agent_token`].
pub fn sign_jws(payload: &[u8], key: &SigningKey) -> String {
    sign_compact(&format!(r#"{{"alg":"{}"}}"#, key.algorithm()), payload, key)
}

/// `header.payload.signature` with `header_json` taken verbatim.
pub(crate) fn sign_compact(header_json: &str, payload: &[u8], key: &SigningKey) -> String {
    let mut token = b64url_encode(header_json.as_bytes());
    token.push('.');
    token.push_str(&b64url_encode(payload));
    let signature = match key {
        SigningKey::Hs256(secret) => {
            let mut mac = secret.mac();
            mac.update(token.as_bytes());
            b64url_encode(&mac.finalize().into_bytes())
        }
        SigningKey::Ed25519(private) => b64url_encode(&private.sign(token.as_bytes()).to_bytes()),
    };
    token.push('.');
    token.push_str(&signature);
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a shared secret of at least 32 bytes!!";

    fn hs_token(header: &str, payload: &[u8]) -> String {
        sign_compact(header, payload, &SigningKey::hs256(SECRET).unwrap())
    }

    fn verify(token: &str) -> Result<Vec<u8>, TokenError> {
        verify_jws(token, &VerifyKey::hs256(SECRET).unwrap(), 8192)
    }

    fn code(token: &str) -> TokenErrorCode {
        verify(token).unwrap_err().code
    }

    #[test]
    fn base64url_is_strict_and_unpadded() {
        assert_eq!(b64url_decode("AQID").unwrap(), [1, 2, 3]);
        assert_eq!(b64url_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(b64url_encode(&[0xfb, 0xff]), "-_8");
        assert!(b64url_decode("AQ==").unwrap_err().contains("padded"));
        assert!(b64url_decode("+/8").unwrap_err().contains("offset 0"));
        assert!(b64url_decode("A").is_err());
        // Non-zero trailing bits are a second spelling of the same bytes.
        assert!(b64url_decode("AR").is_err());
        assert!(b64url_decode("AQ").is_ok());
        assert!(b64url_decode(" AQ").is_err());
    }

    #[test]
    fn objects_are_read_strictly() {
        let read = |bytes: &[u8]| read_object::<Header>(bytes).map(|_| ());
        assert!(read(br#"{"a":1,"b":2}"#).is_ok());
        assert_eq!(
            read(br#"{"a":1,"a":1}"#).unwrap_err(),
            r#" is not valid JSON: duplicate key "a" at line 1 column 10"#
        );
        assert_eq!(read(b"[1]").unwrap_err(), " is not a JSON object");
        assert_eq!(read(b"\"\xff\"").unwrap_err(), " is not UTF-8 text");
        assert_eq!(
            read(br#"{"a":1} x"#).unwrap_err(),
            " is not valid JSON: trailing characters at line 1 column 9"
        );
        assert_eq!(
            read(br#"{"alg":1}"#).unwrap_err(),
            ": alg: expected a string, found 1"
        );
        assert_eq!(
            read(br#"{"alg":null}"#).unwrap_err(),
            ": alg: expected a string, found null"
        );
    }

    #[test]
    fn a_signed_token_verifies_and_yields_its_payload() {
        let token = hs_token(r#"{"alg":"HS256","typ":"jwt"}"#, b"hello");
        assert_eq!(verify(&token).unwrap(), b"hello");
        assert_eq!(verify(&hs_token(r#"{"alg":"HS256"}"#, b"")).unwrap(), b"");
    }

    #[test]
    fn header_checks_follow_alg() {
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS512"}"#, b"x")),
            TokenErrorCode::AlgNotAllowed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"none"}"#, b"x")),
            TokenErrorCode::AlgNotAllowed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"NONE"}"#, b"x")),
            TokenErrorCode::AlgNotAllowed
        );
        assert_eq!(
            code(&hs_token(r#"{"typ":"JWT"}"#, b"x")),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":1}"#, b"x")),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS256","typ":"at+jwt"}"#, b"x")),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#, b"x")),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(
                r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
                b"x"
            )),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS256","alg":"HS256"}"#, b"x")),
            TokenErrorCode::Malformed
        );
        // A repeated member the header check ignores is refused all the same.
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS256","kid":"a","kid":"b"}"#, b"x")),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS256","crit":null}"#, b"x")),
            TokenErrorCode::Malformed
        );
        assert_eq!(
            code(&hs_token(r#"{"alg":"HS256","typ":null}"#, b"x")),
            TokenErrorCode::Malformed
        );
    }

    #[test]
    fn shape_errors_are_malformed() {
        let good = hs_token(r#"{"alg":"HS256"}"#, b"x");
        assert_eq!(code(""), TokenErrorCode::Malformed);
        assert_eq!(code(".."), TokenErrorCode::Malformed);
        assert_eq!(code(&format!("{good}.")), TokenErrorCode::Malformed);
        assert_eq!(code(&format!(" {good}")), TokenErrorCode::Malformed);
        let err = verify_jws(&good, &VerifyKey::hs256(SECRET).unwrap(), 10).unwrap_err();
        assert_eq!(err.code, TokenErrorCode::Malformed);
        assert!(err.message.contains("limit of 10"), "{}", err.message);
    }

    #[test]
    fn empty_and_short_signatures_are_bad_signatures() {
        let good = hs_token(r#"{"alg":"HS256"}"#, b"x");
        let (input, sig) = good.rsplit_once('.').unwrap();
        assert_eq!(code(&format!("{input}.")), TokenErrorCode::BadSignature);
        let short = sig.get(..sig.len() - 3).unwrap();
        assert_eq!(
            code(&format!("{input}.{short}")),
            TokenErrorCode::BadSignature
        );
    }
}
