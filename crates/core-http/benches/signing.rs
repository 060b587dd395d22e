//! Micro-benchmarks of HMAC-SHA256 request signing, the per-attempt cost of access-key auth.
//!
//! Each step of [`acs_core_http::hmac`] is measured on its own (the body hash, the date, the
//! string to sign, the keyed MAC), then [`HmacAuthenticationPolicy`] on a request, both
//! directly and inside a two-policy chain ending in an in-memory transport. The request is
//! the `issueAccessToken` call of the shared signing vectors, so the numbers describe the
//! signature the SDK really computes. Time and heap allocations per operation are both
//! reported (divan's allocation profiler is the global allocator).
//!
//! Run with `cargo bench -p acs-core-http --bench signing`; `cargo xtask bench --smoke`
//! runs every benchmark once without measuring.

use std::sync::Arc;

use acs_core_auth::AzureKeyCredential;
use acs_core_http::hmac;
use acs_core_http::policies::{HmacAuthenticationPolicy, TransportPolicy};
use acs_core_http::{
    Context, HeaderMap, ManualClock, Method, Next, Policy, Request, Response, Result, StatusCode,
    Transport, Url, async_trait,
};
use divan::{Bencher, black_box};
use time::macros::datetime;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const ACCESS_KEY: &str = "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm";
const URL: &str = "https://contoso.communication.azure.com/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01";
const BODY: &str = r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#;
const DATE: &str = "Fri, 04 Dec 2026 14:08:39 GMT";
const HOST: &str = "contoso.communication.azure.com";
const PATH_AND_QUERY: &str =
    "/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01";
const CONTENT_HASH: &str = "TtMKKuiyP9/F1jOI7OfDBSJ5n4DKqURVFZodx8I86YE=";

/// Answers every request with an empty 200 and no headers, standing in for the network.
#[derive(Debug)]
struct Canned;

#[async_trait]
impl Transport for Canned {
    async fn send(&self, _request: &Request) -> Result<Response> {
        Ok(Response::new(StatusCode::OK, HeaderMap::new(), ""))
    }
}

fn credential() -> AzureKeyCredential {
    match AzureKeyCredential::new(ACCESS_KEY) {
        Ok(credential) => credential,
        Err(error) => panic!("the benchmark key is valid base64: {error}"),
    }
}

fn url() -> Url {
    match URL.parse() {
        Ok(url) => url,
        Err(error) => panic!("the benchmark URL parses: {error}"),
    }
}

/// The request as the client hands it to the pipeline: URL and JSON body, no headers yet.
fn request() -> Request {
    let mut request = Request::new(Method::POST, url());
    request.set_body(BODY);
    request
}

fn policy() -> HmacAuthenticationPolicy {
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:39 UTC)));
    HmacAuthenticationPolicy::new(credential()).with_clock(clock)
}

/// Base64 SHA-256 of a 48-byte JSON body.
#[divan::bench]
fn content_hash() -> String {
    hmac::content_hash(black_box(BODY.as_bytes()))
}

/// IMF-fixdate of a fixed instant.
#[divan::bench]
fn format_date() -> String {
    hmac::format_date(black_box(datetime!(2026-12-04 14:08:39.75 UTC)))
}

/// The signed host and the signed path and query, read from the URL.
#[divan::bench]
fn host_and_path_and_query(bencher: Bencher<'_, '_>) {
    let url = url();
    bencher.bench_local(|| {
        let url = black_box(&url);
        (hmac::host(url), hmac::path_and_query(url))
    });
}

/// `METHOD\npath_and_query\ndate;host;content_hash`.
#[divan::bench]
fn string_to_sign() -> String {
    hmac::string_to_sign(
        black_box("POST"),
        black_box(PATH_AND_QUERY),
        black_box(DATE),
        black_box(HOST),
        black_box(CONTENT_HASH),
    )
}

/// The keyed MAC, including decoding the base64 key out of the credential.
#[divan::bench]
fn sign(bencher: Bencher<'_, '_>) {
    let key = credential();
    let to_sign = hmac::string_to_sign("POST", PATH_AND_QUERY, DATE, HOST, CONTENT_HASH);
    bencher.bench_local(|| hmac::sign(black_box(&key), black_box(&to_sign)));
}

/// The whole per-attempt signing: the three headers set on a fresh request.
#[divan::bench]
fn sign_request(bencher: Bencher<'_, '_>) {
    let policy = policy();
    bencher
        .with_inputs(request)
        .bench_local_refs(|request| policy.sign_request(request));
}

/// The signing policy in a chain `[HmacAuthenticationPolicy, TransportPolicy]` over an
/// in-memory transport, driven by a current-thread runtime: what the policy adds to a call
/// once the async plumbing is counted.
#[divan::bench]
fn policy_chain(bencher: Bencher<'_, '_>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("a current-thread runtime builds: {error}"),
    };
    let policies: Vec<Arc<dyn Policy>> = vec![
        Arc::new(policy()),
        Arc::new(TransportPolicy::new(Arc::new(Canned))),
    ];
    let ctx = Context::new();
    bencher
        .with_inputs(request)
        .bench_local_refs(|request| runtime.block_on(Next::new(&policies).run(&ctx, request)));
}
