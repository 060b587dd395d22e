//! Test Entra ID tokens: minted by the emulator, accepted back as bearer credentials.
//!
//! The emulator cannot check tokens from the real Entra ID, so it mints its own: HS256 JWTs
//! under a secret of this instance, with the claims Communication Services reads (`aud`,
//! `oid`, `appid`, `tid`, `iat`, `nbf`, `exp`). Sent as `Authorization: Bearer …` they
//! authenticate like an access key, after a full check (signature, audience, expiry). Sent
//! as the `token` of a Teams user exchange they are read like any Entra token there: claims
//! only, because that endpoint cannot check signatures of tokens it did not mint. Tokens
//! for the Teams Extension audience ([`TEAMS_EXTENSION_AUDIENCE`], with the
//! [`TEAMS_EXTENSION_SCOPE`] in `scp`) are the bearer credential of the Teams Extension
//! exchange, checked as fully as data-plane tokens.

use std::fmt;

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::jwt;
use crate::tokens::key_id;

/// The audience of Entra tokens for the Communication Services data plane.
pub const COMMUNICATION_AUDIENCE: &str = "https://communication.azure.com";

/// The audience of Entra user tokens for the Teams Extension exchange.
pub const TEAMS_EXTENSION_AUDIENCE: &str = "https://auth.msft.communication.azure.com";

/// The delegated permission (`scp`) the Teams Extension exchange requires.
pub const TEAMS_EXTENSION_SCOPE: &str = "TeamsExtension.ManageCalls";

/// What to put in a test Entra token; see
/// [`Emulator::issue_entra_token`](crate::Emulator::issue_entra_token).
///
/// The default has fresh random GUIDs for the user, application and tenant, the data-plane
/// audience and a lifetime of one hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraTokenOptions {
    /// The user's object id, the `oid` claim.
    pub object_id: String,
    /// The application (client) id, the `appid` claim.
    pub app_id: String,
    /// The tenant id, the `tid` claim.
    pub tenant_id: String,
    /// The `aud` claim. Bearer authentication requires [`COMMUNICATION_AUDIENCE`].
    pub audience: String,
    /// Time from now to `exp`; a negative value makes an already expired token.
    pub lifetime: Duration,
    /// The delegated permissions, joined with spaces into the `scp` claim (left out when
    /// empty, as in application tokens).
    pub scopes: Vec<String>,
}

impl EntraTokenOptions {
    /// A Teams Extension user token: audience [`TEAMS_EXTENSION_AUDIENCE`], scope
    /// [`TEAMS_EXTENSION_SCOPE`], for the user `object_id` of `tenant_id` (other fields as
    /// in the default).
    pub fn teams_extension(tenant_id: impl Into<String>, object_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            object_id: object_id.into(),
            audience: TEAMS_EXTENSION_AUDIENCE.to_owned(),
            scopes: vec![TEAMS_EXTENSION_SCOPE.to_owned()],
            ..Self::default()
        }
    }
}

impl Default for EntraTokenOptions {
    fn default() -> Self {
        Self {
            object_id: uuid::Uuid::new_v4().to_string(),
            app_id: uuid::Uuid::new_v4().to_string(),
            tenant_id: uuid::Uuid::new_v4().to_string(),
            audience: COMMUNICATION_AUDIENCE.to_owned(),
            lifetime: Duration::hours(1),
            scopes: Vec::new(),
        }
    }
}

/// A minted test Entra token and the claims it carries.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntraToken {
    /// The compact JWT. Never printed by `Debug`.
    pub token: String,
    /// The `oid` claim.
    pub object_id: String,
    /// The `appid` claim.
    pub app_id: String,
    /// The `tid` claim.
    pub tenant_id: String,
    /// The `exp` claim, in whole seconds.
    pub expires_on: OffsetDateTime,
}

impl fmt::Debug for EntraToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraToken")
            .field("token", &"***")
            .field("object_id", &self.object_id)
            .field("app_id", &self.app_id)
            .field("tenant_id", &self.tenant_id)
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

/// Why a bearer token was refused; the text goes into the 401 message.
pub(crate) type BearerRefusal = &'static str;

/// Mints test Entra tokens and verifies them as bearer credentials.
pub(crate) struct EntraSigner {
    key: Vec<u8>,
    kid: String,
}

impl fmt::Debug for EntraSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl EntraSigner {
    pub(crate) fn new(key: Vec<u8>) -> Self {
        let kid = key_id("acs-emulator-entra", &key);
        Self { key, kid }
    }

    /// A token for `options`, issued at `now` (truncated to whole seconds).
    pub(crate) fn mint(&self, options: EntraTokenOptions, now: OffsetDateTime) -> EntraToken {
        let issued_at = now.unix_timestamp();
        let expires_at = issued_at.saturating_add(options.lifetime.whole_seconds());
        let mut claims = json!({
            "aud": options.audience,
            "iss": format!("https://sts.windows.net/{}/", options.tenant_id),
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
            "appid": options.app_id,
            "oid": options.object_id,
            "sub": options.object_id,
            "tid": options.tenant_id,
            "ver": "1.0",
        });
        if !options.scopes.is_empty() {
            claims["scp"] = Value::String(options.scopes.join(" "));
        }
        let token = match claims {
            Value::Object(claims) => jwt::sign(&self.key, &self.kid, &claims),
            _ => String::new(),
        };
        EntraToken {
            token,
            object_id: options.object_id,
            app_id: options.app_id,
            tenant_id: options.tenant_id,
            expires_on: OffsetDateTime::from_unix_timestamp(expires_at)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }

    /// Checks a bearer token: minted here, for the data-plane audience, valid at `now`.
    pub(crate) fn verify_bearer(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<(), BearerRefusal> {
        self.verify_for(token, COMMUNICATION_AUDIENCE, now)
            .map(drop)
            .map_err(|refusal| match refusal {
                "wrong audience" => {
                    "The bearer token is not for the Communication Services audience."
                }
                other => other,
            })
    }

    /// Checks a Teams Extension user token (minted here, for [`TEAMS_EXTENSION_AUDIENCE`],
    /// valid at `now`, with [`TEAMS_EXTENSION_SCOPE`] in `scp`) and returns its claims.
    pub(crate) fn verify_teams_extension(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<jwt::Claims, BearerRefusal> {
        let claims = self
            .verify_for(token, TEAMS_EXTENSION_AUDIENCE, now)
            .map_err(|refusal| match refusal {
                "wrong audience" => "The bearer token is not for the Teams Extension audience.",
                other => other,
            })?;
        let has_scope = claims
            .get("scp")
            .and_then(Value::as_str)
            .is_some_and(|scp| scp.split(' ').any(|s| s == TEAMS_EXTENSION_SCOPE));
        if !has_scope {
            return Err("The bearer token lacks the TeamsExtension.ManageCalls permission.");
        }
        Ok(claims)
    }

    /// Signature, audience (`"wrong audience"` when it differs), `exp` and `nbf`.
    fn verify_for(
        &self,
        token: &str,
        expected_audience: &str,
        now: OffsetDateTime,
    ) -> Result<jwt::Claims, BearerRefusal> {
        let claims = jwt::verify(&self.key, &self.kid, token)
            .map_err(|_| "The bearer token was not issued by this emulator.")?;

        let audience = claims
            .get("aud")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if audience.trim_end_matches('/') != expected_audience {
            return Err("wrong audience");
        }

        let now = now.unix_timestamp();
        match jwt::expiry(&claims) {
            Some(exp) if exp > now => {}
            _ => return Err("The bearer token has expired."),
        }
        let not_before = claims
            .get("nbf")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MIN);
        if not_before > now {
            return Err("The bearer token is not valid yet.");
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-01-01 12:00:00.5 UTC);

    #[test]
    fn minted_tokens_carry_the_requested_claims() {
        let signer = EntraSigner::new(b"e".to_vec());
        let options = EntraTokenOptions::default();
        let minted = signer.mint(options.clone(), NOW);

        let claims = jwt::decode_unverified(&minted.token).unwrap();
        assert_eq!(claims["oid"], options.object_id.as_str());
        assert_eq!(claims["appid"], options.app_id.as_str());
        assert_eq!(claims["tid"], options.tenant_id.as_str());
        assert_eq!(claims["aud"], COMMUNICATION_AUDIENCE);
        assert_eq!(minted.expires_on, datetime!(2026-01-01 13:00:00 UTC));
        assert!(!format!("{minted:?}").contains(&minted.token));
    }

    #[test]
    fn bearer_tokens_are_checked_fully() {
        let signer = EntraSigner::new(b"e".to_vec());
        let valid = signer.mint(EntraTokenOptions::default(), NOW);
        assert!(signer.verify_bearer(&valid.token, NOW).is_ok());

        let expired = signer.mint(
            EntraTokenOptions {
                lifetime: Duration::minutes(-1),
                ..Default::default()
            },
            NOW,
        );
        assert!(signer.verify_bearer(&expired.token, NOW).is_err());
        assert!(
            signer
                .verify_bearer(&valid.token, NOW + Duration::hours(2))
                .is_err()
        );

        let other_audience = signer.mint(
            EntraTokenOptions {
                audience: "https://auth.msft.communication.azure.com".into(),
                ..Default::default()
            },
            NOW,
        );
        assert!(signer.verify_bearer(&other_audience.token, NOW).is_err());

        let foreign = EntraSigner::new(b"f".to_vec()).mint(EntraTokenOptions::default(), NOW);
        assert!(signer.verify_bearer(&foreign.token, NOW).is_err());
    }

    #[test]
    fn teams_extension_tokens_need_their_audience_and_scope() {
        let signer = EntraSigner::new(b"e".to_vec());
        let options = EntraTokenOptions::teams_extension("t", "o");
        let valid = signer.mint(options.clone(), NOW);
        let claims = signer.verify_teams_extension(&valid.token, NOW).unwrap();
        assert_eq!(claims["scp"], TEAMS_EXTENSION_SCOPE);
        assert!(signer.verify_bearer(&valid.token, NOW).is_err());

        let data_plane = signer.mint(EntraTokenOptions::default(), NOW);
        assert_eq!(
            signer.verify_teams_extension(&data_plane.token, NOW),
            Err("The bearer token is not for the Teams Extension audience.")
        );
        let no_scope = signer.mint(
            EntraTokenOptions {
                scopes: vec!["Teams.ManageCalls".into()],
                ..options.clone()
            },
            NOW,
        );
        assert!(signer.verify_teams_extension(&no_scope.token, NOW).is_err());
        assert!(
            signer
                .verify_teams_extension(&valid.token, NOW + Duration::hours(2))
                .is_err()
        );
    }
}
