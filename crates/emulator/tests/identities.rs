//! Creating identities and issuing tokens over HTTP: success shapes and validation answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::Emulator;
use common::{Call, LATEST, create_user, encoded, jwt_claims, send};
use http::StatusCode;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn create(version: &str) -> String {
    format!("/identities?api-version={version}")
}

fn issue(id: &str, version: &str) -> String {
    format!(
        "/identities/{}/:issueAccessToken?api-version={version}",
        encoded(id)
    )
}

fn expires_on(reply: &serde_json::Value) -> OffsetDateTime {
    OffsetDateTime::parse(reply["expiresOn"].as_str().unwrap(), &Rfc3339).unwrap()
}

#[tokio::test]
async fn create_without_scopes_returns_the_identity_only() {
    let emulator = Emulator::start().await.unwrap();

    for body in [
        None,
        Some(""),
        Some("{}"),
        Some("null"),
        Some(r#"{"createTokenWithScopes":null,"expiresInMinutes":null}"#),
        Some(r#"{"createTokenWithScopes":[]}"#),
    ] {
        let mut call = Call::post(create(LATEST));
        call.body = body.map(str::to_owned);
        let reply = send(&emulator, call).await;

        assert_eq!(reply.status, StatusCode::CREATED, "{body:?}");
        let json = reply.json();
        let id = json["identity"]["id"].as_str().unwrap();
        assert!(
            id.starts_with(&format!("8:acs:{}_", emulator.resource_id())),
            "{id}"
        );
        assert!(json.get("accessToken").is_none(), "{body:?}: {json}");
        assert!(emulator.identity_exists(id));
    }
}

#[tokio::test]
async fn create_with_scopes_returns_a_token_whose_exp_matches_expires_on() {
    let emulator = Emulator::start().await.unwrap();
    let before = OffsetDateTime::now_utc();

    let reply = send(
        &emulator,
        Call::post(create("2022-10-01"))
            .body(r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#),
    )
    .await;

    assert_eq!(reply.status, StatusCode::CREATED);
    let json = reply.json();
    let token = json["accessToken"]["token"].as_str().unwrap();
    let raw_expires_on = json["accessToken"]["expiresOn"].as_str().unwrap();
    assert!(
        raw_expires_on.ends_with(".0000000+00:00"),
        "{raw_expires_on}"
    );

    let expires_on = expires_on(&json["accessToken"]);
    let claims = jwt_claims(token);
    assert_eq!(claims["exp"], expires_on.unix_timestamp());
    assert_eq!(claims["acsScope"], "chat,voip");
    assert_eq!(claims["resourceId"], emulator.resource_id());
    let id = json["identity"]["id"].as_str().unwrap();
    assert_eq!(claims["skypeid"], id.trim_start_matches("8:"));
    let lifetime = expires_on - before;
    assert!(lifetime > time::Duration::minutes(59) && lifetime <= time::Duration::minutes(61));
    assert!(emulator.is_token_valid(token));
}

#[tokio::test]
async fn issue_uses_the_default_lifetime_and_accepts_raw_or_encoded_ids() {
    let emulator = Emulator::start().await.unwrap();
    let id = create_user(&emulator).await;

    for target in [
        issue(&id, LATEST),
        format!("/identities/{id}/:issueAccessToken?api-version={LATEST}"),
    ] {
        let reply = send(&emulator, Call::post(target).body(r#"{"scopes":["voip"]}"#)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json; charset=utf-8")
        );

        let json = reply.json();
        let claims = emulator
            .token_claims(json["token"].as_str().unwrap())
            .unwrap();
        assert_eq!(claims.user_id, id);
        assert_eq!(claims.scopes, ["voip"]);
        assert_eq!(
            claims.expires_on - claims.issued_at,
            time::Duration::minutes(1440)
        );
        assert_eq!(claims.expires_on, expires_on(&json));
    }
}

#[tokio::test]
async fn expires_in_minutes_is_range_checked_from_2022_10_01() {
    let emulator = Emulator::start().await.unwrap();
    let id = create_user(&emulator).await;

    for minutes in [59, 1441, -1, 0] {
        let body = format!(r#"{{"scopes":["chat"],"expiresInMinutes":{minutes}}}"#);
        let reply = send(&emulator, Call::post(issue(&id, "2022-10-01")).body(&body)).await;

        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(
            reply.json(),
            json!({"error": {
                "code": "ValidationError",
                "message": format!("ExpiresInMinutes value {minutes} is invalid. Value must be within the [60, 1440] interval."),
                "target": "ExpiresInMinutes",
            }})
        );
    }

    let reply = send(
        &emulator,
        Call::post(create(LATEST))
            .body(r#"{"createTokenWithScopes":["chat"],"expiresInMinutes":1441}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["target"], "ExpiresInMinutes");

    for minutes in [60, 1440] {
        let body = format!(r#"{{"scopes":["chat"],"expiresInMinutes":{minutes}}}"#);
        let reply = send(&emulator, Call::post(issue(&id, LATEST)).body(&body)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let claims = emulator
            .token_claims(reply.json()["token"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            claims.expires_on - claims.issued_at,
            time::Duration::minutes(minutes)
        );
    }

    let reply = send(
        &emulator,
        Call::post(issue(&id, LATEST)).body(r#"{"scopes":["chat"],"expiresInMinutes":"soon"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["target"], "ExpiresInMinutes");
}

#[tokio::test]
async fn expires_in_minutes_is_ignored_before_2022_10_01() {
    let emulator = Emulator::start().await.unwrap();
    let id = create_user(&emulator).await;

    for version in ["2021-03-07", "2022-06-01"] {
        let reply = send(
            &emulator,
            Call::post(issue(&id, version)).body(r#"{"scopes":["chat"],"expiresInMinutes":59}"#),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{version}");
        let claims = emulator
            .token_claims(reply.json()["token"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            claims.expires_on - claims.issued_at,
            time::Duration::minutes(1440)
        );
    }
}

#[tokio::test]
async fn scopes_are_validated_as_the_service_does() {
    let emulator = Emulator::start().await.unwrap();
    let id = create_user(&emulator).await;
    let refuse = |message: &str, target: &str| json!({"error": {"code": "ValidationError", "message": message, "target": target}});

    for body in [r#"{"scopes":null,"expiresInMinutes":null}"#, "{}", ""] {
        let reply = send(&emulator, Call::post(issue(&id, LATEST)).body(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(
            reply.json(),
            refuse("Scopes: The Scopes field is required.", "Scopes")
        );
    }

    let reply = send(
        &emulator,
        Call::post(issue(&id, LATEST)).body(r#"{"scopes":[]}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        refuse("Invalid scopes - Scopes field is required.", "scopes")
    );

    for body in [
        r#"{"scopes":["pstn"]}"#,
        r#"{"scopes":["chat",3]}"#,
        r#"{"scopes":"chat"}"#,
    ] {
        let reply = send(&emulator, Call::post(issue(&id, LATEST)).body(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "ValidationError");
        assert_eq!(reply.json()["error"]["target"], "Scopes");
    }
}

#[tokio::test]
async fn join_scopes_arrive_with_2023_10_01() {
    let emulator = Emulator::start().await.unwrap();
    let id = create_user(&emulator).await;

    for scope in ["chat.join", "chat.join.limited", "voip.join"] {
        let body = format!(r#"{{"scopes":["{scope}"]}}"#);
        for version in ["2021-03-07", "2022-10-01"] {
            let reply = send(&emulator, Call::post(issue(&id, version)).body(&body)).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{scope} {version}");
            assert_eq!(reply.json()["error"]["target"], "Scopes");
        }
        for version in ["2023-10-01", "2025-06-30", LATEST] {
            let reply = send(&emulator, Call::post(issue(&id, version)).body(&body)).await;
            assert_eq!(reply.status, StatusCode::OK, "{scope} {version}");
        }

        let create_body = format!(r#"{{"createTokenWithScopes":["{scope}"]}}"#);
        let reply = send(
            &emulator,
            Call::post(create("2022-10-01")).body(&create_body),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_refused_create_makes_no_identity() {
    let emulator = Emulator::start().await.unwrap();

    let reply = send(
        &emulator,
        Call::post(create(LATEST)).body(r#"{"createTokenWithScopes":["pstn"]}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(emulator.identities().is_empty());
}
