//! [`CommunicationIdentityClient`]: the six Identity operations on top of the shared
//! pipeline.
//!
//! Each method checks its input (scopes, lifetime, api-version support) first, then builds
//! exactly one [`Request`] from the wire models of `acs-identity-models`, sends it through
//! the `acs-core-http` pipeline (request id, user agent, retry, HMAC or bearer signing,
//! logging, transport), checks the status that operation succeeds with, and maps the body
//! onto the result types ([`CommunicationUserIdentifier`], [`CommunicationAccessToken`],
//! [`CommunicationUserToken`]). Any other status becomes
//! [`Error::from_response`], which keeps the status and the service's error code, message
//! and target.

use std::fmt;
use std::sync::Arc;

use acs_core_auth::{AzureKeyCredential, ConnectionString, TokenCredential};
use acs_core_http::policies::{BearerTokenPolicy, HmacAuthenticationPolicy};
use acs_core_http::{
    Context, Error, ErrorKind, Method, Pipeline, Policy, Request, Response, StatusCode,
};
use acs_identity_models::{
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenRequest,
    CommunicationIdentityAccessTokenResult, CommunicationIdentityCreateRequest,
    CommunicationIdentityTokenScope, TeamsUserExchangeTokenRequest,
};
use http::HeaderValue;
use http::header::{ACCEPT, CONTENT_TYPE};
use url::Url;

use crate::endpoint::{encode_segment, operation_url, parse_endpoint, validate_endpoint};
use crate::response::parse_body;
use crate::{
    ApiVersion, CommunicationAccessToken, CommunicationIdentityClientOptions,
    CommunicationUserIdentifier, CommunicationUserToken, CreateUserAndTokenOptions,
    GetTokenForTeamsUserOptions, GetTokenOptions, TokenLifetime,
};

/// The scope requested from a [`TokenCredential`] for calls to the Identity service. The
/// double slash is part of the value the service expects.
pub const COMMUNICATION_SCOPE: &str = "https://communication.azure.com//.default";

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A client for the Identity service of one Communication Services resource: creates and
/// deletes users, issues and revokes their access tokens, and exchanges Teams users' Entra
/// ID tokens.
///
/// Cloning is cheap and clones share the pipeline (and the credential, so a key rotated with
/// [`AzureKeyCredential::update`] applies to every clone). `Debug` shows the endpoint, the
/// api-version and the kind of credential, never the credential itself.
#[derive(Clone)]
pub struct CommunicationIdentityClient {
    endpoint: Url,
    api_version: ApiVersion,
    auth: AuthKind,
    pipeline: Arc<Pipeline>,
}

#[derive(Clone, Copy, Debug)]
enum AuthKind {
    AccessKey,
    TokenCredential,
}

impl CommunicationIdentityClient {
    /// A client for the resource named by `connection_string`
    /// (`endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>`),
    /// signing requests with its access key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] (or the kind `acs-core-auth` reports) when the connection
    /// string is malformed, names a bad endpoint or holds a key that is not base64; the
    /// message names the problem and never contains the key. Also any error building the
    /// pipeline from `options.client_options`.
    pub fn from_connection_string(
        connection_string: &str,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let parsed = ConnectionString::parse(connection_string)?;
        let endpoint = validate_endpoint(parsed.endpoint().clone())?;
        Self::with_policy(
            endpoint,
            Arc::new(HmacAuthenticationPolicy::new(parsed.credential())),
            AuthKind::AccessKey,
            options,
        )
    }

    /// A client for `endpoint` (`https://<resource>.communication.azure.com/`) that signs
    /// requests with `credential` (HMAC-SHA256).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when `endpoint` is not an absolute `http`/`https` URL with
    /// a host, or has credentials, a path, a query or a fragment; the message names which.
    /// Also any error building the pipeline from `options.client_options`.
    pub fn new(
        endpoint: &str,
        credential: AzureKeyCredential,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = parse_endpoint(endpoint)?;
        Self::with_policy(
            endpoint,
            Arc::new(HmacAuthenticationPolicy::new(credential)),
            AuthKind::AccessKey,
            options,
        )
    }

    /// A client for `endpoint` that authenticates with Microsoft Entra ID bearer tokens from
    /// `credential`, requested for the scope [`COMMUNICATION_SCOPE`].
    ///
    /// # Errors
    ///
    /// As [`CommunicationIdentityClient::new`].
    pub fn with_token_credential(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = parse_endpoint(endpoint)?;
        let policy = BearerTokenPolicy::new(credential, vec![COMMUNICATION_SCOPE.to_owned()]);
        Self::with_policy(
            endpoint,
            Arc::new(policy),
            AuthKind::TokenCredential,
            options,
        )
    }

    fn with_policy(
        endpoint: Url,
        auth_policy: Arc<dyn Policy>,
        auth: AuthKind,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let pipeline = Pipeline::new(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            options.client_options,
            Vec::new(),
            vec![auth_policy],
        )?;
        Ok(Self {
            endpoint,
            api_version: options.api_version,
            auth,
            pipeline: Arc::new(pipeline),
        })
    }

    /// The resource endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The `api-version` sent with every request.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// Creates a new user (`POST /identities`, no body).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::HttpResponse`] when the service answers with anything but 201 (with its
    /// status, code and message); [`ErrorKind::DataConversion`] when the 201 body is not an
    /// identity; transport and credential errors from the pipeline.
    pub async fn create_user(&self) -> Result<CommunicationUserIdentifier, Error> {
        const OPERATION: &str = "create_user";

        let mut request = self.request(Method::POST, "/identities");
        // No body, but the same Content-Type as the other official SDKs send (Content-Length 0).
        request.insert_header(CONTENT_TYPE, JSON);

        let response = self.send(request, StatusCode::CREATED).await?;
        let result: CommunicationIdentityAccessTokenResult = parse_body(&response, OPERATION)?;
        Ok(CommunicationUserIdentifier::new(result.identity.id))
    }

    /// Creates a new user and issues it an access token for `scopes` in one request.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when `scopes` is empty, or when the
    /// lifetime or a scope needs a newer api-version than the client's (a lifetime needs
    /// 2022-10-01, the join scopes 2023-10-01). Otherwise as
    /// [`create_user`](Self::create_user); a 201 without a token is
    /// [`ErrorKind::DataConversion`].
    pub async fn create_user_and_token(
        &self,
        scopes: &[CommunicationIdentityTokenScope],
        options: CreateUserAndTokenOptions,
    ) -> Result<CommunicationUserToken, Error> {
        const OPERATION: &str = "create_user_and_token";

        self.check_scopes(scopes)?;
        let expires_in_minutes = self.check_lifetime(options.expires_in)?;

        let mut request = self.request(Method::POST, "/identities");
        request.set_json(&CommunicationIdentityCreateRequest {
            create_token_with_scopes: Some(scopes.to_vec()),
            expires_in_minutes,
        })?;

        let response = self.send(request, StatusCode::CREATED).await?;
        let result: CommunicationIdentityAccessTokenResult = parse_body(&response, OPERATION)?;
        let access_token = result.access_token.ok_or_else(|| {
            Error::new(
                ErrorKind::DataConversion,
                format!("the {OPERATION} response has no accessToken"),
            )
        })?;
        Ok(CommunicationUserToken {
            user: CommunicationUserIdentifier::new(result.identity.id),
            access_token: access_token.into(),
        })
    }

    /// Issues an access token for `scopes` to an existing `user`
    /// (`POST /identities/{id}/:issueAccessToken`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending, as for
    /// [`create_user_and_token`](Self::create_user_and_token).
    /// [`ErrorKind::HttpResponse`] for any status but 200 (for example 404 for an unknown
    /// user); [`ErrorKind::DataConversion`] when the 200 body is not a token.
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[CommunicationIdentityTokenScope],
        options: GetTokenOptions,
    ) -> Result<CommunicationAccessToken, Error> {
        const OPERATION: &str = "get_token";

        self.check_scopes(scopes)?;
        let expires_in_minutes = self.check_lifetime(options.expires_in)?;

        let path = format!(
            "/identities/{}/:issueAccessToken",
            encode_segment(user.id())
        );
        let mut request = self.request(Method::POST, &path);
        request.set_json(&CommunicationIdentityAccessTokenRequest {
            scopes: scopes.to_vec(),
            expires_in_minutes,
        })?;

        let response = self.send(request, StatusCode::OK).await?;
        let token: CommunicationIdentityAccessToken = parse_body(&response, OPERATION)?;
        Ok(token.into())
    }

    /// Revokes every access token issued to `user` so far
    /// (`POST /identities/{id}/:revokeAccessTokens`, no body).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::HttpResponse`] for any status but 204; transport and credential errors
    /// from the pipeline.
    pub async fn revoke_tokens(&self, user: &CommunicationUserIdentifier) -> Result<(), Error> {
        let path = format!(
            "/identities/{}/:revokeAccessTokens",
            encode_segment(user.id())
        );
        self.send(self.request(Method::POST, &path), StatusCode::NO_CONTENT)
            .await?;
        Ok(())
    }

    /// Deletes `user` and revokes all of its tokens (`DELETE /identities/{id}`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::HttpResponse`] for any status but 204; transport and credential errors
    /// from the pipeline.
    pub async fn delete_user(&self, user: &CommunicationUserIdentifier) -> Result<(), Error> {
        let path = format!("/identities/{}", encode_segment(user.id()));
        self.send(self.request(Method::DELETE, &path), StatusCode::NO_CONTENT)
            .await?;
        Ok(())
    }

    /// Exchanges a Teams user's Entra ID access token for a Communication Services access
    /// token with the same expiry (`POST /teamsUser/:exchangeAccessToken`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the client's api-version is older than
    /// 2022-06-01. [`ErrorKind::HttpResponse`] for any status but 200: 401 for an invalid or
    /// expired Entra token, 400 when `client_id` or `user_object_id` do not match it.
    /// [`ErrorKind::DataConversion`] when the 200 body is not a token.
    pub async fn get_token_for_teams_user(
        &self,
        options: GetTokenForTeamsUserOptions,
    ) -> Result<CommunicationAccessToken, Error> {
        const OPERATION: &str = "get_token_for_teams_user";

        self.api_version
            .require(ApiVersion::V2022_06_01, "the Teams user token exchange")?;

        let mut request = self.request(Method::POST, "/teamsUser/:exchangeAccessToken");
        request.set_json(&TeamsUserExchangeTokenRequest {
            token: options.teams_user_aad_token.expose().to_owned(),
            app_id: options.client_id,
            user_id: options.user_object_id,
        })?;

        let response = self.send(request, StatusCode::OK).await?;
        let token: CommunicationIdentityAccessToken = parse_body(&response, OPERATION)?;
        Ok(token.into())
    }

    /// A request for `path` (already encoded) with the api-version query and `Accept`.
    fn request(&self, method: Method, path: &str) -> Request {
        let mut request = Request::new(
            method,
            operation_url(&self.endpoint, path, self.api_version),
        );
        request.insert_header(ACCEPT, JSON);
        request
    }

    /// Sends `request` once through the pipeline and turns any status but `success` into an
    /// error.
    async fn send(&self, mut request: Request, success: StatusCode) -> Result<Response, Error> {
        let context = Context::new();
        let response = self.pipeline.send(&context, &mut request).await?;
        if response.status() != success {
            return Err(Error::from_response(&response));
        }
        Ok(response)
    }

    fn check_scopes(&self, scopes: &[CommunicationIdentityTokenScope]) -> Result<(), Error> {
        if scopes.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "at least one token scope is required (for example \
                 CommunicationIdentityTokenScope::Chat)",
            ));
        }
        for scope in scopes {
            // Normalise first, so that `Other("chat.join")` is gated like `ChatJoin`.
            let known = CommunicationIdentityTokenScope::from(scope.as_str());
            let Some(since) = known.since() else {
                continue;
            };
            // A scope introduced in a version this crate does not know is left to the service.
            if let Ok(needed) = since.parse::<ApiVersion>() {
                self.api_version
                    .require(needed, &format!("the `{known}` token scope"))?;
            }
        }
        Ok(())
    }

    fn check_lifetime(&self, lifetime: Option<TokenLifetime>) -> Result<Option<i32>, Error> {
        let Some(lifetime) = lifetime else {
            return Ok(None);
        };
        self.api_version.require(
            ApiVersion::V2022_10_01,
            "a custom token lifetime (expires_in)",
        )?;
        Ok(Some(lifetime.wire_minutes()))
    }
}

impl fmt::Debug for CommunicationIdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationIdentityClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("api_version", &self.api_version)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}
