//! Options for building the client and for each of its calls.
//!
//! All of them are plain structs with public fields, so a call site names only what it
//! changes: `GetTokenOptions { expires_in: Some(lifetime), ..Default::default() }`. The
//! pipeline-level settings (retry, transport, user agent, logging, extra policies) come from
//! `acs-core-http` through [`ClientOptions`].

use std::fmt;

use acs_core_auth::Secret;
use acs_core_http::ClientOptions;

use crate::{ApiVersion, TokenLifetime};

/// How a [`CommunicationIdentityClient`](crate::CommunicationIdentityClient) talks to the
/// service.
#[derive(Clone, Debug, Default)]
pub struct CommunicationIdentityClientOptions {
    /// The `api-version` sent on every request; the newest stable version by default.
    pub api_version: ApiVersion,
    /// Pipeline settings: retry, transport, user agent, logging and extra policies.
    pub client_options: ClientOptions,
}

/// Options for [`create_user_and_token`](crate::CommunicationIdentityClient::create_user_and_token).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateUserAndTokenOptions {
    /// How long the token stays valid; the service's default (24 hours) when `None`.
    /// Needs api-version 2022-10-01 or newer.
    pub expires_in: Option<TokenLifetime>,
}

/// Options for [`get_token`](crate::CommunicationIdentityClient::get_token).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetTokenOptions {
    /// How long the token stays valid; the service's default (24 hours) when `None`.
    /// Needs api-version 2022-10-01 or newer.
    pub expires_in: Option<TokenLifetime>,
}

/// What [`get_token_for_teams_user`](crate::CommunicationIdentityClient::get_token_for_teams_user)
/// exchanges: a Teams user's Microsoft Entra ID access token and the two values the service
/// checks it against.
#[derive(Clone)]
pub struct GetTokenForTeamsUserOptions {
    /// The Teams user's Entra ID access token (audience Communication Services).
    pub teams_user_aad_token: Secret,
    /// The client (application) id of the Entra application; must equal the token's
    /// `appid` claim.
    pub client_id: String,
    /// The Entra object id of the Teams user; must equal the token's `oid` claim.
    pub user_object_id: String,
}

impl GetTokenForTeamsUserOptions {
    /// Options for exchanging `teams_user_aad_token`, issued to application `client_id` for
    /// the user with object id `user_object_id`.
    pub fn new(
        teams_user_aad_token: impl Into<String>,
        client_id: impl Into<String>,
        user_object_id: impl Into<String>,
    ) -> Self {
        Self {
            teams_user_aad_token: Secret::new(teams_user_aad_token),
            client_id: client_id.into(),
            user_object_id: user_object_id.into(),
        }
    }
}

impl fmt::Debug for GetTokenForTeamsUserOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetTokenForTeamsUserOptions")
            .field("teams_user_aad_token", &"***")
            .field("client_id", &self.client_id)
            .field("user_object_id", &self.user_object_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_options_hide_the_entra_token() {
        let options = GetTokenForTeamsUserOptions::new("entra-secret", "app", "oid");
        let text = format!("{options:?}");
        assert!(!text.contains("entra-secret"), "{text}");
        assert!(text.contains("app") && text.contains("oid"), "{text}");
        assert_eq!(options.teams_user_aad_token.expose(), "entra-secret");
    }

    #[test]
    fn defaults_leave_the_lifetime_to_the_service() {
        assert_eq!(GetTokenOptions::default().expires_in, None);
        assert_eq!(CreateUserAndTokenOptions::default().expires_in, None);
        let options = CommunicationIdentityClientOptions::default();
        assert_eq!(options.api_version, ApiVersion::V2026_09_23);
    }
}
