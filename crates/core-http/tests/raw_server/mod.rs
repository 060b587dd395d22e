//! A raw HTTP/1.1 server on 127.0.0.1 for tests that need answers no well-behaved server
//! gives: it reads each request head, counts it, and hands the socket to the test's answer.

#![allow(clippy::unwrap_used, unreachable_pub)]

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
                if read_head(&mut socket).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    answer(socket).await;
                }
            });
        }
    });
    (address, requests)
}

/// Reads up to the end of a request head; `false` when the client went away first.
async fn read_head(socket: &mut TcpStream) -> bool {
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
