//! Helpers shared by the wiremock tests (`wire.rs`, `wire_errors.rs`): a key-signed client
//! for a mock server, canned responses, and access to the one request a call sent. The
//! emulator-backed reliability tests use [`faults`].

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use acs_identity::{
    ApiVersion, AzureKeyCredential, ClientOptions, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationUserIdentifier, RetryOptions,
};
use time::OffsetDateTime;
use time::macros::datetime;
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

/// Emulator-backed helpers for the reliability tests.
pub mod faults;
