//! Compact JSON Web Tokens: HS256 signing and verification, and unverified decoding.
//!
//! The emulator mints two kinds of JWT with its own secrets: Communication Services access
//! tokens ([`crate::tokens`]) and test Entra tokens ([`crate::entra`]). It also reads the
//! claims of Entra tokens it did not mint (the Teams exchange), whose signatures it cannot
//! check. Only what those uses need is here: `alg` is always HS256 and claims are a JSON
//! object.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use crate::auth::hmac::hmac_sha256 as mac;

/// URL-safe base64 without padding on output, either way on input.
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Tokens longer than this are refused without decoding.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The claims of a token: a JSON object.
pub(crate) type Claims = Map<String, Value>;

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JwtError {
    /// Not three base64url parts holding a JSON header and a JSON object of claims.
    Malformed,
    /// The header names another algorithm or key.
    WrongKey,
    /// The signature does not match.
    BadSignature,
}

/// Signs `claims` with HS256 under `key`, naming the key `kid` in the header.
pub(crate) fn sign(key: &[u8], kid: &str, claims: &Claims) -> String {
    let header = json!({ "alg": "HS256", "kid": kid, "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        BASE64_URL.encode(header.to_string()),
        BASE64_URL.encode(Value::Object(claims.clone()).to_string())
    );
    let signature = BASE64_URL.encode(mac(key, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Checks an HS256 token signed under `key` with header `kid`, and returns its claims.
///
/// Expiry is not checked here; callers compare `exp` with their clock.
pub(crate) fn verify(key: &[u8], kid: &str, token: &str) -> Result<Claims, JwtError> {
    let (header, claims, signature) = split(token)?;

    let alg = header.get("alg").and_then(Value::as_str);
    let header_kid = header.get("kid").and_then(Value::as_str);
    if alg != Some("HS256") || header_kid != Some(kid) {
        return Err(JwtError::WrongKey);
    }

    let signing_input_len = token.len() - signature.len() - 1;
    let expected = mac(key, &token.as_bytes()[..signing_input_len]);
    let given = BASE64_URL
        .decode(signature)
        .map_err(|_| JwtError::BadSignature)?;
    if bool::from(expected.as_slice().ct_eq(given.as_slice())) {
        Ok(claims)
    } else {
        Err(JwtError::BadSignature)
    }
}

/// Returns the claims of a token without checking its signature.
pub(crate) fn decode_unverified(token: &str) -> Result<Claims, JwtError> {
    split(token).map(|(_, claims, _)| claims)
}

/// The `exp` claim as whole seconds since the epoch, if it is a number.
pub(crate) fn expiry(claims: &Claims) -> Option<i64> {
    let exp = claims.get("exp")?;
    exp.as_i64().or_else(|| {
        exp.as_f64()
            .filter(|f| f.is_finite())
            .map(|f| f.floor() as i64)
    })
}

/// Splits a token into its decoded header, decoded claims and the raw signature part.
fn split(token: &str) -> Result<(Claims, Claims, &str), JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    Ok((json_object(header)?, json_object(claims)?, signature))
}

fn json_object(part: &str) -> Result<Claims, JwtError> {
    let bytes = BASE64_URL.decode(part).map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        let Value::Object(map) = json!({ "sub": "someone", "exp": 1_700_000_000 }) else {
            unreachable!()
        };
        map
    }

    #[test]
    fn signed_tokens_verify_under_the_same_key_only() {
        let token = sign(b"secret", "k1", &claims());

        assert_eq!(verify(b"secret", "k1", &token), Ok(claims()));
        assert_eq!(verify(b"other", "k1", &token), Err(JwtError::BadSignature));
        assert_eq!(verify(b"secret", "k2", &token), Err(JwtError::WrongKey));
    }

    #[test]
    fn tampered_claims_fail_verification() {
        let token = sign(b"secret", "k1", &claims());
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = BASE64_URL.encode(r#"{"sub":"someone-else","exp":1700000000}"#);
        parts[1] = &forged;

        assert_eq!(
            verify(b"secret", "k1", &parts.join(".")),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn decodes_claims_without_a_signature_check() {
        let token = format!(
            "{}.{}.",
            BASE64_URL.encode(r#"{"alg":"none"}"#),
            BASE64_URL.encode(r#"{"oid":"x","exp":12.7}"#)
        );
        let claims = decode_unverified(&token).unwrap();

        assert_eq!(claims["oid"], "x");
        assert_eq!(expiry(&claims), Some(12));
    }

    #[test]
    fn refuses_malformed_tokens() {
        for token in ["", "invalid", "a.b", "a.b.c.d", "!!.!!.!!", "e30.W10.x"] {
            assert_eq!(
                decode_unverified(token),
                Err(JwtError::Malformed),
                "{token:?}"
            );
        }
        assert_eq!(
            decode_unverified(&"a".repeat(MAX_TOKEN_LEN + 1)),
            Err(JwtError::Malformed)
        );
    }
}
