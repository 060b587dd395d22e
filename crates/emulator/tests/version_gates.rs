//! Every per-version gate over raw HTTP, for every version the emulator knows: custom
//! lifetimes from 2022-10-01, join scopes from 2023-10-01, the Teams user exchange from
//! 2022-06-01, the Teams Extension in 2025-03-02-preview and from 2025-06-30, and the
//! preview-only `customId` and `GET /identities/{id}` (covered in `preview.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{ApiVersion, Emulator, EntraTokenOptions};
use common::{Auth, Call, send};
use http::{Method, StatusCode};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The lifetime in minutes of the token a create with `expiresInMinutes: 60` returns.
async fn created_lifetime(emulator: &Emulator, version: ApiVersion) -> i64 {
    let reply = send(
        emulator,
        Call::post(format!("/identities?api-version={version}"))
            .body(r#"{"createTokenWithScopes":["chat"],"expiresInMinutes":60}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{version}");
    let token = reply.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims = emulator.token_claims(&token).unwrap();
    (claims.expires_on - claims.issued_at).whole_minutes()
}

#[tokio::test]
async fn custom_lifetimes_are_read_from_2022_10_01() {
    let emulator = Emulator::start().await.unwrap();
    for version in ApiVersion::ALL {
        let expected = if version >= ApiVersion::V2022_10_01 {
            60
        } else {
            1440
        };
        assert_eq!(
            created_lifetime(&emulator, version).await,
            expected,
            "{version}"
        );
    }
}

#[tokio::test]
async fn join_scopes_are_accepted_from_2023_10_01() {
    let emulator = Emulator::start().await.unwrap();
    for version in ApiVersion::ALL {
        let reply = send(
            &emulator,
            Call::post(format!("/identities?api-version={version}"))
                .body(r#"{"createTokenWithScopes":["chat.join","voip.join"]}"#),
        )
        .await;
        if version >= ApiVersion::V2023_10_01 {
            assert_eq!(reply.status, StatusCode::CREATED, "{version}");
        } else {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{version}");
            assert_eq!(reply.json()["error"]["target"], "Scopes");
        }
    }
}

#[tokio::test]
async fn the_teams_user_exchange_exists_from_2022_06_01() {
    let emulator = Emulator::start().await.unwrap();
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    for version in ApiVersion::ALL {
        let reply = send(
            &emulator,
            Call::post(format!(
                "/teamsUser/:exchangeAccessToken?api-version={version}"
            ))
            .body(
                json!({"token": entra.token, "appId": entra.app_id, "userId": entra.object_id})
                    .to_string(),
            ),
        )
        .await;
        if version >= ApiVersion::V2022_06_01 {
            assert_eq!(reply.status, StatusCode::OK, "{version}");
            let expires_on = reply.json()["expiresOn"].as_str().unwrap().to_owned();
            assert_eq!(
                OffsetDateTime::parse(&expires_on, &Rfc3339).unwrap(),
                entra.expires_on
            );
        } else {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{version}");
            assert_eq!(reply.error_code(), "UnsupportedApiVersion");
        }
    }
}

#[tokio::test]
async fn the_teams_extension_exists_in_the_preview_and_from_2025_06_30() {
    let emulator = Emulator::start().await.unwrap();
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let object = "1c9d2b3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
    let entra = emulator.issue_entra_token(EntraTokenOptions::teams_extension(tenant, object));

    for version in ApiVersion::ALL {
        let has = version.is_preview() || version >= ApiVersion::V2025_06_30;
        let path = format!(
            "/access/teamsExtension/tenants/{tenant}/assignments/{object}?api-version={version}"
        );
        let put = send(
            &emulator,
            Call::new(Method::PUT, path.clone()).body(r#"{"principalType":"user"}"#),
        )
        .await;
        let exchange = send(
            &emulator,
            Call::post(format!(
                "/access/teamsExtension/:exchangeAccessToken?api-version={version}"
            ))
            .body("{}")
            .auth(Auth::Bearer(entra.token.clone())),
        )
        .await;
        let delete = send(&emulator, Call::new(Method::DELETE, path)).await;

        if has {
            assert!(put.status.is_success(), "{version}");
            assert_eq!(exchange.status, StatusCode::OK, "{version}");
            assert_eq!(delete.status, StatusCode::NO_CONTENT, "{version}");
        } else {
            for reply in [put, exchange, delete] {
                assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{version}");
                assert_eq!(reply.error_code(), "UnsupportedApiVersion");
            }
        }
    }
}
