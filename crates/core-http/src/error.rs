//! The one error type of the HTTP layer.
//!
//! Every fallible call in `acs-core-http`, and in the clients built on it, returns
//! [`Error`]. It is opaque: callers branch on its coarse [`ErrorKind`], and, when the service
//! answered with an error status, read the [`StatusCode`] and the parsed [`ServiceError`]
//! (`{"error":{"code","message","target","details","innererror"}}`). Messages are written so
//! that no key, token or signature can end up in them.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;
use serde_json::Value;

use crate::Response;

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
            Self::Other => "error",
        })
    }
}

/// The error a Communication Services endpoint reports in its JSON error envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceError {
    /// Machine-readable code, e.g. `ValidationError`.
    pub code: String,
    /// Human-readable description.
    pub message: String,
    /// The request element the error refers to, e.g. `ExpiresInMinutes`.
    pub target: Option<String>,
    /// Further errors that led to this one.
    pub details: Vec<ServiceError>,
    /// A more specific error nested inside this one.
    pub inner_error: Option<Box<ServiceError>>,
}

impl ServiceError {
    /// Reads an error object leniently: missing or mistyped members become empty.
    fn from_value(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let details = object
            .get("details")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Self::from_value).collect())
            .unwrap_or_default();
        let inner_error = object
            .get("innererror")
            .or_else(|| object.get("innerError"))
            .and_then(Self::from_value)
            .map(Box::new);

        Some(Self {
            code: text("code").unwrap_or_default(),
            message: text("message").unwrap_or_default(),
            target: text("target"),
            details,
            inner_error,
        })
    }

    /// Parses `{"error":{…}}`; `None` when the body is not that envelope.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let error = Self::from_value(value.get("error")?)?;
        (!error.code.is_empty() || !error.message.is_empty()).then_some(error)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => write!(f, "{}: {}", self.code, self.message)?,
            (false, true) => f.write_str(&self.code)?,
            (true, _) => f.write_str(&self.message)?,
        }
        if let Some(target) = &self.target {
            write!(f, " (target: {target})")?;
        }
        Ok(())
    }
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
        let client_request_id = response
            .headers()
            .get(crate::headers::CLIENT_REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);

        let mut error = Self::new(ErrorKind::HttpResponse, message);
        error.inner.status = Some(response.status());
        error.inner.service_error = service_error;
        error.inner.client_request_id = client_request_id;
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

    /// The `x-ms-client-request-id` the service echoed, useful when reporting a problem.
    pub fn client_request_id(&self) -> Option<&str> {
        self.inner.client_request_id.as_deref()
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

impl From<acs_core_auth::ConnectionStringError> for Error {
    fn from(error: acs_core_auth::ConnectionStringError) -> Self {
        Self::with_source(ErrorKind::InvalidInput, error.to_string(), error)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "error_tests.rs"]
mod tests;
