//! The transport's connection pool against servers on 127.0.0.1: connections are reused,
//! never more are opened than calls are in flight (also when calls are dropped half-way),
//! and a connection the server closed while it was idle costs no failed call.

#![allow(clippy::unwrap_used)]

mod raw_server;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use acs_core_http::{HyperTransport, Method, Request, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

/// A keep-alive server answering every request with [`OK`]; counts the connections it
/// accepted. Before each answer it yields a few times, so that calls overlap.
async fn keep_alive_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = 0;
                while raw_server::read_head(&mut socket).await.is_some() {
                    request += 1;
                    for _ in 0..(n + request) % 4 {
                        tokio::task::yield_now().await;
                    }
                    if socket.write_all(OK).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (address, connections)
}

fn get(address: SocketAddr) -> Request {
    Request::new(Method::GET, format!("http://{address}/").parse().unwrap())
}

/// Polls `future` at most `polls + 1` times, then drops it: a call abandoned half-way.
async fn abandon_after<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut left = polls;
    std::future::poll_fn(move |cx| match future.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending if left == 0 => Poll::Ready(None),
        Poll::Pending => {
            left -= 1;
            Poll::Pending
        }
    })
    .await
}

#[tokio::test]
async fn sequential_calls_share_one_connection() {
    let (address, connections) = keep_alive_server().await;
    let transport = HyperTransport::new().unwrap();

    for _ in 0..20 {
        let response = transport.send(&get(address)).await.unwrap();
        assert_eq!(response.status(), 200);
    }

    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

/// `in_flight` workers each making `calls` calls; with `abandon`, every third call is
/// dropped after a few polls (while waiting, connecting or reading, depending on timing).
/// Returns how many calls were answered.
async fn run_workers(
    transport: &Arc<HyperTransport>,
    address: SocketAddr,
    in_flight: usize,
    calls: usize,
    abandon: bool,
) -> usize {
    let workers: Vec<_> = (0..in_flight)
        .map(|worker| {
            let transport = Arc::clone(transport);
            tokio::spawn(async move {
                let mut answered = 0;
                for call in 0..calls {
                    let request = get(address);
                    let send = transport.send(&request);
                    if abandon && (worker + call) % 3 == 0 {
                        let _ = abandon_after(send, (worker * 7 + call) % 5).await;
                    } else {
                        assert_eq!(send.await.unwrap().status(), 200);
                        answered += 1;
                    }
                }
                answered
            })
        })
        .collect();
    let mut answered = 0;
    for worker in workers {
        answered += worker.await.unwrap();
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_flight_bound_the_connections() {
    let (address, connections) = keep_alive_server().await;
    let transport = Arc::new(HyperTransport::new().unwrap());

    assert_eq!(run_workers(&transport, address, 16, 40, false).await, 640);

    let opened = connections.load(Ordering::SeqCst);
    assert!(
        (1..=16).contains(&opened),
        "{opened} connections for 16 calls in flight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_calls_give_back_what_they_held() {
    let (address, connections) = keep_alive_server().await;
    let transport = Arc::new(HyperTransport::new().unwrap());

    // An exchange dropped half-way closes its connection, so this phase may open many.
    assert!(run_workers(&transport, address, 16, 40, true).await > 0);
    let after_drops = connections.load(Ordering::SeqCst);

    // Had a dropped call left a count behind, the pool would now either wait for ever
    // (too many counted open: the limit below guards against that hang, it is not a
    // timing assertion) or open more connections than calls in flight (too few).
    let second = tokio::time::timeout(
        Duration::from_secs(60),
        run_workers(&transport, address, 16, 20, false),
    );
    assert_eq!(second.await.unwrap(), 320);
    let opened = connections.load(Ordering::SeqCst) - after_drops;
    assert!(
        opened <= 16,
        "{opened} new connections for 16 calls in flight"
    );
}

#[tokio::test]
async fn a_connection_closed_while_idle_costs_no_failed_call() {
    // Answers, then closes the connection without saying so: the next call finds its
    // pooled connection closed (or closing) and must go to a new one.
    let (address, requests) = raw_server::serve(|mut socket: TcpStream| async move {
        socket.write_all(OK).await.unwrap();
        socket.shutdown().await.unwrap();
    })
    .await;
    let transport = HyperTransport::new().unwrap();

    for _ in 0..10 {
        let response = transport.send(&get(address)).await.unwrap();
        assert_eq!(response.status(), 200);
    }

    assert_eq!(requests.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn connection_close_is_honoured() {
    let (address, requests) = raw_server::serve(|mut socket: TcpStream| async move {
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok")
            .await
            .unwrap();
        // Keep the socket open: the client must close it because it was told to.
        let mut rest = Vec::new();
        let _ = socket.read_to_end(&mut rest).await;
    })
    .await;
    let transport = HyperTransport::new().unwrap();

    for _ in 0..3 {
        let response = transport.send(&get(address)).await.unwrap();
        assert_eq!(response.status(), 200);
    }

    assert_eq!(requests.load(Ordering::SeqCst), 3);
}
