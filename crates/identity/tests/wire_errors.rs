//! Client-side checks that must send nothing, and how error responses become typed errors,
//! against a wiremock server on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// `..Default::default()` fills the option members the `preview` feature adds.
#![allow(clippy::needless_update)]

mod support;

use acs_identity::{
    ApiVersion, AzureKeyCredential, CommunicationIdentityClient,
    CommunicationIdentityTokenScope as Scope, CreateUserAndTokenOptions, ErrorKind,
    GetTokenForTeamsUserOptions, GetTokenOptions, TokenLifetime,
};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

/// A server that fails the test if it receives anything.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn assert_invalid_input(err: &acs_identity::Error, needle: &str) {
    assert_eq!(*err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(
        err.to_string().contains(needle),
        "`{err}` should mention `{needle}`"
    );
}

#[tokio::test]
async fn empty_scopes_send_nothing() {
    let server = silent_server().await;
    let client = key_client(&server);
    let err = client
        .get_token(&user(), &[], GetTokenOptions::default())
        .await
        .unwrap_err();
    assert_invalid_input(&err, "scope");
    let err = client
        .create_user_and_token(&[], Default::default())
        .await
        .unwrap_err();
    assert_invalid_input(&err, "scope");
    server.verify().await;
}

#[tokio::test]
async fn out_of_range_lifetimes_are_refused_before_any_call() {
    for minutes in [59, 1441] {
        assert_invalid_input(
            &TokenLifetime::from_minutes(minutes).unwrap_err(),
            &minutes.to_string(),
        );
    }
}

#[tokio::test]
async fn version_gating_sends_nothing_and_names_the_version() {
    let server = silent_server().await;
    let hour = Some(TokenLifetime::from_minutes(60).unwrap());

    let old = key_client_with(&server, ApiVersion::V2022_06_01);
    let err = old
        .get_token(
            &user(),
            &[Scope::Chat],
            GetTokenOptions { expires_in: hour },
        )
        .await
        .unwrap_err();
    assert_invalid_input(&err, "2022-10-01");
    let err = old
        .create_user_and_token(
            &[Scope::Chat],
            CreateUserAndTokenOptions {
                expires_in: hour,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_invalid_input(&err, "2022-10-01");

    let before_join = key_client_with(&server, ApiVersion::V2022_10_01);
    for scope in [
        Scope::ChatJoin,
        Scope::ChatJoinLimited,
        Scope::VoipJoin,
        Scope::from("voip.join"),
    ] {
        let err = before_join
            .get_token(
                &user(),
                &[Scope::Chat, scope.clone()],
                GetTokenOptions::default(),
            )
            .await
            .unwrap_err();
        assert_invalid_input(&err, "2023-10-01");
        assert_invalid_input(&err, scope.as_str());
    }

    let oldest = key_client_with(&server, ApiVersion::V2021_03_07);
    let err = oldest
        .get_token_for_teams_user(GetTokenForTeamsUserOptions::new("t", "a", "u"))
        .await
        .unwrap_err();
    assert_invalid_input(&err, "2022-06-01");

    server.verify().await;
}

#[tokio::test]
async fn bad_endpoints_are_invalid_input() {
    let credential = AzureKeyCredential::new(KEY).unwrap();
    for (endpoint, problem) in [
        ("not a url", "absolute URL"),
        ("ftp://x/", "scheme"),
        ("https://x/path", "path"),
    ] {
        let err =
            CommunicationIdentityClient::new(endpoint, credential.clone(), Default::default())
                .unwrap_err();
        assert_invalid_input(&err, problem);
    }
    let err = CommunicationIdentityClient::from_connection_string(
        "endpoint=https://x/;accesskey=%%%",
        Default::default(),
    )
    .unwrap_err();
    assert!(!err.to_string().contains("%%%"), "{err}");
}

#[tokio::test]
async fn service_errors_keep_status_code_message_target_details() {
    let server = MockServer::start().await;
    let body = r#"{"error":{"code":"Unauthorized","message":"Denied","target":"t","details":[{"code":"c2","message":"m2"}],"innerError":{"code":"inner","message":"im"}}}"#;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let err = key_client(&server).create_user().await.unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::HttpResponse);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let service = err.service_error().expect("parsed envelope");
    assert_eq!(service.code, "Unauthorized");
    assert_eq!(service.message, "Denied");
    assert_eq!(service.target.as_deref(), Some("t"));
    assert_eq!(service.details.len(), 1);
    assert_eq!(service.details[0].code, "c2");
    assert_eq!(
        service.inner_error.as_ref().map(|e| e.code.as_str()),
        Some("inner")
    );
}

#[tokio::test]
async fn non_json_error_body_keeps_the_status() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_raw("not json", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;

    let err = key_client(&server).delete_user(&user()).await.unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::HttpResponse);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(err.service_error().is_none());
}

#[tokio::test]
async fn unexpected_success_status_is_an_error() {
    let server = MockServer::start().await;
    // 200 where create answers 201: the operation's own success status is required.
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"identity":{"id":"8:acs:u"}}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = key_client(&server).create_user().await.unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::HttpResponse);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(
        err.to_string(),
        "unexpected status 200 OK from create_user (expected 201 Created)"
    );
}

#[tokio::test]
async fn unparsable_success_bodies_are_data_conversion_naming_the_operation() {
    let server = MockServer::start().await;
    Mock::given(path("/identities"))
        .respond_with(created(r#"{"identity":{"id":"8:acs:u"}}"#))
        .mount(&server)
        .await;
    Mock::given(path(format!(
        "/identities/{ENCODED_USER_ID}/:issueAccessToken"
    )))
    .respond_with(ResponseTemplate::new(200).set_body_raw(
        r#"{"token":"eyJsecret","expiresOn":"soon"}"#,
        "application/json",
    ))
    .mount(&server)
    .await;
    let client = key_client(&server);

    let err = client
        .create_user_and_token(&[Scope::Chat], Default::default())
        .await
        .unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::DataConversion);
    assert!(err.to_string().contains("create_user_and_token"), "{err}");

    let err = client
        .get_token(&user(), &[Scope::Chat], Default::default())
        .await
        .unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::DataConversion);
    assert!(err.to_string().contains("get_token"), "{err}");
    assert!(!format!("{err} {err:?}").contains("eyJsecret"), "{err:?}");
}

#[tokio::test]
async fn client_debug_shows_no_key() {
    let server = MockServer::start().await;
    let text = format!("{:?}", key_client(&server));
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
}
