//! Helpers shared by the wiremock tests (`wire.rs`, `wire_errors.rs`): a key-signed client
//! for a mock server, canned responses, and access to the one request a call sent. The
//! emulator-backed reliability tests use [`faults`].

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use acs_identity::{
    ApiVersion, AzureKeyCredential, ClientOptions, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationUserIdentifier, RetryOptions,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::macros::{datetime, format_description};
use time::{OffsetDateTime, PrimitiveDateTime};
use wiremock::{MockServer, Request, ResponseTemplate};

/// base64 of `testkey-0123456789abcdef`.
pub const KEY: &str = "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm";
pub const USER_ID: &str = "8:acs:a b/c?d";
pub const ENCODED_USER_ID: &str = "8%3Aacs%3Aa%20b%2Fc%3Fd";
pub const TOKEN_BODY: &str = r#"{"token":"eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.","expiresOn":"2100-01-01T00:00:00.1234567+00:00"}"#;

pub fn options(api_version: ApiVersion) -> CommunicationIdentityClientOptions {
    CommunicationIdentityClientOptions {
        api_version,
        client_options: ClientOptions {
            retry: RetryOptions::none(),
            ..Default::default()
        },
    }
}

pub fn key_client(server: &MockServer) -> CommunicationIdentityClient {
    key_client_with(server, ApiVersion::default())
}

pub fn key_client_with(server: &MockServer, version: ApiVersion) -> CommunicationIdentityClient {
    let credential = AzureKeyCredential::new(KEY).unwrap();
    CommunicationIdentityClient::new(&server.uri(), credential, options(version)).unwrap()
}

pub fn user() -> CommunicationUserIdentifier {
    CommunicationUserIdentifier::new(USER_ID)
}

/// The single request the server received.
pub async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "exactly one request per call");
    requests.remove(0)
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

pub fn token_response(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(TOKEN_BODY, "application/json; charset=utf-8")
}

pub fn created(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_raw(body.to_owned(), "application/json; charset=utf-8")
}

pub const EXPECTED_EXPIRY: OffsetDateTime = datetime!(2100-01-01 00:00:00.1234567 UTC);

/// Checks everything every request carries, plus the HMAC headers, recomputed here.
pub fn check_common_and_hmac(server: &MockServer, request: &Request, body: &str) {
    check_common(request);

    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        body,
        "body bytes"
    );

    let content_hash = STANDARD.encode(Sha256::digest(body.as_bytes()));
    assert_eq!(
        header(request, "x-ms-content-sha256"),
        Some(content_hash.as_str())
    );

    let date = header(request, "x-ms-date").expect("x-ms-date");
    let imf_fixdate = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(date, &imf_fixdate).expect("x-ms-date is an IMF-fixdate");

    let host = server.address().to_string();
    assert_eq!(header(request, "host"), Some(host.as_str()));
    let path_and_query = match request.url.query() {
        Some(query) => format!("{}?{query}", request.url.path()),
        None => request.url.path().to_owned(),
    };
    let string_to_sign = format!(
        "{}\n{path_and_query}\n{date};{host};{content_hash}",
        request.method.as_str()
    );
    let key = STANDARD.decode(KEY).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let expected = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    );
    assert_eq!(header(request, "authorization"), Some(expected.as_str()));
}

pub fn check_common(request: &Request) {
    assert_eq!(header(request, "accept"), Some("application/json"));
    let request_id = header(request, "x-ms-client-request-id").expect("request id");
    uuid::Uuid::parse_str(request_id).expect("x-ms-client-request-id is a UUID");
    let user_agent = header(request, "user-agent").expect("user agent");
    assert!(
        user_agent.starts_with("azsdk-rust-acs-identity/"),
        "{user_agent}"
    );
}

/// Emulator-backed helpers for the reliability tests.
pub mod faults;
