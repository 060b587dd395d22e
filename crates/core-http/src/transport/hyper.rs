//! The default transport: hyper 1, hyper-util's pooled client and rustls.
//!
//! Connections are pooled and kept alive (the pool has a Tokio timer, without which its
//! idle timeout never fires), TLS uses rustls with the ring provider chosen explicitly and
//! the webpki root set (plus any roots the caller adds), and ALPN offers HTTP/2 and
//! HTTP/1.1. Plain `http://` is allowed for loopback servers such as the emulator. Each
//! request may carry an overall timeout covering connect, send and reading the whole body.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderValue, Method};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use super::Transport;
use crate::{Error, ErrorKind, Request, Response, Result};

type PooledClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

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
    client: PooledClient,
    request_timeout: Option<Duration>,
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
            .finish()
    }
}

/// Settings for [`HyperTransport`].
///
/// Defaults: connect timeout 10 s, pool idle timeout 90 s, request timeout 60 s, the
/// webpki root certificates.
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            request_timeout: Some(Duration::from_secs(60)),
            extra_roots: Vec::new(),
        }
    }
}

impl HyperTransportBuilder {
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

    /// Longest time for one attempt, from connecting to the end of the body; `None` for
    /// no limit.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
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

        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .build(https);
        Ok(HyperTransport {
            client,
            request_timeout: self.request_timeout,
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
            let response = self
                .client
                .request(outgoing)
                .await
                .map_err(classify_send_error)?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(classify_body_error)?
                .to_bytes();
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

fn hyper_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a hyper::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(hyper) = error.downcast_ref::<hyper::Error>() {
            return Some(hyper);
        }
        current = error.source();
    }
    None
}

fn classify_send_error(error: hyper_util::client::legacy::Error) -> Error {
    let io_kind = io_cause(&error).map(io::Error::kind);
    if io_kind == Some(io::ErrorKind::TimedOut) {
        return Error::with_source(ErrorKind::Timeout, "connecting timed out", error);
    }
    if error.is_connect() {
        return Error::with_source(ErrorKind::Connection, "could not connect", error);
    }

    // Closed or reset before any response arrived: the request may not have been processed.
    let closed_early = matches!(
        io_kind,
        Some(
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
        )
    ) || hyper_cause(&error)
        .is_some_and(|e| e.is_incomplete_message() || e.is_canceled() || e.is_closed());
    if closed_early {
        return Error::with_source(
            ErrorKind::Connection,
            "the connection closed before a response arrived",
            error,
        );
    }
    Error::with_source(ErrorKind::Io, "sending the request failed", error)
}

fn classify_body_error(error: hyper::Error) -> Error {
    if io_cause(&error).map(io::Error::kind) == Some(io::ErrorKind::TimedOut) {
        return Error::with_source(ErrorKind::Timeout, "reading the response timed out", error);
    }
    Error::with_source(ErrorKind::Io, "reading the response body failed", error)
}
