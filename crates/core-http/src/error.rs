//! The one error type of the HTTP layer.
//!
//! Every fallible call in `acs-core-http`, and in the clients built on it, returns
//! [`Error`]. It is opaque: callers branch on its coarse [`ErrorKind`], and, when the service
//! answered with an error status, read the [`StatusCode`] and the parsed [`ServiceError`]
//! (`{"error":{"code","message","target","details","innererror"}}`). Messages are written so
//! that no key, token or signature can end up in them. What the service wrote is shortened
//! in `Display` and `Debug` (to [`ServiceError::DISPLAY_LIMIT`] bytes per text), so one
//! huge answer cannot flood a log; the full text stays in [`Error::service_error`].

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;

use crate::{Response, ServiceError};

/// A specialised `Result` whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Which part of a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No connection could be made, or it closed before a response arrived.
    Connection,
    /// Reading or writing on an established connection failed.
    Io,
    /// A connect or request timeout elapsed.
    Timeout,
    /// The service answered with an error status.
    HttpResponse,
    /// A credential could not be used (bad key, no token).
    Credential,
    /// A body could not be serialised or parsed.
    DataConversion,
    /// The caller passed a value the SDK cannot use.
    InvalidInput,
    /// The response body is larger than the transport accepts (for [`crate::HyperTransport`],
    /// its `max_response_body_bytes`). The service did answer, so this is not retried.
    ResponseTooLarge,
    /// Anything else.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connection => "connection error",
            Self::Io => "I/O error",
            Self::Timeout => "timed out",
            Self::HttpResponse => "HTTP error response",
            Self::Credential => "credential error",
            Self::DataConversion => "data conversion error",
            Self::InvalidInput => "invalid input",
            Self::ResponseTooLarge => "response too large",
            Self::Other => "error",
        })
    }
}

/// How far a failed request got, as far as the client can tell.
///
/// Retrying a call that creates something is only safe when the service cannot have seen
/// it, so transports say which failures happened before any byte of the request left the
/// client. The state matters for transport failures ([`ErrorKind::Connection`],
/// [`ErrorKind::Io`], [`ErrorKind::Timeout`]); other errors keep the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SendState {
    /// The request certainly did not reach the service: no connection could be
    /// established (refused, name resolution failed, TLS handshake failed, connecting timed
    /// out).
    NotSent,
    /// Some or all of the request may have reached the service, which may have acted on it
    /// (the connection reset after sending, the response was cut short, an attempt timed
    /// out). This is the default: a transport that cannot tell must not claim otherwise.
    #[default]
    MaybeSent,
}

/// An error from the HTTP layer or from the service.
///
/// ```
/// use acs_core_http::{Error, ErrorKind, HeaderMap, Response, StatusCode};
///
/// let body = r#"{"error":{"code":"ValidationError","message":"Bad value.","target":"Scopes"}}"#;
/// let response = Response::new(StatusCode::BAD_REQUEST, HeaderMap::new(), body);
/// let error = Error::from_response(&response);
/// assert_eq!(error.kind(), &ErrorKind::HttpResponse);
/// assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
/// assert_eq!(error.service_error().map(|e| e.code.as_str()), Some("ValidationError"));
/// assert_eq!(
///     error.to_string(),
///     "HTTP 400 Bad Request: ValidationError: Bad value. (target: Scopes)"
/// );
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    status: Option<StatusCode>,
    service_error: Option<ServiceError>,
    client_request_id: Option<String>,
    send_state: SendState,
    /// For [`Error::unexpected_status`]: the message says everything, status included.
    status_in_message: bool,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    /// An error of `kind` described by `message`.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                service_error: None,
                client_request_id: None,
                send_state: SendState::default(),
                status_in_message: false,
                source: None,
            }),
        }
    }

    /// An error of `kind` described by `message`, caused by `source`.
    pub fn with_source(
        kind: ErrorKind,
        message: impl Into<Cow<'static, str>>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        let mut error = Self::new(kind, message);
        error.inner.source = Some(source.into());
        error
    }

    /// Records how far the request got before this failure (see [`SendState`]).
    /// Transports mark connection failures with [`SendState::NotSent`].
    pub fn with_send_state(mut self, state: SendState) -> Self {
        self.inner.send_state = state;
        self
    }

    /// How far the request got before this failure; [`SendState::MaybeSent`] unless the
    /// error's creator recorded otherwise.
    pub fn send_state(&self) -> SendState {
        self.inner.send_state
    }

    /// The error for a response with an error status.
    ///
    /// The body is parsed leniently as the service's error envelope. When it is something else
    /// (HTML from a gateway, empty, other JSON), the error still carries the status and a short
    /// description of the body, never its content.
    pub fn from_response(response: &Response) -> Self {
        let body = response.body();
        let service_error = ServiceError::from_body(body);
        let message: Cow<'static, str> = match &service_error {
            Some(_) => Cow::Borrowed(""),
            None if body.is_empty() => Cow::Borrowed("empty response body"),
            None => {
                let content_type = response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("no content type");
                Cow::Owned(format!(
                    "response body is not a service error ({content_type}, {} bytes)",
                    body.len()
                ))
            }
        };
        // The id the service echoed, else the one the request carried.
        let client_request_id = response
            .headers()
            .get(crate::headers::CLIENT_REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .or(response.sent_client_request_id())
            .map(str::to_owned);

        let mut error = Self::new(ErrorKind::HttpResponse, message);
        error.inner.status = Some(response.status());
        error.inner.service_error = service_error;
        error.inner.client_request_id = client_request_id;
        error
    }

    /// The error for a response whose status is not an error but not the one `operation`
    /// succeeds with either (a 200 or 202 where 201 is expected, a redirect).
    ///
    /// The kind is [`ErrorKind::HttpResponse`] with the status kept, and the message names
    /// the operation and both statuses.
    ///
    /// ```
    /// use acs_core_http::{Error, ErrorKind, HeaderMap, Response, StatusCode};
    ///
    /// let response = Response::new(StatusCode::OK, HeaderMap::new(), "{}");
    /// let error = Error::unexpected_status(&response, "create_user", StatusCode::CREATED);
    /// assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    /// assert_eq!(error.status(), Some(StatusCode::OK));
    /// assert_eq!(
    ///     error.to_string(),
    ///     "unexpected status 200 OK from create_user (expected 201 Created)"
    /// );
    /// ```
    pub fn unexpected_status(response: &Response, operation: &str, expected: StatusCode) -> Self {
        let mut error = Self::from_response(response);
        error.inner.message = Cow::Owned(format!(
            "unexpected status {} from {operation} (expected {expected})",
            response.status()
        ));
        error.inner.status_in_message = true;
        error
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The HTTP status, for errors built from a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The service's error envelope, when the response carried one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        self.inner.service_error.as_ref()
    }

    /// The `x-ms-client-request-id` of the failed call, useful when reporting a problem: the
    /// one the service echoed, else the one the request was sent with.
    pub fn client_request_id(&self) -> Option<&str> {
        self.inner.client_request_id.as_deref()
    }

    /// Records the `x-ms-client-request-id` of the call that failed, unless the error
    /// already carries one (a response that echoed it).
    ///
    /// The pipeline does this for every error it returns, so failures that never got a
    /// response (connection, I/O, timeout) can be reported with the id the service logged.
    #[must_use]
    pub fn or_client_request_id(mut self, id: impl FnOnce() -> Option<String>) -> Self {
        if self.inner.client_request_id.is_none() {
            self.inner.client_request_id = id();
        }
        self
    }

    /// The description given when the error was created (empty for parsed service errors).
    pub fn message(&self) -> &str {
        &self.inner.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(status) = self.inner.status else {
            return write!(f, "{}: {}", self.inner.kind, self.inner.message);
        };
        if self.inner.status_in_message {
            return f.write_str(&self.inner.message);
        }

        write!(f, "HTTP {}", status.as_u16())?;
        if let Some(reason) = status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        match (&self.inner.service_error, self.inner.message.is_empty()) {
            (Some(service_error), _) => write!(f, ": {service_error}"),
            (None, false) => write!(f, ": {}", self.inner.message),
            (None, true) => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(status) = self.inner.status {
            debug.field("status", &status.as_u16());
        }
        if let Some(service_error) = &self.inner.service_error {
            debug.field("service_error", service_error);
        }
        if let Some(id) = &self.inner.client_request_id {
            debug.field("client_request_id", id);
        }
        if self.inner.send_state == SendState::NotSent {
            debug.field("send_state", &self.inner.send_state);
        }
        if let Some(source) = &self.inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

impl From<acs_core_auth::KeyError> for Error {
    fn from(error: acs_core_auth::KeyError) -> Self {
        Self::with_source(ErrorKind::Credential, error.to_string(), error)
    }
}

impl From<acs_core_auth::CredentialError> for Error {
    fn from(error: acs_core_auth::CredentialError) -> Self {
        Self::with_source(ErrorKind::Credential, error.to_string(), error)
    }
}

impl From<acs_core_auth::EndpointError> for Error {
    fn from(error: acs_core_auth::EndpointError) -> Self {
        Self::with_source(ErrorKind::InvalidInput, error.to_string(), error)
    }
}

impl From<acs_core_auth::ConnectionStringError> for Error {
    fn from(error: acs_core_auth::ConnectionStringError) -> Self {
        Self::with_source(ErrorKind::InvalidInput, error.to_string(), error)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "error_tests.rs"]
mod tests;
