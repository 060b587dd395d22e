//! The default transport: hyper 1 connections from this crate's pool, over TCP and rustls.
//!
//! Connections are pooled per origin and kept alive; the pool never opens more connections
//! to an origin than there are calls to it in flight (see `pool.rs`), and closes idle ones
//! after the idle timeout. TLS uses rustls with the ring provider chosen explicitly and the
//! webpki root set (plus any roots the caller adds), and ALPN offers HTTP/2 and HTTP/1.1.
//! Plain `http://` is allowed for loopback servers such as the emulator. Each request may
//! carry an overall timeout covering connect, send and reading the whole body; inside a
//! pipeline the retry policy's `try_timeout` already bounds every attempt, so the
//! transport's own limit is off by default.
//!
//! Failures are classified for retry: anything the connector reports (TCP connect, name
//! resolution, TLS handshake, connect timeout) happened before a byte of the request was
//! written and is marked [`SendState::NotSent`]; everything after that (a reset or close
//! mid-exchange, a truncated body, a read timeout) is [`SendState::MaybeSent`]. Early data
//! (TLS 0-RTT) is not enabled, so a failed handshake really did send nothing.
//!
//! Response bodies are read into memory, so their size is capped
//! ([`HyperTransportBuilder::max_response_body_bytes`], 16 MiB by default): a body that
//! declares or reaches more fails the call with [`ErrorKind::ResponseTooLarge`] as soon as
//! that is known, and the rest is never read (the connection is dropped, not pooled).
//!
//! The pool runs one background task per open connection, and one that closes idle
//! connections; those belong to the pool, not to a call. Dropping a call's future drops its
//! hold on the connection, and hyper closes a connection whose exchange was abandoned.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::header::CONTENT_LENGTH;
use http::{HeaderValue, Method};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use super::Transport;
use super::pool::{Pool, PoolError};
use crate::{Error, ErrorKind, Request, Response, Result, SendState};

/// A pooled HTTP/1.1 + HTTP/2 client over TCP and rustls.
///
/// ```no_run
/// use std::time::Duration;
/// use acs_core_http::HyperTransport;
///
/// let transport = HyperTransport::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .request_timeout(Some(Duration::from_secs(30)))
///     .build()?;
/// # Ok::<(), acs_core_http::Error>(())
/// ```
#[derive(Clone)]
pub struct HyperTransport {
    pool: Arc<Pool>,
    request_timeout: Option<Duration>,
    max_response_body_bytes: usize,
}

impl HyperTransport {
    /// A transport with the default settings (see [`HyperTransportBuilder`]).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Other`] if the TLS configuration cannot be built.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder to change timeouts or add trusted root certificates.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("request_timeout", &self.request_timeout)
            .field("max_response_body_bytes", &self.max_response_body_bytes)
            .finish()
    }
}

/// Settings for [`HyperTransport`].
///
/// Defaults: connect timeout 10 s, pool idle timeout 90 s, no request timeout (the
/// pipeline's `RetryOptions::try_timeout`, 60 s by default, limits each attempt), response
/// bodies up to [`HyperTransportBuilder::DEFAULT_MAX_RESPONSE_BODY_BYTES`], the webpki root
/// certificates.
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    max_response_body_bytes: usize,
    extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            request_timeout: None,
            max_response_body_bytes: Self::DEFAULT_MAX_RESPONSE_BODY_BYTES,
            extra_roots: Vec::new(),
        }
    }
}

impl HyperTransportBuilder {
    /// The default cap on a response body: 16 MiB, far above any Identity answer (a few
    /// kilobytes) yet small enough that a misbehaving server cannot exhaust memory.
    pub const DEFAULT_MAX_RESPONSE_BODY_BYTES: usize = 16 * 1024 * 1024;

    /// Longest time to establish a TCP connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long an unused pooled connection stays open; `None` keeps it indefinitely.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Longest time for one request, from connecting to the end of the body; `None` (the
    /// default) for no limit. Useful when the transport is used without a pipeline; in a
    /// pipeline prefer `RetryOptions::try_timeout`, which works with any transport.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes. A response that declares a longer
    /// `Content-Length`, or whose body grows past this while it is read, fails with
    /// [`ErrorKind::ResponseTooLarge`]; the body is never buffered beyond the limit.
    pub fn max_response_body_bytes(mut self, limit: usize) -> Self {
        self.max_response_body_bytes = limit;
        self
    }

    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` blocks) as roots.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when `pem` holds no readable certificate.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::with_source(
                    ErrorKind::InvalidInput,
                    "could not read the PEM certificate",
                    e,
                )
            })?;
        if certificates.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "the PEM data holds no certificate",
            ));
        }
        self.extra_roots.extend(certificates);
        Ok(self)
    }

    /// Trusts a DER-encoded certificate as a root. It is checked by [`Self::build`].
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] for an added root certificate that cannot be parsed,
    /// [`ErrorKind::Other`] if rustls refuses the configuration.
    pub fn build(self) -> Result<HyperTransport> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for certificate in self.extra_roots {
            roots.add(certificate).map_err(|e| {
                Error::with_source(
                    ErrorKind::InvalidInput,
                    "could not use the root certificate",
                    e,
                )
            })?;
        }

        // Pick the provider explicitly: relying on a process-wide default fails when more
        // than one rustls provider is compiled into the application.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::with_source(ErrorKind::Other, "could not configure TLS", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(self.connect_timeout);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);

        Ok(HyperTransport {
            pool: Arc::new(Pool::new(https, self.pool_idle_timeout)),
            request_timeout: self.request_timeout,
            max_response_body_bytes: self.max_response_body_bytes,
        })
    }
}

#[async_trait]
impl Transport for HyperTransport {
    async fn send(&self, request: &Request) -> Result<Response> {
        let mut outgoing = http::Request::builder()
            .method(request.method().clone())
            .uri(request.url().as_str())
            .body(Full::new(request.body().clone()))
            .map_err(|e| Error::with_source(ErrorKind::InvalidInput, "invalid request URL", e))?;
        *outgoing.headers_mut() = request.headers().clone();

        // hyper omits `content-length: 0` on an empty body, but services (and proxies that
        // answer 411) expect it on methods that carry a body, as other SDKs send it.
        let carries_body = matches!(
            *request.method(),
            Method::POST | Method::PUT | Method::PATCH
        );
        if carries_body && !outgoing.headers().contains_key(CONTENT_LENGTH) {
            outgoing
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(request.body().len()));
        }

        let exchange = async {
            let (response, exchange) = self
                .pool
                .send(outgoing)
                .await
                .map_err(classify_pool_error)?;
            let (parts, body) = response.into_parts();
            let limit = self.max_response_body_bytes;
            let declared = parts
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok());
            // A HEAD answer, 204 and 304 have no body whatever their Content-Length says.
            let bodiless = *request.method() == Method::HEAD
                || matches!(parts.status.as_u16(), 100..=199 | 204 | 304);
            if !bodiless && declared.is_some_and(|length| length > limit as u64) {
                return Err(too_large(limit, "declares a longer Content-Length"));
            }

            let body = Limited::new(body, limit)
                .collect()
                .await
                .map_err(|e| classify_limited_body_error(e, limit))?
                .to_bytes();
            // Only a connection whose answer was read in full can carry the next request.
            exchange.finish(!asks_to_close(&parts));
            Ok(Response::new(parts.status, parts.headers, body))
        };
        match self.request_timeout {
            None => exchange.await,
            Some(limit) => tokio::time::timeout(limit, exchange).await.map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    format!("no complete response within {} ms", limit.as_millis()),
                )
            })?,
        }
    }
}

/// The first `io::Error` in the chain of causes.
fn io_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a io::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = error.source();
    }
    None
}

/// The rustls error in the chain of causes. rustls reaches us wrapped in `io::Error`s
/// (hyper-rustls wraps it once, the connector once more), and an `io::Error`'s `source()`
/// skips the error it wraps, so the walk opens each one with `get_ref` instead.
fn tls_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = match error.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
    }
    None
}

/// Whether the server asked to close the connection after this response.
fn asks_to_close(parts: &http::response::Parts) -> bool {
    parts
        .headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("close"))
        || parts.version == http::Version::HTTP_10
}

fn classify_pool_error(error: PoolError) -> Error {
    match error {
        PoolError::InvalidUri => Error::new(
            ErrorKind::InvalidInput,
            "the request URL has no scheme and host to connect to",
        )
        .with_send_state(SendState::NotSent),
        PoolError::Connect(error) => classify_connect_error(error),
        // A new connection that failed before any request was put on it.
        PoolError::Handshake(error) => Error::with_source(
            ErrorKind::Connection,
            "could not connect: the HTTP handshake failed",
            error,
        )
        .with_send_state(SendState::NotSent),
        // hyper handed the request back unwritten: nothing reached the server.
        PoolError::Unsent(error) => Error::with_source(
            ErrorKind::Connection,
            "the connection closed before the request was sent",
            error,
        )
        .with_send_state(SendState::NotSent),
        PoolError::Send(error) => classify_send_error(error),
    }
}

/// The connector failed (TCP connect, name resolution, TLS handshake): no byte of the
/// request was written, so even a create may be retried.
fn classify_connect_error(error: Box<dyn StdError + Send + Sync>) -> Error {
    let timed_out = io_cause(&*error).map(io::Error::kind) == Some(io::ErrorKind::TimedOut);
    let (kind, message) = if timed_out {
        (ErrorKind::Timeout, "connecting timed out".to_owned())
    } else if let Some(tls) = tls_cause(&*error) {
        // Name the TLS reason (an untrusted certificate, usually) in the message itself:
        // it is what the caller has to act on.
        (
            ErrorKind::Connection,
            format!("could not connect: the TLS handshake failed ({tls})"),
        )
    } else {
        // The operating system's reason, such as "Connection refused (os error 111)" or a
        // failed name lookup; it names no secret.
        let message = match io_cause(&*error) {
            Some(io) => format!("could not connect: {io}"),
            None => "could not connect".to_owned(),
        };
        (ErrorKind::Connection, message)
    };
    Error::with_source(kind, message, error).with_send_state(SendState::NotSent)
}

/// The exchange failed after the request was handed to a connection.
fn classify_send_error(error: hyper::Error) -> Error {
    let io_kind = io_cause(&error).map(io::Error::kind);
    if io_kind == Some(io::ErrorKind::TimedOut) {
        return Error::with_source(ErrorKind::Timeout, "the exchange timed out", error);
    }

    // Closed or reset before a complete response head arrived: the request may or may not
    // have been processed. (The pool itself resends a request that a reused connection
    // refused before writing it; what reaches us here is not known to be unsent.)
    let closed_early = matches!(
        io_kind,
        Some(
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
        )
    ) || error.is_incomplete_message()
        || error.is_canceled()
        || error.is_closed();
    if closed_early {
        return Error::with_source(
            ErrorKind::Connection,
            "the connection closed before a response arrived",
            error,
        );
    }
    Error::with_source(ErrorKind::Io, "sending the request failed", error)
}

/// The error for a body over `limit` bytes. The message names the limit and how it was
/// exceeded, never any of the body.
fn too_large(limit: usize, how: &str) -> Error {
    Error::new(
        ErrorKind::ResponseTooLarge,
        format!(
            "the response body exceeds the limit of {limit} bytes (the response {how}); \
             raise HyperTransportBuilder::max_response_body_bytes if this answer is expected"
        ),
    )
}

/// Reading through [`Limited`]: either the limit was reached or the body itself failed.
fn classify_limited_body_error(error: Box<dyn StdError + Send + Sync>, limit: usize) -> Error {
    if error.is::<LengthLimitError>() {
        return too_large(limit, "sent more");
    }
    match error.downcast::<hyper::Error>() {
        Ok(error) => classify_body_error(*error),
        Err(other) => Error::with_source(ErrorKind::Io, "reading the response body failed", other),
    }
}

/// The response head arrived, so the service processed the request; the body was cut
/// short or stalled.
fn classify_body_error(error: hyper::Error) -> Error {
    if io_cause(&error).map(io::Error::kind) == Some(io::ErrorKind::TimedOut) {
        return Error::with_source(ErrorKind::Timeout, "reading the response timed out", error);
    }
    Error::with_source(
        ErrorKind::Io,
        "reading the response body failed (truncated or reset)",
        error,
    )
}
