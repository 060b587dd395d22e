//! The Entra credential against the emulator's Teams Extension exchange: a real server
//! that verifies the bearer Entra ID token and the assignment before it issues a token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use acs_core_auth::{AzureKeyCredential, StaticTokenCredential};
use acs_core_http::policies::HmacAuthenticationPolicy;
use acs_core_http::{Context, Method, Request, StatusCode};
use acs_emulator::{Emulator, EntraTokenOptions};
use serde_json::json;

use super::*;

const TENANT: &str = "7a1c2f3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b";
const USER: &str = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b";

/// Creates the Teams Extension assignment the exchange requires, signed with the access key.
async fn assign(emulator: &Emulator) {
    let key = AzureKeyCredential::new(emulator.access_key()).unwrap();
    let pipeline = Pipeline::new(
        "acs-common-tests",
        "0",
        ClientOptions::default(),
        Vec::new(),
        vec![Arc::new(HmacAuthenticationPolicy::new(key))],
    )
    .unwrap();
    let mut url = emulator.endpoint();
    url.set_path(&format!(
        "/access/teamsExtension/tenants/{TENANT}/assignments/{USER}"
    ));
    url.set_query(Some("api-version=2025-06-30"));
    let mut request = Request::new(Method::PUT, url);
    request
        .set_json(&json!({ "principalType": "user" }))
        .unwrap();
    let response = pipeline.send(&Context::new(), &mut request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_exchanges_a_teams_extension_token() {
    let emulator = Emulator::start().await.unwrap();
    assign(&emulator).await;
    let entra = emulator.issue_entra_token(EntraTokenOptions::teams_extension(TENANT, USER));

    let credential = EntraTokenCredential::new(EntraTokenCredentialOptions {
        scopes: vec![
            "https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls".to_owned(),
        ],
        ..EntraTokenCredentialOptions::new(
            emulator.endpoint().as_str(),
            Arc::new(StaticTokenCredential::new(
                entra.token.clone(),
                entra.expires_on,
            )),
        )
    })
    .unwrap();

    let token = credential.get_token().await.unwrap();
    assert!(emulator.is_token_valid(token.token.expose()));
    assert_eq!(token.expires_on, entra.expires_on);
    let expected_user = format!("8:acs:{}_{TENANT}_{USER}", emulator.resource_id());
    assert!(emulator.identity_exists(&expected_user), "{expected_user}");

    // Fresh: the second call is served from the cache.
    let again = credential.get_token().await.unwrap();
    assert_eq!(again.token.expose(), token.token.expose());
    let exchanges = emulator
        .requests()
        .iter()
        .filter(|request| request.path.contains(":exchangeAccessToken"))
        .count();
    assert_eq!(exchanges, 1);
}
