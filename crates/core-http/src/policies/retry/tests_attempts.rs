//! What each attempt carries: a fresh and valid signature, the call's one request id, the
//! whole body. Checked on the requests a scripted transport recorded.

use std::sync::Arc;

use acs_core_auth::{AzureKeyCredential, StaticTokenCredential};
use http::StatusCode;
use time::macros::datetime;

use super::*;
use crate::hmac;
use crate::policies::{BearerTokenPolicy, ClientRequestIdPolicy, HmacAuthenticationPolicy};
use crate::test_support::{ScriptedTransport, Step, TokioClock, run_chain_with};

const KEY: &str = "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm";
const BODY: &str = r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#;

fn create_request() -> Request {
    let url = "https://contoso.communication.azure.com/identities?api-version=2023-10-01";
    let mut request = Request::new(http::Method::POST, url.parse().unwrap());
    request.set_body(BODY);
    request
}

/// Recomputes the signature from what was sent, as the service would.
fn verify_signature(credential: &AzureKeyCredential, sent: &Request) {
    let header = |name: &str| sent.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(
        header("x-ms-content-sha256"),
        hmac::content_hash(sent.body())
    );
    let to_sign = hmac::string_to_sign(
        sent.method().as_str(),
        &hmac::path_and_query(sent.url()),
        &header("x-ms-date"),
        &hmac::host(sent.url()),
        &header("x-ms-content-sha256"),
    );
    assert_eq!(
        header("authorization"),
        hmac::authorization(&hmac::sign(credential, &to_sign))
    );
}

#[tokio::test(start_paused = true)]
async fn every_attempt_is_signed_afresh_with_one_request_id_and_the_whole_body() {
    // The signing clock follows tokio's paused clock, so the retry waits move x-ms-date.
    let clock = Arc::new(TokioClock::new(datetime!(2026-12-04 14:08:39 UTC)));
    let credential = AzureKeyCredential::new(KEY).unwrap();
    let policies: Vec<Arc<dyn Policy>> = vec![
        Arc::new(ClientRequestIdPolicy::new()),
        Arc::new(RetryPolicy::new(RetryOptions::default())),
        Arc::new(HmacAuthenticationPolicy::new(credential.clone()).with_clock(clock)),
    ];
    let transport = ScriptedTransport::new([
        Step::with_header(503, "retry-after", "2"),
        Step::ConnectionError,
        Step::with_header(429, "retry-after-ms", "3000"),
    ]);
    let ctx = Context::new().with_idempotent(false);

    let response = run_chain_with(&policies, &transport, &ctx, create_request())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let sent = transport.requests();
    assert_eq!(sent.len(), 4);

    let ids = transport.header_values("x-ms-client-request-id");
    assert_eq!(ids.len(), 4);
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");

    // A 2 s wait, then a backoff of 0.8–1.6 s, then 3 s.
    let dates = transport.header_values("x-ms-date");
    assert_eq!(dates[0], "Fri, 04 Dec 2026 14:08:39 GMT");
    assert_eq!(dates[1], "Fri, 04 Dec 2026 14:08:41 GMT");
    assert!(
        dates[2] == dates[1] || dates[2] == "Fri, 04 Dec 2026 14:08:42 GMT",
        "{dates:?}"
    );
    assert_ne!(dates[3], dates[2]);

    for request in &sent {
        assert_eq!(&request.body()[..], BODY.as_bytes());
        for name in ["authorization", "x-ms-date", "x-ms-content-sha256"] {
            assert_eq!(request.headers().get_all(name).iter().count(), 1, "{name}");
        }
        assert!(request.headers()["authorization"].is_sensitive());
        verify_signature(&credential, request);
    }
    let signatures = transport.header_values("authorization");
    assert_ne!(signatures[0], signatures[1]);
    assert_ne!(signatures[2], signatures[3]);
}

#[tokio::test(start_paused = true)]
async fn the_first_attempt_matches_the_captured_js_signature() {
    let clock = Arc::new(TokioClock::new(datetime!(2026-12-04 14:08:39 UTC)));
    let credential = AzureKeyCredential::new(KEY).unwrap();
    let policies: Vec<Arc<dyn Policy>> = vec![
        Arc::new(RetryPolicy::new(RetryOptions::default())),
        Arc::new(HmacAuthenticationPolicy::new(credential).with_clock(clock)),
    ];
    let transport = ScriptedTransport::new([Step::status(503)]);
    let url = "https://contoso.communication.azure.com/identities?api-version=2023-10-01";
    let request = Request::new(http::Method::POST, url.parse().unwrap());
    run_chain_with(&policies, &transport, &Context::new(), request)
        .await
        .unwrap();
    assert_eq!(
        transport.header_values("authorization")[0],
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=VGKnlHqE8g6jN9opWZOIwX7l9N4tLNL5Et03dCd9U7s="
    );
}

#[tokio::test(start_paused = true)]
async fn every_attempt_carries_the_bearer_token_and_one_request_id() {
    let credential = Arc::new(StaticTokenCredential::new(
        "bearer-token-value",
        datetime!(2100-01-01 00:00 UTC),
    ));
    let scopes = vec!["https://communication.azure.com//.default".to_owned()];
    let policies: Vec<Arc<dyn Policy>> = vec![
        Arc::new(ClientRequestIdPolicy::new()),
        Arc::new(RetryPolicy::new(RetryOptions::default())),
        Arc::new(BearerTokenPolicy::new(credential, scopes)),
    ];
    let transport = ScriptedTransport::new([Step::status(500), Step::Reset]);
    let response = run_chain_with(&policies, &transport, &Context::new(), create_request())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let tokens = transport.header_values("authorization");
    assert_eq!(tokens, ["Bearer bearer-token-value"; 3]);
    let ids = transport.header_values("x-ms-client-request-id");
    assert!(
        ids.len() == 3 && ids.iter().all(|id| id == &ids[0]),
        "{ids:?}"
    );
    for request in transport.requests() {
        assert_eq!(&request.body()[..], BODY.as_bytes());
    }
}
