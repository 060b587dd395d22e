//! How the default transport reports failures at each stage of an exchange, and what the
//! retry policy then does for idempotent and non-idempotent calls. Servers are raw sockets
//! on 127.0.0.1 that misbehave on purpose. Retry waits are zero, so nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod raw_server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use acs_core_http::{
    ClientOptions, Context, Error, ErrorKind, Method, Next, Pipeline, Policy, Request, Response,
    Result, RetryOptions, SendState, async_trait,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// What the server does once it has read a request head.
#[derive(Debug, Clone, Copy)]
enum Misbehaviour {
    /// Close the connection with a TCP reset, answering nothing.
    Reset,
    /// Close the connection cleanly, answering nothing.
    Close,
    /// Send a response head promising 100 bytes, then 10 bytes, then close.
    TruncatedBody,
}

/// Serves every connection with `misbehaviour`; counts the requests it read.
async fn serve(misbehaviour: Misbehaviour) -> (SocketAddr, Arc<AtomicUsize>) {
    raw_server::serve(move |socket| misbehave(socket, misbehaviour)).await
}

async fn misbehave(mut socket: TcpStream, misbehaviour: Misbehaviour) {
    match misbehaviour {
        Misbehaviour::Reset => {
            socket.set_zero_linger().unwrap();
        }
        Misbehaviour::Close => {}
        Misbehaviour::TruncatedBody => {
            let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"partial\"";
            let _ = socket.write_all(head).await;
            let _ = socket.flush().await;
        }
    }
    drop(socket);
}

/// Counts the attempts the retry policy makes (a per-try policy sees every one).
#[derive(Debug, Default)]
struct Attempts(AtomicU32);

#[async_trait]
impl Policy for Attempts {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        self.0.fetch_max(ctx.attempt(), Ordering::SeqCst);
        next.run(ctx, request).await
    }
}

/// Sends one POST to `address` through a default pipeline allowing two immediate retries;
/// returns the error and how many attempts were made.
async fn call(address: SocketAddr, ctx: &Context) -> (Error, u32) {
    let attempts = Arc::new(Attempts::default());
    let options = ClientOptions {
        retry: RetryOptions {
            max_retries: 2,
            initial_delay: Duration::ZERO,
            ..Default::default()
        },
        per_try_policies: vec![attempts.clone()],
        ..Default::default()
    };
    let pipeline = Pipeline::new("acs-test", "0.0.0", options, vec![], vec![]).unwrap();
    let url = format!("http://{address}/identities?api-version=2026-09-23");
    let mut request = Request::new(Method::POST, url.parse().unwrap());
    request.set_body(r#"{"createTokenWithScopes":["chat"]}"#);
    let error = pipeline.send(ctx, &mut request).await.unwrap_err();
    (error, attempts.0.load(Ordering::SeqCst))
}

fn create() -> Context {
    Context::new().with_idempotent(false)
}

#[tokio::test]
async fn a_refused_connection_was_not_sent_and_is_retried_even_for_a_create() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    for ctx in [Context::new(), create()] {
        let (error, attempts) = call(address, &ctx).await;
        assert_eq!(error.kind(), &ErrorKind::Connection, "{error:?}");
        assert_eq!(error.send_state(), SendState::NotSent, "{error:?}");
        assert_eq!(attempts, 3);
    }
}

#[tokio::test]
async fn failures_after_the_request_was_read_may_have_been_sent() {
    for (misbehaviour, kind) in [
        (Misbehaviour::Reset, ErrorKind::Connection),
        (Misbehaviour::Close, ErrorKind::Connection),
        (Misbehaviour::TruncatedBody, ErrorKind::Io),
    ] {
        let (address, requests) = serve(misbehaviour).await;

        let (error, attempts) = call(address, &Context::new()).await;
        assert_eq!(error.kind(), &kind, "{misbehaviour:?}: {error:?}");
        assert_eq!(error.send_state(), SendState::MaybeSent, "{misbehaviour:?}");
        assert_eq!(
            attempts, 3,
            "{misbehaviour:?}: idempotent calls are retried"
        );
        assert_eq!(requests.load(Ordering::SeqCst), 3, "{misbehaviour:?}");

        let (error, attempts) = call(address, &create()).await;
        assert_eq!(error.kind(), &kind, "{misbehaviour:?}: {error:?}");
        assert_eq!(attempts, 1, "{misbehaviour:?}: a create is not repeated");
        assert_eq!(requests.load(Ordering::SeqCst), 4, "{misbehaviour:?}");
    }
}
