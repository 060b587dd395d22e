//! The default transport against real servers on 127.0.0.1: wiremock for HTTP exchanges,
//! bare sockets for refused and silent connections.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use acs_core_auth::AzureKeyCredential;
use acs_core_http::policies::HmacAuthenticationPolicy;
use acs_core_http::{
    ClientOptions, Context, ErrorKind, HeaderValue, HyperTransport, Method, Pipeline, Policy,
    Request, RetryOptions, SendState, Transport, hmac,
};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn sends_method_headers_and_body_and_reads_the_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/identities"))
        .and(query_param("api-version", "2026-09-23"))
        .and(header("x-custom", "value"))
        .and(body_string(r#"{"createTokenWithScopes":["chat"]}"#))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-ms-client-request-id", "echoed")
                .set_body_raw(r#"{"identity":{"id":"8:acs:1"}}"#, "application/json"),
        )
        .expect(2)
        .mount(&server)
        .await;

    let transport = HyperTransport::new().unwrap();
    let url = format!("{}/identities?api-version=2026-09-23", server.uri());
    for _ in 0..2 {
        let mut request = Request::new(Method::POST, url.parse().unwrap());
        request.insert_header(
            "x-custom".parse().unwrap(),
            HeaderValue::from_static("value"),
        );
        request.set_body(r#"{"createTokenWithScopes":["chat"]}"#);
        let response = transport.send(&request).await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(response.headers()["x-ms-client-request-id"], "echoed");
        assert_eq!(&response.body()[..], br#"{"identity":{"id":"8:acs:1"}}"#);
    }
}

#[tokio::test]
async fn an_empty_post_carries_content_length_zero_and_the_host_with_port() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;

    let transport = HyperTransport::new().unwrap();
    let request = Request::new(
        Method::POST,
        format!("{}/identities", server.uri()).parse().unwrap(),
    );
    let response = transport.send(&request).await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert!(response.body().is_empty());

    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(received.headers["content-length"], "0");
    assert_eq!(received.headers["host"], server.address().to_string());
}

#[tokio::test]
async fn signed_requests_verify_against_what_the_server_received() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    let credential =
        AzureKeyCredential::new("ZW11bGF0b3ItdGVzdC1hY2Nlc3Mta2V5LTAxMjM0NTY3ODk=").unwrap();
    let auth: Arc<dyn Policy> = Arc::new(HmacAuthenticationPolicy::new(credential.clone()));
    let pipeline = Pipeline::new(
        "acs-test",
        "0.0.0",
        ClientOptions::default(),
        vec![],
        vec![auth],
    )
    .unwrap();
    let url = format!(
        "{}/identities/8%3Aacs%3Aa%20b/:issueAccessToken?api-version=2026-09-23",
        server.uri()
    );
    let mut request = Request::new(Method::POST, url.parse().unwrap());
    request
        .set_json(&serde_json::json!({ "scopes": ["chat"] }))
        .unwrap();
    pipeline.send(&Context::new(), &mut request).await.unwrap();

    // Verify the way a server does: from the bytes and headers that arrived.
    let received = &server.received_requests().await.unwrap()[0];
    let header = |name: &str| received.headers[name].to_str().unwrap().to_owned();
    let path_and_query = format!("{}?{}", received.url.path(), received.url.query().unwrap());
    assert_eq!(
        path_and_query,
        "/identities/8%3Aacs%3Aa%20b/:issueAccessToken?api-version=2026-09-23"
    );
    assert_eq!(
        header("x-ms-content-sha256"),
        hmac::content_hash(&received.body)
    );
    let to_sign = hmac::string_to_sign(
        "POST",
        &path_and_query,
        &header("x-ms-date"),
        &header("host"),
        &header("x-ms-content-sha256"),
    );
    assert_eq!(
        header("authorization"),
        hmac::authorization(&hmac::sign(&credential, &to_sign))
    );
    assert!(!header("user-agent").is_empty());
    assert_eq!(
        uuid::Uuid::parse_str(&header("x-ms-client-request-id"))
            .unwrap()
            .get_version_num(),
        4
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error_and_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    let transport = HyperTransport::new().unwrap();
    let request = Request::new(Method::GET, format!("http://{address}/").parse().unwrap());
    let error = transport.send(&request).await.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection, "{error:?}");
    assert_eq!(error.send_state(), SendState::NotSent, "{error:?}");
    // The operating system's reason is in the message.
    assert!(
        error.to_string().to_lowercase().contains("refused"),
        "{error}"
    );

    let options = ClientOptions {
        retry: RetryOptions {
            initial_delay: Duration::ZERO,
            max_retries: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "0.0.0", options, vec![], vec![]).unwrap();
    let mut request = Request::new(Method::GET, format!("http://{address}/").parse().unwrap());
    let error = pipeline
        .send(&Context::new(), &mut request)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection);
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_hits_the_request_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            open.push(socket);
        }
    });

    let transport = HyperTransport::builder()
        .request_timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    let request = Request::new(Method::GET, format!("http://{address}/").parse().unwrap());
    let error = transport.send(&request).await.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Timeout, "{error:?}");
    assert_eq!(error.send_state(), SendState::MaybeSent, "{error:?}");

    // In a pipeline the retry policy's per-try limit does the same for any transport, and
    // the default transport has no limit of its own.
    let options = ClientOptions {
        retry: RetryOptions {
            max_retries: 0,
            try_timeout: Some(Duration::from_secs(5)),
            ..Default::default()
        },
        transport: Some(Arc::new(HyperTransport::new().unwrap())),
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "0.0.0", options, vec![], vec![]).unwrap();
    let mut request = Request::new(Method::GET, format!("http://{address}/").parse().unwrap());
    let error = pipeline
        .send(&Context::new(), &mut request)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Timeout, "{error:?}");
    assert!(error.to_string().contains("per-try limit"), "{error}");
    assert_eq!(error.send_state(), SendState::MaybeSent);
    silent.abort();
}

#[test]
fn unreadable_root_certificates_are_refused() {
    let error = HyperTransport::builder()
        .add_root_certificate_pem(b"not a pem")
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    let error = HyperTransport::builder()
        .add_root_certificate_der(vec![1, 2, 3])
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);
}
