//! Micro-benchmarks of one identity client call over an in-memory transport.
//!
//! [`CommunicationIdentityClient::get_token`] is measured end to end, from checking the
//! scopes and building the URL, through serializing the body and the whole pipeline
//! (request id, user agent, retry, HMAC, logging without a subscriber, transport), to
//! checking the status and decoding the token. The transport answers at once with a canned
//! 200 token body, so the number is the SDK's per-call overhead without a network. Time and
//! heap allocations per call are both reported.
//!
//! Run with `cargo bench -p acs-identity --bench client`.

use std::sync::Arc;

use acs_core_http::{
    Bytes, HeaderMap, Request, Response, Result, StatusCode, Transport, async_trait,
};
use acs_identity::{
    AzureKeyCredential, ClientOptions, CommunicationAccessToken, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationIdentityTokenScope,
    CommunicationUserIdentifier, GetTokenOptions,
};
use divan::Bencher;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const ENDPOINT: &str = "https://my-resource.communication.azure.com/";
const ACCESS_KEY: &str = "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm";
const USER_ID: &str =
    "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";
const TOKEN_BODY: &str = r#"{"token":"token","expiresOn":"2025-07-10T21:39:39.3244584+00:00"}"#;

/// Answers every request with a 200 token body (a static buffer, no headers).
#[derive(Debug)]
struct Canned;

#[async_trait]
impl Transport for Canned {
    async fn send(&self, _request: &Request) -> Result<Response> {
        Ok(Response::new(
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from_static(TOKEN_BODY.as_bytes()),
        ))
    }
}

fn client() -> CommunicationIdentityClient {
    let credential = match AzureKeyCredential::new(ACCESS_KEY) {
        Ok(credential) => credential,
        Err(error) => panic!("the benchmark key is valid base64: {error}"),
    };
    let options = CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            transport: Some(Arc::new(Canned)),
            ..Default::default()
        },
        ..Default::default()
    };
    match CommunicationIdentityClient::new(ENDPOINT, credential, options) {
        Ok(client) => client,
        Err(error) => panic!("the benchmark client builds: {error}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("a current-thread runtime builds: {error}"),
    }
}

/// `get_token` for one scope with the service's default lifetime.
#[divan::bench]
fn get_token(bencher: Bencher<'_, '_>) {
    let runtime = runtime();
    let client = client();
    let user = CommunicationUserIdentifier::new(USER_ID);
    let scopes = [CommunicationIdentityTokenScope::Chat];
    bencher.bench_local(|| -> CommunicationAccessToken {
        let call = client.get_token(&user, &scopes, GetTokenOptions::default());
        match runtime.block_on(call) {
            Ok(token) => token,
            Err(error) => panic!("the canned call succeeds: {error}"),
        }
    });
}

/// `get_token` for all five scopes, the largest body this operation sends.
#[divan::bench]
fn get_token_all_scopes(bencher: Bencher<'_, '_>) {
    let runtime = runtime();
    let client = client();
    let user = CommunicationUserIdentifier::new(USER_ID);
    let scopes = [
        CommunicationIdentityTokenScope::Chat,
        CommunicationIdentityTokenScope::Voip,
        CommunicationIdentityTokenScope::ChatJoin,
        CommunicationIdentityTokenScope::ChatJoinLimited,
        CommunicationIdentityTokenScope::VoipJoin,
    ];
    bencher.bench_local(|| -> CommunicationAccessToken {
        let call = client.get_token(&user, &scopes, GetTokenOptions::default());
        match runtime.block_on(call) {
            Ok(token) => token,
            Err(error) => panic!("the canned call succeeds: {error}"),
        }
    });
}
