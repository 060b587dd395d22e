//! Micro-benchmarks of one call through the full client pipeline over an in-memory transport.
//!
//! The pipeline is the one every client builds with [`Pipeline::new`]: client request id,
//! user agent, retry (default options: per-try timeout and call deadline armed), HMAC
//! signing, logging (no `tracing` subscriber installed, as in an application that does not
//! log) and the transport policy. The transport answers at once with a fixed response, so
//! what is measured is the SDK's own per-call overhead, without a network. A chain of the
//! transport policy alone is measured too, as the floor set by the async plumbing and the
//! runtime. Time and heap allocations per call are both reported.
//!
//! Run with `cargo bench -p acs-core-http --bench pipeline`.

use std::sync::Arc;

use acs_core_auth::AzureKeyCredential;
use acs_core_http::policies::{HmacAuthenticationPolicy, TransportPolicy};
use acs_core_http::{
    Bytes, ClientOptions, Context, HeaderMap, ManualClock, Method, Next, Pipeline, Policy, Request,
    Response, Result, StatusCode, Transport, Url, async_trait,
};
use divan::Bencher;
use time::macros::datetime;
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const ACCESS_KEY: &str = "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm";
const URL: &str = "https://contoso.communication.azure.com/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2026-09-23";
const BODY: &str = r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#;
const RESPONSE_BODY: &str = r#"{"token":"token","expiresOn":"2025-07-10T21:39:39.3244584+00:00"}"#;

/// Answers every request with a 200 and a token body (a static buffer, no headers).
#[derive(Debug)]
struct Canned;

#[async_trait]
impl Transport for Canned {
    async fn send(&self, _request: &Request) -> Result<Response> {
        Ok(Response::new(
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from_static(RESPONSE_BODY.as_bytes()),
        ))
    }
}

fn runtime() -> Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("a current-thread runtime builds: {error}"),
    }
}

fn url() -> Url {
    match URL.parse() {
        Ok(url) => url,
        Err(error) => panic!("the benchmark URL parses: {error}"),
    }
}

/// The request as a client hands it to the pipeline: URL and JSON body, no headers yet.
fn request() -> Request {
    let mut request = Request::new(Method::POST, url());
    request.set_body(BODY);
    request
}

fn pipeline(per_try: Vec<Arc<dyn Policy>>) -> Pipeline {
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:39 UTC)));
    let options = ClientOptions {
        transport: Some(Arc::new(Canned)),
        clock: Some(clock),
        ..Default::default()
    };
    match Pipeline::new("identity", "0.1.0", options, Vec::new(), per_try) {
        Ok(pipeline) => pipeline,
        Err(error) => panic!("the benchmark pipeline builds: {error}"),
    }
}

fn hmac_policy() -> Arc<dyn Policy> {
    let credential = match AzureKeyCredential::new(ACCESS_KEY) {
        Ok(credential) => credential,
        Err(error) => panic!("the benchmark key is valid base64: {error}"),
    };
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:39 UTC)));
    Arc::new(HmacAuthenticationPolicy::new(credential).with_clock(clock))
}

/// Only `TransportPolicy` over the in-memory transport: the cost of `block_on`, one boxed
/// future and the canned response, which every other number here includes.
#[divan::bench]
fn transport_only(bencher: Bencher<'_, '_>) {
    let runtime = runtime();
    let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(TransportPolicy::new(Arc::new(Canned)))];
    let ctx = Context::new();
    bencher
        .with_inputs(request)
        .bench_local_refs(|request| runtime.block_on(Next::new(&policies).run(&ctx, request)));
}

/// The full pipeline with HMAC signing: request id, user agent, retry, HMAC, logging,
/// transport. This is the number the per-call overhead goal is about.
#[divan::bench]
fn full_pipeline_hmac(bencher: Bencher<'_, '_>) {
    let runtime = runtime();
    let pipeline = pipeline(vec![hmac_policy()]);
    let ctx = Context::new();
    bencher
        .with_inputs(request)
        .bench_local_refs(|request| runtime.block_on(pipeline.send(&ctx, request)));
}

/// The same pipeline without an authentication policy: the share of everything but HMAC.
#[divan::bench]
fn full_pipeline_no_auth(bencher: Bencher<'_, '_>) {
    let runtime = runtime();
    let pipeline = pipeline(Vec::new());
    let ctx = Context::new();
    bencher
        .with_inputs(request)
        .bench_local_refs(|request| runtime.block_on(pipeline.send(&ctx, request)));
}

/// The full pipeline with a caller-chosen client request id, as when an application
/// correlates calls itself (no UUID is generated).
#[divan::bench]
fn full_pipeline_hmac_fixed_request_id(bencher: Bencher<'_, '_>) {
    let runtime = runtime();
    let pipeline = pipeline(vec![hmac_policy()]);
    let ctx = Context::new().with_client_request_id("0f8fad5b-d9cb-469f-a165-70867728950e");
    bencher
        .with_inputs(request)
        .bench_local_refs(|request| runtime.block_on(pipeline.send(&ctx, request)));
}
