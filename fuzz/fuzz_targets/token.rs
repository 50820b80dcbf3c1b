//! `token`: agent JWTs, verified with an HS256 secret and with an Ed25519 key.
//!
//! First byte even: the rest is a token as text, verified with both keys. First
//! byte odd: the rest drives claims, a key and one edit; the target signs the claims
//! and verifies the (possibly edited) token. Either way no panic, and a token is
//! accepted only if an independent oracle agrees: the signature checks with the
//! primitives directly over `header.payload`, the header's `alg` is the key's, and
//! the claims are valid at `now` (`exp` present and ahead, `nbf` not ahead, `iss`
//! `meshguard`, `sub` a non-empty string). A correctly signed unedited token with
//! valid claims must be accepted.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use meshguard_policy::identity::{SigningKey, VerifyOptions, sign_jws, verify_agent_token};
use meshguard_policy::time::Timestamp;
use serde_json::{Value, json};

const SECRET: &[u8] = b"meshguard-fuzz-secret-of-32-bytes-or-more";
/// An Ed25519 seed (RFC 8037 appendix A.1), unpadded base64url.
const SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const NOW_MS: i64 = 1_796_000_000_000;

/// The two keys, made once rather than per input.
fn keys() -> &'static [SigningKey; 2] {
    static KEYS: OnceLock<[SigningKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            SigningKey::hs256(SECRET).expect("a 41-byte secret"),
            SigningKey::ed25519_raw(SEED).expect("a valid seed"),
        ]
    })
}

/// The oracle: is `token` a correctly signed, currently valid agent token for `key`?
fn oracle(token: &str, key: &SigningKey) -> bool {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    let (Some(header), Some(payload), Some(sig)) = (decode(h), decode(p), decode(s)) else {
        return false;
    };
    let signing_input = format!("{h}.{p}");
    let signed = match key {
        SigningKey::Hs256(_) => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).expect("any key size");
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&sig).is_ok()
        }
        SigningKey::Ed25519(k) => <[u8; 64]>::try_from(sig.as_slice()).is_ok_and(|b| {
            k.verifying_key()
                .verify_strict(
                    signing_input.as_bytes(),
                    &ed25519_dalek::Signature::from_bytes(&b),
                )
                .is_ok()
        }),
    };
    let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(&header) else {
        return false;
    };
    let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&payload) else {
        return false;
    };
    let now = NOW_MS as f64 / 1000.0;
    let date = |name: &str| claims.get(name).and_then(Value::as_f64);
    signed
        && header.get("alg").and_then(Value::as_str) == Some(key.algorithm())
        && date("exp").is_some_and(|exp| now < exp)
        && date("nbf").is_none_or(|nbf| now >= nbf)
        && claims.get("iss").and_then(Value::as_str) == Some("meshguard")
        && claims
            .get("sub")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
}

fn verify(token: &str, key: &SigningKey) -> bool {
    let opts = VerifyOptions::new(key.verify_key());
    verify_agent_token(
        token,
        &opts,
        Timestamp::from_millis(NOW_MS).expect("in range"),
    )
    .is_ok()
}

/// Claims drawn from the fuzzer, mostly of the right types.
#[derive(Arbitrary, Debug)]
struct Claims {
    exp: Option<i32>,
    nbf: Option<i32>,
    iss: u8,
    sub: Option<String>,
    tier: u8,
    name: Option<String>,
    tags: Vec<String>,
    extra: Option<(String, i64)>,
}

impl Claims {
    fn payload(&self) -> Value {
        let now = NOW_MS / 1000;
        let mut c = json!({});
        if let Some(e) = self.exp {
            c["exp"] = json!(now + i64::from(e));
        }
        if let Some(n) = self.nbf {
            c["nbf"] = json!(now + i64::from(n));
        }
        match self.iss % 4 {
            0 | 1 => c["iss"] = json!("meshguard"),
            2 => c["iss"] = json!("someone-else"),
            _ => {}
        }
        if let Some(s) = &self.sub {
            c["sub"] = json!(s);
        }
        match self.tier % 4 {
            0 => {}
            1 => c["tier"] = json!("verified"),
            2 => c["trust"] = json!("privileged"),
            _ => c["tier"] = json!("root"),
        }
        if let Some(n) = &self.name {
            c["name"] = json!(n);
        }
        c["tags"] = json!(self.tags);
        if let Some((k, v)) = &self.extra {
            c[k.as_str()] = json!(v);
        }
        c
    }

    /// Valid beyond what [`oracle`] checks: a known tier, no claim of the wrong type.
    fn well_typed(&self) -> bool {
        self.tier % 4 != 3
            && self.extra.as_ref().is_none_or(|(k, _)| {
                ![
                    "exp", "nbf", "iat", "iss", "sub", "name", "tags", "tier", "trust", "orgId",
                    "org",
                ]
                .contains(&k.as_str())
            })
    }
}

#[derive(Arbitrary, Debug)]
enum Edit {
    None,
    Byte { at: u16, to: u8 },
    Cut { at: u16 },
    WrongKey,
}

fn structured(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let claims = Claims::arbitrary(&mut u)?;
    let which = usize::from(u8::arbitrary(&mut u)? & 1);
    let edit = Edit::arbitrary(&mut u)?;
    let keys = keys();
    let key = &keys[which];
    let payload = claims.payload().to_string();
    let mut token = sign_jws(payload.as_bytes(), key);
    let accepted_unedited = verify(&token, key);
    if oracle(&token, key) && claims.well_typed() {
        assert!(accepted_unedited, "a valid token was refused: {payload}");
    }
    match edit {
        Edit::None => {}
        Edit::Byte { at, to } => {
            let mut bytes = token.into_bytes();
            let len = bytes.len();
            bytes[usize::from(at) % len] = to;
            token = String::from_utf8_lossy(&bytes).into_owned();
        }
        Edit::Cut { at } => token.truncate(usize::from(at) % token.len()),
        Edit::WrongKey => token = sign_jws(payload.as_bytes(), &keys[1 - which]),
    }
    for k in keys {
        if verify(&token, k) {
            assert!(oracle(&token, k), "accepted by {}: {token}", k.algorithm());
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, rest)) if mode & 1 == 1 => {
            let _ = structured(rest);
        }
        Some((_, rest)) => {
            let token = String::from_utf8_lossy(rest);
            for k in keys() {
                if verify(&token, k) {
                    assert!(oracle(&token, k), "accepted by {}: {token}", k.algorithm());
                }
            }
        }
        None => {}
    }
});
