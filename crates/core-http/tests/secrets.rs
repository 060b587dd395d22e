//! Secrets never reach logs or printed values.
//!
//! Whole pipelines (HMAC and bearer) run against servers on 127.0.0.1 (wiremock over plain
//! HTTP, the rustls test server over TLS) through the real [`HyperTransport`], with every
//! event captured at TRACE: `tracing` events of this crate and of anything else that emits
//! them on the test thread, and `log` records (rustls logs through `log`) from that thread.
//! The servers run on their own threads, so their logs (which may show what they received)
//! are not captured. Then the access key (base64, decoded, as bytes), every signature, the
//! bearer token and the token the service returned must appear nowhere: not in the capture,
//! and not in the `Debug` or `Display` of the requests, responses, pipelines, options,
//! policies, credentials and errors involved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use acs_core_auth::{AzureKeyCredential, StaticTokenCredential, TokenCredential};
use acs_core_http::policies::{BearerTokenPolicy, HmacAuthenticationPolicy};
use acs_core_http::{
    ClientOptions, Context, Error, HyperTransport, LoggingOptions, Method, Pipeline, Policy,
    Request, Response, RetryOptions, Transport,
};
use time::macros::datetime;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY_BASE64: &str = "ZGVjb2RlZC1hY2Nlc3Mta2V5LW1hdGVyaWFsLTAxMjM0NTY3ODk=";
const KEY_DECODED: &str = "decoded-access-key-material-0123456789";
const BEARER_TOKEN: &str = "bearer-token-value-not-for-logs";
const RETURNED_TOKEN: &str = "returned-access-token-value";
const SCOPE: &str = "https://communication.azure.com//.default";

/// Everything written by the subscriber and the `log` bridge for one test thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Sends `log` records to the capture of the thread that emitted them, if it has one.
struct LogBridge {
    captures: Mutex<HashMap<ThreadId, Captured>>,
}

impl log::Log for LogBridge {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let captures = self.captures.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(captured) = captures.get(&thread::current().id()) {
            let line = format!(
                "LOG {} {}: {}\n",
                record.level(),
                record.target(),
                record.args()
            );
            io::Write::write_all(&mut captured.clone(), line.as_bytes()).unwrap();
        }
    }

    fn flush(&self) {}
}

static BRIDGE: std::sync::LazyLock<LogBridge> = std::sync::LazyLock::new(|| LogBridge {
    captures: Mutex::new(HashMap::new()),
});

/// Captures everything emitted on this thread until the guard drops.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&*BRIDGE).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });

    let captured = Captured::default();
    BRIDGE
        .captures
        .lock()
        .unwrap()
        .insert(thread::current().id(), captured.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

/// The texts that must never be printed, given the signatures that were sent.
fn forbidden(signatures: &[String]) -> Vec<String> {
    let bytes = KEY_DECODED.as_bytes();
    let mut hex = String::new();
    for byte in bytes {
        let _ = write!(hex, "{byte:02x}");
    }
    let mut texts = vec![
        KEY_BASE64.to_owned(),
        KEY_BASE64.trim_end_matches('=')[..24].to_owned(),
        KEY_DECODED.to_owned(),
        format!("{:?}", &bytes[..6])
            .trim_end_matches(']')
            .to_owned(),
        hex,
        BEARER_TOKEN.to_owned(),
        RETURNED_TOKEN.to_owned(),
    ];
    texts.extend(signatures.iter().cloned());
    texts
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for secret in forbidden {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows `{secret}`:\n{text}"
        );
    }
}

/// The `Signature=` value of an HMAC `Authorization` header.
fn signature_of(request: &Request) -> Option<String> {
    let header = request.headers().get("authorization")?.to_str().ok()?;
    Some(header.split_once("Signature=")?.1.to_owned())
}

enum Auth {
    Hmac,
    Bearer,
}

/// A pipeline signing with `auth`, logging generously, retrying at once.
fn pipeline(auth: &Auth, transport: Arc<dyn Transport>) -> (Pipeline, Arc<dyn Policy>) {
    let policy: Arc<dyn Policy> = match auth {
        Auth::Hmac => Arc::new(HmacAuthenticationPolicy::new(
            AzureKeyCredential::new(KEY_BASE64).unwrap(),
        )),
        Auth::Bearer => {
            let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new(
                BEARER_TOKEN,
                datetime!(2100-01-01 00:00 UTC),
            ));
            Arc::new(BearerTokenPolicy::new(credential, vec![SCOPE.to_owned()]))
        }
    };
    let options = ClientOptions {
        transport: Some(transport),
        retry: RetryOptions {
            initial_delay: Duration::ZERO,
            ..Default::default()
        },
        // Even a caller who allows these headers must not see credentials in logs.
        logging: LoggingOptions {
            additional_allowed_headers: vec!["authorization".into(), "x-ms-content-sha256".into()],
            additional_allowed_query_params: Vec::new(),
        },
        ..Default::default()
    };
    let debug_options = format!("{options:?}");
    assert!(!debug_options.contains(KEY_BASE64) && !debug_options.contains(BEARER_TOKEN));
    let pipeline = Pipeline::new("acs-test", "0.0.0", options, vec![], vec![policy.clone()]);
    (pipeline.unwrap(), policy)
}

/// Sends a create request (with a body) through `pipeline` to `base`; returns the request
/// as last sent and the response.
async fn create(pipeline: &Pipeline, base: &str) -> (Request, Response) {
    let url = format!("{base}/identities?api-version=2026-09-23");
    let mut request = Request::new(Method::POST, url.parse().unwrap());
    request.set_body(r#"{"createTokenWithScopes":["chat"]}"#);
    let response = pipeline.send(&Context::new(), &mut request).await.unwrap();
    (request, response)
}

/// A wiremock server that throttles the first request, then returns a token.
async fn throttling_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let body = format!(
        r#"{{"identity":{{"id":"8:acs:1"}},"accessToken":{{"token":"{RETURNED_TOKEN}","expiresOn":"2026-12-05T14:08:39Z"}}}}"#
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(body, "application/json"))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn nothing_secret_is_logged_over_plain_http_with_retries() {
    let (captured, _guard) = capture();
    let mut signatures = Vec::new();
    let mut printed = String::new();

    for auth in [Auth::Hmac, Auth::Bearer] {
        let server = throttling_server().await;
        let (pipeline, policy) = pipeline(&auth, Arc::new(HyperTransport::new().unwrap()));
        let (request, response) = create(&pipeline, &server.uri()).await;
        assert_eq!(response.status().as_u16(), 201);
        assert!(
            response
                .body()
                .windows(RETURNED_TOKEN.len())
                .any(|w| w == RETURNED_TOKEN.as_bytes())
        );

        for received in server.received_requests().await.unwrap() {
            let header = received.headers["authorization"].to_str().unwrap();
            if let Some((_, signature)) = header.split_once("Signature=") {
                signatures.push(signature.to_owned());
            }
        }
        signatures.extend(signature_of(&request));
        let error = Error::from_response(&response);
        let _ = write!(
            printed,
            "{request:?}\n{response:?}\n{pipeline:?}\n{policy:?}\n{error}\n{error:?}\n"
        );
    }
    assert_eq!(
        signatures.len(),
        3,
        "two attempts received and one kept: {signatures:?}"
    );

    let logs = captured.text();
    assert!(
        logs.contains("sending request") && logs.contains("retrying"),
        "{logs}"
    );
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"), "{logs}");
    let forbidden = forbidden(&signatures);
    assert_clean("the captured logs", &logs, &forbidden);
    assert_clean("Debug/Display output", &printed, &forbidden);
}

#[tokio::test]
async fn nothing_secret_is_logged_over_tls_including_rustls_records() {
    let (captured, _guard) = capture();
    let address = common::serve_tls(2);
    let transport = HyperTransport::builder()
        .add_root_certificate_pem(common::CA_PEM)
        .unwrap()
        .build()
        .unwrap();
    let transport: Arc<dyn Transport> = Arc::new(transport);

    let mut signatures = Vec::new();
    let mut printed = String::new();
    for auth in [Auth::Hmac, Auth::Bearer] {
        let (pipeline, policy) = pipeline(&auth, transport.clone());
        let (request, response) = create(&pipeline, &format!("https://{address}")).await;
        assert_eq!(response.status().as_u16(), 200);
        signatures.extend(signature_of(&request));
        let _ = write!(printed, "{request:?}\n{pipeline:?}\n{policy:?}\n");
    }
    assert_eq!(signatures.len(), 1);

    let logs = captured.text();
    assert!(
        logs.contains("LOG ") && logs.contains("rustls"),
        "rustls logged nothing:\n{logs}"
    );
    let forbidden = forbidden(&signatures);
    assert_clean("the captured logs", &logs, &forbidden);
    assert_clean("Debug output", &printed, &forbidden);
}

#[tokio::test]
async fn errors_and_credentials_print_no_secrets() {
    let (captured, _guard) = capture();

    // A transport failure of a signed request: nothing listens on the port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let (pipeline, _) = pipeline(&Auth::Hmac, Arc::new(HyperTransport::new().unwrap()));
    let url = format!("http://{address}/identities?api-version=2026-09-23");
    let mut request = Request::new(Method::POST, url.parse().unwrap());
    let error = pipeline
        .send(&Context::new(), &mut request)
        .await
        .unwrap_err();
    let signature = signature_of(&request).unwrap();

    let credential = AzureKeyCredential::new(KEY_BASE64).unwrap();
    let token = StaticTokenCredential::new(BEARER_TOKEN, datetime!(2100-01-01 00:00 UTC));
    let printed = format!(
        "{error}\n{error:?}\n{request:?}\n{credential:?}\n{token:?}\n{:?}\n{}",
        credential.key(),
        credential.key()
    );

    let forbidden = forbidden(&[signature]);
    assert_clean("Debug/Display output", &printed, &forbidden);
    assert_clean("the captured logs", &captured.text(), &forbidden);
}
