//! The Teams user exchange: the order of its checks, its messages, and the token it returns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{Emulator, EntraTokenOptions};
use common::{Call, LATEST, jwt_claims, send, unsigned_jwt};
use http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const APP: &str = "0e8c4c0d-2b8a-4b38-a1d4-43b7f3a3c1b2";
const USER: &str = "7f1e7a55-3c0c-47d5-b5a9-52a1a1c1a2b3";

fn exchange(body: &Value) -> Call {
    Call::post(format!(
        "/teamsUser/:exchangeAccessToken?api-version={LATEST}"
    ))
    .body(body.to_string())
}

/// An Entra token the emulator did not mint, with `exp` an hour away.
fn entra_token(app: &str, user: &str) -> (String, i64) {
    let exp = OffsetDateTime::now_utc().unix_timestamp() + 3600;
    (
        unsigned_jwt(&json!({"appid": app, "oid": user, "exp": exp, "tid": "t"})),
        exp,
    )
}

fn envelope(status_code: &str, message: &str, target: Option<&str>) -> Value {
    let mut error = json!({"code": status_code, "message": message});
    if let Some(target) = target {
        error["target"] = json!(target);
    }
    json!({ "error": error })
}

#[tokio::test]
async fn exchanges_a_valid_token_with_the_same_expiry() {
    let emulator = Emulator::start().await.unwrap();
    let (token, exp) = entra_token(APP, USER);

    let reply = send(
        &emulator,
        exchange(&json!({"token": token, "appId": APP, "userId": USER})),
    )
    .await;

    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    let expires_on = OffsetDateTime::parse(json["expiresOn"].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(expires_on.unix_timestamp(), exp);
    let acs_token = json["token"].as_str().unwrap();
    assert_eq!(jwt_claims(acs_token)["exp"], exp);
    assert_eq!(jwt_claims(acs_token)["skypeid"], format!("orgid:{USER}"));
    assert!(emulator.is_token_valid(acs_token));
    assert_eq!(
        reply.header("api-supported-versions"),
        Some("2022-06-01, 2022-10-01, 2023-10-01, 2025-03-02-preview, 2025-06-30, 2026-09-23")
    );
}

#[tokio::test]
async fn guids_compare_regardless_of_case() {
    let emulator = Emulator::start().await.unwrap();
    let (token, _) = entra_token(&APP.to_uppercase(), USER);

    let reply = send(
        &emulator,
        exchange(&json!({"token": token, "appId": APP, "userId": USER.to_uppercase()})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn emulator_minted_entra_tokens_exchange_too() {
    let emulator = Emulator::start().await.unwrap();
    let entra = emulator.issue_entra_token(EntraTokenOptions {
        audience: "https://auth.msft.communication.azure.com".into(),
        ..Default::default()
    });

    let reply = send(
        &emulator,
        exchange(&json!({"token": entra.token, "appId": entra.app_id, "userId": entra.object_id})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let claims = emulator
        .token_claims(reply.json()["token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.expires_on, entra.expires_on);
    assert_eq!(claims.user_id, format!("8:orgid:{}", entra.object_id));
}

#[tokio::test]
async fn invalid_tokens_are_401_before_any_other_check() {
    let emulator = Emulator::start().await.unwrap();
    let expired = unsigned_jwt(&json!({"appid": APP, "oid": USER, "exp": 1_600_000_000}));
    let no_exp = unsigned_jwt(&json!({"appid": APP, "oid": USER}));
    let expected = envelope(
        "InvalidAccessToken",
        "Provided access token is not valid.",
        None,
    );

    for body in [
        json!({"token": "", "appId": APP, "userId": ""}),
        json!({"token": "invalid", "appId": "", "userId": "invalid"}),
        json!({"token": expired, "appId": APP, "userId": USER}),
        json!({"token": no_exp, "appId": APP, "userId": USER}),
        json!({"appId": APP, "userId": USER}),
        json!({"token": 42, "appId": APP, "userId": USER}),
    ] {
        let reply = send(&emulator, exchange(&body)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(reply.json(), expected, "{body}");
    }
}

#[tokio::test]
async fn app_id_is_checked_before_user_id() {
    let emulator = Emulator::start().await.unwrap();
    let (token, _) = entra_token(APP, USER);
    let other = "11111111-2222-3333-4444-555555555555";

    let cases = [
        (
            json!({"token": token, "appId": "", "userId": "invalid"}),
            envelope(
                "ValidationError",
                "AppId: The AppId field is required.",
                Some("AppId"),
            ),
        ),
        (
            json!({"token": token, "userId": USER}),
            envelope(
                "ValidationError",
                "AppId: The AppId field is required.",
                Some("AppId"),
            ),
        ),
        (
            json!({"token": token, "appId": "invalid", "userId": "invalid"}),
            envelope(
                "ValidationError",
                "Provided AppId has invalid format.",
                Some("appId"),
            ),
        ),
        (
            json!({"token": token, "appId": other, "userId": "invalid"}),
            envelope(
                "ValidationError",
                "AAD application is not the expected one.",
                Some("appId"),
            ),
        ),
        (
            json!({"token": token, "appId": APP, "userId": ""}),
            envelope(
                "ValidationError",
                "UserId: The UserId field is required.",
                Some("UserId"),
            ),
        ),
        (
            json!({"token": token, "appId": APP, "userId": "invalid"}),
            envelope(
                "ValidationError",
                "Provided UserId has invalid format.",
                Some("userId"),
            ),
        ),
        (
            json!({"token": token, "appId": APP, "userId": other}),
            envelope(
                "ValidationError",
                "Provided AAD token issued for unexpected user.",
                Some("userId"),
            ),
        ),
    ];
    for (body, expected) in cases {
        let reply = send(&emulator, exchange(&body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json(), expected, "{body}");
    }
}

#[tokio::test]
async fn an_empty_body_is_an_invalid_token() {
    let emulator = Emulator::start().await.unwrap();
    let reply = send(
        &emulator,
        Call::post(format!(
            "/teamsUser/:exchangeAccessToken?api-version={LATEST}"
        )),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "InvalidAccessToken");
}
