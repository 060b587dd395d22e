//! Authentication over HTTP: HMAC variants, the clock-skew window, bearer tokens, and what
//! the request log says about each.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{AuthScheme, Emulator, EntraTokenOptions, ManualClock};
use common::{Auth, Call, LATEST, content_hash, http_date, send, signature};
use http::StatusCode;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-12-04 14:08:39 UTC);

fn create() -> Call {
    Call::post(format!("/identities?api-version={LATEST}"))
}

async fn pinned() -> (Emulator, ManualClock) {
    let clock = ManualClock::new(NOW);
    let emulator = Emulator::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    (emulator, clock)
}

#[tokio::test]
async fn signed_requests_pass_with_x_ms_date_or_date() {
    let (emulator, _) = pinned().await;

    for auth in [Auth::Hmac(NOW), Auth::HmacDate(NOW)] {
        let reply = send(&emulator, create().auth(auth.clone())).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{auth:?}");
    }
    let log = emulator.requests();
    assert!(
        log.iter()
            .all(|r| r.signature_valid && r.auth_scheme == Some(AuthScheme::Hmac))
    );
}

#[tokio::test]
async fn the_clock_skew_window_is_15_minutes_by_default() {
    let (emulator, _) = pinned().await;

    for offset in [Duration::minutes(15), Duration::minutes(-15)] {
        let reply = send(&emulator, create().auth(Auth::Hmac(NOW + offset))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{offset}");
    }
    for offset in [
        Duration::seconds(15 * 60 + 1),
        Duration::seconds(-15 * 60 - 1),
    ] {
        let reply = send(&emulator, create().auth(Auth::Hmac(NOW + offset))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{offset}");
        assert_eq!(reply.error_code(), "Denied");
    }
}

#[tokio::test]
async fn the_clock_skew_window_is_configurable_and_follows_the_clock() {
    let clock = ManualClock::new(NOW);
    let emulator = Emulator::builder()
        .clock(clock.clone())
        .clock_skew(std::time::Duration::from_secs(60))
        .start()
        .await
        .unwrap();

    assert_eq!(
        send(&emulator, create().auth(Auth::Hmac(NOW))).await.status,
        StatusCode::CREATED
    );
    clock.advance(Duration::seconds(61));
    let reply = send(&emulator, create().auth(Auth::Hmac(NOW))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(!emulator.requests()[1].signature_valid);
}

#[tokio::test]
async fn a_wrong_content_hash_is_refused_with_the_service_message() {
    let (emulator, _) = pinned().await;
    let target = format!("/identities?api-version={LATEST}");
    let host = emulator.local_addr().to_string();
    let date = http_date(NOW);
    let claimed = content_hash(b"");
    let string_to_sign = format!("POST\n{target}\n{date};{host};{claimed}");
    let authorization = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
        signature(emulator.access_key(), &string_to_sign)
    );

    let reply = send(
        &emulator,
        Call::post(target)
            .body(r#"{"createTokenWithScopes":["chat"]}"#)
            .auth(Auth::None)
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", claimed)
            .header("authorization", authorization),
    )
    .await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({"error": {
            "code": "Denied",
            "message": "Request 'x-ms-content-sha256' differs from generated content hash.",
        }})
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(emulator.identities().is_empty());
}

#[tokio::test]
async fn a_request_signed_with_another_key_is_denied() {
    let (emulator, _) = pinned().await;

    let reply = common::send_to(
        emulator.local_addr(),
        "b3RoZXIta2V5",
        create().auth(Auth::Hmac(NOW)),
    )
    .await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json()["error"]["message"],
        "Denied by the resource provider."
    );
    let entry = &emulator.requests()[0];
    assert_eq!(entry.auth_scheme, Some(AuthScheme::Hmac));
    assert!(!entry.signature_valid);
    assert_eq!(
        entry.auth_error.as_deref(),
        Some("Denied by the resource provider.")
    );
}

#[tokio::test]
async fn a_signature_over_another_host_is_denied() {
    let (emulator, _) = pinned().await;
    let reply = send(
        &emulator,
        create()
            .auth(Auth::Hmac(NOW))
            .host_header("contoso.communication.azure.com"),
    )
    .await;
    // The test client signs the socket address; a different Host header breaks the signature.
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json()["error"]["message"],
        "Denied by the resource provider."
    );
}

#[tokio::test]
async fn missing_or_unknown_authorization_is_denied_with_an_envelope() {
    let (emulator, _) = pinned().await;

    for call in [
        create().auth(Auth::None),
        create()
            .auth(Auth::None)
            .header("authorization", "Basic dXNlcjpwYXNz"),
        create()
            .auth(Auth::None)
            .header("authorization", "HMAC-SHA256 nonsense"),
        create().auth(Auth::None).header(
            "authorization",
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA",
        ),
    ] {
        let reply = send(&emulator, call).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error_code(), "Denied");
    }
    assert!(emulator.identities().is_empty());
}

#[tokio::test]
async fn emulator_minted_bearer_tokens_authenticate() {
    let (emulator, clock) = pinned().await;
    let token = emulator.issue_entra_token(EntraTokenOptions::default());

    let reply = send(&emulator, create().auth(Auth::Bearer(token.token.clone()))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(emulator.requests()[0].auth_scheme, Some(AuthScheme::Bearer));
    assert!(emulator.requests()[0].signature_valid);

    clock.advance(Duration::hours(2));
    let reply = send(&emulator, create().auth(Auth::Bearer(token.token))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json()["error"]["message"],
        "The bearer token has expired."
    );
}

#[tokio::test]
async fn foreign_or_misaddressed_bearer_tokens_are_denied() {
    let (emulator, _) = pinned().await;
    let (other, _) = pinned().await;
    let foreign = other.issue_entra_token(EntraTokenOptions::default()).token;
    let wrong_audience = emulator
        .issue_entra_token(EntraTokenOptions {
            audience: "https://management.azure.com".into(),
            ..Default::default()
        })
        .token;
    let unsigned = common::unsigned_jwt(
        &json!({"aud": "https://communication.azure.com", "exp": 4_102_444_800_i64}),
    );

    for token in [foreign, wrong_audience, unsigned, "not-a-jwt".to_owned()] {
        let reply = send(&emulator, create().auth(Auth::Bearer(token))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error_code(), "Denied");
    }
}

#[tokio::test]
async fn acs_access_tokens_are_not_bearer_credentials() {
    let (emulator, _) = pinned().await;
    let reply = send(
        &emulator,
        create()
            .body(r#"{"createTokenWithScopes":["chat"]}"#)
            .auth(Auth::Hmac(NOW)),
    )
    .await;
    let access_token = reply.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let reply = send(&emulator, create().auth(Auth::Bearer(access_token))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_signed_header_given_twice_is_denied_whichever_copy_is_valid() {
    let (emulator, _) = pinned().await;
    let stale = http_date(NOW - Duration::hours(1));

    let duplicates = [
        (
            "authorization",
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA"
                .to_owned(),
        ),
        ("x-ms-date", stale.clone()),
        ("host", "other.example:1".to_owned()),
        ("x-ms-content-sha256", content_hash(b"something else")),
    ];
    for (name, value) in duplicates {
        let reply = send(
            &emulator,
            create().auth(Auth::Hmac(NOW)).header(name, value),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(reply.error_code(), "Denied", "{name}");
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("more than one"),
            "{name}: {}",
            reply.json()
        );
    }
    assert!(emulator.identities().is_empty());
}
