//! Options for building the client and for each of its calls.
//!
//! All of them are plain structs with public fields, so a call site names only what it
//! changes: `GetTokenOptions { expires_in: Some(lifetime), ..Default::default() }`. The
//! pipeline-level settings (retry, transport, user agent, logging, extra policies) come from
//! `acs-core-http` through [`ClientOptions`].

use std::fmt;

use acs_core_auth::Secret;
use acs_core_http::ClientOptions;
use acs_identity_models::TeamsExtensionPrincipalType;

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
///
/// Build it with [`Default`] and the `with_*` methods
/// (`CreateUserAndTokenOptions::default().with_expires_in(lifetime)`), or as a literal
/// ending in `..Default::default()`: the `preview` feature adds a member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateUserAndTokenOptions {
    /// How long the token stays valid; the service's default (24 hours) when `None`.
    /// Needs api-version 2022-10-01 or newer.
    pub expires_in: Option<TokenLifetime>,
    /// An id of the caller's choosing (1 to 256 characters): creating again with the same
    /// custom id returns the same user. Needs the preview api-version 2025-03-02-preview.
    #[cfg(feature = "preview")]
    pub custom_id: Option<String>,
}

impl CreateUserAndTokenOptions {
    /// The same options with the token valid for `lifetime`.
    pub fn with_expires_in(mut self, lifetime: TokenLifetime) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// The same options creating the user under `custom_id` (feature `preview`).
    #[cfg(feature = "preview")]
    pub fn with_custom_id(mut self, custom_id: impl Into<String>) -> Self {
        self.custom_id = Some(custom_id.into());
        self
    }
}

/// Options for [`create_user_with`](crate::CommunicationIdentityClient::create_user_with)
/// (feature `preview`).
#[cfg(feature = "preview")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateUserOptions {
    /// An id of the caller's choosing (1 to 256 characters): creating again with the same
    /// custom id returns the same user. Needs the preview api-version 2025-03-02-preview.
    pub custom_id: Option<String>,
}

/// What [`create_or_replace_teams_extension_assignment`] stores for a principal.
///
/// [`create_or_replace_teams_extension_assignment`]: crate::CommunicationIdentityClient::create_or_replace_teams_extension_assignment
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamsExtensionAssignmentOptions {
    /// Whether the principal is a resource account or a user.
    pub principal_type: TeamsExtensionPrincipalType,
    /// Client ids of the Entra applications allowed to act for the principal; `None` leaves
    /// the member out of the request.
    pub client_ids: Option<Vec<String>>,
}

impl TeamsExtensionAssignmentOptions {
    /// An assignment for a principal of `principal_type`, without client ids.
    pub fn new(principal_type: TeamsExtensionPrincipalType) -> Self {
        Self {
            principal_type,
            client_ids: None,
        }
    }

    /// The same options, allowing the applications with these client ids.
    pub fn with_client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids = Some(client_ids.into_iter().map(Into::into).collect());
        self
    }
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
