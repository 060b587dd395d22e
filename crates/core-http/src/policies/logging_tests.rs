use std::io;
use std::sync::{Arc, Mutex};

use acs_core_auth::AzureKeyCredential;
use http::{HeaderValue, Method};
use tracing_subscriber::fmt::MakeWriter;

use super::*;
use crate::policies::HmacAuthenticationPolicy;
use crate::test_support::{ScriptedTransport, Step};
use crate::{ClientOptions, Pipeline, RetryOptions};

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
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

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(captured.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

#[test]
fn urls_keep_only_allowed_query_values() {
    let policy = LoggingPolicy::new(&LoggingOptions {
        additional_allowed_query_params: vec!["Top".into()],
        ..Default::default()
    });
    let url: Url =
        "https://user:pw@x.example/identities/8%3Aacs%3A1?api-version=2026-09-23&sig=abc&top=5#frag"
            .parse()
            .unwrap();
    assert_eq!(
        policy.sanitize_url(&url),
        "https://x.example/identities/8%3Aacs%3A1?api-version=2026-09-23&sig=REDACTED&top=5"
    );
    let plain: Url = "http://127.0.0.1:8080/".parse().unwrap();
    assert_eq!(policy.sanitize_url(&plain), "http://127.0.0.1:8080/");
}

#[test]
fn headers_outside_the_allow_list_are_redacted() {
    let policy = LoggingPolicy::new(&LoggingOptions {
        additional_allowed_headers: vec!["X-Custom".into()],
        ..Default::default()
    });
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "authorization",
        HeaderValue::from_static("Bearer secret-token"),
    );
    headers.insert("x-ms-content-sha256", HeaderValue::from_static("hash"));
    headers.insert("x-custom", HeaderValue::from_static("shown"));
    let line = policy.sanitize_headers(&headers);
    assert!(line.contains("content-type: application/json"), "{line}");
    assert!(line.contains("authorization: REDACTED"), "{line}");
    assert!(line.contains("x-ms-content-sha256: REDACTED"), "{line}");
    assert!(line.contains("x-custom: shown"), "{line}");
    assert!(!line.contains("secret-token"));
}

#[test]
fn credentials_stay_redacted_even_when_allowed() {
    let policy = LoggingPolicy::new(&LoggingOptions {
        additional_allowed_headers: vec!["Authorization".into(), "x-signed".into()],
        ..Default::default()
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_static("Bearer secret-token"),
    );
    let mut signed = HeaderValue::from_static("sensitive-value");
    signed.set_sensitive(true);
    headers.insert("x-signed", signed);
    let line = policy.sanitize_headers(&headers);
    assert!(line.contains("authorization: REDACTED"), "{line}");
    assert!(line.contains("x-signed: REDACTED"), "{line}");
}

#[tokio::test(start_paused = true)]
async fn logs_every_attempt_without_secrets() {
    let (captured, _guard) = capture();

    let access_key = "c2VjcmV0LWFjY2Vzcy1rZXktZm9yLWxvZ2dpbmc=";
    let credential = AzureKeyCredential::new(access_key).unwrap();
    let transport = ScriptedTransport::new([Step::with_header(503, "retry-after", "1")]);
    let options = ClientOptions {
        transport: Some(Arc::new(transport.clone())),
        retry: RetryOptions {
            max_retries: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let auth: Arc<dyn Policy> = Arc::new(HmacAuthenticationPolicy::new(credential));
    let pipeline = Pipeline::new("acs-test", "9.9.9", options, Vec::new(), vec![auth]).unwrap();

    let url = "https://contoso.communication.azure.com/identities?api-version=2026-09-23&token=xyz";
    let mut request = Request::new(Method::POST, url.parse().unwrap());
    request.set_body(r#"{"createTokenWithScopes":["chat"]}"#);
    let ctx = Context::new().with_client_request_id("req-42");
    let response = pipeline.send(&ctx, &mut request).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let logs = captured.text();
    let signatures = transport.header_values("authorization");
    assert_eq!(signatures.len(), 2);
    for signature in &signatures {
        let value = signature.trim_start_matches(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=",
        );
        assert!(!logs.contains(value), "signature leaked:\n{logs}");
    }
    assert!(
        !logs.contains(access_key) && !logs.contains("c2VjcmV0"),
        "key leaked:\n{logs}"
    );
    assert!(
        !logs.contains("xyz") && !logs.contains("createTokenWithScopes"),
        "{logs}"
    );

    assert!(logs.contains("authorization: REDACTED"), "{logs}");
    assert!(
        logs.contains("api-version=2026-09-23&token=REDACTED"),
        "{logs}"
    );
    assert!(logs.contains("client_request_id=req-42"), "{logs}");
    assert!(
        logs.contains("attempt=1") && logs.contains("attempt=2"),
        "{logs}"
    );
    assert!(
        logs.contains("status=503") && logs.contains("status=200"),
        "{logs}"
    );
    assert!(logs.contains("method=POST"), "{logs}");
    assert!(logs.contains("retry-after: 1"), "{logs}");
    assert!(
        !logs.contains(" INFO "),
        "libraries do not log at info:\n{logs}"
    );
}

#[tokio::test(start_paused = true)]
async fn warns_when_retries_run_out() {
    let (captured, _guard) = capture();
    let transport = ScriptedTransport::new([Step::status(500), Step::status(500)]);
    let options = ClientOptions {
        transport: Some(Arc::new(transport)),
        retry: RetryOptions {
            max_retries: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "9.9.9", options, Vec::new(), Vec::new()).unwrap();
    let mut request = crate::test_support::request();
    let response = pipeline.send(&Context::new(), &mut request).await.unwrap();
    assert_eq!(response.status().as_u16(), 500);

    let logs = captured.text();
    let warning = logs
        .lines()
        .find(|line| line.contains(" WARN "))
        .unwrap_or_default();
    assert!(
        warning.contains("giving up") && warning.contains("status 500"),
        "{logs}"
    );
}
