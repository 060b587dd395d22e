//! The Identity operations as data: for each, its name, HTTP method, path, the statuses it
//! succeeds with and whether repeating it is safe.
//!
//! The client's public methods check their input and build the body; everything about the
//! request line and the answer's status comes from here, so every operation gets the same
//! treatment: the ids in the path are checked and encoded by [`crate::endpoint`], the retry
//! policy learns whether the call is idempotent, and a status other than the operation's
//! own success becomes an [`Error`] ([`Operation::check_status`]).

use acs_core_http::{Error, Method, Response, StatusCode};

/// One call of the Identity API, with the raw ids its path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation<'a> {
    /// `POST /identities`, no body.
    CreateUser,
    /// `POST /identities` with a body: `createTokenWithScopes`, and in the preview a
    /// `customId`.
    CreateUserAndToken,
    /// `POST /identities` with only a `customId` (preview).
    #[cfg(feature = "preview")]
    CreateUserWith,
    /// `GET /identities/{id}` (preview).
    #[cfg(feature = "preview")]
    GetUserDetail { user_id: &'a str },
    /// `POST /identities/{id}/:issueAccessToken`.
    GetToken { user_id: &'a str },
    /// `POST /identities/{id}/:revokeAccessTokens`.
    RevokeTokens { user_id: &'a str },
    /// `DELETE /identities/{id}`.
    DeleteUser { user_id: &'a str },
    /// `POST /teamsUser/:exchangeAccessToken`.
    GetTokenForTeamsUser,
    /// `POST /access/teamsExtension/:exchangeAccessToken`, authorized by the caller's Entra
    /// user token instead of the client's credential.
    ExchangeTeamsExtensionToken,
    /// `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
    GetTeamsExtensionAssignment(Assignment<'a>),
    /// `PUT` on the same path.
    CreateOrReplaceTeamsExtensionAssignment(Assignment<'a>),
    /// `DELETE` on the same path.
    DeleteTeamsExtensionAssignment(Assignment<'a>),
}

/// The principal a Teams Extension assignment call is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Assignment<'a> {
    /// Entra tenant id.
    pub(crate) tenant_id: &'a str,
    /// Entra object id of the principal.
    pub(crate) object_id: &'a str,
}

/// Where an operation's path goes, below the endpoint root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// A fixed path, already encoded.
    Fixed(&'static str),
    /// `/identities/{user_id}` followed by `suffix` (empty, or `/:action`).
    User {
        user_id: &'a str,
        suffix: &'static str,
    },
    /// `/access/teamsExtension/tenants/{tenant_id}/assignments/{object_id}`.
    Assignment(Assignment<'a>),
}

const OK: &[StatusCode] = &[StatusCode::OK];
const CREATED: &[StatusCode] = &[StatusCode::CREATED];
const NO_CONTENT: &[StatusCode] = &[StatusCode::NO_CONTENT];
const OK_OR_CREATED: &[StatusCode] = &[StatusCode::OK, StatusCode::CREATED];

impl<'a> Operation<'a> {
    /// The name errors and logs use: the client method's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CreateUser => "create_user",
            Self::CreateUserAndToken => "create_user_and_token",
            #[cfg(feature = "preview")]
            Self::CreateUserWith => "create_user_with",
            #[cfg(feature = "preview")]
            Self::GetUserDetail { .. } => "get_user_detail",
            Self::GetToken { .. } => "get_token",
            Self::RevokeTokens { .. } => "revoke_tokens",
            Self::DeleteUser { .. } => "delete_user",
            Self::GetTokenForTeamsUser => "get_token_for_teams_user",
            Self::ExchangeTeamsExtensionToken => "exchange_teams_extension_token",
            Self::GetTeamsExtensionAssignment(_) => "get_teams_extension_assignment",
            Self::CreateOrReplaceTeamsExtensionAssignment(_) => {
                "create_or_replace_teams_extension_assignment"
            }
            Self::DeleteTeamsExtensionAssignment(_) => "delete_teams_extension_assignment",
        }
    }

    pub(crate) fn method(self) -> Method {
        match self {
            Self::DeleteUser { .. } | Self::DeleteTeamsExtensionAssignment(_) => Method::DELETE,
            Self::GetTeamsExtensionAssignment(_) => Method::GET,
            #[cfg(feature = "preview")]
            Self::GetUserDetail { .. } => Method::GET,
            Self::CreateOrReplaceTeamsExtensionAssignment(_) => Method::PUT,
            _ => Method::POST,
        }
    }

    pub(crate) fn route(self) -> Route<'a> {
        match self {
            Self::CreateUser | Self::CreateUserAndToken => Route::Fixed("/identities"),
            #[cfg(feature = "preview")]
            Self::CreateUserWith => Route::Fixed("/identities"),
            #[cfg(feature = "preview")]
            Self::GetUserDetail { user_id } => Route::User {
                user_id,
                suffix: "",
            },
            Self::GetToken { user_id } => Route::User {
                user_id,
                suffix: "/:issueAccessToken",
            },
            Self::RevokeTokens { user_id } => Route::User {
                user_id,
                suffix: "/:revokeAccessTokens",
            },
            Self::DeleteUser { user_id } => Route::User {
                user_id,
                suffix: "",
            },
            Self::GetTokenForTeamsUser => Route::Fixed("/teamsUser/:exchangeAccessToken"),
            Self::ExchangeTeamsExtensionToken => {
                Route::Fixed("/access/teamsExtension/:exchangeAccessToken")
            }
            Self::GetTeamsExtensionAssignment(assignment)
            | Self::CreateOrReplaceTeamsExtensionAssignment(assignment)
            | Self::DeleteTeamsExtensionAssignment(assignment) => Route::Assignment(assignment),
        }
    }

    /// The statuses the service answers a successful call with; the first is the usual one.
    pub(crate) fn successes(self) -> &'static [StatusCode] {
        match self {
            Self::CreateUser | Self::CreateUserAndToken => CREATED,
            #[cfg(feature = "preview")]
            Self::CreateUserWith => CREATED,
            #[cfg(feature = "preview")]
            Self::GetUserDetail { .. } => OK,
            Self::GetToken { .. }
            | Self::GetTokenForTeamsUser
            | Self::ExchangeTeamsExtensionToken
            | Self::GetTeamsExtensionAssignment(_) => OK,
            // 201 when the assignment is new, 200 when it replaced one.
            Self::CreateOrReplaceTeamsExtensionAssignment(_) => OK_OR_CREATED,
            Self::RevokeTokens { .. }
            | Self::DeleteUser { .. }
            | Self::DeleteTeamsExtensionAssignment(_) => NO_CONTENT,
        }
    }

    /// Whether repeating the call after the service acted is harmless. Creating a user is
    /// not: a repeat would create a second one, so the retry policy only repeats it when
    /// the service certainly did not act (see `acs_core_http::policies::retry`). Replacing
    /// an assignment with the same body is harmless, as is reading or deleting.
    pub(crate) fn idempotent(self) -> bool {
        match self {
            Self::CreateUser | Self::CreateUserAndToken => false,
            #[cfg(feature = "preview")]
            Self::CreateUserWith => false,
            _ => true,
        }
    }

    /// `Ok` when `response` has one of this operation's success statuses. An error status
    /// (4xx, 5xx) becomes [`Error::from_response`] with the service's error; any other
    /// status (a different 2xx, a redirect) is [`Error::unexpected_status`], which names the
    /// operation and the status it expected.
    pub(crate) fn check_status(self, response: &Response) -> Result<(), Error> {
        let status = response.status();
        let successes = self.successes();
        if successes.contains(&status) {
            return Ok(());
        }
        if status.is_client_error() || status.is_server_error() {
            return Err(Error::from_response(response));
        }
        Err(Error::unexpected_status(
            response,
            self.name(),
            successes[0],
        ))
    }
}

#[cfg(test)]
impl<'a> Operation<'a> {
    /// Every operation, with `id` wherever an id is needed.
    pub(crate) fn all(id: &'a str) -> Vec<Self> {
        let assignment = Assignment {
            tenant_id: id,
            object_id: id,
        };
        vec![
            Self::CreateUser,
            Self::CreateUserAndToken,
            #[cfg(feature = "preview")]
            Self::CreateUserWith,
            #[cfg(feature = "preview")]
            Self::GetUserDetail { user_id: id },
            Self::GetToken { user_id: id },
            Self::RevokeTokens { user_id: id },
            Self::DeleteUser { user_id: id },
            Self::GetTokenForTeamsUser,
            Self::ExchangeTeamsExtensionToken,
            Self::GetTeamsExtensionAssignment(assignment),
            Self::CreateOrReplaceTeamsExtensionAssignment(assignment),
            Self::DeleteTeamsExtensionAssignment(assignment),
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use acs_core_http::{ErrorKind, HeaderMap};

    use super::*;

    #[test]
    fn only_creates_are_not_idempotent() {
        for operation in Operation::all("8:acs:u") {
            let creates = operation.successes() == CREATED;
            assert_eq!(operation.idempotent(), !creates, "{operation:?}");
        }
    }

    #[test]
    fn operations_match_the_generated_records() {
        use acs_identity_models::operations as generated;
        let pairs = [
            (Operation::CreateUser, generated::CREATE_IDENTITY),
            (
                Operation::GetToken { user_id: "u" },
                generated::ISSUE_ACCESS_TOKEN,
            ),
            (
                Operation::RevokeTokens { user_id: "u" },
                generated::REVOKE_ACCESS_TOKENS,
            ),
            (
                Operation::DeleteUser { user_id: "u" },
                generated::DELETE_IDENTITY,
            ),
            (
                Operation::GetTokenForTeamsUser,
                generated::EXCHANGE_TEAMS_USER_ACCESS_TOKEN,
            ),
            (
                Operation::ExchangeTeamsExtensionToken,
                generated::EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN,
            ),
        ];
        for (operation, record) in pairs {
            assert_eq!(operation.method().as_str(), record.method, "{operation:?}");
            let statuses: Vec<u16> = operation.successes().iter().map(|s| s.as_u16()).collect();
            assert_eq!(statuses, record.success_statuses, "{operation:?}");
            if let Route::Fixed(path) = operation.route() {
                assert_eq!(path, record.path);
            }
        }
        let assignment = Assignment {
            tenant_id: "t",
            object_id: "o",
        };
        let assignments = [
            (
                Operation::GetTeamsExtensionAssignment(assignment),
                generated::GET_TEAMS_EXTENSION_ASSIGNMENT,
            ),
            (
                Operation::CreateOrReplaceTeamsExtensionAssignment(assignment),
                generated::UPSERT_TEAMS_EXTENSION_ASSIGNMENT,
            ),
            (
                Operation::DeleteTeamsExtensionAssignment(assignment),
                generated::DELETE_TEAMS_EXTENSION_ASSIGNMENT,
            ),
        ];
        for (operation, record) in assignments {
            assert_eq!(operation.method().as_str(), record.method, "{operation:?}");
            let statuses: Vec<u16> = operation.successes().iter().map(|s| s.as_u16()).collect();
            assert_eq!(statuses, record.success_statuses, "{operation:?}");
        }
    }

    #[test]
    fn statuses_other_than_success_are_errors_named_by_kind() {
        let answer = |status: u16| {
            Response::new(
                StatusCode::from_u16(status).unwrap(),
                HeaderMap::new(),
                "{}",
            )
        };
        for operation in Operation::all("8:acs:u") {
            for success in operation.successes() {
                operation.check_status(&answer(success.as_u16())).unwrap();
            }
            for status in [200, 201, 202, 204, 301, 302, 304] {
                if operation.successes().iter().any(|s| s.as_u16() == status) {
                    continue;
                }
                let error = operation.check_status(&answer(status)).unwrap_err();
                assert_eq!(error.kind(), &ErrorKind::HttpResponse);
                assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
                let text = error.to_string();
                assert!(
                    text.starts_with(&format!("unexpected status {status} "))
                        && text.contains(operation.name())
                        && text.contains(&format!("(expected {})", operation.successes()[0])),
                    "{text}"
                );
            }
            let error = operation.check_status(&answer(404)).unwrap_err();
            assert!(
                error.to_string().starts_with("HTTP 404 Not Found"),
                "{error}"
            );
        }
    }
}
