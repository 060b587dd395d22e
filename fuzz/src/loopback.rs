//! One in-process emulator per fuzzing process, and a client that talks to it on loopback.
//!
//! libFuzzer calls a target's body many thousands of times a second in one process, so the
//! emulator and a current-thread Tokio runtime are started once, on first use, and kept in
//! a static. Requests go over one kept-alive HTTP/1.1 connection (a new one only when the
//! server has closed the last), which keeps the fuzzer fast and spares the loopback ports.
//!
//! [`Harness::send`] is also the first property check: an answer must come back, within
//! [`ANSWER_TIMEOUT`], and complete. A connection the server drops while a request is in
//! flight, or an answer that never comes, panics, which libFuzzer reports as a crash with the
//! input that caused it.
//!
//! [`Harness::sign`] signs a request with the emulator's access key, written from the
//! documented HMAC-SHA256 scheme (not with the client's code), so inputs reach the handlers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use acs_emulator::Emulator;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::runtime::Runtime;

/// How long one request may take before the emulator counts as hung.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers the fuzzer must not set itself: they decide how the message is framed or routed
/// on the connection, so arbitrary values would make the client, not the server, misbehave
/// (e.g. a `content-length` longer than the body leaves the server waiting for bytes).
pub const FRAMING_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "expect",
    "host",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A request to send: method, request target exactly as it goes on the wire, extra
/// headers and body.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// The method.
    pub method: Method,
    /// The origin-form request target (`/path?query`); see [`request_target`].
    pub target: String,
    /// Headers besides `host`, which [`Harness::send`] always sets.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body.
    pub body: Bytes,
}

/// A complete answer of the emulator.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

/// The emulator, the runtime it runs on and the kept connection to it.
pub struct Harness {
    runtime: Runtime,
    emulator: Emulator,
    connection: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

/// The process's harness, started on first use.
///
/// # Panics
///
/// When no Tokio runtime can be built or the emulator cannot bind 127.0.0.1: the fuzzer
/// cannot run at all then, and says so.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(Harness::start)
}

impl Harness {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("fuzz harness: no Tokio runtime: {error}"));
        let emulator = runtime
            .block_on(Emulator::start())
            .unwrap_or_else(|error| panic!("fuzz harness: emulator did not start: {error}"));
        let harness = Self {
            runtime,
            emulator,
            connection: Mutex::new(None),
        };
        harness.check_signing();
        harness
    }

    /// Refuses to fuzz with a signer the emulator rejects: every signed input would stop
    /// at authentication, and the targets would test nothing behind it.
    fn check_signing(&self) {
        let mut create = Outgoing {
            method: Method::POST,
            target: format!(
                "/identities?api-version={}",
                acs_identity_models::api_versions::DEFAULT
            ),
            headers: Vec::new(),
            body: Bytes::from_static(b"{}"),
        };
        self.sign(&mut create, OffsetDateTime::now_utc());
        let answer = self.send(&create);
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "fuzz harness: the emulator refused a signed request: {:?}",
            String::from_utf8_lossy(&answer.body)
        );
        self.emulator.clear_requests();
    }

    /// The emulator, for its test hooks (identities, token checks, request log).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Runs `future` on the harness runtime; the emulator serves while it runs.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Adds `x-ms-date` (IMF-fixdate of `at`), `x-ms-content-sha256` and a valid
    /// `authorization` header for the emulator's access key.
    pub fn sign(&self, outgoing: &mut Outgoing, at: OffsetDateTime) {
        let date = http_date(at);
        let content_hash = STANDARD.encode(Sha256::digest(&outgoing.body));
        let string_to_sign = format!(
            "{}\n{}\n{};{};{}",
            outgoing.method,
            outgoing.target,
            date,
            self.host(),
            content_hash
        );
        let signature = self.signature(&string_to_sign);
        let authorization = format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        );
        for (name, value) in [
            ("x-ms-date", date),
            ("x-ms-content-sha256", content_hash),
            ("authorization", authorization),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                outgoing
                    .headers
                    .push((HeaderName::from_static(name), value));
            }
        }
    }

    /// Sends `outgoing` and reads the whole answer.
    ///
    /// # Panics
    ///
    /// When the emulator drops the connection before a complete answer (on a fresh
    /// connection; a kept one that went stale is replaced once), or does not answer within
    /// [`ANSWER_TIMEOUT`]. Both are findings.
    pub fn send(&self, outgoing: &Outgoing) -> Answer {
        self.runtime.block_on(self.exchange(outgoing))
    }

    async fn exchange(&self, outgoing: &Outgoing) -> Answer {
        // A kept connection may have been closed by the server after its last answer,
        // which is its right; only a failure on a fresh connection is the server's fault.
        if let Some(sender) = self.take_connection()
            && let Ok((answer, sender)) = self.try_send(sender, outgoing).await
        {
            self.keep_connection(sender);
            return answer;
        }

        let sender = connect(self.emulator.local_addr())
            .await
            .unwrap_or_else(|error| panic!("cannot connect to the emulator: {error}"));
        match self.try_send(sender, outgoing).await {
            Ok((answer, sender)) => {
                self.keep_connection(sender);
                answer
            }
            Err(error) => panic!(
                "the emulator gave no complete answer to {} {:?}: {error}",
                outgoing.method, outgoing.target
            ),
        }
    }

    async fn try_send(
        &self,
        mut sender: SendRequest<Full<Bytes>>,
        outgoing: &Outgoing,
    ) -> Result<(Answer, SendRequest<Full<Bytes>>), String> {
        let mut builder = http::Request::builder()
            .method(outgoing.method.clone())
            .uri(outgoing.target.as_str())
            .header("host", self.host());
        for (name, value) in &outgoing.headers {
            builder = builder.header(name, value);
        }
        let request = builder
            .body(Full::new(outgoing.body.clone()))
            .map_err(|error| format!("request not buildable (harness bug): {error}"))?;

        let answer = tokio::time::timeout(ANSWER_TIMEOUT, async {
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(Answer {
                status: parts.status,
                headers: parts.headers,
                body: body.to_bytes(),
            })
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the emulator did not answer {} {:?} within {ANSWER_TIMEOUT:?}",
                outgoing.method, outgoing.target
            )
        })?;
        Ok((answer, sender))
    }

    fn take_connection(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        slot.take().filter(|sender| !sender.is_closed())
    }

    fn keep_connection(&self, sender: SendRequest<Full<Bytes>>) {
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(sender);
    }

    fn host(&self) -> String {
        self.emulator.local_addr().to_string()
    }

    fn signature(&self, string_to_sign: &str) -> String {
        // The emulator's key is base64 by construction; an empty key would only make
        // every signature wrong, which the properties would then report.
        let key = STANDARD
            .decode(self.emulator.access_key())
            .unwrap_or_default();
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&key) else {
            return String::new();
        };
        mac.update(string_to_sign.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    // The connection task ends when either side closes; nothing waits for it.
    tokio::spawn(connection);
    Ok(sender)
}

/// The IMF-fixdate form of `at`, as `x-ms-date` carries it.
pub fn http_date(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(&format).unwrap_or_default()
}

/// `raw` as an origin-form request target that `http::Uri` keeps byte for byte: a leading
/// `/` is added if missing, and every byte outside the characters a path and query may hold
/// is percent-encoded (so `#`, spaces and control bytes cannot change what is sent).
pub fn request_target(raw: &str) -> String {
    let mut target = String::with_capacity(raw.len() + 1);
    if !raw.starts_with('/') {
        target.push('/');
    }
    for byte in raw.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte);
        if keep {
            target.push(char::from(byte));
        } else {
            target.push_str(&format!("%{byte:02X}"));
        }
    }
    target
}

/// Whether a fuzzer-chosen header may be sent (see [`FRAMING_HEADERS`]).
pub fn may_send_header(name: &HeaderName) -> bool {
    !FRAMING_HEADERS.contains(&name.as_str())
}
