//! The preview api-version 2025-03-02-preview on the wire (feature `preview`), against a
//! wiremock server on 127.0.0.1: custom ids on user creation, reading a user back, and the
//! version gating that keeps both away from every stable version without sending anything.

#![cfg(feature = "preview")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use acs_identity::{
    ApiVersion, CommunicationIdentityTokenScope as Scope, CreateUserAndTokenOptions,
    CreateUserOptions, ErrorKind, TeamsExtensionAssignmentOptions, TeamsExtensionPrincipalType,
};
use time::macros::datetime;
use wiremock::matchers::{any, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

const PREVIEW: ApiVersion = ApiVersion::V2025_03_02_Preview;

#[tokio::test]
async fn create_user_with_a_custom_id_sends_only_the_custom_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identities"))
        .and(query_param("api-version", "2025-03-02-preview"))
        .respond_with(created(
            r#"{"identity":{"id":"8:acs:res_alice","customId":"alice@contoso"}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let user = key_client_with(&server, PREVIEW)
        .create_user_with(CreateUserOptions {
            custom_id: Some("alice@contoso".to_owned()),
        })
        .await
        .unwrap();
    assert_eq!(user.id(), "8:acs:res_alice");

    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    check_common_and_hmac(&server, &request, r#"{"customId":"alice@contoso"}"#);
}

#[tokio::test]
async fn create_user_with_no_custom_id_is_create_user() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(created(r#"{"identity":{"id":"8:acs:res_u"}}"#))
        .expect(1)
        .mount(&server)
        .await;
    // Without a custom id any version will do.
    key_client(&server)
        .create_user_with(CreateUserOptions::default())
        .await
        .unwrap();
    let request = only_request(&server).await;
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn create_user_and_token_carries_the_custom_id_after_the_scopes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identities"))
        .respond_with(created(&format!(
            r#"{{"identity":{{"id":"8:acs:res_bob","customId":"bob"}},"accessToken":{TOKEN_BODY}}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;

    let options = CreateUserAndTokenOptions::default().with_custom_id("bob");
    let result = key_client_with(&server, PREVIEW)
        .create_user_and_token(&[Scope::Chat], options)
        .await
        .unwrap();
    assert_eq!(result.user.id(), "8:acs:res_bob");

    let request = only_request(&server).await;
    check_common_and_hmac(
        &server,
        &request,
        r#"{"createTokenWithScopes":["chat"],"customId":"bob"}"#,
    );
}

#[tokio::test]
async fn get_user_detail_reads_the_custom_id_and_last_issue_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/identities/{ENCODED_USER_ID}")))
        .and(query_param("api-version", "2025-03-02-preview"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(
                format!(
                    r#"{{"id":"{USER_ID}","customId":"alice","lastTokenIssuedAt":"2025-03-02T10:00:00.5+00:00"}}"#
                ),
                "application/json; charset=utf-8",
            ),
        )
        .expect(1)
        .mount(&server)
        .await;

    let detail = key_client_with(&server, PREVIEW)
        .get_user_detail(&user())
        .await
        .unwrap();
    assert_eq!(detail.user, user());
    assert_eq!(detail.custom_id.as_deref(), Some("alice"));
    assert_eq!(
        detail.last_token_issued_at,
        Some(datetime!(2025-03-02 10:00:00.5 UTC))
    );

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn get_user_detail_of_an_unknown_user_is_a_typed_404() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"error":{"code":"IdentityNotFound","message":"Identity not found."}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let error = key_client_with(&server, PREVIEW)
        .get_user_detail(&user())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        error.service_error().map(|e| e.code.as_str()),
        Some("IdentityNotFound")
    );
}

#[tokio::test]
async fn stable_versions_refuse_preview_features_and_send_nothing() {
    let server = MockServer::start().await;
    for version in ApiVersion::STABLE {
        let client = key_client_with(&server, version);
        let errors = [
            client
                .create_user_with(CreateUserOptions {
                    custom_id: Some("alice".to_owned()),
                })
                .await
                .unwrap_err(),
            client
                .create_user_and_token(
                    &[Scope::Chat],
                    CreateUserAndTokenOptions::default().with_custom_id("alice"),
                )
                .await
                .unwrap_err(),
            client.get_user_detail(&user()).await.unwrap_err(),
        ];
        for error in errors {
            assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{version}");
            assert!(error.to_string().contains("2025-03-02-preview"), "{error}");
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn custom_ids_outside_1_to_256_characters_are_refused() {
    let server = MockServer::start().await;
    let client = key_client_with(&server, PREVIEW);
    for custom_id in [String::new(), "x".repeat(257)] {
        let error = client
            .create_user_with(CreateUserOptions {
                custom_id: Some(custom_id),
            })
            .await
            .unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_preview_version_has_teams_extension() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            r#"{"objectId":"o","tenantId":"t","principalType":"user"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let result = key_client_with(&server, PREVIEW)
        .create_or_replace_teams_extension_assignment(
            "t",
            "o",
            TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User),
        )
        .await
        .unwrap();
    assert!(result.created);
    let request = only_request(&server).await;
    assert_eq!(request.url.query(), Some("api-version=2025-03-02-preview"));
}
