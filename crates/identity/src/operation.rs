//! The six Identity operations as data: for each, its name, HTTP method, path, the status
//! it succeeds with and whether repeating it is safe.
//!
//! The client's public methods check their input and build the body; everything about the
//! request line and the answer's status comes from here, so every operation gets the same
//! treatment: the user id in the path is checked and encoded by [`crate::endpoint`], the
//! retry policy learns whether the call is idempotent, and a status other than the
//! operation's own success becomes an [`Error`] ([`Operation::check_status`]).

use acs_core_http::{Error, Method, Response, StatusCode};

/// One call of the Identity API, with the raw user id when its path names a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation<'a> {
    /// `POST /identities`, no body.
    CreateUser,
    /// `POST /identities` with `createTokenWithScopes`.
    CreateUserAndToken,
    /// `POST /identities/{id}/:issueAccessToken`.
    GetToken { user_id: &'a str },
    /// `POST /identities/{id}/:revokeAccessTokens`.
    RevokeTokens { user_id: &'a str },
    /// `DELETE /identities/{id}`.
    DeleteUser { user_id: &'a str },
    /// `POST /teamsUser/:exchangeAccessToken`.
    GetTokenForTeamsUser,
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
}

impl<'a> Operation<'a> {
    /// The name errors and logs use: the client method's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CreateUser => "create_user",
            Self::CreateUserAndToken => "create_user_and_token",
            Self::GetToken { .. } => "get_token",
            Self::RevokeTokens { .. } => "revoke_tokens",
            Self::DeleteUser { .. } => "delete_user",
            Self::GetTokenForTeamsUser => "get_token_for_teams_user",
        }
    }

    pub(crate) fn method(self) -> Method {
        match self {
            Self::DeleteUser { .. } => Method::DELETE,
            _ => Method::POST,
        }
    }

    pub(crate) fn route(self) -> Route<'a> {
        match self {
            Self::CreateUser | Self::CreateUserAndToken => Route::Fixed("/identities"),
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
        }
    }

    /// The status the service answers a successful call with.
    pub(crate) fn success(self) -> StatusCode {
        match self {
            Self::CreateUser | Self::CreateUserAndToken => StatusCode::CREATED,
            Self::GetToken { .. } | Self::GetTokenForTeamsUser => StatusCode::OK,
            Self::RevokeTokens { .. } | Self::DeleteUser { .. } => StatusCode::NO_CONTENT,
        }
    }

    /// Whether repeating the call after the service acted is harmless. Creating a user is
    /// not: a repeat would create a second one, so the retry policy only repeats it when
    /// the service certainly did not act (see `acs_core_http::policies::retry`).
    pub(crate) fn idempotent(self) -> bool {
        !matches!(self, Self::CreateUser | Self::CreateUserAndToken)
    }

    /// `Ok` when `response` has this operation's success status. An error status (4xx,
    /// 5xx) becomes [`Error::from_response`] with the service's error; any other status (a
    /// different 2xx, a redirect) is [`Error::unexpected_status`], which names the
    /// operation and the status it expected.
    pub(crate) fn check_status(self, response: &Response) -> Result<(), Error> {
        let status = response.status();
        if status == self.success() {
            return Ok(());
        }
        if status.is_client_error() || status.is_server_error() {
            return Err(Error::from_response(response));
        }
        Err(Error::unexpected_status(
            response,
            self.name(),
            self.success(),
        ))
    }
}

#[cfg(test)]
impl<'a> Operation<'a> {
    /// Every operation, with `user_id` where one is needed.
    pub(crate) fn all(user_id: &'a str) -> [Self; 6] {
        [
            Self::CreateUser,
            Self::CreateUserAndToken,
            Self::GetToken { user_id },
            Self::RevokeTokens { user_id },
            Self::DeleteUser { user_id },
            Self::GetTokenForTeamsUser,
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
            let creates = operation.success() == StatusCode::CREATED;
            assert_eq!(operation.idempotent(), !creates, "{operation:?}");
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
            operation
                .check_status(&answer(operation.success().as_u16()))
                .unwrap();
            for status in [200, 201, 202, 204, 301, 302, 304] {
                if status == operation.success().as_u16() {
                    continue;
                }
                let error = operation.check_status(&answer(status)).unwrap_err();
                assert_eq!(error.kind(), &ErrorKind::HttpResponse);
                assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
                let text = error.to_string();
                assert!(
                    text.starts_with(&format!("unexpected status {status} "))
                        && text.contains(operation.name())
                        && text.contains(&format!("(expected {})", operation.success())),
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
