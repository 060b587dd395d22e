//! Inputs the client must refuse before sending, or send to exactly the URL they name,
//! against a wiremock server on 127.0.0.1: user ids that are not a path segment, ids that
//! look like paths, endpoints that the shared endpoint rule refuses, and answers with an
//! unexpected success status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use acs_identity::{
    AzureKeyCredential, CommunicationIdentityClient, CommunicationIdentityTokenScope as Scope,
    CommunicationUserIdentifier, ErrorKind, GetTokenOptions,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

/// A server that fails the test (on `verify`) if it receives anything.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn empty_and_dot_user_ids_send_nothing_for_every_operation_that_names_a_user() {
    let server = silent_server().await;
    let client = key_client(&server);

    for id in ["", ".", ".."] {
        let user = CommunicationUserIdentifier::new(id);
        let errors = [
            (
                "get_token",
                client
                    .get_token(&user, &[Scope::Chat], GetTokenOptions::default())
                    .await
                    .unwrap_err(),
            ),
            (
                "revoke_tokens",
                client.revoke_tokens(&user).await.unwrap_err(),
            ),
            ("delete_user", client.delete_user(&user).await.unwrap_err()),
        ];
        for (operation, error) in errors {
            assert_eq!(*error.kind(), ErrorKind::InvalidInput, "{id:?}: {error}");
            let text = error.to_string();
            assert!(text.contains("user id"), "{text}");
            assert!(text.contains(operation), "{text}");
            let problem = if id.is_empty() {
                "is empty"
            } else {
                "dot segment"
            };
            assert!(text.contains(problem), "{text}");
        }
    }
    server.verify().await;
}

#[tokio::test]
async fn ids_that_look_like_paths_reach_the_server_as_one_segment() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = key_client(&server);

    let ids = [
        "%2E%2E", "%2e", ".%2E", "...", "./..", "../x", "a/../b", "\\..", "?x=1", "#f", "%",
        " .. ", ".\t.", "..;", "/",
    ];
    for id in ids {
        client
            .delete_user(&CommunicationUserIdentifier::new(id))
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
    }

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), ids.len());
    for (request, id) in requests.iter().zip(ids) {
        let segments: Vec<&str> = request.url.path_segments().unwrap().collect();
        assert_eq!(segments.len(), 2, "{id:?}: {}", request.url);
        assert_eq!(segments[0], "identities");
        let decoded = percent_encoding::percent_decode_str(segments[1])
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, id, "{}", request.url);
        assert_eq!(request.url.query(), Some("api-version=2026-09-23"));
    }
}

#[tokio::test]
async fn endpoints_with_hidden_typos_are_refused_by_both_constructors() {
    let credential = AzureKeyCredential::new(KEY).unwrap();
    let cases = [
        ("https://con\ttoso.communication.azure.com/", "U+0009"),
        ("https://contoso.communication.azure.com/\n", "U+000A"),
        ("https://contoso.communication.azure.com\r/", "U+000D"),
        ("https://contoso\0.communication.azure.com/", "U+0000"),
        ("https://contoso\u{85}.communication.azure.com/", "U+0085"),
        (
            "\u{feff}https://contoso.communication.azure.com/",
            "byte order mark",
        ),
        ("https://contoso.communication.azure.com:0/", "port is 0"),
        ("https://contoso.communication.azure.com/identities", "path"),
    ];
    let long_host = format!("https://{}.communication.azure.com/", "a".repeat(240));
    let cases = cases
        .iter()
        .map(|(endpoint, problem)| (endpoint.to_string(), *problem))
        .chain([(long_host, "253")]);

    for (endpoint, problem) in cases {
        let error =
            CommunicationIdentityClient::new(&endpoint, credential.clone(), Default::default())
                .unwrap_err();
        assert_eq!(*error.kind(), ErrorKind::InvalidInput, "{endpoint:?}");
        assert!(error.to_string().contains(problem), "{endpoint:?}: {error}");

        let connection_string = format!("endpoint={endpoint};accesskey={KEY}");
        let error = CommunicationIdentityClient::from_connection_string(
            &connection_string,
            Default::default(),
        )
        .unwrap_err();
        assert_eq!(*error.kind(), ErrorKind::InvalidInput, "{endpoint:?}");
        assert!(error.to_string().contains(problem), "{endpoint:?}: {error}");
        assert!(!error.to_string().contains(KEY), "{error}");
    }

    let error = CommunicationIdentityClient::from_connection_string(
        &format!("\u{feff}endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"),
        Default::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("byte order mark"), "{error}");
}

#[tokio::test]
async fn an_unexpected_success_status_names_the_operation_and_the_expected_status() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"identity":{"id":"8:acs:u"}}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let client = key_client(&server);

    let error = client.create_user().await.unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::HttpResponse);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(
        error.to_string(),
        "unexpected status 200 OK from create_user (expected 201 Created)"
    );

    let error = client.delete_user(&user()).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "unexpected status 200 OK from delete_user (expected 204 No Content)"
    );
}

#[tokio::test]
async fn a_202_for_get_token_is_unexpected_too() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(token_response(202))
        .mount(&server)
        .await;
    let error = key_client(&server)
        .get_token(&user(), &[Scope::Chat], GetTokenOptions::default())
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::HttpResponse);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(202));
    assert_eq!(
        error.to_string(),
        "unexpected status 202 Accepted from get_token (expected 200 OK)"
    );
}
