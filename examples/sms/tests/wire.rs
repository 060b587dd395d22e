//! What [`SmsClient::send`] puts on the wire and how it reads the answers, checked against
//! a wiremock server on 127.0.0.1.
//!
//! The HMAC signature is recomputed here with hmac + sha2 + base64 directly, not with the
//! signer of `acs-core-http`, so a mistake in the shared signer cannot hide itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use acs_sms_example::{
    AzureKeyCredential, ErrorKind, SendOptions, SmsClient, SmsClientOptions, StatusCode,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use wiremock::matchers::{any, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// base64 of `sms-example-test-key`.
const ACCESS_KEY: &str = "c21zLWV4YW1wbGUtdGVzdC1rZXk=";

fn client(server: &MockServer) -> SmsClient {
    let connection_string = format!("endpoint={}/;accesskey={ACCESS_KEY}", server.uri());
    SmsClient::from_connection_string(&connection_string, SmsClientOptions::default()).unwrap()
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn accepted(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(202).set_body_raw(body.to_owned(), "application/json")
}

/// Checks the content hash and the signature of `request`, sent to `server`, against the
/// test key.
fn assert_signed(server: &MockServer, request: &Request) {
    let hash = STANDARD.encode(Sha256::digest(&request.body));
    assert_eq!(header(request, "x-ms-content-sha256"), Some(hash.as_str()));

    let date = header(request, "x-ms-date").expect("x-ms-date is set");
    // The signed host is the authority the client connected to, port included.
    let host = server.address().to_string();
    assert_eq!(header(request, "host"), Some(host.as_str()));
    let path_and_query = format!("{}?{}", request.url.path(), request.url.query().unwrap());
    let string_to_sign = format!(
        "{}\n{path_and_query}\n{date};{host};{hash}",
        request.method.as_str()
    );
    let key = STANDARD.decode(ACCESS_KEY).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let expected = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    );
    assert_eq!(header(request, "authorization"), Some(expected.as_str()));
}

#[tokio::test]
async fn send_puts_the_exact_request_on_the_wire_and_reads_the_202() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .and(query_param("api-version", "2021-03-07"))
        .respond_with(accepted(
            r#"{"value":[{"to":"+14255550123","messageId":"Outgoing_20261204_abc","httpStatusCode":202,"successful":true,"repeatabilityResult":"accepted"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let results = client(&server)
        .send(
            "+18005551234",
            &["+14255550123"],
            "hello",
            SendOptions::default(),
        )
        .await
        .unwrap();

    assert_eq!(results.len(), 1);
    assert_eq!(results[0].to, "+14255550123");
    assert_eq!(
        results[0].message_id.as_deref(),
        Some("Outgoing_20261204_abc")
    );
    assert_eq!(results[0].http_status_code, 202);
    assert!(results[0].successful);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/sms");
    assert_eq!(request.url.query(), Some("api-version=2021-03-07"));
    assert_eq!(header(request, "content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "from": "+18005551234",
            "smsRecipients": [{"to": "+14255550123"}],
            "message": "hello",
            "smsSendOptions": {"enableDeliveryReport": false}
        })
    );
    assert!(header(request, "x-ms-client-request-id").is_some());
    assert!(
        header(request, "user-agent")
            .unwrap()
            .starts_with("azsdk-rust-acs-sms-example/")
    );
    assert_signed(&server, request);
}

#[tokio::test]
async fn send_with_options_and_several_recipients() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .respond_with(accepted(
            r#"{"value":[
                {"to":"+14255550123","messageId":"m1","httpStatusCode":202,"successful":true},
                {"to":"+14255550124","httpStatusCode":400,"successful":false}
            ]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let credential = AzureKeyCredential::new(ACCESS_KEY).unwrap();
    let client = SmsClient::new(&server.uri(), credential, SmsClientOptions::default()).unwrap();
    let options = SendOptions {
        enable_delivery_report: true,
        tag: Some("campaign-7".to_owned()),
    };
    let results = client
        .send(
            "+18005551234",
            &["+14255550123", "+14255550124"],
            "hi",
            options,
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    assert!(!results[1].successful);
    assert_eq!(results[1].message_id, None);
    assert_eq!(results[1].http_status_code, 400);

    let requests = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body["smsRecipients"],
        serde_json::json!([{"to": "+14255550123"}, {"to": "+14255550124"}])
    );
    assert_eq!(
        body["smsSendOptions"],
        serde_json::json!({"enableDeliveryReport": true, "tag": "campaign-7"})
    );
    assert_signed(&server, &requests[0]);
}

#[tokio::test]
async fn an_error_envelope_becomes_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":{"code":"InvalidFromNumber","message":"The sender number is not provisioned."}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .send(
            "+18005551234",
            &["+14255550123"],
            "hello",
            SendOptions::default(),
        )
        .await
        .unwrap_err();

    assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    let service_error = error.service_error().unwrap();
    assert_eq!(service_error.code, "InvalidFromNumber");
    assert_eq!(
        service_error.message,
        "The sender number is not provisioned."
    );
    assert!(!error.to_string().contains(ACCESS_KEY));

    // The id the request carried, so the failure can be reported to the service.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        error.client_request_id(),
        header(&requests[0], "x-ms-client-request-id")
    );
    assert!(error.client_request_id().is_some());
}

#[tokio::test]
async fn a_503_without_a_retry_hint_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;

    // Default retry options: an idempotent call would be retried on this 503 three times.
    let client = client(&server);
    let error = client
        .send(
            "+18005551234",
            &["+14255550123"],
            "hello",
            SendOptions::default(),
        )
        .await
        .unwrap_err();

    assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_success_status_other_than_202_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"value":[]}"#, "application/json"),
        )
        .mount(&server)
        .await;

    let error = client(&server)
        .send(
            "+18005551234",
            &["+14255550123"],
            "hello",
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::HttpResponse);
    assert_eq!(error.status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn a_202_with_a_body_of_another_shape_is_a_data_conversion_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(accepted(r#"{"results":[]}"#))
        .mount(&server)
        .await;

    let error = client(&server)
        .send(
            "+18005551234",
            &["+14255550123"],
            "hello",
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::DataConversion);
}

#[tokio::test]
async fn empty_recipients_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(accepted(r#"{"value":[]}"#))
        .expect(0)
        .mount(&server)
        .await;

    let client = client(&server);
    let error = client
        .send("+18005551234", &[], "hello", SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);

    let error = client
        .send("", &["+14255550123"], "hello", SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::InvalidInput);

    assert!(server.received_requests().await.unwrap().is_empty());
}
