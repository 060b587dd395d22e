//! Which calls the pipeline may repeat, and which endpoints a client may use, end to end
//! against a wiremock server on 127.0.0.1. Retry waits are zero (or the server's `0`), so
//! nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use acs_identity::{
    AzureKeyCredential, ClientOptions, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationIdentityTokenScope as Scope,
    CreateUserAndTokenOptions, ErrorKind, GetTokenOptions, RetryOptions, StaticTokenCredential,
    StatusCode,
};
use time::macros::datetime;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

const CREATED_USER: &str = r#"{"identity":{"id":"8:acs:1"}}"#;
const CREATED_USER_AND_TOKEN: &str = r#"{"identity":{"id":"8:acs:1"},"accessToken":{"token":"t","expiresOn":"2100-01-01T00:00:00Z"}}"#;

fn retrying_options() -> CommunicationIdentityClientOptions {
    CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            retry: RetryOptions {
                initial_delay: Duration::ZERO,
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

fn client(server: &MockServer) -> CommunicationIdentityClient {
    let credential = AzureKeyCredential::new(KEY).unwrap();
    CommunicationIdentityClient::new(&server.uri(), credential, retrying_options()).unwrap()
}

/// A server answering `first` once, then `then`.
async fn serve(first: ResponseTemplate, then: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(then)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn creating_a_user_is_not_repeated_after_an_answer_without_a_wait() {
    for status in [500, 502, 503, 504, 408, 429] {
        let server = serve(ResponseTemplate::new(status), created(CREATED_USER)).await;
        let error = client(&server).create_user().await.unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::HttpResponse);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(requests(&server).await, 1, "{status}");
    }
}

#[tokio::test]
async fn creating_a_user_is_repeated_when_throttled_with_a_wait() {
    for (status, name) in [
        (503, "retry-after"),
        (429, "retry-after"),
        (503, "retry-after-ms"),
        (429, "x-ms-retry-after-ms"),
    ] {
        let throttled = ResponseTemplate::new(status).insert_header(name, "0");
        let server = serve(throttled, created(CREATED_USER)).await;
        let user = client(&server).create_user().await.unwrap();
        assert_eq!(user.id(), "8:acs:1");
        assert_eq!(requests(&server).await, 2, "{status} {name}");
    }
}

#[tokio::test]
async fn creating_a_user_with_a_token_follows_the_same_rule() {
    let scopes = [Scope::Chat];
    let server = serve(ResponseTemplate::new(503), created(CREATED_USER_AND_TOKEN)).await;
    let error = client(&server)
        .create_user_and_token(&scopes, CreateUserAndTokenOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(requests(&server).await, 1);

    let throttled = ResponseTemplate::new(429).insert_header("retry-after", "0.000941");
    let server = serve(throttled, created(CREATED_USER_AND_TOKEN)).await;
    let created = client(&server)
        .create_user_and_token(&scopes, CreateUserAndTokenOptions::default())
        .await
        .unwrap();
    assert_eq!(created.user.id(), "8:acs:1");
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn issuing_a_token_is_idempotent_and_retried_after_any_transient_status() {
    let server = serve(ResponseTemplate::new(503), token_response(200)).await;
    let token = client(&server)
        .get_token(&user(), &[Scope::Chat], GetTokenOptions::default())
        .await
        .unwrap();
    assert_eq!(token.expires_on, EXPECTED_EXPIRY);
    assert_eq!(requests(&server).await, 2);
}

#[test]
fn plain_http_needs_a_loopback_host_or_the_opt_in() {
    let credential = || AzureKeyCredential::new(KEY).unwrap();
    let insecure = || CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            allow_insecure_http: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let remote = "http://contoso.communication.azure.com/";
    let connection_string = format!("endpoint={remote};accesskey={KEY}");

    let error =
        CommunicationIdentityClient::new(remote, credential(), Default::default()).unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");
    let error =
        CommunicationIdentityClient::from_connection_string(&connection_string, Default::default())
            .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);

    CommunicationIdentityClient::new(remote, credential(), insecure()).unwrap();
    CommunicationIdentityClient::from_connection_string(&connection_string, insecure()).unwrap();
    for local in [
        "http://127.0.0.1:8080/",
        "http://localhost/",
        "http://[::1]:9/",
    ] {
        CommunicationIdentityClient::new(local, credential(), Default::default()).unwrap();
    }
    CommunicationIdentityClient::new(
        "https://contoso.communication.azure.com/",
        credential(),
        Default::default(),
    )
    .unwrap();
}

#[test]
fn bearer_tokens_never_go_over_plain_http_to_another_host() {
    let token = Arc::new(StaticTokenCredential::new(
        "t",
        datetime!(2100-01-01 00:00 UTC),
    ));
    let insecure = CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            allow_insecure_http: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let error = CommunicationIdentityClient::with_token_credential(
        "http://contoso.communication.azure.com/",
        token.clone(),
        insecure,
    )
    .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    assert!(error.to_string().contains("bearer"), "{error}");

    CommunicationIdentityClient::with_token_credential(
        "http://127.0.0.1:8080/",
        token.clone(),
        Default::default(),
    )
    .unwrap();
    CommunicationIdentityClient::with_token_credential(
        "https://contoso.communication.azure.com/",
        token,
        Default::default(),
    )
    .unwrap();
}
