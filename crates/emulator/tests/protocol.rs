//! The HTTP surface around the operations: api-versions, routing errors, body limits,
//! response headers, HTTP/2 and the request log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{ApiVersion, ApiVersionPolicy, Emulator};
use bytes::Bytes;
use common::{Call, LATEST, content_hash, http_date, send, signature};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use time::OffsetDateTime;

const ALL_VERSIONS: &str =
    "2021-03-07, 2022-06-01, 2022-10-01, 2023-10-01, 2025-03-02-preview, 2025-06-30, 2026-09-23";

#[tokio::test]
async fn every_stable_version_is_served() {
    let emulator = Emulator::start().await.unwrap();
    for version in ApiVersion::ALL {
        let reply = send(
            &emulator,
            Call::post(format!("/identities?api-version={version}")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{version}");
        assert_eq!(reply.header("api-supported-versions"), Some(ALL_VERSIONS));
    }
}

#[tokio::test]
async fn unsupported_or_missing_versions_are_400() {
    let emulator = Emulator::start().await.unwrap();
    let host = emulator.local_addr();

    let reply = send(
        &emulator,
        Call::post("/identities?api-version=2020-07-20-preview2"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({"error": {
            "code": "UnsupportedApiVersion",
            "message": format!("The HTTP resource that matches the request URI 'http://{host}/identities' does not support the API version '2020-07-20-preview2'."),
        }})
    );

    for target in [
        "/identities",
        "/identities?api-version=",
        "/identities?other=1",
    ] {
        let reply = send(&emulator, Call::post(target)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{target}");
        assert_eq!(reply.error_code(), "ApiVersionUnspecified");
    }
    assert!(emulator.identities().is_empty());
}

#[tokio::test]
async fn teams_user_exchange_needs_2022_06_01() {
    let emulator = Emulator::start().await.unwrap();
    let reply = send(
        &emulator,
        Call::post("/teamsUser/:exchangeAccessToken?api-version=2021-03-07").body("{}"),
    )
    .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "UnsupportedApiVersion");
    assert_eq!(
        reply.header("api-supported-versions"),
        Some("2022-06-01, 2022-10-01, 2023-10-01, 2025-03-02-preview, 2025-06-30, 2026-09-23")
    );
}

#[tokio::test]
async fn version_policies_narrow_or_widen_what_is_served() {
    let narrow = Emulator::builder()
        .api_versions(ApiVersionPolicy::Only(vec![ApiVersion::V2022_10_01]))
        .start()
        .await
        .unwrap();
    let reply = send(
        &narrow,
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.header("api-supported-versions"), Some("2022-10-01"));

    let lenient = Emulator::builder()
        .api_versions(ApiVersionPolicy::Lenient)
        .start()
        .await
        .unwrap();
    let reply = send(
        &lenient,
        Call::post("/identities?api-version=2099-01-01-preview"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_envelopes() {
    let emulator = Emulator::start().await.unwrap();

    let reply = send(
        &emulator,
        Call::post(format!("/nothing?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "NotFound");
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("api-supported-versions"), None);

    let reply = send(
        &emulator,
        Call::new(Method::GET, format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.error_code(), "MethodNotAllowed");
    assert_eq!(reply.header("allow"), Some("POST"));

    let reply = send(
        &emulator,
        Call::new(
            Method::PUT,
            format!("/identities/8:acs:x_y?api-version={LATEST}"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, DELETE"));
}

#[tokio::test]
async fn malformed_json_is_400_with_an_envelope() {
    let emulator = Emulator::start().await.unwrap();

    for body in [
        "{",
        "[1,2]",
        "\"text\"",
        "{\"createTokenWithScopes\": [\"chat\",]}",
    ] {
        let reply = send(
            &emulator,
            Call::post(format!("/identities?api-version={LATEST}")).body(body),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "InvalidRequestBody");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let emulator = Emulator::start().await.unwrap();
    let padding = "x".repeat(64 * 1024);
    let body = format!(r#"{{"createTokenWithScopes":["chat"],"pad":"{padding}"}}"#);

    let reply = send(
        &emulator,
        Call::post(format!("/identities?api-version={LATEST}")).body(&body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "RequestEntityTooLarge");
    assert_eq!(reply.header("api-supported-versions"), Some(ALL_VERSIONS));

    let small = Emulator::builder()
        .max_body_bytes(16)
        .start()
        .await
        .unwrap();
    let reply = send(
        &small,
        Call::post(format!("/identities?api-version={LATEST}"))
            .body(r#"{"createTokenWithScopes":["chat"]}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn responses_carry_the_service_headers() {
    let emulator = Emulator::start().await.unwrap();
    let call = || {
        Call::post(format!("/identities?api-version={LATEST}")).header(
            "x-ms-client-request-id",
            "5a0ef09a-efec-11f1-b600-02fc00000001",
        )
    };

    let created = send(&emulator, call()).await;
    let refused = send(&emulator, call().body("{")).await;
    for reply in [&created, &refused] {
        assert_eq!(
            reply.header("x-ms-client-request-id"),
            Some("5a0ef09a-efec-11f1-b600-02fc00000001")
        );
        let cv = reply.header("ms-cv").unwrap();
        assert!(cv.ends_with(".0") && cv.len() == 24, "{cv}");
        assert!(reply.header("x-processing-time").unwrap().ends_with("ms"));
        assert!(reply.header("date").unwrap().ends_with(" GMT"));
        assert_eq!(reply.header("api-supported-versions"), Some(ALL_VERSIONS));
    }
    assert_eq!(
        created.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(refused.header("content-type"), Some("application/json"));
    assert_ne!(created.header("ms-cv"), refused.header("ms-cv"));

    let anonymous = send(
        &emulator,
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(anonymous.header("x-ms-client-request-id"), None);
}

#[tokio::test]
async fn the_request_log_counts_attempts() {
    let emulator = Emulator::start().await.unwrap();
    for _ in 0..3 {
        send(
            &emulator,
            Call::post(format!("/identities?api-version={LATEST}"))
                .header("x-ms-client-request-id", "same"),
        )
        .await;
    }
    send(&emulator, Call::post("/nowhere")).await;

    let log = emulator.requests();
    assert_eq!(log.len(), 4);
    assert!(
        log[..3]
            .iter()
            .all(|r| r.client_request_id.as_deref() == Some("same")
                && r.api_version.as_deref() == Some(LATEST)
                && r.status == 201
                && r.signature_valid
                && r.path == "/identities"
                && r.method == "POST")
    );
    assert_eq!(log[3].status, 404);
    assert!(!log[3].signature_valid);

    emulator.clear_requests();
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn http2_prior_knowledge_is_served() {
    let emulator = Emulator::start().await.unwrap();
    let authority = emulator.local_addr().to_string();
    let target = format!("/identities?api-version={LATEST}");
    let date = http_date(OffsetDateTime::now_utc());
    let hash = content_hash(b"");
    let signed = signature(
        emulator.access_key(),
        &format!("POST\n{target}\n{date};{authority};{hash}"),
    );

    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("http://{authority}{target}"))
        .header("x-ms-date", date)
        .header("x-ms-content-sha256", hash)
        .header(
            "authorization",
            format!(
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signed}"
            ),
        )
        .body(Full::new(Bytes::new()))
        .unwrap();

    let stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();

    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("8:acs:"));
}

#[tokio::test]
async fn garbage_on_the_socket_does_not_take_the_server_down() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let emulator = Emulator::start().await.unwrap();
    for garbage in [
        &b"\x00\x01\x02\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /identities HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
            .await
            .unwrap();
        stream.write_all(garbage).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
    }

    let reply = send(
        &emulator,
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}
