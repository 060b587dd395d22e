//! The 2025-03-02-preview surface over raw HTTP: `customId` on create and
//! `GET /identities/{id}`, and how the stable versions treat both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{ApiVersionPolicy, Emulator};
use common::{Call, LATEST, encoded, send};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const PREVIEW: &str = "2025-03-02-preview";

fn create(version: &str, body: &Value) -> Call {
    Call::post(format!("/identities?api-version={version}")).body(body.to_string())
}

fn get(id: &str, version: &str) -> Call {
    Call::new(
        Method::GET,
        format!("/identities/{}?api-version={version}", encoded(id)),
    )
}

#[tokio::test]
async fn the_same_custom_id_gives_the_same_identity_with_201_each_time() {
    let emulator = Emulator::start().await.unwrap();
    let body = json!({"customId": "alice@contoso.com"});

    let first = send(&emulator, create(PREVIEW, &body)).await;
    let second = send(&emulator, create(PREVIEW, &body)).await;
    let other = send(
        &emulator,
        create(PREVIEW, &json!({"customId": "bob@contoso.com"})),
    )
    .await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::CREATED);
    let id = first.json()["identity"]["id"].as_str().unwrap().to_owned();
    assert_eq!(second.json()["identity"]["id"], id.as_str());
    assert_eq!(first.json()["identity"]["customId"], "alice@contoso.com");
    assert_ne!(other.json()["identity"]["id"], id.as_str());
    assert_eq!(emulator.identities().len(), 2);

    // Once deleted, the custom id maps to a new identity.
    let delete = Call::new(
        Method::DELETE,
        format!("/identities/{}?api-version={PREVIEW}", encoded(&id)),
    );
    assert_eq!(send(&emulator, delete).await.status, StatusCode::NO_CONTENT);
    let again = send(&emulator, create(PREVIEW, &body)).await;
    assert_ne!(again.json()["identity"]["id"], id.as_str());
}

#[tokio::test]
async fn custom_ids_outside_1_to_256_characters_are_refused() {
    let emulator = Emulator::start().await.unwrap();

    for custom_id in [json!(""), json!("é".repeat(257)), json!(12), json!(["a"])] {
        let reply = send(
            &emulator,
            create(PREVIEW, &json!({ "customId": custom_id })),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{custom_id}");
        assert_eq!(reply.error_code(), "ValidationError");
        assert_eq!(reply.json()["error"]["target"], "CustomId");
    }
    assert!(emulator.identities().is_empty());

    let longest = "é".repeat(256);
    let reply = send(&emulator, create(PREVIEW, &json!({ "customId": longest }))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let reply = send(&emulator, create(PREVIEW, &json!({ "customId": null }))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(reply.json()["identity"].get("customId").is_none());
}

#[tokio::test]
async fn stable_versions_ignore_custom_id() {
    let emulator = Emulator::start().await.unwrap();
    let body = json!({"customId": "alice@contoso.com"});

    for version in ["2023-10-01", "2025-06-30", LATEST] {
        let first = send(&emulator, create(version, &body)).await;
        let second = send(&emulator, create(version, &body)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{version}");
        assert_ne!(
            first.json()["identity"]["id"],
            second.json()["identity"]["id"]
        );
        assert_eq!(first.json()["identity"].as_object().unwrap().len(), 1);

        let invalid = send(&emulator, create(version, &json!({"customId": ""}))).await;
        assert_eq!(invalid.status, StatusCode::CREATED, "{version}");
    }
}

#[tokio::test]
async fn get_identity_tells_custom_id_and_last_token_time() {
    let emulator = Emulator::start().await.unwrap();
    let reply = send(
        &emulator,
        create(
            PREVIEW,
            &json!({"customId": "carol", "createTokenWithScopes": ["chat"]}),
        ),
    )
    .await;
    let created = reply.json();
    let id = created["identity"]["id"].as_str().unwrap().to_owned();
    let issued = created["identity"]["lastTokenIssuedAt"]
        .as_str()
        .unwrap()
        .to_owned();

    let reply = send(&emulator, get(&id, PREVIEW)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({"id": id, "customId": "carol", "lastTokenIssuedAt": issued})
    );
    assert_eq!(reply.header("api-supported-versions"), Some(PREVIEW));
    let issued_at = OffsetDateTime::parse(&issued, &Rfc3339).unwrap();
    let token = created["accessToken"]["token"].as_str().unwrap();
    assert_eq!(emulator.token_claims(token).unwrap().issued_at, issued_at);

    // A plain identity has neither member until a token is issued.
    let plain = send(&emulator, create(PREVIEW, &json!({}))).await.json();
    let plain_id = plain["identity"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&emulator, get(&plain_id, PREVIEW)).await.json(),
        json!({"id": plain_id})
    );
    let issue = Call::post(format!(
        "/identities/{}/:issueAccessToken?api-version={LATEST}",
        encoded(&plain_id)
    ))
    .body(r#"{"scopes":["voip"]}"#);
    assert_eq!(send(&emulator, issue).await.status, StatusCode::OK);
    let detail = send(&emulator, get(&plain_id, PREVIEW)).await.json();
    assert!(detail["lastTokenIssuedAt"].is_string(), "{detail}");
}

#[tokio::test]
async fn get_identity_answers_401_and_404_like_the_other_identity_operations() {
    let emulator = Emulator::start().await.unwrap();
    let foreign = "8:acs:00000000-0000-0000-0000-000000000000_x";
    let unknown = format!("8:acs:{}_missing", emulator.resource_id());

    let reply = send(&emulator, get(foreign, PREVIEW)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "IdentityNotOwned");
    let reply = send(&emulator, get(&unknown, PREVIEW)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "IdentityNotFound");
}

#[tokio::test]
async fn get_identity_exists_in_the_preview_only() {
    let emulator = Emulator::start().await.unwrap();
    let id = common::create_user(&emulator).await;

    for version in ["2021-03-07", "2023-10-01", "2025-06-30", LATEST] {
        let reply = send(&emulator, get(&id, version)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(reply.error_code(), "UnsupportedApiVersion");
        assert_eq!(reply.header("api-supported-versions"), Some(PREVIEW));
    }

    let stable_only = Emulator::builder()
        .api_versions(ApiVersionPolicy::Stable)
        .start()
        .await
        .unwrap();
    let reply = send(&stable_only, create(PREVIEW, &json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "UnsupportedApiVersion");
}
