//! The values the client hands back: a user's identifier (re-exported from `acs-common`),
//! an access token, the pair of both that a combined create-and-issue call returns, a Teams
//! Extension assignment, and (feature `preview`) a user's details.
//!
//! These are the public face of the wire models in `acs-identity-models`: the client maps
//! each response onto them, keeps token strings inside [`Secret`] so that they never show in
//! `Debug` output or logs, and turns `expiresOn` into an [`OffsetDateTime`].

use std::fmt;

use acs_core_auth::Secret;
use acs_identity_models::{
    CommunicationIdentityAccessToken, TeamsExtensionAssignmentResponse, TeamsExtensionPrincipalType,
};
use time::OffsetDateTime;

/// A Communication Services user, identified by its raw id (for example
/// `8:acs:<resource-id>_<suffix>`); defined in `acs-common` and shared by every client.
///
/// The client percent-encodes the id into one segment when it goes into a request path.
/// Any id can be built, but the calls that name a user refuse the empty id, `.` and `..`
/// before sending, because a URL path cannot carry them as a segment.
pub use acs_common::CommunicationUserIdentifier;

/// An access token for a Communication Services user, with its expiry.
///
/// `Debug` shows the expiry but never the token; use `token.expose()` to read it.
#[derive(Clone, PartialEq)]
pub struct CommunicationAccessToken {
    /// The token (a JWT) that a chat or calling client presents.
    pub token: Secret,
    /// When the token stops being valid.
    pub expires_on: OffsetDateTime,
}

impl fmt::Debug for CommunicationAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationAccessToken")
            .field("token", &"***")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl From<CommunicationIdentityAccessToken> for CommunicationAccessToken {
    /// Moves the token text into a [`Secret`]; the expiry is kept as decoded.
    fn from(wire: CommunicationIdentityAccessToken) -> Self {
        Self {
            token: Secret::new(wire.token),
            expires_on: wire.expires_on,
        }
    }
}

/// A newly created user together with its first access token.
#[derive(Clone, Debug, PartialEq)]
pub struct CommunicationUserToken {
    /// The user that was created.
    pub user: CommunicationUserIdentifier,
    /// The token issued for that user.
    pub access_token: CommunicationAccessToken,
}

/// The Teams Extension assignment of one Entra principal in one tenant: which Entra
/// applications may act for it in Teams Phone extensibility.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamsExtensionAssignment {
    /// Entra object id of the principal.
    pub object_id: String,
    /// Entra tenant the principal belongs to.
    pub tenant_id: String,
    /// Whether the principal is a resource account or a user.
    pub principal_type: TeamsExtensionPrincipalType,
    /// Client ids of the Entra applications allowed to act for the principal; `None` when
    /// the service reported none.
    pub client_ids: Option<Vec<String>>,
}

impl From<TeamsExtensionAssignmentResponse> for TeamsExtensionAssignment {
    fn from(wire: TeamsExtensionAssignmentResponse) -> Self {
        Self {
            object_id: wire.object_id,
            tenant_id: wire.tenant_id,
            principal_type: wire.principal_type,
            client_ids: wire.client_ids,
        }
    }
}

/// What [`create_or_replace_teams_extension_assignment`] did: the assignment as stored,
/// and whether it is new (201) or replaced an existing one (200).
///
/// [`create_or_replace_teams_extension_assignment`]: crate::CommunicationIdentityClient::create_or_replace_teams_extension_assignment
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamsExtensionAssignmentResult {
    /// The assignment as the service stored it.
    pub assignment: TeamsExtensionAssignment,
    /// `true` when the service created the assignment (201), `false` when it replaced one
    /// (200).
    pub created: bool,
}

/// A user as the service describes it (feature `preview`, api-version
/// 2025-03-02-preview): its identifier, its custom id and when it last got a token.
#[cfg(feature = "preview")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunicationUserDetail {
    /// The user.
    pub user: CommunicationUserIdentifier,
    /// The custom id the user was created with, if any.
    pub custom_id: Option<String>,
    /// When a token was last issued to the user; `None` when none was.
    pub last_token_issued_at: Option<OffsetDateTime>,
}

#[cfg(feature = "preview")]
impl From<acs_identity_models::CommunicationIdentity> for CommunicationUserDetail {
    fn from(wire: acs_identity_models::CommunicationIdentity) -> Self {
        Self {
            user: CommunicationUserIdentifier::new(wire.id),
            custom_id: wire.custom_id,
            last_token_issued_at: wire.last_token_issued_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn identifier_keeps_the_raw_id() {
        let user = CommunicationUserIdentifier::new("8:acs:a b/c?d");
        assert_eq!(user.id(), "8:acs:a b/c?d");
        assert_eq!(user.to_string(), "8:acs:a b/c?d");
        assert_eq!(
            CommunicationUserIdentifier::from("x"),
            CommunicationUserIdentifier::new("x")
        );
        assert_eq!(user.into_id(), "8:acs:a b/c?d");
    }

    #[test]
    fn debug_hides_tokens() {
        let token = CommunicationAccessToken {
            token: Secret::new("eyJ-very-secret"),
            expires_on: datetime!(2030-01-01 0:00 UTC),
        };
        let user_token = CommunicationUserToken {
            user: CommunicationUserIdentifier::new("8:acs:u"),
            access_token: token.clone(),
        };
        for text in [
            format!("{token:?}"),
            format!("{user_token:?}"),
            format!("{user_token:#?}"),
        ] {
            assert!(!text.contains("very-secret"), "{text}");
            assert!(text.contains("2030"), "{text}");
        }
    }
}
