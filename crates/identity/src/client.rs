//! [`CommunicationIdentityClient`]: construction, and the one send-check-decode step every
//! operation goes through.
//!
//! Each method checks its input first ([`crate::checks`]: scopes, lifetime, api-version
//! support), then builds exactly one [`Request`] for its [`Operation`] (URL from
//! [`crate::endpoint`], body from the wire models of `acs-identity-models`), and hands it to
//! [`CommunicationIdentityClient::call`]: that sends it through the `acs-core-http` pipeline
//! (request id, user agent, retry, HMAC or bearer signing, logging, transport), checks the
//! status that operation succeeds with ([`Operation::check_status`]), decodes the body onto
//! the result types and returns them as a [`WithResponse`] with the status and headers.
//! Every public method `foo` is `foo_with_response` without the response. An error status
//! becomes [`Error::from_response`], which keeps the status and the service's error code,
//! message and target. The operations themselves are further `impl` blocks on the same
//! client: users and tokens in `users.rs`, Teams Extension in `teams_extension.rs` and the
//! preview ones in `preview.rs`.
//!
//! # Two pipelines
//!
//! The Teams Extension token exchange is authorized by the caller's Entra *user* token,
//! not by the client's access key or token credential. The client therefore holds a second
//! pipeline, built from the same [`ClientOptions`](acs_core_http::ClientOptions) and the
//! same transport (so the same connection pool, retry rules, logging and caller policies),
//! but without the client's authentication policy. A call that brings its own
//! `Authorization` header goes through that one ([`Auth::CallerAuthorization`]), so nothing
//! can overwrite or add to the header (no HMAC `x-ms-date` or content hash either), and the
//! key-signing and bearer policies stay unaware of the case. The header value is marked
//! sensitive, and the logging policy never prints `Authorization` anyway.

use std::fmt;
use std::sync::Arc;

use acs_core_auth::{AzureKeyCredential, ConnectionString, TokenCredential};
use acs_core_http::policies::{BearerTokenPolicy, HmacAuthenticationPolicy};
use acs_core_http::{
    Context, Error, ErrorKind, HyperTransport, Pipeline, Policy, Request, Response,
    check_endpoint_scheme,
};
use acs_identity_models::{
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenResult,
};
use http::HeaderValue;
use http::header::ACCEPT;
use serde::de::DeserializeOwned;
use url::Url;

use crate::endpoint::{operation_url, parse_endpoint};
use crate::operation::Operation;
use crate::response::parse_body;
use crate::{
    ApiVersion, CommunicationAccessToken, CommunicationIdentityClientOptions,
    CommunicationUserIdentifier, CommunicationUserToken, WithResponse,
};

/// The scope requested from a [`TokenCredential`] for calls to the Identity service. The
/// double slash is part of the value the service expects.
pub const COMMUNICATION_SCOPE: &str = "https://communication.azure.com//.default";

pub(crate) const JSON: HeaderValue = HeaderValue::from_static("application/json");

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
    /// The same policies without the client's authentication, for calls that carry their
    /// own `Authorization` (see the module docs).
    caller_auth_pipeline: Arc<Pipeline>,
}

/// Who authorizes a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// The client's credential: HMAC with the access key, or its bearer token.
    Client,
    /// The request's own `Authorization` header, left exactly as set.
    CallerAuthorization,
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
        // Both policies read the call's clock, which the pipeline takes from the options:
        // a caller who injects one controls every time-based decision of the client.
        let (auth, auth_policy): (AuthKind, Arc<dyn Policy>) = match credential {
            Credential::Key(key) => (
                AuthKind::AccessKey,
                Arc::new(HmacAuthenticationPolicy::new(key)),
            ),
            Credential::Token(token) => (
                AuthKind::TokenCredential,
                Arc::new(BearerTokenPolicy::new(
                    token,
                    vec![COMMUNICATION_SCOPE.to_owned()],
                )),
            ),
        };

        // Both pipelines share one transport, hence one connection pool.
        let mut client_options = options.client_options;
        if client_options.transport.is_none() {
            client_options.transport = Some(Arc::new(HyperTransport::new()?));
        }
        let caller_auth_pipeline = Pipeline::new(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            client_options.clone(),
            Vec::new(),
            Vec::new(),
        )?;
        let pipeline = Pipeline::new(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            client_options,
            Vec::new(),
            vec![auth_policy],
        )?;
        Ok(Self {
            endpoint,
            api_version: options.api_version,
            auth,
            pipeline: Arc::new(pipeline),
            caller_auth_pipeline: Arc::new(caller_auth_pipeline),
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

    /// The request of `operation`: its method, its URL (with the api-version query) and
    /// `Accept`.
    pub(crate) fn request(&self, operation: Operation<'_>) -> Result<Request, Error> {
        let url = operation_url(&self.endpoint, operation, self.api_version)?;
        let mut request = Request::new(operation.method(), url);
        request.insert_header(ACCEPT, JSON);
        Ok(request)
    }

    /// The one step every operation ends with: sends `request` through the pipeline `auth`
    /// selects, marked idempotent or not as `operation` is; turns any status but the
    /// operation's success into an error; decodes the success with `decode`; and returns
    /// the value with the response's status and headers.
    pub(crate) async fn call<T>(
        &self,
        operation: Operation<'_>,
        auth: Auth,
        mut request: Request,
        decode: impl FnOnce(&Response, &'static str) -> Result<T, Error>,
    ) -> Result<WithResponse<T>, Error> {
        let pipeline = match auth {
            Auth::Client => &self.pipeline,
            Auth::CallerAuthorization => &self.caller_auth_pipeline,
        };
        let context = Context::new().with_idempotent(operation.idempotent());
        let response = pipeline.send(&context, &mut request).await?;
        // An error from the response names the call's request id, echoed or not.
        operation.check_status(&response)?;
        let value = decode(&response, operation.name())?;
        Ok(WithResponse::new(value, response))
    }
}

/// Decodes the JSON body of `response` into the wire model `W` and converts it.
pub(crate) fn decode_json<W: DeserializeOwned, T: From<W>>(
    response: &Response,
    operation: &str,
) -> Result<T, Error> {
    parse_body::<W>(response, operation).map(T::from)
}

/// For operations that answer with no body (204).
pub(crate) fn no_body(_: &Response, _: &str) -> Result<(), Error> {
    Ok(())
}

pub(crate) fn decode_token(
    response: &Response,
    operation: &str,
) -> Result<CommunicationAccessToken, Error> {
    decode_json::<CommunicationIdentityAccessToken, _>(response, operation)
}

pub(crate) fn decode_user(
    response: &Response,
    operation: &str,
) -> Result<CommunicationUserIdentifier, Error> {
    let result: CommunicationIdentityAccessTokenResult = parse_body(response, operation)?;
    Ok(CommunicationUserIdentifier::new(result.identity.id))
}

/// A user with a token, as create-user-and-token and the Teams Extension exchange answer;
/// a body without `accessToken` is [`ErrorKind::DataConversion`].
pub(crate) fn decode_user_and_token(
    response: &Response,
    operation: &str,
) -> Result<CommunicationUserToken, Error> {
    let result: CommunicationIdentityAccessTokenResult = parse_body(response, operation)?;
    let access_token = result.access_token.ok_or_else(|| {
        Error::new(
            ErrorKind::DataConversion,
            format!("the {operation} response has no accessToken"),
        )
    })?;
    Ok(CommunicationUserToken {
        user: CommunicationUserIdentifier::new(result.identity.id),
        access_token: access_token.into(),
    })
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
