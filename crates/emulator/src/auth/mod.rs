//! Authentication of incoming requests: HMAC access-key signatures or bearer tokens.
//!
//! The request pipeline calls [`authenticate`] after routing and before the api-version
//! check. It reads the `Authorization` header, picks the scheme, and answers either the
//! scheme that succeeded or a 401 `Denied` envelope whose message says what was wrong
//! (never echoing the credential). The Teams Extension exchange is the exception: its
//! credential is the user's own Entra token (audience `https://auth.msft.communication.azure.com`,
//! permission `TeamsExtension.ManageCalls`), so there only such a bearer token is accepted,
//! and a failure is a 401 `InvalidAccessToken`.

pub(crate) mod bearer;
pub(crate) mod hmac;

use time::{Duration, OffsetDateTime};

use crate::entra::EntraSigner;
use crate::envelope::ApiError;
use crate::recorded::AuthScheme;

pub(crate) use self::hmac::SignedRequest;

/// The headers that authentication reads; each must appear at most once.
const SIGNED_HEADERS: [&str; 5] = [
    "authorization",
    "x-ms-date",
    "date",
    "host",
    "x-ms-content-sha256",
];

/// The secrets and clock settings authentication needs.
pub(crate) struct Authenticator<'a> {
    /// The decoded access key.
    pub(crate) access_key: &'a [u8],
    /// The signer of test Entra tokens.
    pub(crate) entra: &'a EntraSigner,
    /// The current time.
    pub(crate) now: OffsetDateTime,
    /// The allowed distance between the request date and `now`.
    pub(crate) max_skew: Duration,
    /// What kind of credential the route takes.
    pub(crate) credential: Credential,
}

/// The kind of credential a route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Credential {
    /// The access key (HMAC) or a data-plane Entra token: every management operation.
    Resource,
    /// A Teams Extension Entra user token: the Teams Extension exchange.
    TeamsExtensionUser,
}

/// A failed authentication: the scheme that was tried, if any, and the 401 to send.
#[derive(Debug)]
pub(crate) struct AuthFailure {
    pub(crate) scheme: Option<AuthScheme>,
    pub(crate) error: ApiError,
}

impl Authenticator<'_> {
    /// Authenticates `request`; `Ok` names the scheme that succeeded.
    pub(crate) fn authenticate(
        &self,
        request: &SignedRequest<'_>,
    ) -> Result<AuthScheme, AuthFailure> {
        // A header that decides the outcome must appear once: with two, which one a proxy or
        // the service would read is ambiguous, so the request is refused rather than guessed.
        if let Some(name) = SIGNED_HEADERS
            .iter()
            .find(|name| request.headers.get_all(**name).iter().nth(1).is_some())
        {
            return Err(AuthFailure {
                scheme: None,
                error: ApiError::denied(match *name {
                    "authorization" => "Request has more than one Authorization header.",
                    "x-ms-date" => "Request has more than one x-ms-date header.",
                    "date" => "Request has more than one Date header.",
                    "host" => "Request has more than one Host header.",
                    _ => "Request has more than one x-ms-content-sha256 header.",
                }),
            });
        }

        let authorization = request
            .headers
            .get(http::header::AUTHORIZATION)
            .map(|value| value.to_str().unwrap_or_default());
        let Some(authorization) = authorization.filter(|value| !value.trim().is_empty()) else {
            return Err(AuthFailure {
                scheme: None,
                error: ApiError::denied("Request is missing the Authorization header."),
            });
        };

        if self.credential == Credential::TeamsExtensionUser {
            return self.teams_extension_user(authorization);
        }
        if hmac::is_hmac_scheme(authorization) {
            return hmac::verify(
                request,
                authorization,
                self.access_key,
                self.now,
                self.max_skew,
            )
            .map(|()| AuthScheme::Hmac)
            .map_err(|refusal| AuthFailure {
                scheme: Some(AuthScheme::Hmac),
                error: ApiError::denied(refusal.message()),
            });
        }
        if let Some(token) = bearer::token(authorization) {
            return self
                .entra
                .verify_bearer(token, self.now)
                .map(|()| AuthScheme::Bearer)
                .map_err(|message| AuthFailure {
                    scheme: Some(AuthScheme::Bearer),
                    error: ApiError::denied(message),
                });
        }
        Err(AuthFailure {
            scheme: None,
            error: ApiError::denied(
                "The Authorization header must use the HMAC-SHA256 or Bearer scheme.",
            ),
        })
    }

    /// A Teams Extension user token as the bearer credential.
    fn teams_extension_user(&self, authorization: &str) -> Result<AuthScheme, AuthFailure> {
        let invalid = |scheme, message: &str| AuthFailure {
            scheme,
            error: ApiError::new(
                http::StatusCode::UNAUTHORIZED,
                "InvalidAccessToken",
                format!("Provided access token is not valid. {message}"),
            ),
        };
        let Some(token) = bearer::token(authorization) else {
            return Err(invalid(
                hmac::is_hmac_scheme(authorization).then_some(AuthScheme::Hmac),
                "This operation takes the user's Entra token as a Bearer credential.",
            ));
        };
        self.entra
            .verify_teams_extension(token, self.now)
            .map(|_| AuthScheme::Bearer)
            .map_err(|message| invalid(Some(AuthScheme::Bearer), message))
    }
}
