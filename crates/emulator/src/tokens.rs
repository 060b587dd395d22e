//! Communication Services access tokens as the emulator mints them.
//!
//! A token is an HS256 JWT signed with a secret of this emulator instance, whose claims
//! resemble the service's: `skypeid` (the user id without its `8:` prefix), `scp`, `csi`
//! (issue time, as a string of seconds), `iat`, `exp`, `acsScope` (comma-separated scopes),
//! `resourceId`, `resourceLocation` and `rgn`. One extra claim, `jti`, numbers tokens in
//! issue order so that a revocation can tell earlier tokens from later ones. Clients must
//! not rely on any of it; only `exp` is read by the official SDKs.

use std::fmt;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::jwt::{self, Claims};

/// The `scp` value service tokens carry.
const SCP: u64 = 1792;

/// The claims of an access token minted by the emulator, as read back by
/// [`Emulator::token_claims`](crate::Emulator::token_claims).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// The raw id of the user the token is for: `8:acs:…` for ACS identities, `8:orgid:<oid>`
    /// for tokens from the Teams user exchange.
    pub user_id: String,
    /// The scopes, in the order they were requested.
    pub scopes: Vec<String>,
    /// The resource id of the emulator that minted it.
    pub resource_id: String,
    /// When it was issued (whole seconds).
    pub issued_at: OffsetDateTime,
    /// When it expires (whole seconds); equal to `expiresOn` of the response.
    pub expires_on: OffsetDateTime,
}

/// What a token is about, besides its times.
pub(crate) struct TokenGrant<'a> {
    pub(crate) user_id: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) issued_at: OffsetDateTime,
    pub(crate) expires_on: OffsetDateTime,
    /// The issue-order number (the `jti` claim).
    pub(crate) sequence: u64,
}

/// Mints and reads the emulator's access tokens.
pub(crate) struct TokenSigner {
    key: Vec<u8>,
    kid: String,
    resource_id: String,
    resource_location: String,
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    pub(crate) fn new(key: Vec<u8>, resource_id: String, resource_location: String) -> Self {
        let kid = key_id("acs-emulator", &key);
        Self {
            key,
            kid,
            resource_id,
            resource_location,
        }
    }

    /// A signed token for `grant`.
    pub(crate) fn mint(&self, grant: &TokenGrant<'_>) -> String {
        let issued_at = grant.issued_at.unix_timestamp();
        let claims = json!({
            "skypeid": crate::identifiers::skype_id(grant.user_id),
            "scp": SCP,
            "csi": issued_at.to_string(),
            "exp": grant.expires_on.unix_timestamp(),
            "rgn": "amer",
            "acsScope": grant.scopes.join(","),
            "resourceId": self.resource_id,
            "resourceLocation": self.resource_location,
            "iat": issued_at,
            "jti": grant.sequence.to_string(),
        });
        match claims {
            Value::Object(claims) => jwt::sign(&self.key, &self.kid, &claims),
            _ => String::new(),
        }
    }

    /// The claims and issue-order number of a token this signer minted, or `None` when the
    /// signature or the claims do not check out. Expiry is not checked.
    pub(crate) fn read(&self, token: &str) -> Option<(AccessTokenClaims, u64)> {
        let claims = jwt::verify(&self.key, &self.kid, token).ok()?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let seconds = |name: &str| {
            let value = claims.get(name).and_then(Value::as_i64)?;
            OffsetDateTime::from_unix_timestamp(value).ok()
        };

        let parsed = AccessTokenClaims {
            user_id: format!("8:{}", text("skypeid")?),
            scopes: scopes(&claims),
            resource_id: text("resourceId")?.to_owned(),
            issued_at: seconds("iat")?,
            expires_on: seconds("exp")?,
        };
        let sequence = text("jti")?.parse().ok()?;
        Some((parsed, sequence))
    }
}

fn scopes(claims: &Claims) -> Vec<String> {
    match claims.get("acsScope").and_then(Value::as_str) {
        Some("") | None => Vec::new(),
        Some(list) => list.split(',').map(str::to_owned).collect(),
    }
}

/// A short, stable key id derived from a key (so rotating the key changes the id).
pub(crate) fn key_id(prefix: &str, key: &[u8]) -> String {
    let digest = Sha256::digest(key);
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn signer() -> TokenSigner {
        TokenSigner::new(b"k".to_vec(), "res".into(), "unitedstates".into())
    }

    #[test]
    fn minted_tokens_read_back_with_their_claims() {
        let signer = signer();
        let scopes = vec!["chat".to_owned(), "voip".to_owned()];
        let token = signer.mint(&TokenGrant {
            user_id: "8:acs:res_u1",
            scopes: &scopes,
            issued_at: datetime!(2022-11-15 09:48:02 UTC),
            expires_on: datetime!(2022-11-16 09:48:02 UTC),
            sequence: 7,
        });

        let (claims, sequence) = signer.read(&token).unwrap();
        assert_eq!(sequence, 7);
        assert_eq!(claims.user_id, "8:acs:res_u1");
        assert_eq!(claims.scopes, scopes);
        assert_eq!(claims.resource_id, "res");
        assert_eq!(claims.expires_on, datetime!(2022-11-16 09:48:02 UTC));

        let raw = jwt::decode_unverified(&token).unwrap();
        assert_eq!(raw["skypeid"], "acs:res_u1");
        assert_eq!(raw["acsScope"], "chat,voip");
        assert_eq!(raw["csi"], "1668505682");
        assert_eq!(raw["scp"], 1792);
        assert_eq!(raw["resourceLocation"], "unitedstates");
    }

    #[test]
    fn tokens_of_another_signer_do_not_read() {
        let other = TokenSigner::new(b"other".to_vec(), "res".into(), "unitedstates".into());
        let token = other.mint(&TokenGrant {
            user_id: "8:acs:res_u1",
            scopes: &[],
            issued_at: datetime!(2022-11-15 09:48:02 UTC),
            expires_on: datetime!(2022-11-16 09:48:02 UTC),
            sequence: 1,
        });

        assert!(signer().read(&token).is_none());
        assert!(signer().read("not a token").is_none());
    }

    #[test]
    fn key_ids_depend_on_the_key() {
        assert_ne!(key_id("p", b"a"), key_id("p", b"b"));
        assert!(key_id("p", b"a").starts_with("p-"));
    }
}
