//! A raw HTTP/1.1 server on 127.0.0.1 for tests that need answers no well-behaved server
//! gives. [`serve`] reads each request head, counts it, and hands the socket to the test's
//! answer; [`serve_connections`] hands over each accepted connection as it is, numbered
//! and counted, with [`read_head`] and [`read_request`] for the answer to read requests.

#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// Serves every connection with `answer`, called once the request head has been read;
/// returns the address and the count of request heads read.
pub async fn serve<F, Fut>(answer: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                if read_past_head(&mut socket).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    answer(socket).await;
                }
            });
        }
    });
    (address, requests)
}

/// Reads until the end of a request head has arrived, in chunks, so it may also take bytes
/// after the head (the tests using [`serve`] answer without reading a body); `false` when
/// the client went away first.
async fn read_past_head(socket: &mut TcpStream) -> bool {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    }
    true
}

/// Serves every accepted connection with `answer(socket, index)`; counts connections.
pub async fn serve_connections<F, Fut>(answer: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    (address, serve_connections_on(listener, answer))
}

pub fn serve_connections_on<F, Fut>(listener: TcpListener, answer: F) -> Arc<AtomicUsize>
where
    F: Fn(TcpStream, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let index = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(answer.clone()(socket, index));
        }
    });
    connections
}

/// Reads one request head; `None` at end of stream. Returns the head's bytes.
pub async fn read_head(socket: &mut TcpStream) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => received.push(byte[0]),
        }
    }
    Some(received)
}

pub fn content_length(head: &[u8]) -> usize {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    text.lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |value| value.trim().parse().unwrap())
}

/// Reads one whole request (head and a `content-length` body); `None` at end of stream.
pub async fn read_request(socket: &mut TcpStream) -> Option<Vec<u8>> {
    let head = read_head(socket).await?;
    let mut body = vec![0u8; content_length(&head)];
    socket.read_exact(&mut body).await.ok()?;
    Some(head)
}
