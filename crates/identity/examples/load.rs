//! A load driver for `cargo xtask bench-compare`: issues the same access token request many
//! times with a fixed number of requests in flight and prints one JSON line of results.
//!
//! Two modes measure two layers. `raw` is the floor: a bare hyper-util pooled client sends
//! requests whose HMAC signatures were all computed before the clock starts, so only the
//! HTTP round trip and the emulator's work are timed. `client` sends the same calls through
//! [`CommunicationIdentityClient::get_token`], so the difference is what the SDK adds
//! (pipeline, signing, models). `create-user` creates one user and prints its raw id.
//!
//! ```text
//! ACS_CONNECTION_STRING='endpoint=http://127.0.0.1:PORT/;accesskey=KEY' \
//!   cargo run --release -p acs-identity --example load -- raw USER_ID 2000 64
//! ```
//!
//! The output line is `{"calls":N,"seconds":S,"p50_ms":X,"p99_ms":Y}`. The endpoint must be
//! plain http: this driver exists for loopback measurements only.
//!
//! A third mode, `serve-fixed`, is the other end of the floor: a minimal hyper HTTP/1.1
//! server (keep-alive) on `127.0.0.1` with a free port that answers every request with 200
//! and the same fixed access token body, shaped and sized like the emulator's answer. It
//! prints `listening on http://ADDR/` as its first stdout line and serves until the
//! process is terminated (SIGTERM or Ctrl-C: it installs no handler, so the default action
//! ends it). `raw` pointed at it (any access key; nothing is checked) measures HTTP alone,
//! so comparing it with `raw` against the emulator gives the emulator's own share.

use std::convert::Infallible;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use time::OffsetDateTime;
use tokio::net::TcpListener;

use acs_core_auth::ConnectionString;
use acs_core_http::hmac;
use acs_identity::{
    ApiVersion, AzureKeyCredential, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationIdentityTokenScope,
    CommunicationUserIdentifier, GetTokenOptions,
};

/// The environment variable holding the emulator's connection string.
const CONNECTION_STRING_VAR: &str = "ACS_CONNECTION_STRING";

/// The request body of every call: one token with the chat scope.
const BODY: &str = r#"{"scopes":["chat"]}"#;

/// What `serve-fixed` answers: an access token result of the emulator's shape and size
/// (559 bytes against its 563), with made-up ids and an unsigned, made-up signature.
const FIXED_BODY: &str = concat!(
    r#"{"token":"eyJhbGciOiJIUzI1NiIsImtpZCI6ImZpeGVkLWJvZHktc2VydmVyLTAwMDEiLCJ0eXAiOiJKV1QifQ."#,
    "eyJhY3NTY29wZSI6ImNoYXQiLCJjc2kiOiIxNzk2NDA1MDE2IiwiZXhwIjoxNzk2NDkxNDE2LCJpYXQiOjE3OTY0",
    "MDUwMTYsImp0aSI6IjAiLCJyZXNvdXJjZUlkIjoiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw",
    "IiwicmVzb3VyY2VMb2NhdGlvbiI6InVuaXRlZHN0YXRlcyIsInJnbiI6ImFtZXIiLCJzY3AiOjE3OTIsInNreXBl",
    "aWQiOiJhY3M6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwXzAwMDAwMDAwLTAwMDAtNDAwMC04",
    "MDAwLTAwMDAwMDAwMDAwMSJ9.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    r#"","expiresOn":"2026-12-05T17:23:36.0000000+00:00"}"#,
);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("load: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve-fixed") {
        return serve_fixed().await;
    }
    let connection_string = std::env::var(CONNECTION_STRING_VAR)
        .map_err(|_| format!("{CONNECTION_STRING_VAR} is not set"))?;
    let parsed = ConnectionString::parse(&connection_string)?;
    let client = CommunicationIdentityClient::from_connection_string(
        &connection_string,
        CommunicationIdentityClientOptions::default(),
    )?;

    match args.first().map(String::as_str) {
        Some("create-user") => {
            let user = client.create_user().await?;
            println!("{}", user.id);
            Ok(())
        }
        Some(mode @ ("raw" | "client")) => {
            let [_, user_id, calls, concurrency] = args.as_slice() else {
                return Err(usage());
            };
            let calls: usize = calls.parse()?;
            let concurrency: usize = concurrency.parse::<usize>()?.max(1);
            let user = CommunicationUserIdentifier::new(user_id.clone());
            let (elapsed, mut latencies) = if mode == "raw" {
                let key = AzureKeyCredential::new(parsed.access_key().expose())?;
                raw(parsed.endpoint(), &key, &user, calls, concurrency).await?
            } else {
                through_client(client, user, calls, concurrency).await?
            };
            print_result(elapsed, &mut latencies);
            Ok(())
        }
        _ => Err(usage()),
    }
}

fn usage() -> BoxError {
    "usage: load create-user | load (raw|client) USER_ID CALLS CONCURRENCY | load serve-fixed"
        .into()
}

/// The floor: `calls` pre-signed requests over a bare hyper-util client.
async fn raw(
    endpoint: &url::Url,
    key: &AzureKeyCredential,
    user: &CommunicationUserIdentifier,
    calls: usize,
    concurrency: usize,
) -> Result<(Duration, Vec<Duration>), BoxError> {
    let mut url = endpoint.clone();
    let encoded: String = url::form_urlencoded::byte_serialize(user.id.as_bytes()).collect();
    url.set_path(&format!("/identities/{encoded}/:issueAccessToken"));
    url.set_query(Some(&format!(
        "api-version={}",
        ApiVersion::default().as_str()
    )));

    // Sign every request before the clock starts; the emulator accepts a date up to 15
    // minutes old, far longer than a run takes.
    let host = hmac::host(&url);
    let path_and_query = hmac::path_and_query(&url);
    let content_hash = hmac::content_hash(BODY.as_bytes());
    let mut requests = Vec::with_capacity(calls);
    for _ in 0..calls {
        let date = hmac::format_date(OffsetDateTime::now_utc());
        let string_to_sign =
            hmac::string_to_sign("POST", &path_and_query, &date, &host, &content_hash);
        let authorization = hmac::authorization(&hmac::sign(key, &string_to_sign));
        let request = http::Request::post(url.as_str())
            .header("content-type", "application/json")
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", content_hash.as_str())
            .header("authorization", authorization)
            .body(Full::new(Bytes::from_static(BODY.as_bytes())))?;
        requests.push(request);
    }

    // The same connector settings as the SDK's transport, so only the layers above differ.
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let queue = Arc::new(std::sync::Mutex::new(requests));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let queue = Arc::clone(&queue);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let next = queue.lock().map_err(|_| "queue poisoned")?.pop();
                let Some(request) = next else { break };
                let sent = Instant::now();
                let response = client.request(request).await?;
                let status = response.status();
                response.into_body().collect().await?;
                if status != http::StatusCode::OK {
                    return Err(format!("unexpected status {status}").into());
                }
                latencies.push(sent.elapsed());
            }
            Ok::<_, BoxError>(latencies)
        }));
    }
    let latencies = join(workers).await?;
    Ok((started.elapsed(), latencies))
}

/// Serves [`FIXED_BODY`] on a free loopback port until the process is terminated.
async fn serve_fixed() -> Result<(), BoxError> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{}/", listener.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);

    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let answer = service_fn(|request: http::Request<hyper::body::Incoming>| async move {
                // Read the request to its end, as the emulator does, so the connection
                // stays reusable whatever the client sends.
                let _ = request.into_body().collect().await;
                let response = http::Response::builder()
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(Full::new(Bytes::from_static(FIXED_BODY.as_bytes())))
                    .unwrap_or_default();
                Ok::<_, Infallible>(response)
            });
            // A client closing its connection is the normal end; nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), answer)
                .await;
        });
    }
}

/// The same calls through the SDK's client.
async fn through_client(
    client: CommunicationIdentityClient,
    user: CommunicationUserIdentifier,
    calls: usize,
    concurrency: usize,
) -> Result<(Duration, Vec<Duration>), BoxError> {
    let remaining = Arc::new(AtomicUsize::new(calls));
    let user = Arc::new(user);
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let remaining = Arc::clone(&remaining);
        let user = Arc::clone(&user);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let sent = Instant::now();
                client
                    .get_token(
                        &user,
                        &[CommunicationIdentityTokenScope::Chat],
                        GetTokenOptions::default(),
                    )
                    .await?;
                latencies.push(sent.elapsed());
            }
            Ok::<_, BoxError>(latencies)
        }));
    }
    let latencies = join(workers).await?;
    Ok((started.elapsed(), latencies))
}

/// Waits for every worker and gathers their latencies.
async fn join(
    workers: Vec<tokio::task::JoinHandle<Result<Vec<Duration>, BoxError>>>,
) -> Result<Vec<Duration>, BoxError> {
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await??);
    }
    Ok(all)
}

/// Prints the one JSON result line.
fn print_result(elapsed: Duration, latencies: &mut [Duration]) {
    latencies.sort_unstable();
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        // Nearest rank; the cast truncates a non-negative value below `len`.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1].as_secs_f64() * 1000.0
    };
    println!(
        "{{\"calls\":{},\"seconds\":{:.4},\"p50_ms\":{:.3},\"p99_ms\":{:.3}}}",
        latencies.len(),
        elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.99)
    );
}
