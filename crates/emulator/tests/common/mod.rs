//! Test support: a minimal HTTP client that signs requests itself.
//!
//! The signing here is written independently of the emulator's verifier (and of the
//! project's client), straight from the documented algorithm, so the tests check the
//! emulator against the protocol rather than against its own code.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use acs_emulator::Emulator;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

/// The newest stable api-version.
pub const LATEST: &str = "2026-09-23";

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// `error.code` of an error envelope.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// How to authenticate a request.
#[derive(Clone, Debug)]
pub enum Auth {
    /// HMAC with `x-ms-date`, signed at the given time.
    Hmac(OffsetDateTime),
    /// HMAC with the standard `Date` header (older .NET clients).
    HmacDate(OffsetDateTime),
    /// A bearer token.
    Bearer(String),
    /// No Authorization header.
    None,
}

/// A request to send.
pub struct Call {
    pub method: Method,
    pub target: String,
    pub body: Option<String>,
    pub auth: Auth,
    pub headers: Vec<(&'static str, String)>,
    /// A `Host` header other than the one signed.
    pub host_header: Option<String>,
}

impl Call {
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        Self {
            method,
            target: target.into(),
            body: None,
            auth: Auth::Hmac(OffsetDateTime::now_utc()),
            headers: Vec::new(),
            host_header: None,
        }
    }

    pub fn post(target: impl Into<String>) -> Self {
        Self::new(Method::POST, target)
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn host_header(mut self, host: impl Into<String>) -> Self {
        self.host_header = Some(host.into());
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The IMF-fixdate form of `at`.
/// The connection string in the emulator binary's first line (`ACS_CONNECTION_STRING=…`)
/// and the address its endpoint names.
pub fn connection_line(line: &str) -> (String, SocketAddr) {
    let connection_string = line
        .trim_end()
        .strip_prefix("ACS_CONNECTION_STRING=")
        .unwrap_or_else(|| panic!("not the connection string line: {line:?}"));
    let parsed = acs_core_auth::ConnectionString::parse(connection_string).unwrap();
    let address = parsed.endpoint().socket_addrs(|| None).unwrap()[0];
    (connection_string.to_owned(), address)
}

pub fn http_date(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(&format).unwrap()
}

/// base64(SHA-256(body)).
pub fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// base64(HMAC-SHA256(base64-decoded key, string to sign)).
pub fn signature(access_key: &str, string_to_sign: &str) -> String {
    let key = STANDARD.decode(access_key).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Sends one request on a fresh HTTP/1.1 connection.
pub async fn send(emulator: &Emulator, call: Call) -> Reply {
    send_to(emulator.local_addr(), emulator.access_key(), call).await
}

/// Sends one request to `addr`, signing with `access_key`.
pub async fn send_to(addr: SocketAddr, access_key: &str, call: Call) -> Reply {
    let (parts, body) = try_send_to(addr, access_key, call).await.unwrap();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.unwrap(),
    }
}

/// What a request got: the response head and the body (or why it could not be read), or
/// the error of a request that got no response.
pub type Attempt = Result<(http::response::Parts, Result<Bytes, hyper::Error>), hyper::Error>;

/// Sends one request on a fresh HTTP/1.1 connection, returning failures instead of
/// panicking on them.
pub async fn try_send(emulator: &Emulator, call: Call) -> Attempt {
    try_send_to(emulator.local_addr(), emulator.access_key(), call).await
}

/// As [`try_send`], to `addr` signing with `access_key`.
pub async fn try_send_to(addr: SocketAddr, access_key: &str, call: Call) -> Attempt {
    let request = signed_request(addr, access_key, &call);
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map(|collected| collected.to_bytes());
    Ok((parts, body))
}

/// The request `call` describes, signed for `addr` with `access_key`.
pub fn signed_request(addr: SocketAddr, access_key: &str, call: &Call) -> Request<Full<Bytes>> {
    let host = addr.to_string();
    let body = call.body.clone().unwrap_or_default();
    let hash = content_hash(body.as_bytes());

    let mut request = Request::builder()
        .method(call.method.clone())
        .uri(call.target.as_str())
        .header("host", call.host_header.as_deref().unwrap_or(&host))
        .header("content-type", "application/json");
    match &call.auth {
        Auth::Hmac(at) | Auth::HmacDate(at) => {
            let date_header = if matches!(call.auth, Auth::Hmac(_)) {
                "x-ms-date"
            } else {
                "date"
            };
            let date = http_date(*at);
            let string_to_sign = format!(
                "{}\n{}\n{};{};{}",
                call.method, call.target, date, host, hash
            );
            let authorization = format!(
                "HMAC-SHA256 SignedHeaders={date_header};host;x-ms-content-sha256&Signature={}",
                signature(access_key, &string_to_sign)
            );
            request = request
                .header(date_header, date)
                .header("x-ms-content-sha256", &hash)
                .header("authorization", authorization);
        }
        Auth::Bearer(token) => {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        Auth::None => {}
    }
    for (name, value) in &call.headers {
        request = request.header(*name, HeaderValue::from_str(value).unwrap());
    }
    request.body(Full::new(Bytes::from(body))).unwrap()
}

/// The HTTP/1.1 bytes of `call`, signed for `addr`, with a `Content-Length`.
pub fn raw_request(addr: SocketAddr, access_key: &str, call: &Call) -> Vec<u8> {
    let request = signed_request(addr, access_key, call);
    let body = call.body.clone().unwrap_or_default();
    let mut raw = format!("{} {} HTTP/1.1\r\n", request.method(), request.uri()).into_bytes();
    for (name, value) in request.headers() {
        raw.extend_from_slice(name.as_str().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    raw.extend_from_slice(body.as_bytes());
    raw
}

/// Creates an identity over HTTP and returns its id.
pub async fn create_user(emulator: &Emulator) -> String {
    let reply = send(
        emulator,
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.json()["identity"]["id"].as_str().unwrap().to_owned()
}

/// What JavaScript's `encodeURIComponent` leaves alone.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The id percent-encoded as one path segment, as the SDKs send it.
pub fn encoded(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, COMPONENT).to_string()
}

/// The claims of a JWT, without checking it.
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// An unsigned JWT with the given claims (as an Entra token the emulator did not mint).
pub fn unsigned_jwt(claims: &Value) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}
