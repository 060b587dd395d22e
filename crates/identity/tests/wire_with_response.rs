//! The `*_with_response` forms against a wiremock server on 127.0.0.1 that echoes the
//! request's `x-ms-client-request-id` and adds an `MS-CV`, as the service does: every form
//! returns the same value as its plain twin plus the success status and those headers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use acs_identity::{
    CommunicationIdentityTokenScope as Scope, CreateUserAndTokenOptions,
    GetTokenForTeamsUserOptions, GetTokenOptions, Secret, StatusCode,
    TeamsExtensionAssignmentOptions, TeamsExtensionPrincipalType, WithResponse,
};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use support::*;

const MS_CV: &str = "ZmFrZS1jdg.1.2";

/// Answers `status` with `body`, echoing the request id and adding an `MS-CV`.
fn echoing(status: u16, body: &'static str) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let id = request
            .headers
            .get("x-ms-client-request-id")
            .unwrap()
            .clone();
        let mut template = ResponseTemplate::new(status)
            .insert_header("x-ms-client-request-id", id)
            .insert_header("MS-CV", MS_CV);
        if !body.is_empty() {
            template = template.set_body_raw(body, "application/json; charset=utf-8");
        }
        template
    }
}

fn user_and_token() -> &'static str {
    r#"{"identity":{"id":"8:acs:res_u"},"accessToken":{"token":"eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.","expiresOn":"2100-01-01T00:00:00.1234567+00:00"}}"#
}

fn token() -> &'static str {
    r#"{"token":"eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.","expiresOn":"2100-01-01T00:00:00.1234567+00:00"}"#
}

const ASSIGNMENT: &str = r#"{"objectId":"o","tenantId":"t","principalType":"user"}"#;

async fn mount(server: &MockServer, verb: &str, path: &str, status: u16, body: &'static str) {
    Mock::given(method(verb))
        .and(path_regex(path))
        .respond_with(echoing(status, body))
        .mount(server)
        .await;
}

/// The response parts must carry `status`, the id the request was sent with, and the
/// `MS-CV` the server added.
async fn check<T>(server: &MockServer, parts: &WithResponse<T>, status: u16) {
    assert_eq!(parts.status, StatusCode::from_u16(status).unwrap());
    assert_eq!(parts.ms_cv(), Some(MS_CV));
    let requests = server.received_requests().await.unwrap();
    let sent = requests
        .last()
        .unwrap()
        .headers
        .get("x-ms-client-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(parts.client_request_id(), Some(sent.as_str()));
    assert_eq!(
        parts.headers.get("x-ms-client-request-id").unwrap(),
        sent.as_str()
    );
}

#[tokio::test]
async fn user_and_token_operations_return_status_and_headers() {
    let server = MockServer::start().await;
    mount(&server, "POST", "^/identities$", 201, user_and_token()).await;
    mount(&server, "POST", ":issueAccessToken$", 200, token()).await;
    mount(&server, "POST", ":revokeAccessTokens$", 204, "").await;
    mount(&server, "DELETE", "^/identities/", 204, "").await;
    mount(&server, "POST", "^/teamsUser/", 200, token()).await;
    let client = key_client(&server);

    let created = client.create_user_with_response().await.unwrap();
    check(&server, &created, 201).await;
    assert_eq!(created.value.id(), "8:acs:res_u");

    let both = client
        .create_user_and_token_with_response(&[Scope::Chat], CreateUserAndTokenOptions::default())
        .await
        .unwrap();
    check(&server, &both, 201).await;
    assert_eq!(both.value.access_token.expires_on, EXPECTED_EXPIRY);

    let issued = client
        .get_token_with_response(&user(), &[Scope::Voip], GetTokenOptions::default())
        .await
        .unwrap();
    check(&server, &issued, 200).await;
    assert_eq!(issued.into_value().expires_on, EXPECTED_EXPIRY);

    let revoked = client.revoke_tokens_with_response(&user()).await.unwrap();
    check(&server, &revoked, 204).await;
    let deleted = client.delete_user_with_response(&user()).await.unwrap();
    check(&server, &deleted, 204).await;

    let teams = client
        .get_token_for_teams_user_with_response(GetTokenForTeamsUserOptions::new(
            "aad", "app", "oid",
        ))
        .await
        .unwrap();
    check(&server, &teams, 200).await;
}

#[tokio::test]
async fn teams_extension_operations_return_status_and_headers() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/assignments/", 200, ASSIGNMENT).await;
    mount(&server, "PUT", "/assignments/", 201, ASSIGNMENT).await;
    mount(&server, "DELETE", "/assignments/", 204, "").await;
    mount(
        &server,
        "POST",
        ":exchangeAccessToken$",
        200,
        user_and_token(),
    )
    .await;
    let client = key_client(&server);

    let read = client
        .get_teams_extension_assignment_with_response("t", "o")
        .await
        .unwrap();
    check(&server, &read, 200).await;
    assert_eq!(read.value.object_id, "o");

    let put = client
        .create_or_replace_teams_extension_assignment_with_response(
            "t",
            "o",
            TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User),
        )
        .await
        .unwrap();
    check(&server, &put, 201).await;
    assert!(put.value.created);

    let deleted = client
        .delete_teams_extension_assignment_with_response("t", "o")
        .await
        .unwrap();
    check(&server, &deleted, 204).await;

    let exchanged = client
        .exchange_teams_extension_token_with_response(&Secret::new("entra-user-token"))
        .await
        .unwrap();
    check(&server, &exchanged, 200).await;
    assert_eq!(exchanged.value.user.id(), "8:acs:res_u");
}

#[cfg(feature = "preview")]
#[tokio::test]
async fn preview_operations_return_status_and_headers() {
    use acs_identity::{ApiVersion, CreateUserOptions};

    let server = MockServer::start().await;
    mount(&server, "POST", "^/identities$", 201, user_and_token()).await;
    mount(
        &server,
        "GET",
        "^/identities/",
        200,
        r#"{"id":"8:acs:res_u","customId":"c"}"#,
    )
    .await;
    let client = key_client_with(&server, ApiVersion::V2025_03_02_Preview);

    let created = client
        .create_user_with_with_response(CreateUserOptions {
            custom_id: Some("c".to_owned()),
        })
        .await
        .unwrap();
    check(&server, &created, 201).await;

    let detail = client.get_user_detail_with_response(&user()).await.unwrap();
    check(&server, &detail, 200).await;
    assert_eq!(detail.value.custom_id.as_deref(), Some("c"));
}

#[tokio::test]
async fn without_an_echo_the_sent_request_id_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let parts = key_client(&server)
        .delete_user_with_response(&user())
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(
        parts.client_request_id(),
        header(&request, "x-ms-client-request-id")
    );
    assert_eq!(parts.ms_cv(), None);
}
