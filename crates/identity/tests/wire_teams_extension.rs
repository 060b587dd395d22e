//! Teams Extension on the wire, against a wiremock server on 127.0.0.1: the three assignment
//! calls (method, encoded path, query, exact body bytes, HMAC signature recomputed
//! independently, 200 vs 201, 404 as a typed error) and the token exchange, which must carry
//! the caller's Entra user token as its only authorization and none of the client's own.
//! Version gating is checked to send nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use acs_identity::async_trait;
use acs_identity::{
    AccessToken, ApiVersion, AzureKeyCredential, ClientOptions, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CredentialError, ErrorKind, Secret,
    TeamsExtensionAssignmentOptions, TeamsExtensionPrincipalType, TokenCredential,
    TokenRequestOptions,
};
use time::OffsetDateTime;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

const TENANT: &str = "tenant/a b";
const ENCODED_TENANT: &str = "tenant%2Fa%20b";
const OBJECT: &str = "object:1?";
const ENCODED_OBJECT: &str = "object%3A1%3F";
const ENTRA_USER_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ1c2VyIn0.c2lnbmF0dXJl";

fn assignment_path() -> String {
    format!("/access/teamsExtension/tenants/{ENCODED_TENANT}/assignments/{ENCODED_OBJECT}")
}

fn assignment_body(principal_type: &str, client_ids: Option<&str>) -> String {
    let client_ids = client_ids
        .map(|ids| format!(r#","clientIds":{ids}"#))
        .unwrap_or_default();
    format!(
        r#"{{"objectId":"{OBJECT}","tenantId":"{TENANT}","principalType":"{principal_type}"{client_ids}}}"#
    )
}

fn json(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json; charset=utf-8")
}

#[tokio::test]
async fn get_assignment_is_a_signed_get_with_encoded_ids() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(assignment_path()))
        .and(query_param("api-version", "2026-09-23"))
        .respond_with(json(200, assignment_body("user", Some(r#"["app-1"]"#))))
        .expect(1)
        .mount(&server)
        .await;

    let assignment = key_client(&server)
        .get_teams_extension_assignment(TENANT, OBJECT)
        .await
        .unwrap();
    assert_eq!(assignment.tenant_id, TENANT);
    assert_eq!(assignment.object_id, OBJECT);
    assert_eq!(assignment.principal_type, TeamsExtensionPrincipalType::User);
    assert_eq!(assignment.client_ids, Some(vec!["app-1".to_owned()]));

    let request = only_request(&server).await;
    assert_eq!(request.url.path(), assignment_path());
    assert_eq!(request.url.query(), Some("api-version=2026-09-23"));
    assert_eq!(header(&request, "content-type"), None);
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn put_sends_principal_type_then_client_ids_and_201_means_created() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(assignment_path()))
        .respond_with(json(
            201,
            assignment_body("user", Some(r#"["app-1","app-2"]"#)),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let options = TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User)
        .with_client_ids(["app-1", "app-2"]);
    let result = key_client(&server)
        .create_or_replace_teams_extension_assignment(TENANT, OBJECT, options)
        .await
        .unwrap();
    assert!(result.created);
    assert_eq!(
        result.assignment.client_ids,
        Some(vec!["app-1".to_owned(), "app-2".to_owned()])
    );

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "PUT");
    assert_eq!(request.url.path(), assignment_path());
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    check_common_and_hmac(
        &server,
        &request,
        r#"{"principalType":"user","clientIds":["app-1","app-2"]}"#,
    );
}

#[tokio::test]
async fn put_without_client_ids_leaves_them_out_and_200_means_replaced() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(assignment_path()))
        .respond_with(json(200, assignment_body("resourceAccount", None)))
        .expect(1)
        .mount(&server)
        .await;

    let options =
        TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::ResourceAccount);
    let result = key_client(&server)
        .create_or_replace_teams_extension_assignment(TENANT, OBJECT, options)
        .await
        .unwrap();
    assert!(!result.created);
    assert_eq!(
        result.assignment.principal_type,
        TeamsExtensionPrincipalType::ResourceAccount
    );
    assert_eq!(result.assignment.client_ids, None);

    let request = only_request(&server).await;
    check_common_and_hmac(&server, &request, r#"{"principalType":"resourceAccount"}"#);
}

#[tokio::test]
async fn unknown_principal_types_go_out_verbatim() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(json(201, assignment_body("teamsResourceAccount", None)))
        .mount(&server)
        .await;
    let options = TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::from(
        "teamsResourceAccount",
    ));
    let result = key_client(&server)
        .create_or_replace_teams_extension_assignment(TENANT, OBJECT, options)
        .await
        .unwrap();
    assert_eq!(
        result.assignment.principal_type.as_str(),
        "teamsResourceAccount"
    );
    let request = only_request(&server).await;
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        r#"{"principalType":"teamsResourceAccount"}"#
    );
}

#[tokio::test]
async fn delete_assignment_is_a_signed_delete_answered_204() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(assignment_path()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    key_client(&server)
        .delete_teams_extension_assignment(TENANT, OBJECT)
        .await
        .unwrap();
    let request = only_request(&server).await;
    check_common_and_hmac(&server, &request, "");
}

#[tokio::test]
async fn missing_assignment_is_a_typed_404() {
    let server = MockServer::start().await;
    let body = r#"{"error":{"code":"AssignmentNotFound","message":"No such assignment."}}"#;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;

    let client = key_client(&server);
    let errors = [
        client
            .get_teams_extension_assignment(TENANT, OBJECT)
            .await
            .unwrap_err(),
        client
            .delete_teams_extension_assignment(TENANT, OBJECT)
            .await
            .unwrap_err(),
    ];
    for error in errors {
        assert_eq!(error.kind(), &ErrorKind::HttpResponse);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(
            error.service_error().map(|e| e.code.as_str()),
            Some("AssignmentNotFound")
        );
    }
}

fn exchange_response() -> ResponseTemplate {
    json(
        200,
        format!(r#"{{"identity":{{"id":"8:acs:res_tenant_user"}},"accessToken":{TOKEN_BODY}}}"#),
    )
}

/// Checks that the exchange request carries the user token and nothing of the client's
/// own credential.
fn check_exchange_request(request: &wiremock::Request) {
    check_common(request);
    assert_eq!(
        request.url.path(),
        "/access/teamsExtension/:exchangeAccessToken"
    );
    assert_eq!(request.url.query(), Some("api-version=2026-09-23"));
    assert_eq!(String::from_utf8(request.body.clone()).unwrap(), "{}");
    assert_eq!(header(request, "content-type"), Some("application/json"));
    let authorization = format!("Bearer {ENTRA_USER_TOKEN}");
    assert_eq!(
        header(request, "authorization"),
        Some(authorization.as_str())
    );
    assert_eq!(request.headers.get_all("authorization").iter().count(), 1);
    for hmac_header in ["x-ms-date", "x-ms-content-sha256"] {
        assert!(
            request.headers.get(hmac_header).is_none(),
            "{hmac_header} must not be sent"
        );
    }
}

#[tokio::test]
async fn exchange_sends_the_entra_user_token_instead_of_hmac() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access/teamsExtension/:exchangeAccessToken"))
        .respond_with(exchange_response())
        .expect(1)
        .mount(&server)
        .await;

    let result = key_client(&server)
        .exchange_teams_extension_token(&Secret::new(ENTRA_USER_TOKEN))
        .await
        .unwrap();
    assert_eq!(result.user.id(), "8:acs:res_tenant_user");
    assert_eq!(result.access_token.expires_on, EXPECTED_EXPIRY);

    check_exchange_request(&only_request(&server).await);
}

/// A credential that counts how often it is asked, to show the exchange never asks it.
#[derive(Debug, Default)]
struct CountingCredential {
    calls: AtomicUsize,
}

#[async_trait]
impl TokenCredential for CountingCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            "client-bearer-token",
            OffsetDateTime::now_utc() + time::Duration::HOUR,
        ))
    }
}

#[tokio::test]
async fn exchange_with_a_token_credential_client_still_sends_only_the_user_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(exchange_response())
        .expect(1)
        .mount(&server)
        .await;

    let credential = Arc::new(CountingCredential::default());
    let client = CommunicationIdentityClient::with_token_credential(
        &server.uri(),
        credential.clone(),
        options(ApiVersion::default()),
    )
    .unwrap();
    client
        .exchange_teams_extension_token(&Secret::new(ENTRA_USER_TOKEN))
        .await
        .unwrap();

    check_exchange_request(&only_request(&server).await);
    assert_eq!(credential.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn exchange_rejected_by_the_service_is_a_typed_401() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"error":{"code":"InvalidAccessToken","message":"Token is invalid."}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let error = key_client(&server)
        .exchange_teams_extension_token(&Secret::new(ENTRA_USER_TOKEN))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    let text = format!("{error} {error:?}");
    assert!(!text.contains(ENTRA_USER_TOKEN), "{text}");
}

#[tokio::test]
async fn versions_before_2025_06_30_refuse_every_teams_extension_call_and_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    for version in [
        ApiVersion::V2021_03_07,
        ApiVersion::V2022_06_01,
        ApiVersion::V2022_10_01,
        ApiVersion::V2023_10_01,
    ] {
        let client = key_client_with(&server, version);
        let token = Secret::new(ENTRA_USER_TOKEN);
        let options = TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User);
        let errors = [
            client
                .get_teams_extension_assignment(TENANT, OBJECT)
                .await
                .unwrap_err(),
            client
                .create_or_replace_teams_extension_assignment(TENANT, OBJECT, options)
                .await
                .unwrap_err(),
            client
                .delete_teams_extension_assignment(TENANT, OBJECT)
                .await
                .unwrap_err(),
            client
                .exchange_teams_extension_token(&token)
                .await
                .unwrap_err(),
        ];
        for error in errors {
            assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{version}");
            let text = error.to_string();
            assert!(
                text.contains("Teams Extension")
                    && text.contains("2025-06-30")
                    && text.contains(version.as_str()),
                "{text}"
            );
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_ids_and_tokens_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = key_client(&server);
    for (tenant, object) in [("", "o"), ("t", ""), (".", "o"), ("t", "..")] {
        let error = client
            .get_teams_extension_assignment(tenant, object)
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            &ErrorKind::InvalidInput,
            "{tenant:?} {object:?}"
        );
    }
    for token in ["", "line\nbreak-secret"] {
        let error = client
            .exchange_teams_extension_token(&Secret::new(token))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput);
        assert!(!error.to_string().contains("break-secret"), "{error}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_user_token_never_goes_over_plain_http_to_another_host() {
    // Refused before any connection is attempted, so the unreachable host is never asked.
    let client = CommunicationIdentityClient::new(
        "http://acs.invalid/",
        AzureKeyCredential::new(KEY).unwrap(),
        CommunicationIdentityClientOptions {
            client_options: ClientOptions {
                allow_insecure_http: true,
                ..options(ApiVersion::default()).client_options
            },
            ..Default::default()
        },
    )
    .unwrap();
    let error = client
        .exchange_teams_extension_token(&Secret::new(ENTRA_USER_TOKEN))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    assert!(error.to_string().contains("plain http"), "{error}");
}
