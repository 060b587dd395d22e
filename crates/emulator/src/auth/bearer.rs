//! Bearer authentication with test Entra tokens the emulator minted.
//!
//! Clients built on a token credential send `Authorization: Bearer <token>`. The emulator
//! accepts a token only if it minted it itself and it is still valid for the Communication
//! Services audience (checked by [`crate::entra`]); any other bearer token is refused with
//! 401.

/// The token of a `Bearer` `Authorization` value (scheme matched case-insensitively).
pub(crate) fn token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(char::is_whitespace)?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("Bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_the_token_of_a_bearer_value() {
        assert_eq!(token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(token("bearer  abc "), Some("abc"));
        assert_eq!(token("Bearer"), None);
        assert_eq!(token("Bearer   "), None);
        assert_eq!(token("HMAC-SHA256 SignedHeaders=x&Signature=y"), None);
    }
}
