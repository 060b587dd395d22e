//! One request through the emulator, from bytes in to response out.
//!
//! The order is fixed: route (404/405), read the body (413 over the limit), authenticate
//! (401), consult the fault rules, resolve the api-version (400), run the operation. A
//! fault other than a reset after processing replaces everything after authentication, so
//! the service "does not act". Whatever the outcome, the request gets one entry in the
//! request log; answers get the service's headers. Nothing here panics on client input,
//! and state is only touched through [`State`]'s short-lived locks.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Either, LengthLimitError, Limited};
use hyper::body::Body;
use time::OffsetDateTime;
use tokio::sync::watch;
use tracing::debug;

use crate::auth::{Authenticator, Credential, SignedRequest};
use crate::builder::Config;
use crate::connection::ConnectionControl;
use crate::entra::EntraSigner;
use crate::envelope::ApiError;
use crate::faults::wire::{self, Abort, Injected, ResponseBody};
use crate::faults::{Fault, FaultInjector, Operation};
use crate::handlers::{self, Call, Reply};
use crate::recorded::RecordedRequest;
use crate::response::{CLIENT_REQUEST_ID, ResponseContext};
use crate::router::{self, Route};
use crate::state::State;
use crate::tokens::TokenSigner;
use crate::versions::VersionRefusal;

/// The `x-ms-date` header.
const MS_DATE: &str = "x-ms-date";

/// Everything a request may need: configuration, secrets, signers and state.
pub(crate) struct Service {
    pub(crate) config: Config,
    /// The decoded access key.
    pub(crate) access_key: zeroize::Zeroizing<Vec<u8>>,
    pub(crate) tokens: TokenSigner,
    pub(crate) entra: EntraSigner,
    pub(crate) state: State,
    pub(crate) faults: FaultInjector,
    /// Turns `true` when the server stops, releasing hanging requests.
    pub(crate) stopping: watch::Sender<bool>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("resource_id", &self.config.resource_id)
            .finish_non_exhaustive()
    }
}

/// What the pipeline learned on the way, for the log entry and the response headers.
struct Trace {
    record: RecordedRequest,
    supported_versions: Option<String>,
    client_request_id: Option<HeaderValue>,
    started: Instant,
    /// The emulator's time when the request arrived, for authentication and the operation.
    now: OffsetDateTime,
}

impl Service {
    /// Answers one request on the connection `connection`. An error tells hyper to drop
    /// the connection without answering (an injected reset, or a hang ending).
    pub(crate) async fn call<B>(
        self: Arc<Self>,
        request: Request<B>,
        connection: &ConnectionControl,
    ) -> Result<Response<ResponseBody>, Abort>
    where
        B: Body<Data = Bytes>,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        connection.saw_request();
        let started = Instant::now();
        let (parts, body) = request.into_parts();
        let header_text = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut trace = Trace {
            record: RecordedRequest {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                operation: None,
                api_version: api_version(parts.uri.query()),
                client_request_id: header_text(CLIENT_REQUEST_ID.as_str()),
                x_ms_date: header_text(MS_DATE),
                auth_scheme: None,
                signature_valid: false,
                auth_error: None,
                fault: None,
                status: 0,
            },
            supported_versions: None,
            client_request_id: parts.headers.get(CLIENT_REQUEST_ID).cloned(),
            started,
            now: self.config.clock.now(),
        };

        let route = match router::route(&parts.method, parts.uri.path()) {
            Ok(route) => route,
            Err(error) => return Ok(self.finish(trace, Err(error))),
        };
        let operation = route.operation();
        trace.record.operation = Some(operation);
        trace.supported_versions = Some(self.config.api_versions.supported_header(route.family()));

        let body = self.read_body(&parts.headers, body).await;
        let authenticated = match &body {
            Ok(body) => self.authenticate(&parts, &route, body, &mut trace),
            Err(error) => Err(error.clone()),
        };

        let fault = self.faults.pick(operation);
        if let Some(fault) = fault.as_ref().filter(|fault| !fault.processes_request()) {
            return self.inject(fault, operation, trace, connection).await;
        }

        let outcome = body.and_then(|body| {
            authenticated?;
            self.operate(&parts, &route, &body, &trace)
        });
        match fault {
            // The service acted; now the answer is lost with the connection.
            Some(fault) => {
                trace.record.fault = Some(fault.to_string());
                self.log(trace.record);
                connection.request_reset();
                Err(Abort("reset after processing (injected fault)"))
            }
            None => Ok(self.finish(trace, outcome)),
        }
    }

    /// Builds the answer for `outcome`, logs it and returns it.
    fn finish(&self, mut trace: Trace, outcome: Result<Reply, ApiError>) -> Response<ResponseBody> {
        let context = self.response_context(&mut trace);
        let response = match outcome {
            Ok(Reply::Json(status, body)) => context.json(status, body),
            Ok(Reply::NoContent) => context.no_content(),
            Err(error) => context.error(&error),
        };
        trace.record.status = response.status().as_u16();
        self.log(trace.record);
        response.map(Either::Left)
    }

    /// Answers (or withholds the answer to) a request faulted before processing.
    async fn inject(
        &self,
        fault: &Fault,
        operation: Operation,
        mut trace: Trace,
        connection: &ConnectionControl,
    ) -> Result<Response<ResponseBody>, Abort> {
        let context = self.response_context(&mut trace);
        let injected = wire::answer(fault, operation, &context);
        trace.record.fault = Some(fault.to_string());
        if let Injected::Respond(response) = &injected {
            trace.record.status = response.status().as_u16();
        }
        // Logged now, so a hanging request is in the log while it hangs.
        self.log(trace.record);

        match injected {
            Injected::Respond(response) => Ok(response),
            Injected::Reset => {
                connection.request_reset();
                Err(Abort("connection reset (injected fault)"))
            }
            Injected::Hang => {
                wire::hang(&self.stopping).await;
                Err(Abort("hang ended (injected fault)"))
            }
        }
    }

    fn response_context(&self, trace: &mut Trace) -> ResponseContext {
        ResponseContext {
            supported_versions: trace.supported_versions.take(),
            client_request_id: trace.client_request_id.take(),
            started: trace.started,
            now: self.config.clock.now(),
        }
    }

    fn log(&self, record: RecordedRequest) {
        debug!(
            method = %record.method,
            path = %record.path,
            status = record.status,
            fault = record.fault.as_deref().unwrap_or(""),
            client_request_id = record.client_request_id.as_deref().unwrap_or(""),
            "answered request"
        );
        self.state.record(record);
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

    /// Checks the request's credentials, noting the outcome for the log.
    fn authenticate(
        &self,
        parts: &http::request::Parts,
        route: &Route,
        body: &Bytes,
        trace: &mut Trace,
    ) -> Result<(), ApiError> {
        let signed = SignedRequest {
            method: parts.method.as_str(),
            path_and_query: parts.uri.path_and_query().map_or("/", |pq| pq.as_str()),
            host: host(parts),
            headers: &parts.headers,
            body,
        };
        let authenticator = Authenticator {
            access_key: &self.access_key,
            entra: &self.entra,
            now: trace.now,
            max_skew: self.config.max_skew,
            credential: match route {
                Route::ExchangeTeamsExtensionToken => Credential::TeamsExtensionUser,
                _ => Credential::Resource,
            },
        };
        match authenticator.authenticate(&signed) {
            Ok(scheme) => {
                trace.record.auth_scheme = Some(scheme);
                trace.record.signature_valid = true;
                Ok(())
            }
            Err(failure) => {
                trace.record.auth_scheme = failure.scheme;
                trace.record.auth_error = Some(failure.error.message.clone());
                Err(failure.error)
            }
        }
    }

    /// The api-version and the operation, once routed, read and authenticated.
    fn operate(
        &self,
        parts: &http::request::Parts,
        route: &Route,
        body: &Bytes,
        trace: &Trace,
    ) -> Result<Reply, ApiError> {
        let version = self
            .config
            .api_versions
            .resolve(trace.record.api_version.as_deref(), route.family())
            .map_err(|refusal| version_error(refusal, host(parts), parts.uri.path()))?;

        let call = Call {
            version,
            body,
            now: trace.now,
            service: self,
            bearer_token: parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(crate::auth::bearer::token),
        };
        match route {
            Route::CreateIdentity => handlers::identities::create(&call),
            Route::IssueAccessToken(id) => handlers::identities::issue_access_token(&call, id),
            Route::RevokeAccessTokens(id) => handlers::identities::revoke_access_tokens(&call, id),
            Route::DeleteIdentity(id) => handlers::identities::delete(&call, id),
            Route::ExchangeTeamsUserToken => handlers::teams::exchange(&call),
            Route::GetIdentity(id) => handlers::identities::get(&call, id),
            Route::ExchangeTeamsExtensionToken => handlers::teams_extension::exchange(&call),
            Route::GetAssignment(key) => handlers::teams_extension::get_assignment(&call, key),
            Route::PutAssignment(key) => handlers::teams_extension::put_assignment(&call, key),
            Route::DeleteAssignment(key) => {
                handlers::teams_extension::delete_assignment(&call, key)
            }
        }
    }
}

/// The `Host` header, or the `:authority` of an HTTP/2 request.
fn host(parts: &http::request::Parts) -> Option<&str> {
    parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
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
