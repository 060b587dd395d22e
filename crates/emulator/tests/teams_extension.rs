//! The Teams Extension over raw HTTP: assignments (create, replace, read, delete) and the
//! exchange of a bearer Entra user token, with its authorization rules and versions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_emulator::{Emulator, EntraTokenOptions};
use common::{Auth, Call, LATEST, jwt_claims, send};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const USER: &str = "1c9d2b3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const APP: &str = "0e8c4c0d-2b8a-4b38-a1d4-43b7f3a3c1b2";
const PREVIEW: &str = "2025-03-02-preview";

fn assignment_path(tenant: &str, object: &str, version: &str) -> String {
    format!("/access/teamsExtension/tenants/{tenant}/assignments/{object}?api-version={version}")
}

fn put(tenant: &str, object: &str, body: &Value) -> Call {
    Call::new(Method::PUT, assignment_path(tenant, object, LATEST)).body(body.to_string())
}

fn exchange_with(token: &str, version: &str) -> Call {
    Call::post(format!(
        "/access/teamsExtension/:exchangeAccessToken?api-version={version}"
    ))
    .body("{}")
    .auth(Auth::Bearer(token.to_owned()))
}

fn user_token(emulator: &Emulator) -> acs_emulator::EntraToken {
    emulator.issue_entra_token(EntraTokenOptions {
        app_id: APP.into(),
        ..EntraTokenOptions::teams_extension(TENANT, USER)
    })
}

#[tokio::test]
async fn assignments_are_created_replaced_read_and_deleted() {
    let emulator = Emulator::start().await.unwrap();
    let path = |version| assignment_path(TENANT, USER, version);

    let reply = send(&emulator, Call::new(Method::GET, path(LATEST))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "AssignmentNotFound");

    let reply = send(
        &emulator,
        put(TENANT, USER, &json!({"principalType": "user"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        reply.json(),
        json!({"objectId": USER, "tenantId": TENANT, "principalType": "user"})
    );

    let replaced = json!({"principalType": "teamsResourceAccount", "clientIds": [APP]});
    let reply = send(&emulator, put(TENANT, &USER.to_uppercase(), &replaced)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["principalType"], "teamsResourceAccount");

    let reply = send(&emulator, Call::new(Method::GET, path(PREVIEW))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({"objectId": USER, "tenantId": TENANT, "principalType": "teamsResourceAccount", "clientIds": [APP]})
    );
    assert_eq!(
        reply.header("api-supported-versions"),
        Some("2025-03-02-preview, 2025-06-30, 2026-09-23")
    );

    let reply = send(&emulator, Call::new(Method::DELETE, path("2025-06-30"))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = send(&emulator, Call::new(Method::DELETE, path(LATEST))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "AssignmentNotFound");
}

#[tokio::test]
async fn assignment_bodies_and_paths_are_validated() {
    let emulator = Emulator::start().await.unwrap();
    let cases = [
        (json!({}), "PrincipalType"),
        (json!({"principalType": ""}), "PrincipalType"),
        (json!({"principalType": null}), "PrincipalType"),
        (json!({"principalType": 7}), "PrincipalType"),
        (
            json!({"principalType": "user", "clientIds": "x"}),
            "ClientIds",
        ),
        (
            json!({"principalType": "user", "clientIds": [1]}),
            "ClientIds",
        ),
    ];
    for (body, target) in cases {
        let reply = send(&emulator, put(TENANT, USER, &body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "ValidationError", "{body}");
        assert_eq!(reply.json()["error"]["target"], target, "{body}");
    }

    let reply = send(
        &emulator,
        Call::new(Method::PUT, assignment_path(TENANT, USER, LATEST)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "InvalidRequestBody");

    let body = json!({"principalType": "user"});
    let reply = send(&emulator, put("not-a-guid", USER, &body)).await;
    assert_eq!(reply.json()["error"]["target"], "tenantId");
    let reply = send(&emulator, put(TENANT, "x", &body)).await;
    assert_eq!(reply.json()["error"]["target"], "objectId");
}

#[tokio::test]
async fn exchange_gives_the_teams_extension_identity_and_the_entra_expiry() {
    let emulator = Emulator::start().await.unwrap();
    send(
        &emulator,
        put(TENANT, USER, &json!({"principalType": "user"})),
    )
    .await;
    let entra = user_token(&emulator);

    let reply = send(&emulator, exchange_with(&entra.token, LATEST)).await;

    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let json = reply.json();
    let id = format!("8:acs:{}_{TENANT}_{USER}", emulator.resource_id());
    assert_eq!(json["identity"], json!({ "id": id }));
    let expires_on =
        OffsetDateTime::parse(json["accessToken"]["expiresOn"].as_str().unwrap(), &Rfc3339)
            .unwrap();
    assert_eq!(expires_on, entra.expires_on);
    let token = json["accessToken"]["token"].as_str().unwrap();
    assert_eq!(jwt_claims(token)["exp"], entra.expires_on.unix_timestamp());
    assert!(emulator.is_token_valid(token));
    assert!(emulator.identity_exists(&id));

    // The identity is an identity like any other: revoking invalidates the token.
    let revoke = Call::post(format!(
        "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
        common::encoded(&id)
    ));
    assert_eq!(send(&emulator, revoke).await.status, StatusCode::NO_CONTENT);
    assert!(!emulator.is_token_valid(token));
}

#[tokio::test]
async fn exchange_needs_an_assignment_and_an_allowed_client() {
    let emulator = Emulator::start().await.unwrap();
    let entra = user_token(&emulator);

    let reply = send(&emulator, exchange_with(&entra.token, LATEST)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "Forbidden");

    let other_app = "99999999-2b8a-4b38-a1d4-43b7f3a3c1b2";
    let body = json!({"principalType": "user", "clientIds": [other_app]});
    send(&emulator, put(TENANT, USER, &body)).await;
    let reply = send(&emulator, exchange_with(&entra.token, LATEST)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let body = json!({"principalType": "user", "clientIds": [other_app, APP.to_uppercase()]});
    send(&emulator, put(TENANT, USER, &body)).await;
    let reply = send(&emulator, exchange_with(&entra.token, PREVIEW)).await;
    assert_eq!(reply.status, StatusCode::OK);
    // The preview's identity also tells when its last token was issued.
    assert!(reply.json()["identity"]["lastTokenIssuedAt"].is_string());

    let body = json!({"principalType": "user", "clientIds": []});
    send(&emulator, put(TENANT, USER, &body)).await;
    let reply = send(&emulator, exchange_with(&entra.token, "2025-06-30")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn exchange_refuses_tokens_that_are_not_teams_extension_user_tokens() {
    let emulator = Emulator::start().await.unwrap();
    send(
        &emulator,
        put(TENANT, USER, &json!({"principalType": "user"})),
    )
    .await;
    let options = EntraTokenOptions::teams_extension(TENANT, USER);

    let data_plane = emulator.issue_entra_token(EntraTokenOptions {
        tenant_id: TENANT.into(),
        object_id: USER.into(),
        ..Default::default()
    });
    let expired = emulator.issue_entra_token(EntraTokenOptions {
        lifetime: time::Duration::minutes(-1),
        ..options.clone()
    });
    let no_scope = emulator.issue_entra_token(EntraTokenOptions {
        scopes: vec!["Teams.ManageCalls".into()],
        ..options.clone()
    });
    let foreign = Emulator::start()
        .await
        .unwrap()
        .issue_entra_token(options.clone());
    let not_a_guid = emulator.issue_entra_token(EntraTokenOptions {
        object_id: "someone".into(),
        ..options.clone()
    });
    for token in [
        data_plane.token,
        expired.token,
        no_scope.token,
        foreign.token,
        not_a_guid.token,
        "not.a.token".to_owned(),
    ] {
        let reply = send(&emulator, exchange_with(&token, LATEST)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error_code(), "InvalidAccessToken");
        assert!(
            !reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&token)
        );
    }

    // The access key is no credential for the exchange.
    let reply = send(
        &emulator,
        Call::post(format!(
            "/access/teamsExtension/:exchangeAccessToken?api-version={LATEST}"
        ))
        .body("{}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "InvalidAccessToken");
}

#[tokio::test]
async fn versions_without_the_teams_extension_refuse_it() {
    let emulator = Emulator::start().await.unwrap();
    let entra = user_token(&emulator);
    let host = emulator.local_addr();

    for version in ["2021-03-07", "2022-06-01", "2022-10-01", "2023-10-01"] {
        let reply = send(&emulator, exchange_with(&entra.token, version)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(reply.error_code(), "UnsupportedApiVersion");
        assert_eq!(
            reply.json()["error"]["message"],
            format!(
                "The HTTP resource that matches the request URI 'http://{host}/access/teamsExtension/:exchangeAccessToken' does not support the API version '{version}'."
            )
        );

        let reply = send(
            &emulator,
            put(TENANT, USER, &json!({"principalType": "user"})),
        )
        .await;
        assert!(reply.status.is_success());
        let reply = send(
            &emulator,
            Call::new(Method::GET, assignment_path(TENANT, USER, version)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(reply.error_code(), "UnsupportedApiVersion");
    }
}
