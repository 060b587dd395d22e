//! Requests the published JavaScript and Python SDKs sent (captured with a fake transport
//! for host `contoso.communication.azure.com`), replayed byte for byte over HTTP to an
//! emulator with the capture's key and a clock pinned at the capture's time. Every one
//! must pass the signature check; the answers follow from the emulator's state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{Emulator, ManualClock};
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use time::OffsetDateTime;
use time::macros::datetime;

const KEY: &str = "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm";
const HOST: &str = "contoso.communication.azure.com";

struct Captured {
    method: &'static str,
    target: &'static str,
    body: &'static str,
    date: &'static str,
    signature: &'static str,
}

const JS: &[Captured] = &[
    Captured {
        method: "POST",
        target: "/identities?api-version=2023-10-01",
        body: r#""#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "VGKnlHqE8g6jN9opWZOIwX7l9N4tLNL5Et03dCd9U7s=",
    },
    Captured {
        method: "POST",
        target: "/identities?api-version=2023-10-01",
        body: r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "Dj+OqZflL3Ctzv43PibqgKKBCqihb7nevF4fkY5PNRE=",
    },
    Captured {
        method: "POST",
        target: "/identities?api-version=2023-10-01",
        body: r#"{"createTokenWithScopes":["chat"]}"#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "S3I3i2EChOSV4vaDZwGJQekLc+vBWKQL6C1TSMUm/8I=",
    },
    Captured {
        method: "POST",
        target: "/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01",
        body: r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "TKSxEl07hpZ5DAtT6TesnEQBo3aUm9fpM2mzCwBBK5Y=",
    },
    Captured {
        method: "POST",
        target: "/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01",
        body: r#"{"scopes":["voip"]}"#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "FrOsgWNyYGZglXFUcNLH3NMvo5zooY0Rt0unAtVIVJw=",
    },
    Captured {
        method: "POST",
        target: "/identities/8%3Aacs%3Ares_user1/:revokeAccessTokens?api-version=2023-10-01",
        body: r#""#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "f+XP1RvUFnlht8Ka2g2U/IUBzYriRF/pqkOxNV8QUA0=",
    },
    Captured {
        method: "DELETE",
        target: "/identities/8%3Aacs%3Ares_user1?api-version=2023-10-01",
        body: r#""#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "bt1B7qvT9FmRtzHrbjS7x3L3fXlUIoFqd6vJF1ZSWYs=",
    },
    Captured {
        method: "POST",
        target: "/teamsUser/:exchangeAccessToken?api-version=2023-10-01",
        body: r#"{"token":"aad","appId":"cid","userId":"oid"}"#,
        date: "Fri, 04 Dec 2026 14:08:39 GMT",
        signature: "1k6DTGsRbgBwval7xfZBiphXGOUCcSXn4C8CmjkDNa0=",
    },
];
const PYTHON: &[Captured] = &[
    Captured {
        method: "POST",
        target: "/identities?api-version=2023-10-01",
        body: r#""#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "Ia8ENpcU3fOCz+prSPvhiyl6+qw3DQu1KkTpFFvOQ+M=",
    },
    Captured {
        method: "POST",
        target: "/identities?api-version=2023-10-01",
        body: r#"{"createTokenWithScopes": ["chat", "voip"], "expiresInMinutes": 60}"#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "WFrgcnMa/AobdoQPtPCadM+im6aRgIwcz/xhwZzIvwk=",
    },
    Captured {
        method: "POST",
        target: "/identities?api-version=2023-10-01",
        body: r#"{"createTokenWithScopes": ["chat"]}"#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "AhOKXoFmvW6rfjGzYVrgc9JXZOWAtFWYXU+BnJC1KAg=",
    },
    Captured {
        method: "POST",
        target: "/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01",
        body: r#"{"scopes": ["chat.join"], "expiresInMinutes": 120}"#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "mGkNeuGGB/mJgdO3ZQpXEtfpes0/LooN6KC+HuG4WbY=",
    },
    Captured {
        method: "POST",
        target: "/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01",
        body: r#"{"scopes": ["voip"]}"#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "g9XJ1TyhNRL5PJ95ZpPHcKP0SI3+vcnrf2fE+F8JH8k=",
    },
    Captured {
        method: "POST",
        target: "/identities/8%3Aacs%3Ares_user1/:revokeAccessTokens?api-version=2023-10-01",
        body: r#""#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "BEExkJyhP/MRhdYhq/HgqHk4ucnjRnfn+/iTT04DlaY=",
    },
    Captured {
        method: "DELETE",
        target: "/identities/8%3Aacs%3Ares_user1?api-version=2023-10-01",
        body: r#""#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "ouDjbyt/84juWlDB0RG68rqy4izjD9PGQEF0+p7iwu8=",
    },
    Captured {
        method: "POST",
        target: "/teamsUser/:exchangeAccessToken?api-version=2023-10-01",
        body: r#"{"token": "aad", "appId": "cid", "userId": "oid"}"#,
        date: "Fri, 04 Dec 2026 14:09:42 GMT",
        signature: "f8Cxr5yq1PyEkOeRU2julKSIKwtw49oV/uTD2dGUCtA=",
    },
];

/// Create ×3 → 201; issue ×2, revoke, delete for an id that was never created → 404; the
/// Teams exchange with the placeholder token `aad` → 401 `InvalidAccessToken`.
const STATUSES: [u16; 8] = [201, 201, 201, 404, 404, 404, 404, 401];

async fn replay(captured: &[Captured], now: OffsetDateTime) {
    let emulator = Emulator::builder()
        .access_key(KEY)
        .resource_id("res")
        .clock(ManualClock::new(now))
        .start()
        .await
        .unwrap();

    for request in captured {
        let stream = tokio::net::TcpStream::connect(emulator.local_addr())
            .await
            .unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut builder = Request::builder()
            .method(Method::from_bytes(request.method.as_bytes()).unwrap())
            .uri(request.target)
            .header("host", HOST)
            .header("accept", "application/json")
            .header("x-ms-date", request.date)
            .header(
                "x-ms-content-sha256",
                common::content_hash(request.body.as_bytes()),
            )
            .header(
                "authorization",
                format!(
                    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
                    request.signature
                ),
            );
        if !request.body.is_empty() {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(Full::new(Bytes::from_static(request.body.as_bytes())))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        response.into_body().collect().await.unwrap();
    }

    let log = emulator.requests();
    assert_eq!(log.len(), captured.len());
    for (entry, expected) in log.iter().zip(STATUSES) {
        assert!(entry.signature_valid, "{entry:?}");
        assert_eq!(entry.status, expected, "{entry:?}");
    }
}

#[tokio::test]
async fn javascript_sdk_requests_verify() {
    replay(JS, datetime!(2026-12-04 14:08:39 UTC)).await;
}

#[tokio::test]
async fn python_sdk_requests_verify() {
    replay(PYTHON, datetime!(2026-12-04 14:09:42 UTC)).await;
}
