//! Maps a request's method and path to an Identity operation.
//!
//! Paths are split on `/` as received, then each segment is percent-decoded, so an id may
//! arrive encoded (`8%3Aacs%3A…`, as the SDKs send it) or raw (`8:acs:…`), and an encoded
//! `/` inside an id stays part of the id. Literal segments (`identities`,
//! `:issueAccessToken`, …) match case-insensitively, as the service's routing does. A path
//! that matches nothing is a 404; a known path with the wrong method is a 405 with `Allow`.
//! Whether the api-version of the request has the route is decided later, by
//! [`crate::versions`]: a route the version lacks is a 400 `UnsupportedApiVersion`.

use http::Method;
use percent_encoding::percent_decode_str;

use crate::envelope::ApiError;
use crate::operation::Operation;
use crate::versions::RouteFamily;

/// One operation of the Identity API, with its path parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /identities`
    CreateIdentity,
    /// `DELETE /identities/{id}`
    DeleteIdentity(String),
    /// `POST /identities/{id}/:issueAccessToken`
    IssueAccessToken(String),
    /// `POST /identities/{id}/:revokeAccessTokens`
    RevokeAccessTokens(String),
    /// `POST /teamsUser/:exchangeAccessToken`
    ExchangeTeamsUserToken,
    /// `GET /identities/{id}`
    GetIdentity(String),
    /// `POST /access/teamsExtension/:exchangeAccessToken`
    ExchangeTeamsExtensionToken,
    /// `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`
    GetAssignment(AssignmentKey),
    /// `PUT` on the assignment path.
    PutAssignment(AssignmentKey),
    /// `DELETE` on the assignment path.
    DeleteAssignment(AssignmentKey),
}

/// The path parameters of a Teams Extension assignment, as received (decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AssignmentKey {
    pub(crate) tenant_id: String,
    pub(crate) object_id: String,
}

impl Route {
    /// The kind of operation, without its parameter.
    pub(crate) fn operation(&self) -> Operation {
        match self {
            Self::CreateIdentity => Operation::CreateIdentity,
            Self::DeleteIdentity(_) => Operation::DeleteIdentity,
            Self::IssueAccessToken(_) => Operation::IssueAccessToken,
            Self::RevokeAccessTokens(_) => Operation::RevokeAccessTokens,
            Self::ExchangeTeamsUserToken => Operation::ExchangeTeamsUserToken,
            Self::GetIdentity(_) => Operation::GetIdentity,
            Self::ExchangeTeamsExtensionToken => Operation::ExchangeTeamsExtensionToken,
            Self::GetAssignment(_) => Operation::GetTeamsExtensionAssignment,
            Self::PutAssignment(_) => Operation::PutTeamsExtensionAssignment,
            Self::DeleteAssignment(_) => Operation::DeleteTeamsExtensionAssignment,
        }
    }

    /// The route group, which decides the api-versions served.
    pub(crate) fn family(&self) -> RouteFamily {
        match self {
            Self::ExchangeTeamsUserToken => RouteFamily::TeamsUser,
            Self::GetIdentity(_) => RouteFamily::IdentityDetail,
            Self::ExchangeTeamsExtensionToken
            | Self::GetAssignment(_)
            | Self::PutAssignment(_)
            | Self::DeleteAssignment(_) => RouteFamily::TeamsExtension,
            Self::CreateIdentity
            | Self::DeleteIdentity(_)
            | Self::IssueAccessToken(_)
            | Self::RevokeAccessTokens(_) => RouteFamily::Identities,
        }
    }
}

/// A path the router knows, before the method is checked.
enum Resource {
    Identities,
    Identity(String),
    IssueAccessToken(String),
    RevokeAccessTokens(String),
    TeamsUserExchange,
    TeamsExtensionExchange,
    Assignment(AssignmentKey),
}

/// The operation for `method` on `path` (the path only, without the query).
pub(crate) fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let resource = resource(path).ok_or_else(ApiError::no_route)?;
    let refuse = |allow| Err(ApiError::method_not_allowed(method.as_str(), allow));

    match resource {
        Resource::Identities if method == Method::POST => Ok(Route::CreateIdentity),
        Resource::Identity(id) if method == Method::DELETE => Ok(Route::DeleteIdentity(id)),
        Resource::Identity(id) if method == Method::GET => Ok(Route::GetIdentity(id)),
        Resource::IssueAccessToken(id) if method == Method::POST => Ok(Route::IssueAccessToken(id)),
        Resource::RevokeAccessTokens(id) if method == Method::POST => {
            Ok(Route::RevokeAccessTokens(id))
        }
        Resource::TeamsUserExchange if method == Method::POST => Ok(Route::ExchangeTeamsUserToken),
        Resource::TeamsExtensionExchange if method == Method::POST => {
            Ok(Route::ExchangeTeamsExtensionToken)
        }
        Resource::Assignment(key) if method == Method::GET => Ok(Route::GetAssignment(key)),
        Resource::Assignment(key) if method == Method::PUT => Ok(Route::PutAssignment(key)),
        Resource::Assignment(key) if method == Method::DELETE => Ok(Route::DeleteAssignment(key)),
        Resource::Identity(_) => refuse("GET, DELETE"),
        Resource::Assignment(_) => refuse("GET, PUT, DELETE"),
        _ => refuse("POST"),
    }
}

fn resource(path: &str) -> Option<Resource> {
    let segments: Vec<String> = path
        .strip_prefix('/')?
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned())
        .collect();
    let is = |index: usize, literal: &str| {
        segments
            .get(index)
            .is_some_and(|segment| segment.eq_ignore_ascii_case(literal))
    };
    let id = || segments.get(1).filter(|id| !id.is_empty()).cloned();
    let non_empty = |index: usize| segments.get(index).filter(|s| !s.is_empty()).cloned();

    match segments.len() {
        1 if is(0, "identities") => Some(Resource::Identities),
        2 if is(0, "identities") => id().map(Resource::Identity),
        2 if is(0, "teamsUser") && is(1, ":exchangeAccessToken") => {
            Some(Resource::TeamsUserExchange)
        }
        3 if is(0, "identities") && is(2, ":issueAccessToken") => {
            id().map(Resource::IssueAccessToken)
        }
        3 if is(0, "identities") && is(2, ":revokeAccessTokens") => {
            id().map(Resource::RevokeAccessTokens)
        }
        3 if is(0, "access") && is(1, "teamsExtension") && is(2, ":exchangeAccessToken") => {
            Some(Resource::TeamsExtensionExchange)
        }
        6 if is(0, "access")
            && is(1, "teamsExtension")
            && is(2, "tenants")
            && is(4, "assignments") =>
        {
            Some(Resource::Assignment(AssignmentKey {
                tenant_id: non_empty(3)?,
                object_id: non_empty(5)?,
            }))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    const ID: &str = "8:acs:r_u";

    fn key() -> AssignmentKey {
        AssignmentKey {
            tenant_id: "t".into(),
            object_id: "o".into(),
        }
    }

    #[test]
    fn routes_every_operation() {
        let cases = [
            (Method::POST, "/identities", Route::CreateIdentity),
            (
                Method::DELETE,
                "/identities/8:acs:r_u",
                Route::DeleteIdentity(ID.into()),
            ),
            (
                Method::POST,
                "/identities/8%3Aacs%3Ar_u/:issueAccessToken",
                Route::IssueAccessToken(ID.into()),
            ),
            (
                Method::POST,
                "/identities/8%3aacs%3ar_u/%3ArevokeAccessTokens",
                Route::RevokeAccessTokens(ID.into()),
            ),
            (
                Method::POST,
                "/teamsUser/:exchangeAccessToken",
                Route::ExchangeTeamsUserToken,
            ),
            (Method::POST, "/IDENTITIES", Route::CreateIdentity),
            (
                Method::GET,
                "/identities/8%3Aacs%3Ar_u",
                Route::GetIdentity(ID.into()),
            ),
            (
                Method::POST,
                "/access/teamsExtension/:exchangeAccessToken",
                Route::ExchangeTeamsExtensionToken,
            ),
            (
                Method::PUT,
                "/access/teamsExtension/tenants/t/assignments/o",
                Route::PutAssignment(key()),
            ),
            (
                Method::GET,
                "/ACCESS/teamsextension/tenants/t/assignments/o",
                Route::GetAssignment(key()),
            ),
            (
                Method::DELETE,
                "/access/teamsExtension/tenants/t/assignments/o",
                Route::DeleteAssignment(key()),
            ),
        ];
        for (method, path, expected) in cases {
            assert_eq!(route(&method, path), Ok(expected), "{method} {path}");
        }
    }

    #[test]
    fn keeps_an_encoded_slash_inside_the_id() {
        assert_eq!(
            route(&Method::DELETE, "/identities/8%3Aacs%3Aa%20b%2Fc%3Fd"),
            Ok(Route::DeleteIdentity("8:acs:a b/c?d".into()))
        );
    }

    #[test]
    fn unknown_paths_are_404() {
        for path in [
            "/",
            "",
            "*",
            "/identities/",
            "/identities//:issueAccessToken",
            "/identities/x/:unknown",
            "/identities/x/:issueAccessToken/more",
            "/teamsUser",
            "/access/teamsExtension",
            "/access/teamsExtension/tenants//assignments/o",
            "/access/teamsExtension/tenants/t/assignments/",
            "/access/entra/:exchangeAccessToken",
            "//identities",
        ] {
            let error = route(&Method::POST, path).unwrap_err();
            assert_eq!(error.status, StatusCode::NOT_FOUND, "{path:?}");
        }
    }

    #[test]
    fn wrong_methods_are_405_with_allow() {
        let error = route(&Method::GET, "/identities").unwrap_err();
        assert_eq!(error.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            error.allow.as_ref().map(|v| v.as_bytes()),
            Some(&b"POST"[..])
        );

        let error = route(&Method::POST, "/identities/8:acs:r_u").unwrap_err();
        assert_eq!(
            error.allow.as_ref().map(|v| v.as_bytes()),
            Some(&b"GET, DELETE"[..])
        );

        let error = route(&Method::PUT, "/teamsUser/:exchangeAccessToken").unwrap_err();
        assert_eq!(error.status, StatusCode::METHOD_NOT_ALLOWED);
    }
}
