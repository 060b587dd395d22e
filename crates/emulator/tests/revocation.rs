//! Revocation, deletion and ownership over HTTP: which tokens stay valid, and what calls on
//! missing or foreign identities answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::Emulator;
use common::{Call, LATEST, create_user, encoded, send};
use http::{Method, StatusCode};
use serde_json::json;

fn create(version: &str) -> String {
    format!("/identities?api-version={version}")
}

fn issue(id: &str, version: &str) -> String {
    format!(
        "/identities/{}/:issueAccessToken?api-version={version}",
        encoded(id)
    )
}

#[tokio::test]
async fn revoking_invalidates_earlier_tokens_but_not_later_ones() {
    let emulator = Emulator::start().await.unwrap();
    let reply = send(
        &emulator,
        Call::post(create(LATEST)).body(r#"{"createTokenWithScopes":["chat"]}"#),
    )
    .await;
    let json = reply.json();
    let id = json["identity"]["id"].as_str().unwrap().to_owned();
    let first = json["accessToken"]["token"].as_str().unwrap().to_owned();
    let other = create_user(&emulator).await;
    let other_token = send(
        &emulator,
        Call::post(issue(&other, LATEST)).body(r#"{"scopes":["chat"]}"#),
    )
    .await
    .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let target = format!(
        "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
        encoded(&id)
    );
    let reply = send(&emulator, Call::post(target.clone())).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("content-type"), None);
    assert!(!emulator.is_token_valid(&first));
    assert!(emulator.is_token_valid(&other_token));

    let reply = send(
        &emulator,
        Call::post(issue(&id, LATEST)).body(r#"{"scopes":["chat"]}"#),
    )
    .await;
    let later = reply.json()["token"].as_str().unwrap().to_owned();
    assert!(emulator.is_token_valid(&later));

    // Revoking an identity with no live tokens is still 204.
    assert_eq!(
        send(&emulator, Call::post(target.clone())).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&emulator, Call::post(target)).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(!emulator.is_token_valid(&later));
}

#[tokio::test]
async fn deleting_removes_the_identity_and_revokes_its_tokens() {
    let emulator = Emulator::start().await.unwrap();
    let id = create_user(&emulator).await;
    let token = send(
        &emulator,
        Call::post(issue(&id, LATEST)).body(r#"{"scopes":["chat"]}"#),
    )
    .await
    .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let delete = format!("/identities/{}?api-version={LATEST}", encoded(&id));
    let reply = send(&emulator, Call::new(Method::DELETE, delete.clone())).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(!emulator.identity_exists(&id));
    assert!(!emulator.is_token_valid(&token));
    assert!(emulator.token_claims(&token).is_some());

    let revoke = format!(
        "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
        encoded(&id)
    );
    for reply in [
        send(&emulator, Call::new(Method::DELETE, delete)).await,
        send(
            &emulator,
            Call::post(issue(&id, LATEST)).body(r#"{"scopes":["chat"]}"#),
        )
        .await,
        send(&emulator, Call::post(revoke)).await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.error_code(), "IdentityNotFound");
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn ids_of_another_resource_are_not_owned() {
    let emulator = Emulator::builder()
        .resource_id("2dee53b4-368b-45b4-ab52-8493fb117652")
        .start()
        .await
        .unwrap();
    let foreign = "8:acs:00000000-0000-0000-0000-000000000000_00000005-14a2-493b-8a72-5a3a0d000081";
    let expected = json!({"error": {
        "code": "IdentityNotOwned",
        "message": "Provided identity doesn't belong to the resource.",
    }});

    for reply in [
        send(
            &emulator,
            Call::post(issue(foreign, LATEST)).body(r#"{"scopes":["chat","voip"]}"#),
        )
        .await,
        send(
            &emulator,
            Call::post(format!(
                "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
                encoded(foreign)
            )),
        )
        .await,
        send(
            &emulator,
            Call::new(
                Method::DELETE,
                format!("/identities/{}?api-version={LATEST}", encoded(foreign)),
            ),
        )
        .await,
        send(
            &emulator,
            Call::new(
                Method::DELETE,
                format!("/identities/invalid?api-version={LATEST}"),
            ),
        )
        .await,
    ] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json(), expected);
    }
}

#[tokio::test]
async fn seeded_identities_work_over_http() {
    let emulator = Emulator::start().await.unwrap();
    let id = emulator.create_identity();

    let reply = send(
        &emulator,
        Call::post(issue(&id, LATEST)).body(r#"{"scopes":["chat"]}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(emulator.identities(), vec![id]);
}
