//! The default transport's cap on response bodies, against raw loopback servers on
//! 127.0.0.1 that send more than the cap (declared up front, or streamed in chunks without
//! a length). Every server sends a bounded amount, so a test can never hang on it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod raw_server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use acs_core_http::{
    ClientOptions, Context, ErrorKind, HyperTransport, HyperTransportBuilder, Method, Pipeline,
    Request, RetryOptions, Transport,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const CAP: usize = 64 * 1024;

/// How the server sends its body.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// `Content-Length: n`, then n bytes.
    Sized(usize),
    /// Chunked, `chunks` chunks of `chunk` bytes, no length up front.
    Chunked { chunk: usize, chunks: usize },
}

/// Answers every connection with `body`; counts the requests it read.
async fn serve(body: Body) -> (SocketAddr, Arc<AtomicUsize>) {
    raw_server::serve(move |socket| answer(socket, body)).await
}

async fn answer(mut socket: TcpStream, body: Body) {
    match body {
        Body::Sized(length) => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {length}\r\n\r\n");
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for piece in vec![b'x'; length].chunks(8 * 1024) {
                if socket.write_all(piece).await.is_err() {
                    return;
                }
            }
        }
        Body::Chunked { chunk, chunks } => {
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut frame = format!("{chunk:x}\r\n").into_bytes();
            frame.extend(std::iter::repeat_n(b'y', chunk));
            frame.extend_from_slice(b"\r\n");
            for _ in 0..chunks {
                if socket.write_all(&frame).await.is_err() {
                    return;
                }
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
    }
    let _ = socket.flush().await;
}

fn capped() -> HyperTransport {
    HyperTransport::builder()
        .max_response_body_bytes(CAP)
        .build()
        .unwrap()
}

fn get(address: SocketAddr) -> Request {
    Request::new(
        Method::GET,
        format!("http://{address}/big").parse().unwrap(),
    )
}

#[tokio::test]
async fn a_streamed_body_past_the_cap_fails_with_the_limit_named() {
    // 1 MiB in 4 KiB chunks, no length: the cap is only found while reading.
    let (address, _) = serve(Body::Chunked {
        chunk: 4096,
        chunks: 256,
    })
    .await;

    let error = capped().send(&get(address)).await.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::ResponseTooLarge, "{error:?}");
    let message = error.to_string();
    assert!(message.contains("65536 bytes"), "{message}");
    assert!(message.contains("max_response_body_bytes"), "{message}");
    assert!(!message.contains("yyyy"), "{message}");
    assert!(error.status().is_none());
}

#[tokio::test]
async fn a_declared_length_past_the_cap_fails_before_reading_the_body() {
    let (address, _) = serve(Body::Sized(CAP + 1)).await;
    let error = capped().send(&get(address)).await.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::ResponseTooLarge, "{error:?}");
    assert!(error.to_string().contains("Content-Length"), "{error}");
    assert!(error.to_string().contains("65536"), "{error}");
}

#[tokio::test]
async fn bodies_up_to_the_cap_are_read_whole() {
    let (address, _) = serve(Body::Sized(CAP)).await;
    let response = capped().send(&get(address)).await.unwrap();
    assert_eq!(response.body().len(), CAP);

    let (address, _) = serve(Body::Chunked {
        chunk: 1024,
        chunks: CAP / 1024,
    })
    .await;
    let response = capped().send(&get(address)).await.unwrap();
    assert_eq!(response.body().len(), CAP);
}

#[tokio::test]
async fn the_default_cap_is_16_mib() {
    assert_eq!(
        HyperTransportBuilder::DEFAULT_MAX_RESPONSE_BODY_BYTES,
        16 * 1024 * 1024
    );
    let debug = format!("{:?}", HyperTransport::new().unwrap());
    assert!(debug.contains("16777216"), "{debug}");

    // A body just past 16 MiB, declared up front, is refused by a default transport.
    let (address, _) = serve(Body::Sized(16 * 1024 * 1024 + 1)).await;
    let error = HyperTransport::new()
        .unwrap()
        .send(&get(address))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::ResponseTooLarge, "{error:?}");
}

#[tokio::test]
async fn an_oversized_answer_is_not_retried() {
    let (address, requests) = serve(Body::Chunked {
        chunk: 4096,
        chunks: 64,
    })
    .await;
    let options = ClientOptions {
        transport: Some(Arc::new(capped())),
        retry: RetryOptions {
            initial_delay: std::time::Duration::ZERO,
            max_delay: std::time::Duration::ZERO,
            ..Default::default()
        },
        ..Default::default()
    };
    let pipeline = Pipeline::new("body-limit", "0.0.0", options, Vec::new(), Vec::new()).unwrap();

    let error = pipeline
        .send(&Context::new(), &mut get(address))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::ResponseTooLarge, "{error:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}
