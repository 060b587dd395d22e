//! What the client puts on the wire, checked against a wiremock server on 127.0.0.1.
//!
//! For every operation: method, percent-encoded path, query, body bytes, headers, and an
//! HMAC signature recomputed here with an independent implementation (hmac + sha2 + base64),
//! not with the signer of `acs-core-http`; and bearer authentication with the scope the
//! credential is asked for. Checks that must send nothing and error mapping are in
//! `wire_errors.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use acs_identity::async_trait;
use acs_identity::{
    AccessToken, ApiVersion, CommunicationIdentityClient, CommunicationIdentityTokenScope as Scope,
    CreateUserAndTokenOptions, CredentialError, GetTokenForTeamsUserOptions, GetTokenOptions,
    TokenCredential, TokenLifetime, TokenRequestOptions,
};
use time::OffsetDateTime;
use wiremock::matchers::{any, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

#[tokio::test]
async fn create_user_sends_no_body_but_json_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identities"))
        .and(query_param("api-version", "2026-09-23"))
        .respond_with(created(r#"{"identity":{"id":"8:acs:res_user1"}}"#))
        .expect(1)
        .mount(&server)
        .await;

    let user = key_client(&server).create_user().await.unwrap();
    assert_eq!(user.id(), "8:acs:res_user1");

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/identities");
    assert_eq!(request.url.query(), Some("api-version=2026-09-23"));
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn create_user_and_token_with_lifetime() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identities"))
        .respond_with(created(&format!(
            r#"{{"identity":{{"id":"8:acs:res_user2"}},"accessToken":{TOKEN_BODY}}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;

    let options = CreateUserAndTokenOptions::default()
        .with_expires_in(TokenLifetime::from_minutes(60).unwrap());
    let result = key_client(&server)
        .create_user_and_token(&[Scope::Chat, Scope::Voip], options)
        .await
        .unwrap();
    assert_eq!(result.user.id(), "8:acs:res_user2");
    assert_eq!(
        result.access_token.token.expose(),
        "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9."
    );
    assert_eq!(result.access_token.expires_on, EXPECTED_EXPIRY);

    let request = only_request(&server).await;
    assert_eq!(request.url.query(), Some("api-version=2026-09-23"));
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    check_common_and_hmac(
        &server,
        &request,
        r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#,
    );
}

#[tokio::test]
async fn create_user_and_token_without_lifetime_omits_it() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(created(&format!(
            r#"{{"identity":{{"id":"8:acs:u"}},"accessToken":{TOKEN_BODY}}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;

    key_client(&server)
        .create_user_and_token(&[Scope::Chat], CreateUserAndTokenOptions::default())
        .await
        .unwrap();
    let request = only_request(&server).await;
    check_common_and_hmac(&server, &request, r#"{"createTokenWithScopes":["chat"]}"#);
}

#[tokio::test]
async fn get_token_encodes_the_id_as_one_segment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/identities/{ENCODED_USER_ID}/:issueAccessToken"
        )))
        .and(query_param("api-version", "2023-10-01"))
        .respond_with(token_response(200))
        .expect(1)
        .mount(&server)
        .await;

    let options = GetTokenOptions {
        expires_in: Some(TokenLifetime::from_minutes(120).unwrap()),
    };
    let token = key_client_with(&server, ApiVersion::V2023_10_01)
        .get_token(&user(), &[Scope::ChatJoin], options)
        .await
        .unwrap();
    assert_eq!(token.expires_on, EXPECTED_EXPIRY);
    assert!(
        !format!("{token:?}").contains("eyJ"),
        "Debug hides the token"
    );

    let request = only_request(&server).await;
    assert_eq!(
        request.url.path(),
        format!("/identities/{ENCODED_USER_ID}/:issueAccessToken")
    );
    assert_eq!(request.url.query(), Some("api-version=2023-10-01"));
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    check_common_and_hmac(
        &server,
        &request,
        r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#,
    );
}

#[tokio::test]
async fn get_token_without_lifetime_omits_it() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(token_response(200))
        .expect(1)
        .mount(&server)
        .await;

    key_client(&server)
        .get_token(&user(), &[Scope::Voip], GetTokenOptions::default())
        .await
        .unwrap();
    let request = only_request(&server).await;
    check_common_and_hmac(&server, &request, r#"{"scopes":["voip"]}"#);
}

#[tokio::test]
async fn revoke_tokens_has_no_body_and_no_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/identities/{ENCODED_USER_ID}/:revokeAccessTokens"
        )))
        .and(query_param("api-version", "2026-09-23"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    key_client(&server).revoke_tokens(&user()).await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(header(&request, "content-type"), None);
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn delete_user_is_a_delete_without_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!("/identities/{ENCODED_USER_ID}")))
        .and(query_param("api-version", "2026-09-23"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    key_client(&server).delete_user(&user()).await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "DELETE");
    assert_eq!(header(&request, "content-type"), None);
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn teams_exchange_body_has_token_app_and_user() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/teamsUser/:exchangeAccessToken"))
        .and(query_param("api-version", "2022-06-01"))
        .respond_with(token_response(200))
        .expect(1)
        .mount(&server)
        .await;

    let token = key_client_with(&server, ApiVersion::V2022_06_01)
        .get_token_for_teams_user(GetTokenForTeamsUserOptions::new("aad", "cid", "oid"))
        .await
        .unwrap();
    assert_eq!(token.expires_on, EXPECTED_EXPIRY);

    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    check_common_and_hmac(
        &server,
        &request,
        r#"{"token":"aad","appId":"cid","userId":"oid"}"#,
    );
}

#[tokio::test]
async fn chosen_api_version_is_sent() {
    for version in ApiVersion::ALL {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        key_client_with(&server, version)
            .delete_user(&user())
            .await
            .unwrap();
        let request = only_request(&server).await;
        assert_eq!(
            request.url.query(),
            Some(format!("api-version={version}").as_str())
        );
    }
}

/// A credential that records the scopes it is asked for.
#[derive(Debug, Default)]
struct RecordingCredential {
    scopes: Mutex<Vec<Vec<String>>>,
}

#[async_trait]
impl TokenCredential for RecordingCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        self.scopes
            .lock()
            .unwrap()
            .push(scopes.iter().map(|s| (*s).to_owned()).collect());
        Ok(AccessToken::new(
            "entra-bearer-token",
            OffsetDateTime::now_utc() + time::Duration::HOUR,
        ))
    }
}

#[tokio::test]
async fn token_credential_sends_bearer_with_the_communication_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identities"))
        .respond_with(created(r#"{"identity":{"id":"8:acs:u"}}"#))
        .expect(1)
        .mount(&server)
        .await;

    let credential = Arc::new(RecordingCredential::default());
    let client = CommunicationIdentityClient::with_token_credential(
        &server.uri(),
        credential.clone(),
        options(ApiVersion::default()),
    )
    .unwrap();
    assert!(!format!("{client:?}").contains("entra-bearer-token"));
    client.create_user().await.unwrap();

    let request = only_request(&server).await;
    check_common(&request);
    assert_eq!(
        header(&request, "authorization"),
        Some("Bearer entra-bearer-token")
    );
    assert_eq!(
        *credential.scopes.lock().unwrap(),
        vec![vec!["https://communication.azure.com//.default".to_owned()]]
    );
}
