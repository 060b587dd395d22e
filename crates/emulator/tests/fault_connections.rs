//! Faults that act on the connection rather than the answer: hangs that must end (when the
//! client leaves, on shutdown, on drop) without leaving a task behind, and resets over
//! HTTP/2, where only the stream is reset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use acs_emulator::Emulator;
use bytes::Bytes;
use common::{Call, LATEST, raw_request, send, signed_request};
use http::StatusCode;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A generous bound on anything awaited, so a regression fails instead of hanging.
const GUARD: Duration = Duration::from_secs(20);

fn create() -> Call {
    Call::post(format!("/identities?api-version={LATEST}"))
}

async fn start(spec: &str, max_connections: usize) -> Emulator {
    Emulator::builder()
        .fault(spec.parse().unwrap())
        .max_connections(max_connections)
        .start()
        .await
        .unwrap()
}

/// Sends a create on a raw connection and returns it once the emulator has logged the
/// request (so it is hanging by then).
async fn hanging_request(emulator: &Emulator) -> TcpStream {
    let logged_before = emulator.requests().len();
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let raw = raw_request(emulator.local_addr(), emulator.access_key(), &create());
    stream.write_all(&raw).await.unwrap();

    tokio::time::timeout(GUARD, async {
        while emulator.requests().len() == logged_before {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the request never reached the emulator");
    let entry = emulator.requests().pop().unwrap();
    assert_eq!(entry.fault.as_deref(), Some("kind=hang"));
    assert_eq!(entry.status, 0);
    stream
}

/// Reads until the server closes the connection; the bytes received.
async fn read_to_close(mut stream: TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = stream.read_to_end(&mut received);
    match tokio::time::timeout(GUARD, read)
        .await
        .expect("never closed")
    {
        Ok(_) => received,
        // A reset also ends the connection without an answer.
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => received,
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn a_hang_ends_when_the_client_disconnects() {
    // One connection at a time: the next request is served only once the hanging
    // connection, and the task serving it, are gone.
    let emulator = start("first=1,kind=hang", 1).await;
    let stream = hanging_request(&emulator).await;
    assert!(emulator.identities().is_empty());

    drop(stream);
    let reply = tokio::time::timeout(GUARD, send(&emulator, create()))
        .await
        .expect("the hanging connection was never released");
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_hang_ends_on_shutdown_without_an_answer() {
    let emulator = start("kind=hang", 8).await;
    let first = hanging_request(&emulator).await;
    let second = hanging_request(&emulator).await;

    tokio::time::timeout(GUARD, emulator.shutdown())
        .await
        .expect("shutdown waited on the hanging requests");
    assert!(read_to_close(first).await.is_empty());
    assert!(read_to_close(second).await.is_empty());
}

#[tokio::test]
async fn a_hang_ends_when_the_emulator_is_dropped() {
    let emulator = start("kind=hang", 8).await;
    let stream = hanging_request(&emulator).await;

    drop(emulator);
    assert!(read_to_close(stream).await.is_empty());
}

#[tokio::test]
async fn over_http2_a_reset_resets_the_stream_only() {
    let emulator = start("first=1,kind=reset", 8).await;
    let stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = || {
        let mut request = signed_request(emulator.local_addr(), emulator.access_key(), &create());
        // HTTP/2 carries the authority in the URI.
        *request.uri_mut() = format!("http://{}{}", emulator.local_addr(), request.uri())
            .parse()
            .unwrap();
        request
    };

    let reset = sender.send_request(request()).await;
    assert!(reset.is_err(), "{reset:?}");
    assert!(emulator.identities().is_empty());

    let response = sender.send_request(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(body.starts_with(b"{\"identity\""));
    assert_eq!(emulator.identities().len(), 1);
}
