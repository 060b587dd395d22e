//! One request through the emulator, from bytes in to response out.
//!
//! The order is fixed: route (404/405), read the body (413 over the limit), authenticate
//! (401), resolve the api-version (400), run the operation. Whatever the outcome, the answer
//! gets the service's headers and one entry in the request log. Nothing here panics on
//! client input, and state is only touched through [`State`]'s short-lived locks.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body;
use tracing::debug;

use crate::auth::{Authenticator, SignedRequest};
use crate::builder::Config;
use crate::entra::EntraSigner;
use crate::envelope::ApiError;
use crate::handlers::{self, Call, Reply};
use crate::recorded::RecordedRequest;
use crate::response::{CLIENT_REQUEST_ID, ResponseContext};
use crate::router::{self, Operation};
use crate::state::State;
use crate::tokens::TokenSigner;
use crate::versions::VersionRefusal;

/// Everything a request may need: configuration, secrets, signers and state.
pub(crate) struct Service {
    pub(crate) config: Config,
    /// The decoded access key.
    pub(crate) access_key: zeroize::Zeroizing<Vec<u8>>,
    pub(crate) tokens: TokenSigner,
    pub(crate) entra: EntraSigner,
    pub(crate) state: State,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("resource_id", &self.config.resource_id)
            .finish_non_exhaustive()
    }
}

/// What the pipeline learned on the way, for the log entry.
struct Trace {
    record: RecordedRequest,
    supported_versions: Option<String>,
}

impl Service {
    /// Answers one request.
    pub(crate) async fn call<B>(self: Arc<Self>, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body<Data = Bytes>,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let (parts, body) = request.into_parts();
        let client_request_id = parts.headers.get(CLIENT_REQUEST_ID).cloned();
        let mut trace = Trace {
            record: RecordedRequest {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                api_version: api_version(parts.uri.query()),
                client_request_id: client_request_id
                    .as_ref()
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                auth_scheme: None,
                signature_valid: false,
                auth_error: None,
                status: 0,
            },
            supported_versions: None,
        };

        let outcome = match router::route(&parts.method, parts.uri.path()) {
            Ok(operation) => {
                let family = operation.family();
                trace.supported_versions = Some(self.config.api_versions.supported_header(family));
                match self.read_body(&parts.headers, body).await {
                    Ok(body) => self.serve(&parts, &operation, &body, &mut trace),
                    Err(error) => Err(error),
                }
            }
            Err(error) => Err(error),
        };

        let context = ResponseContext {
            supported_versions: trace.supported_versions,
            client_request_id,
            started,
            now: self.config.clock.now(),
        };
        let response = match outcome {
            Ok(Reply::Json(status, body)) => context.json(status, body),
            Ok(Reply::NoContent) => context.no_content(),
            Err(error) => context.error(&error),
        };

        trace.record.status = response.status().as_u16();
        debug!(
            method = %trace.record.method,
            path = %trace.record.path,
            status = trace.record.status,
            client_request_id = trace.record.client_request_id.as_deref().unwrap_or(""),
            "answered request"
        );
        self.state.record(trace.record);
        response
    }

    /// Reads the whole body, refusing more than the configured limit.
    async fn read_body<B>(&self, headers: &http::HeaderMap, body: B) -> Result<Bytes, ApiError>
    where
        B: Body<Data = Bytes>,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let limit = self.config.max_body_bytes;
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(ApiError::body_too_large(limit));
        }

        match Limited::new(body, limit).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(error) if error.is::<LengthLimitError>() => Err(ApiError::body_too_large(limit)),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequestBody",
                "The request body could not be read.",
            )),
        }
    }

    /// Authentication, api-version and the operation, once routed and read.
    fn serve(
        &self,
        parts: &http::request::Parts,
        operation: &Operation,
        body: &Bytes,
        trace: &mut Trace,
    ) -> Result<Reply, ApiError> {
        let family = operation.family();

        let now = self.config.clock.now();
        let host = parts
            .headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
        let signed = SignedRequest {
            method: parts.method.as_str(),
            path_and_query: parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
            host,
            headers: &parts.headers,
            body,
        };
        let authenticator = Authenticator {
            access_key: &self.access_key,
            entra: &self.entra,
            now,
            max_skew: self.config.max_skew,
        };
        match authenticator.authenticate(&signed) {
            Ok(scheme) => {
                trace.record.auth_scheme = Some(scheme);
                trace.record.signature_valid = true;
            }
            Err(failure) => {
                trace.record.auth_scheme = failure.scheme;
                trace.record.auth_error = Some(failure.error.message.clone());
                return Err(failure.error);
            }
        }

        let version = self
            .config
            .api_versions
            .resolve(trace.record.api_version.as_deref(), family)
            .map_err(|refusal| version_error(refusal, host, parts.uri.path()))?;

        let call = Call {
            version,
            body,
            now,
            service: self,
        };
        match operation {
            Operation::CreateIdentity => handlers::identities::create(&call),
            Operation::IssueAccessToken(id) => handlers::identities::issue_access_token(&call, id),
            Operation::RevokeAccessTokens(id) => {
                handlers::identities::revoke_access_tokens(&call, id)
            }
            Operation::DeleteIdentity(id) => handlers::identities::delete(&call, id),
            Operation::ExchangeTeamsUserToken => handlers::teams::exchange(&call),
        }
    }
}

/// The first `api-version` value of a query string, decoded.
fn api_version(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "api-version")
        .map(|(_, value)| value.into_owned())
}

/// The 400 for a missing or unsupported api-version, worded as the service words it.
fn version_error(refusal: VersionRefusal, host: Option<&str>, path: &str) -> ApiError {
    match refusal {
        VersionRefusal::Missing => ApiError::new(
            StatusCode::BAD_REQUEST,
            "ApiVersionUnspecified",
            "An API version is required, but was not specified.",
        ),
        VersionRefusal::Unsupported(version) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            format!(
                "The HTTP resource that matches the request URI 'http://{}{}' does not support the API version '{}'.",
                crate::envelope::truncate(host.unwrap_or("localhost")),
                crate::envelope::truncate(path),
                crate::envelope::truncate(&version)
            ),
        ),
    }
}
