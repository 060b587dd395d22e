//! [`CommunicationIdentityClient`]: the six Identity operations on top of the shared
//! pipeline.
//!
//! Each method checks its input first ([`crate::checks`]: scopes, lifetime, api-version
//! support), then builds exactly one [`Request`] for its [`Operation`] (URL from
//! [`crate::endpoint`], body from the wire models of `acs-identity-models`), sends it
//! through the `acs-core-http` pipeline (request id, user agent, retry, HMAC or bearer
//! signing, logging, transport), checks the status that operation succeeds with
//! ([`Operation::check_status`]), and maps the body onto the result types
//! ([`CommunicationUserIdentifier`], [`CommunicationAccessToken`],
//! [`CommunicationUserToken`]). An error status becomes [`Error::from_response`], which
//! keeps the status and the service's error code, message and target.

use std::fmt;
use std::sync::Arc;

use acs_core_auth::{AzureKeyCredential, ConnectionString, TokenCredential};
use acs_core_http::policies::{BearerTokenPolicy, HmacAuthenticationPolicy};
use acs_core_http::{
    Context, Error, ErrorKind, Pipeline, Policy, Request, Response, check_endpoint_scheme,
};
use acs_identity_models::{
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenRequest,
    CommunicationIdentityAccessTokenResult, CommunicationIdentityCreateRequest,
    CommunicationIdentityTokenScope, TeamsUserExchangeTokenRequest,
};
use http::HeaderValue;
use http::header::{ACCEPT, CONTENT_TYPE};
use url::Url;

use crate::checks::{check_lifetime, check_scopes};
use crate::endpoint::{operation_url, parse_endpoint};
use crate::operation::Operation;
use crate::response::parse_body;
use crate::{
    ApiVersion, CommunicationAccessToken, CommunicationIdentityClientOptions,
    CommunicationUserIdentifier, CommunicationUserToken, CreateUserAndTokenOptions,
    GetTokenForTeamsUserOptions, GetTokenOptions,
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

/// The credential a constructor was given, before it becomes a policy.
enum Credential {
    Key(AzureKeyCredential),
    Token(Arc<dyn TokenCredential>),
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
    /// [`ErrorKind::InvalidInput`] for every problem with the connection string (each
    /// [`acs_core_auth::ConnectionStringError`] converts to it): malformed, a setting
    /// missing or repeated, an endpoint that breaks the rule of
    /// [`acs_core_auth::parse_endpoint`] (the same rule as [`new`](Self::new)), or a key
    /// that is empty or not base64. The message names the problem and never contains the
    /// key. [`ErrorKind::InvalidInput`] also for a plain `http` endpoint that is not
    /// loopback, unless `options.client_options.allow_insecure_http` is set. Also any
    /// error building the pipeline from `options.client_options`.
    pub fn from_connection_string(
        connection_string: &str,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let parsed = ConnectionString::parse(connection_string)?;
        let endpoint = parsed.endpoint().clone();
        check_endpoint_scheme(&endpoint, options.client_options.allow_insecure_http)?;
        Self::with_credential(endpoint, Credential::Key(parsed.credential()), options)
    }

    /// A client for `endpoint` (`https://<resource>.communication.azure.com/`) that signs
    /// requests with `credential` (HMAC-SHA256).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when `endpoint` breaks the rule of
    /// [`acs_core_auth::parse_endpoint`]: not an absolute `http`/`https` URL with a host, a
    /// control or invisible character anywhere (a leading byte order mark included), port
    /// 0, a host longer than 253 characters, or credentials, a path, a query or a fragment;
    /// the message names which.
    /// [`ErrorKind::InvalidInput`] for a plain `http` endpoint that is not loopback, unless
    /// `options.client_options.allow_insecure_http` is set. Also any error building the
    /// pipeline from `options.client_options`.
    pub fn new(
        endpoint: &str,
        credential: AzureKeyCredential,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = parse_endpoint(endpoint)?;
        check_endpoint_scheme(&endpoint, options.client_options.allow_insecure_http)?;
        Self::with_credential(endpoint, Credential::Key(credential), options)
    }

    /// A client for `endpoint` that authenticates with Microsoft Entra ID bearer tokens from
    /// `credential`, requested for the scope [`COMMUNICATION_SCOPE`].
    ///
    /// # Errors
    ///
    /// As [`CommunicationIdentityClient::new`], except that a plain `http` endpoint that is
    /// not loopback is refused even with `allow_insecure_http`: a bearer token is never
    /// sent in clear text across a network.
    pub fn with_token_credential(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = parse_endpoint(endpoint)?;
        check_endpoint_scheme(&endpoint, false)?;
        Self::with_credential(endpoint, Credential::Token(credential), options)
    }

    fn with_credential(
        endpoint: Url,
        credential: Credential,
        options: CommunicationIdentityClientOptions,
    ) -> Result<Self, Error> {
        // The pipeline's clock also dates signatures and judges token expiry, so that a
        // caller who injects one controls every time-based decision of the client.
        let clock = options.client_options.clock.clone();
        let (auth, auth_policy): (AuthKind, Arc<dyn Policy>) = match credential {
            Credential::Key(key) => {
                let mut policy = HmacAuthenticationPolicy::new(key);
                if let Some(clock) = clock {
                    policy = policy.with_clock(clock);
                }
                (AuthKind::AccessKey, Arc::new(policy))
            }
            Credential::Token(token) => {
                let mut policy =
                    BearerTokenPolicy::new(token, vec![COMMUNICATION_SCOPE.to_owned()]);
                if let Some(clock) = clock {
                    policy = policy.with_clock(clock);
                }
                (AuthKind::TokenCredential, Arc::new(policy))
            }
        };

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
    /// Not idempotent: the pipeline repeats it only when the service cannot have acted (no
    /// connection, or a 429/503 naming a wait), so a retry never creates a second user.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::HttpResponse`] when the service answers with anything but 201 (with its
    /// status, code and message); [`ErrorKind::DataConversion`] when the 201 body is not an
    /// identity; transport and credential errors from the pipeline.
    pub async fn create_user(&self) -> Result<CommunicationUserIdentifier, Error> {
        let operation = Operation::CreateUser;

        let mut request = self.request(operation)?;
        // No body, but the same Content-Type as the other official SDKs send (Content-Length 0).
        request.insert_header(CONTENT_TYPE, JSON);

        let response = self.send(operation, request).await?;
        let result: CommunicationIdentityAccessTokenResult =
            parse_body(&response, operation.name())?;
        Ok(CommunicationUserIdentifier::new(result.identity.id))
    }

    /// Creates a new user and issues it an access token for `scopes` in one request.
    /// Retried only as [`create_user`](Self::create_user) is.
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
        let operation = Operation::CreateUserAndToken;

        check_scopes(self.api_version, scopes)?;
        let expires_in_minutes = check_lifetime(self.api_version, options.expires_in)?;

        let mut request = self.request(operation)?;
        request.set_json(&CommunicationIdentityCreateRequest {
            create_token_with_scopes: Some(scopes.to_vec()),
            expires_in_minutes,
        })?;

        let response = self.send(operation, request).await?;
        let result: CommunicationIdentityAccessTokenResult =
            parse_body(&response, operation.name())?;
        let access_token = result.access_token.ok_or_else(|| {
            Error::new(
                ErrorKind::DataConversion,
                format!("the {} response has no accessToken", operation.name()),
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
    /// [`create_user_and_token`](Self::create_user_and_token), and when the user's id is
    /// empty, `.` or `..` (no URL path can name such a user; see
    /// [`CommunicationUserIdentifier`]). [`ErrorKind::HttpResponse`] for any status but 200
    /// (for example 404 for an unknown user); [`ErrorKind::DataConversion`] when the 200
    /// body is not a token.
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[CommunicationIdentityTokenScope],
        options: GetTokenOptions,
    ) -> Result<CommunicationAccessToken, Error> {
        let operation = Operation::GetToken { user_id: user.id() };

        check_scopes(self.api_version, scopes)?;
        let expires_in_minutes = check_lifetime(self.api_version, options.expires_in)?;

        let mut request = self.request(operation)?;
        request.set_json(&CommunicationIdentityAccessTokenRequest {
            scopes: scopes.to_vec(),
            expires_in_minutes,
        })?;

        let response = self.send(operation, request).await?;
        let token: CommunicationIdentityAccessToken = parse_body(&response, operation.name())?;
        Ok(token.into())
    }

    /// Revokes every access token issued to `user` so far
    /// (`POST /identities/{id}/:revokeAccessTokens`, no body).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the user's id is empty, `.` or `..`.
    /// [`ErrorKind::HttpResponse`] for any status but 204; transport and credential errors
    /// from the pipeline.
    pub async fn revoke_tokens(&self, user: &CommunicationUserIdentifier) -> Result<(), Error> {
        let operation = Operation::RevokeTokens { user_id: user.id() };
        self.send(operation, self.request(operation)?).await?;
        Ok(())
    }

    /// Deletes `user` and revokes all of its tokens (`DELETE /identities/{id}`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] before sending when the user's id is empty, `.` or `..`.
    /// [`ErrorKind::HttpResponse`] for any status but 204; transport and credential errors
    /// from the pipeline.
    pub async fn delete_user(&self, user: &CommunicationUserIdentifier) -> Result<(), Error> {
        let operation = Operation::DeleteUser { user_id: user.id() };
        self.send(operation, self.request(operation)?).await?;
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
        let operation = Operation::GetTokenForTeamsUser;

        self.api_version
            .require(ApiVersion::V2022_06_01, "the Teams user token exchange")?;

        let mut request = self.request(operation)?;
        request.set_json(&TeamsUserExchangeTokenRequest {
            token: options.teams_user_aad_token.expose().to_owned(),
            app_id: options.client_id,
            user_id: options.user_object_id,
        })?;

        let response = self.send(operation, request).await?;
        let token: CommunicationIdentityAccessToken = parse_body(&response, operation.name())?;
        Ok(token.into())
    }

    /// The request of `operation`: its method, its URL (with the api-version query) and
    /// `Accept`.
    fn request(&self, operation: Operation<'_>) -> Result<Request, Error> {
        let url = operation_url(&self.endpoint, operation, self.api_version)?;
        let mut request = Request::new(operation.method(), url);
        request.insert_header(ACCEPT, JSON);
        Ok(request)
    }

    /// Sends `request` through the pipeline, marked idempotent or not as `operation` is,
    /// and turns any status but the operation's success into an error.
    async fn send(
        &self,
        operation: Operation<'_>,
        mut request: Request,
    ) -> Result<Response, Error> {
        let context = Context::new().with_idempotent(operation.idempotent());
        let response = self.pipeline.send(&context, &mut request).await?;
        operation.check_status(&response).map_err(|error| {
            error.or_client_request_id(|| request.client_request_id().map(str::to_owned))
        })?;
        Ok(response)
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
