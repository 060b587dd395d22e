//! Injected faults as a client sees them on the wire — over raw TCP or a bare hyper
//! connection, never the project's client — and what they do (or do not do) to state and
//! to the request log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use acs_emulator::faults::{Fault, FaultRule, FaultWhen, Operation, RetryAfterHint};
use acs_emulator::{Emulator, RecordedRequest};
use common::{Call, LATEST, create_user, encoded, raw_request, send, try_send};
use http::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A generous bound on any single exchange, so a regression fails instead of hanging.
const GUARD: Duration = Duration::from_secs(20);

fn rule(spec: &str) -> FaultRule {
    spec.parse().unwrap()
}

async fn with_faults(specs: &[&str]) -> Emulator {
    let mut builder = Emulator::builder().fault_seed(1);
    for spec in specs {
        builder = builder.fault(rule(spec));
    }
    builder.start().await.unwrap()
}

fn create() -> Call {
    Call::post(format!("/identities?api-version={LATEST}"))
}

fn issue(id: &str) -> Call {
    Call::post(format!(
        "/identities/{}/:issueAccessToken?api-version={LATEST}",
        encoded(id)
    ))
    .body(r#"{"scopes":["chat"]}"#)
}

/// Writes `raw` on a new connection and reads until the server closes it: the bytes
/// received and how reading ended.
async fn raw_exchange(emulator: &Emulator, raw: &[u8]) -> (Vec<u8>, std::io::Result<()>) {
    let exchange = async {
        let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
        stream.write_all(raw).await.unwrap();
        let mut received = Vec::new();
        let mut buf = [0; 4096];
        let end = loop {
            match stream.read(&mut buf).await {
                Ok(0) => break Ok(()),
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(error) => break Err(error),
            }
        };
        (received, end)
    };
    tokio::time::timeout(GUARD, exchange).await.unwrap()
}

fn last(emulator: &Emulator) -> RecordedRequest {
    emulator.requests().pop().unwrap()
}

#[tokio::test]
async fn status_faults_carry_each_retry_hint_and_the_envelope() {
    let cases = [
        (
            "status=503,retry-after=0.941641",
            503,
            "retry-after",
            "0.941641",
        ),
        (
            "status=429,retry-after-date=2015-10-21T07:28:00Z",
            429,
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ),
        ("retry-after-ms=20", 503, "retry-after-ms", "20"),
        (
            "status=429,x-ms-retry-after-ms=5",
            429,
            "x-ms-retry-after-ms",
            "5",
        ),
    ];
    for (spec, status, header, value) in cases {
        let emulator = with_faults(&[spec]).await;
        let reply = send(&emulator, create().header("x-ms-client-request-id", "abc")).await;

        assert_eq!(reply.status.as_u16(), status, "{spec}");
        assert_eq!(reply.header(header), Some(value), "{spec}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.header("x-ms-client-request-id"), Some("abc"));
        let expected_code = if status == 429 {
            "TooManyRequests"
        } else {
            "ServiceUnavailable"
        };
        assert_eq!(reply.error_code(), expected_code, "{spec}");
        assert!(
            emulator.identities().is_empty(),
            "{spec}: a faulted create acted"
        );
    }
}

#[tokio::test]
async fn server_errors_answer_with_envelopes() {
    for (status, code) in [
        (500, "InternalServerError"),
        (502, "BadGateway"),
        (504, "GatewayTimeout"),
    ] {
        let emulator = Emulator::builder()
            .fault(FaultRule::always(Fault::status(status)))
            .start()
            .await
            .unwrap();
        let reply = send(&emulator, create()).await;
        assert_eq!(reply.status.as_u16(), status);
        assert_eq!(reply.error_code(), code);
        assert_eq!(reply.header("retry-after"), None);
    }
}

#[tokio::test]
async fn html_pages_replace_json() {
    let emulator = with_faults(&["kind=html,status=502"]).await;
    let reply = send(&emulator, create()).await;

    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert!(reply.body.starts_with(b"<!DOCTYPE html>"));
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
}

#[tokio::test]
async fn a_reset_sends_nothing_and_does_not_act() {
    let emulator = with_faults(&["kind=reset"]).await;
    let raw = raw_request(emulator.local_addr(), emulator.access_key(), &create());
    let (received, end) = raw_exchange(&emulator, &raw).await;

    assert!(
        received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(end.unwrap_err().kind(), std::io::ErrorKind::ConnectionReset);
    assert!(emulator.identities().is_empty());

    let entry = last(&emulator);
    assert_eq!(entry.fault.as_deref(), Some("kind=reset"));
    assert_eq!(entry.status, 0);
    assert_eq!(entry.operation, Some(Operation::CreateIdentity));
}

#[tokio::test]
async fn a_reset_after_processing_acts_then_sends_nothing() {
    let emulator = with_faults(&["op=create,kind=reset-after"]).await;
    let attempt = try_send(&emulator, create()).await;

    assert!(attempt.is_err(), "a response arrived: {attempt:?}");
    // The service acted: the identity exists although the client never heard of it.
    assert_eq!(emulator.identities().len(), 1);
    let entry = last(&emulator);
    assert_eq!(entry.fault.as_deref(), Some("kind=reset-after"));
    assert_eq!(entry.status, 0);
    assert!(entry.signature_valid);
}

#[tokio::test]
async fn a_truncated_body_declares_more_than_it_sends() {
    let emulator = with_faults(&["kind=truncate"]).await;
    let raw = raw_request(emulator.local_addr(), emulator.access_key(), &create());
    let (received, _) = raw_exchange(&emulator, &raw).await;

    let text = String::from_utf8_lossy(&received);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 201 Created"), "{head}");
    assert!(head.contains("content-length: 512"), "{head}");
    assert_eq!(body, r#"{"identity":{"id":"8:acs:"#);
    assert!(emulator.identities().is_empty());

    // A client reading the body sees it fail.
    let (parts, body) = try_send(&emulator, create()).await.unwrap();
    assert_eq!(parts.status, StatusCode::CREATED);
    assert!(body.is_err());
}

#[tokio::test]
async fn first_n_counts_matching_requests_then_serves() {
    let emulator = with_faults(&["op=create,first=2,status=503,retry-after=1"]).await;

    let statuses: Vec<u16> = [
        send(&emulator, create()).await,
        send(&emulator, create()).await,
        send(&emulator, create()).await,
    ]
    .iter()
    .map(|reply| reply.status.as_u16())
    .collect();
    assert_eq!(statuses, [503, 503, 201]);
    assert_eq!(emulator.identities().len(), 1);

    let faults: Vec<Option<String>> = emulator.requests().into_iter().map(|r| r.fault).collect();
    let hint = Some("status=503,retry-after=1".to_owned());
    assert_eq!(faults, [hint.clone(), hint, None]);
}

#[tokio::test]
async fn rules_match_their_operation_only() {
    let emulator = Emulator::builder()
        .fault(FaultRule::new(
            FaultWhen::default().on(Operation::IssueAccessToken),
            Fault::status_with_hint(429, RetryAfterHint::Millis(10)),
        ))
        .start()
        .await
        .unwrap();

    let id = create_user(&emulator).await;
    assert_eq!(
        send(&emulator, issue(&id)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let delete = Call::new(
        Method::DELETE,
        format!("/identities/{}?api-version={LATEST}", encoded(&id)),
    );
    assert_eq!(send(&emulator, delete).await.status, StatusCode::NO_CONTENT);

    let operations: Vec<_> = emulator.requests().iter().map(|r| r.operation).collect();
    assert_eq!(
        operations,
        [
            Some(Operation::CreateIdentity),
            Some(Operation::IssueAccessToken),
            Some(Operation::DeleteIdentity)
        ]
    );
    // Unknown routes are never faulted.
    let reply = send(
        &emulator,
        Call::post(format!("/nowhere?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(last(&emulator).operation, None);
}

#[tokio::test]
async fn fractions_with_a_seed_are_reproducible() {
    async fn run(seed: u64) -> Vec<u16> {
        let emulator = Emulator::builder()
            .fault(rule("fraction=0.5,status=503"))
            .fault_seed(seed)
            .start()
            .await
            .unwrap();
        assert_eq!(emulator.fault_seed(), seed);
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(send(&emulator, create()).await.status.as_u16());
        }
        let created = statuses.iter().filter(|s| **s == 201).count();
        assert_eq!(emulator.identities().len(), created);
        statuses
    }

    let first = run(99).await;
    assert_eq!(run(99).await, first);
    assert!(first.contains(&503) && first.contains(&201), "{first:?}");
}

#[tokio::test]
async fn faults_can_be_replaced_and_cleared_at_run_time() {
    let emulator = Emulator::start().await.unwrap();
    assert_eq!(send(&emulator, create()).await.status, StatusCode::CREATED);

    emulator.set_faults(vec![rule("status=500")]);
    assert_eq!(emulator.faults(), [rule("status=500")]);
    assert_eq!(
        send(&emulator, create()).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    emulator.clear_faults();
    assert!(emulator.faults().is_empty());
    assert_eq!(send(&emulator, create()).await.status, StatusCode::CREATED);
    assert_eq!(emulator.identities().len(), 2);
}

#[tokio::test]
async fn the_log_records_every_attempt_with_its_fault() {
    let emulator = with_faults(&["first=1,status=503,retry-after=2", "first=1,kind=reset"]).await;
    let call = || create().header("x-ms-client-request-id", "attempt");
    let _ = send(&emulator, call()).await;
    assert!(try_send(&emulator, call()).await.is_err());
    let _ = send(&emulator, call()).await;

    let log = emulator.requests();
    assert_eq!(log.len(), 3, "{log:#?}");
    let faults: Vec<_> = log.iter().map(|r| r.fault.as_deref()).collect();
    assert_eq!(
        faults,
        [Some("status=503,retry-after=2"), Some("kind=reset"), None]
    );
    let statuses: Vec<_> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 0, 201]);
    for entry in &log {
        assert!(entry.signature_valid, "{entry:?}");
        assert_eq!(entry.method, "POST");
        assert_eq!(entry.path, "/identities");
        assert_eq!(entry.api_version.as_deref(), Some(LATEST));
        assert_eq!(entry.client_request_id.as_deref(), Some("attempt"));
        assert!(
            entry
                .x_ms_date
                .as_deref()
                .is_some_and(|d| d.ends_with(" GMT"))
        );
    }
}

#[tokio::test]
async fn faults_apply_whether_or_not_the_request_authenticates() {
    let emulator = with_faults(&["status=503"]).await;
    let reply = send(&emulator, create().auth(common::Auth::None)).await;

    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let entry = last(&emulator);
    assert!(!entry.signature_valid);
    assert!(entry.auth_error.is_some());
}
