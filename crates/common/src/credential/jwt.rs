//! Reads the expiry of a Communication Services access token.
//!
//! The token is a JWT. Its signature is the service's business; the credential only needs
//! the `exp` claim (seconds since the Unix epoch) to know when to refresh, so the payload
//! segment is base64url-decoded and parsed as JSON without any verification.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use time::OffsetDateTime;

/// Why a token's expiry could not be read. The messages never contain the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ExpiryError {
    #[error("the token is empty")]
    Empty,
    #[error("the token is not a JWT (no payload segment)")]
    NotAJwt,
    #[error("the token's payload is not base64url-encoded JSON")]
    BadPayload,
    #[error("the token has no numeric `exp` claim")]
    NoExpiry,
    #[error("the token's `exp` claim is out of range")]
    ExpiryOutOfRange,
}

#[derive(Deserialize)]
struct Claims {
    exp: Option<serde_json::Number>,
}

/// The instant `token` expires, from its `exp` claim.
pub(crate) fn expires_on(token: &str) -> Result<OffsetDateTime, ExpiryError> {
    if token.trim().is_empty() {
        return Err(ExpiryError::Empty);
    }
    let payload = token.split('.').nth(1).ok_or(ExpiryError::NotAJwt)?;

    // Padding is optional in JWTs; accept it when a producer adds it anyway.
    let json = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| ExpiryError::BadPayload)?;
    let claims: Claims = serde_json::from_slice(&json).map_err(|_| ExpiryError::BadPayload)?;

    let exp = claims.exp.ok_or(ExpiryError::NoExpiry)?;
    let seconds = match exp.as_i64() {
        Some(seconds) => seconds,
        // A fractional `exp` is allowed by the JWT spec; whole seconds are enough here.
        None => exp
            .as_f64()
            .filter(|seconds| seconds.is_finite() && seconds.abs() < 1e15)
            .map(|seconds| seconds.floor() as i64)
            .ok_or(ExpiryError::ExpiryOutOfRange)?,
    };
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| ExpiryError::ExpiryOutOfRange)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use time::macros::datetime;

    use super::*;

    /// An unsigned JWT whose payload is `claims`.
    pub(crate) fn jwt_with_claims(claims: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    /// An unsigned JWT expiring at `expires_on`.
    pub(crate) fn jwt(expires_on: OffsetDateTime) -> String {
        jwt_with_claims(&format!(
            r#"{{"skypeid":"acs:x","exp":{}}}"#,
            expires_on.unix_timestamp()
        ))
    }

    #[test]
    fn reads_exp() {
        let at = datetime!(2100-01-01 0:00 UTC);
        assert_eq!(expires_on(&jwt(at)), Ok(at));
        assert_eq!(
            expires_on(&jwt_with_claims(r#"{"exp":4102444800.75}"#)),
            Ok(at)
        );
        // The token in the JavaScript SDK's capture: no signature, payload `{"exp":4102444800}`.
        assert_eq!(
            expires_on("eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9."),
            Ok(at)
        );
        let padded = format!("h.{}==.s", URL_SAFE_NO_PAD.encode(r#"{"exp":4102444800}"#));
        assert_eq!(expires_on(&padded), Ok(at));
    }

    #[test]
    fn refuses_tokens_without_a_readable_exp() {
        assert_eq!(expires_on(""), Err(ExpiryError::Empty));
        assert_eq!(expires_on(" \t"), Err(ExpiryError::Empty));
        assert_eq!(expires_on("opaque-token"), Err(ExpiryError::NotAJwt));
        assert_eq!(expires_on("a.!!!.c"), Err(ExpiryError::BadPayload));
        let not_json = format!("a.{}.c", URL_SAFE_NO_PAD.encode("exp=1"));
        assert_eq!(expires_on(&not_json), Err(ExpiryError::BadPayload));
        assert_eq!(
            expires_on(&jwt_with_claims(r#"{"sub":"x"}"#)),
            Err(ExpiryError::NoExpiry)
        );
        assert_eq!(
            expires_on(&jwt_with_claims(r#"{"exp":"4102444800"}"#)),
            Err(ExpiryError::BadPayload)
        );
        assert_eq!(
            expires_on(&jwt_with_claims(r#"{"exp":1e300}"#)),
            Err(ExpiryError::ExpiryOutOfRange)
        );
        assert_eq!(
            expires_on(&jwt_with_claims(r#"{"exp":99999999999999}"#)),
            Err(ExpiryError::ExpiryOutOfRange)
        );
    }
}
