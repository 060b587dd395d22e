//! The transport's connection pool against servers on 127.0.0.1 that misbehave
//! on purpose: counts left behind by dropped calls, requests resent after they may have
//! been processed, connections reused when they must not be, and idle connections that
//! should have been closed. Every wait is bounded by a guard so that nothing hangs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw_server;

use std::future::Future;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use acs_core_http::{
    ErrorKind, HyperTransport, Method, Request, Response, Result, SendState, Transport,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use raw_server::{
    content_length, read_head, read_request, serve_connections, serve_connections_on,
};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
const GUARD: Duration = Duration::from_secs(20);

type Call<'a> = Pin<Box<dyn Future<Output = Result<Response>> + Send + 'a>>;

/// A keep-alive server answering every request with [`OK`].
async fn keep_alive_server() -> (SocketAddr, Arc<AtomicUsize>) {
    serve_connections(|mut socket, _| async move {
        while read_request(&mut socket).await.is_some() {
            if socket.write_all(OK).await.is_err() {
                return;
            }
        }
    })
    .await
}

fn get(address: SocketAddr) -> Request {
    Request::new(Method::GET, format!("http://{address}/").parse().unwrap())
}

fn post(address: SocketAddr, body: Vec<u8>) -> Request {
    let mut request = Request::new(
        Method::POST,
        format!("http://{address}/identities").parse().unwrap(),
    );
    request.set_body(body);
    request
}

async fn guarded<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(GUARD, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: no answer within the guard, the call hangs"),
    }
}

/// Polls `call` exactly once; it must still be pending.
async fn poll_once(call: &mut Call<'_>) {
    std::future::poll_fn(|cx| {
        assert!(
            call.as_mut().poll(cx).is_pending(),
            "the call finished early"
        );
        Poll::Ready(())
    })
    .await;
}

// --- counts left behind ---------------------------------------------------------------

/// A call waits for a connection; the pool gives it the right to connect (a connection
/// closed); the call is dropped before it runs again. That right must not be lost: a later
/// call, alone in flight, must still be able to connect.
#[tokio::test]
async fn a_waiter_dropped_after_it_was_let_connect_leaks_no_count() {
    let (heads_tx, mut heads_rx) = mpsc::unbounded_channel();
    let (eof_tx, mut eof_rx) = mpsc::unbounded_channel();
    let (address, _) = serve_connections(move |mut socket, index| {
        let heads = heads_tx.clone();
        let eof = eof_tx.clone();
        async move {
            if index == 0 {
                // The first connection stalls: head read, never answered.
                if read_head(&mut socket).await.is_some() {
                    heads.send(()).unwrap();
                }
                let mut rest = Vec::new();
                let _ = socket.read_to_end(&mut rest).await;
                eof.send(()).unwrap();
            } else {
                while read_request(&mut socket).await.is_some() {
                    if socket.write_all(OK).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
    .await;
    let transport = HyperTransport::new().unwrap();

    // Call A reaches the server, then is abandoned: its connection stays counted until
    // its task sees the cancellation and closes it.
    let request = get(address);
    let mut a: Call<'_> = transport.send(&request);
    tokio::select! {
        _ = &mut a => panic!("the stalled call was answered"),
        _ = heads_rx.recv() => {}
    }
    drop(a);

    // Call B finds one connection open for one call in flight: it waits.
    let mut b: Call<'_> = transport.send(&request);
    poll_once(&mut b).await;

    // A's connection closes; B is told it may connect, but is dropped before it runs.
    guarded("server sees A's connection closed", eof_rx.recv()).await;
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    drop(b);

    // C is the only call in flight, nothing is open: it must connect and be answered.
    let response = guarded("call C", transport.send(&request)).await.unwrap();
    assert_eq!(response.status(), 200);
}

/// The same with a connection handed over instead of the right to connect: the waiter
/// is dropped with the connection in its channel.
#[tokio::test]
async fn a_waiter_dropped_with_a_connection_in_hand_leaks_no_count() {
    let (address, _) = keep_alive_server().await;
    let transport = HyperTransport::new().unwrap();
    let request = get(address);

    for round in 0..50 {
        let mut calls: Vec<Option<Call<'_>>> =
            (0..4).map(|_| Some(transport.send(&request))).collect();
        for slot in &mut calls {
            let call = slot.as_mut().unwrap();
            let ready = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx).is_ready()));
            if ready.await {
                *slot = None;
            }
        }
        // Drop every other call after a few yields, whatever it is doing.
        for _ in 0..(round % 7) {
            tokio::task::yield_now().await;
        }
        let mut kept = Vec::new();
        for (i, call) in calls.into_iter().enumerate() {
            if let (0, Some(call)) = (i % 2, call) {
                kept.push(call);
            }
        }
        for call in kept {
            let _ = guarded("kept call", call).await;
        }
    }
    let response = guarded("last call", transport.send(&request))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

// --- stale connections ----------------------------------------------------------------

/// A pooled connection the server closed while it was idle, taken before the client saw
/// the close: the request was never written, so the pool must send it on a new
/// connection, and that must work.
#[tokio::test]
async fn a_stale_connection_resends_on_a_new_connection() {
    // The pooled connection is served by a blocking thread, so that its close happens
    // while this runtime is not polling anything.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (close_tx, close_rx) = std::sync::mpsc::channel::<()>();
    let (closed_tx, closed_rx) = std::sync::mpsc::channel::<()>();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    // A side channel: one byte on it becomes readable just before the close, so the
    // runtime learns of both in one poll of its driver, the byte first.
    let side_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let side_address = side_listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut first, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 4096];
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let n = first.read(&mut buffer).unwrap();
            head.extend_from_slice(&buffer[..n]);
        }
        counter.fetch_add(1, Ordering::SeqCst);
        first.write_all(OK).unwrap();
        let (mut side, _) = side_listener.accept().unwrap();
        close_rx.recv().unwrap();
        side.write_all(b"x").unwrap();
        drop(first);
        closed_tx.send(()).unwrap();
        // Later connections: keep-alive, every request answered.
        for socket in listener.incoming() {
            let mut socket = socket.unwrap();
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                loop {
                    match socket.read(&mut byte) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => head.push(byte[0]),
                    }
                    if head.ends_with(b"\r\n\r\n") {
                        head.clear();
                        counter.fetch_add(1, Ordering::SeqCst);
                        if socket.write_all(OK).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    let transport = HyperTransport::new().unwrap();
    let request = get(address);

    let response = guarded("first call", transport.send(&request))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut side = TcpStream::connect(side_address).await.unwrap();

    // Blocking this thread on purpose: the close must happen while nothing is polled.
    close_tx.send(()).unwrap();
    closed_rx.recv().unwrap();
    let mut byte = [0u8; 1];
    side.read_exact(&mut byte).await.unwrap();

    let second = guarded("second call", transport.send(&request)).await;
    let response = second.unwrap_or_else(|e| {
        panic!(
            "a request refused unwritten by a stale connection failed: {e} ({:?}, {:?})",
            e.kind(),
            e.send_state()
        )
    });
    assert_eq!(response.status(), 200);
}

/// The server closes every connection right after its answer, without saying so; calls in
/// a loop, concurrently, must all succeed (a stale pick is resent, nothing else is).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn silent_closes_after_every_answer_cost_no_failed_call() {
    let (address, connections) = serve_connections(|mut socket, _| async move {
        if read_request(&mut socket).await.is_some() {
            let _ = socket.write_all(OK).await;
            for _ in 0..(fastrand_like(&socket) % 3) {
                tokio::task::yield_now().await;
            }
            let _ = socket.shutdown().await;
        }
    })
    .await;
    let transport = Arc::new(HyperTransport::new().unwrap());
    let mut failures = Vec::new();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let transport = Arc::clone(&transport);
            tokio::spawn(async move {
                let mut errors = Vec::new();
                for _ in 0..50 {
                    match transport.send(&get(address)).await {
                        Ok(response) => assert_eq!(response.status(), 200),
                        Err(e) => errors.push(format!("{e} {:?} {:?}", e.kind(), e.send_state())),
                    }
                }
                errors
            })
        })
        .collect();
    for worker in workers {
        failures.extend(guarded("worker", worker).await.unwrap());
    }
    // Failures of requests that were written to a closing connection are inherent (the
    // server closed mid-exchange). A failure saying "could not connect" is not.
    let bogus: Vec<_> = failures
        .iter()
        .filter(|f| f.contains("could not connect"))
        .collect();
    assert!(
        bogus.is_empty(),
        "{} of {} failures were connect errors on a loopback server that accepts: {:?} \
         ({} connections)",
        bogus.len(),
        failures.len(),
        bogus.first(),
        connections.load(Ordering::SeqCst)
    );
}

fn fastrand_like(socket: &TcpStream) -> u16 {
    socket.peer_addr().map_or(0, |a| a.port())
}

/// The server restarts on the same port: pooled connections to the old one are closed;
/// the next calls go to the new server.
#[tokio::test]
async fn a_server_restarted_on_the_same_port_is_reached() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let stop = stop_tx.clone();
    let first = tokio::spawn(async move {
        let mut tasks = Vec::new();
        loop {
            let mut stopped = stop.subscribe();
            tokio::select! {
                accepted = listener.accept() => {
                    let (mut socket, _) = accepted.unwrap();
                    let mut stopped = stop.subscribe();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            tokio::select! {
                                head = read_request(&mut socket) => {
                                    if head.is_none() || socket.write_all(OK).await.is_err() {
                                        return;
                                    }
                                }
                                _ = stopped.recv() => return,
                            }
                        }
                    }));
                }
                _ = stopped.recv() => break,
            }
        }
        for task in tasks {
            let _ = task.await;
        }
    });
    let transport = HyperTransport::new().unwrap();
    let request = get(address);
    let calls: Vec<_> = (0..3).map(|_| transport.send(&request)).collect();
    for call in calls {
        assert_eq!(guarded("old server", call).await.unwrap().status(), 200);
    }

    stop_tx.send(()).unwrap();
    first.await.unwrap();
    let listener = TcpListener::bind(address).await.unwrap();
    let _connections = serve_connections_on(listener, |mut socket, _| async move {
        while read_request(&mut socket).await.is_some() {
            if socket
                .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
        }
    });

    for _ in 0..5 {
        let response = guarded("new server", transport.send(&get(address))).await;
        assert_eq!(response.unwrap().status(), 201);
    }
}

// --- nothing resent after it may have been processed --------------------------------

/// A create on a REUSED connection: the server reads it whole and resets. It may have
/// been processed, so it must reach the server once and fail as maybe-sent.
#[tokio::test]
async fn a_create_reset_on_a_reused_connection_is_not_resent() {
    let (address, _) = serve_connections(|mut socket, _| async move {
        // First request answered, second read whole and then the connection dropped.
        if read_request(&mut socket).await.is_some() {
            socket.write_all(OK).await.unwrap();
        }
        let _ = read_request(&mut socket).await;
    })
    .await;
    let transport = HyperTransport::new().unwrap();

    let first = guarded("warm-up", transport.send(&get(address))).await;
    assert_eq!(first.unwrap().status(), 200);
    let error = guarded("create", transport.send(&post(address, b"{}".to_vec())))
        .await
        .unwrap_err();
    assert_ne!(error.send_state(), SendState::NotSent, "{error}");
}

/// Counts every request head a server reads, across connections, and the bodies' first
/// bytes, so a resend is visible.
#[tokio::test]
async fn a_create_cut_off_after_its_head_is_sent_once() {
    let heads = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&heads);
    let (address, _) = serve_connections(move |mut socket, _| {
        let seen = Arc::clone(&seen);
        async move {
            if read_head(&mut socket).await.is_some() {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            // Drop without reading the body: the client may see a reset mid-write.
        }
    })
    .await;
    let transport = HyperTransport::new().unwrap();

    let body = vec![b'a'; 2 * 1024 * 1024];
    let error = guarded("create", transport.send(&post(address, body)))
        .await
        .unwrap_err();
    assert_ne!(error.send_state(), SendState::NotSent, "{error}");
    assert_eq!(heads.load(Ordering::SeqCst), 1, "the create was sent twice");
}

/// The server closes right after accepting, before reading anything. The call fails (it
/// cannot know whether its bytes were read) and later calls are unaffected.
#[tokio::test]
async fn a_close_right_after_accept_fails_cleanly() {
    let (address, connections) = serve_connections(|socket, index| async move {
        if index < 3 {
            drop(socket);
        } else {
            let mut socket = socket;
            while read_request(&mut socket).await.is_some() {
                if socket.write_all(OK).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    let transport = HyperTransport::new().unwrap();

    let mut outcomes = Vec::new();
    for _ in 0..3 {
        outcomes.push(guarded("closed at accept", transport.send(&get(address))).await);
    }
    for outcome in &outcomes {
        if let Err(error) = outcome {
            assert!(
                matches!(error.kind(), ErrorKind::Connection | ErrorKind::Io),
                "{error}"
            );
        }
    }
    for _ in 0..3 {
        let response = guarded("after", transport.send(&get(address))).await;
        assert_eq!(response.unwrap().status(), 200);
    }
    assert!(connections.load(Ordering::SeqCst) <= 4 + 3);
}

// --- connections that must not be reused ----------------------------------------------

/// A server whose first answer on every connection is `first`; any later request on the
/// same connection is counted as a reuse (and answered OK).
async fn reuse_counting_server(first: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
    let reuses = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reuses);
    let (address, _) = serve_connections(move |mut socket, _| {
        let counter = Arc::clone(&counter);
        async move {
            if read_request(&mut socket).await.is_none() {
                return;
            }
            if socket.write_all(first).await.is_err() {
                return;
            }
            while read_request(&mut socket).await.is_some() {
                counter.fetch_add(1, Ordering::SeqCst);
                if socket.write_all(OK).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (address, reuses)
}

#[tokio::test]
async fn a_truncated_body_is_not_reused() {
    // Declares 10 bytes, sends 4 and then looks like the start of another answer.
    let (address, reuses) =
        reuse_counting_server(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabcd").await;
    let transport = HyperTransport::builder()
        .request_timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let _ = guarded("truncated", transport.send(&get(address))).await;
    let _ = guarded("next", transport.send(&get(address))).await;
    assert_eq!(reuses.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_too_large_body_is_not_reused() {
    let (address, reuses) =
        reuse_counting_server(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n12345678").await;
    let transport = HyperTransport::builder()
        .max_response_body_bytes(4)
        .build()
        .unwrap();
    let error = guarded("too large", transport.send(&get(address)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::ResponseTooLarge);
    let _ = guarded("next", transport.send(&get(address))).await;
    assert_eq!(reuses.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_streamed_too_large_body_is_not_reused() {
    let (address, reuses) = reuse_counting_server(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n8\r\n12345678\r\n0\r\n\r\n",
    )
    .await;
    let transport = HyperTransport::builder()
        .max_response_body_bytes(4)
        .build()
        .unwrap();
    let error = guarded("too large", transport.send(&get(address)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::ResponseTooLarge);
    let _ = guarded("next", transport.send(&get(address))).await;
    assert_eq!(reuses.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_http_1_0_answer_is_not_reused() {
    let (address, reuses) =
        reuse_counting_server(b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
    let transport = HyperTransport::new().unwrap();
    for _ in 0..3 {
        let response = guarded("http/1.0", transport.send(&get(address))).await;
        assert_eq!(response.unwrap().status(), 200);
    }
    assert_eq!(reuses.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn connection_close_among_other_tokens_is_honoured() {
    let (address, reuses) = reuse_counting_server(
        b"HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nconnection: Upgrade, CLOSE\r\ncontent-length: 2\r\n\r\nok",
    )
    .await;
    let transport = HyperTransport::new().unwrap();
    for _ in 0..3 {
        let response = guarded("close", transport.send(&get(address))).await;
        assert_eq!(response.unwrap().status(), 200);
    }
    assert_eq!(reuses.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn garbage_is_an_error_and_not_reused() {
    let (address, reuses) = reuse_counting_server(b"SSH-2.0-OpenSSH\r\n\r\n").await;
    let transport = HyperTransport::new().unwrap();
    for _ in 0..3 {
        let error = guarded("garbage", transport.send(&get(address)))
            .await
            .unwrap_err();
        assert_ne!(error.send_state(), SendState::NotSent, "{error}");
    }
    assert_eq!(reuses.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_100_continue_before_the_answer_is_handled() {
    let (address, reuses) = reuse_counting_server(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok",
    )
    .await;
    let transport = HyperTransport::new().unwrap();
    let response = guarded(
        "100-continue",
        transport.send(&post(address, b"{}".to_vec())),
    )
    .await;
    assert_eq!(response.unwrap().status(), 201);
    let response = guarded("next", transport.send(&get(address))).await;
    assert_eq!(response.unwrap().status(), 200);
    // The connection was fine: reused once.
    assert_eq!(reuses.load(Ordering::SeqCst), 1);
}

/// The server answers before reading the request body, then reads it and serves the next
/// request on the same connection.
#[tokio::test]
async fn an_answer_before_the_body_was_read() {
    let (address, _) = serve_connections(|mut socket, _| async move {
        loop {
            let Some(head) = read_head(&mut socket).await else {
                return;
            };
            if socket
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
            let mut body = vec![0u8; content_length(&head)];
            if socket.read_exact(&mut body).await.is_err() {
                return;
            }
        }
    })
    .await;
    let transport = HyperTransport::new().unwrap();
    for _ in 0..3 {
        let body = vec![b'b'; 1024 * 1024];
        let response = guarded("early answer", transport.send(&post(address, body))).await;
        assert_eq!(response.unwrap().status(), 202);
    }
}

/// The server answers 413 with `connection: close` before reading a large body and closes.
#[tokio::test]
async fn an_early_413_and_close_does_not_hang_or_poison() {
    let (address, _) = serve_connections(|mut socket, index| async move {
        if index == 0 {
            if read_head(&mut socket).await.is_some() {
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
                    )
                    .await;
            }
        } else {
            while read_request(&mut socket).await.is_some() {
                if socket.write_all(OK).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    let transport = HyperTransport::new().unwrap();
    let body = vec![b'c'; 8 * 1024 * 1024];
    let first = guarded("413", transport.send(&post(address, body))).await;
    if let Ok(response) = &first {
        assert_eq!(response.status(), 413);
    }
    let response = guarded("next", transport.send(&get(address))).await;
    assert_eq!(response.unwrap().status(), 200);
}

/// A stalled response head: the call is cancelled by a request timeout, and the
/// connection it held is given back (later calls, one at a time, each get an answer).
#[tokio::test]
async fn stalled_heads_with_timeouts_leak_nothing() {
    let (address, connections) = serve_connections(|mut socket, index| async move {
        if index % 2 == 0 {
            let _ = read_head(&mut socket).await;
            let mut rest = Vec::new();
            let _ = socket.read_to_end(&mut rest).await;
        } else {
            while read_request(&mut socket).await.is_some() {
                if socket.write_all(OK).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    let transport = HyperTransport::builder()
        .request_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let mut answered = 0;
    for _ in 0..20 {
        match guarded("stall", transport.send(&get(address))).await {
            Ok(response) => {
                assert_eq!(response.status(), 200);
                answered += 1;
            }
            Err(error) => assert_eq!(error.kind(), &ErrorKind::Timeout, "{error}"),
        }
    }
    assert!(answered > 0);
    assert!(connections.load(Ordering::SeqCst) <= 20);
}

/// A response body stalls half-way; the call is cut off by its request timeout, which
/// drops the body. The connection must be given up, so that the next call, alone in
/// flight, is not left waiting behind it.
#[tokio::test]
async fn a_body_stalled_half_way_and_abandoned_leaks_nothing() {
    let (address, connections) = serve_connections(|mut socket, index| async move {
        if index == 0 {
            if read_request(&mut socket).await.is_some() {
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
                    .await;
            }
            // Never finishes the body, never closes.
            std::future::pending::<()>().await;
        } else {
            while read_request(&mut socket).await.is_some() {
                if socket.write_all(OK).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    let transport = HyperTransport::builder()
        .request_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let error = guarded("stalled body", transport.send(&get(address)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Timeout, "{error}");
    for _ in 0..3 {
        let response = guarded("after the stalled body", transport.send(&get(address))).await;
        assert_eq!(response.unwrap().status(), 200);
    }
    assert!(connections.load(Ordering::SeqCst) <= 2);
}

/// A HEAD answer declares the length of the body a GET would get, and carries none. It
/// is not a body over the limit.
#[tokio::test]
async fn a_head_answer_declaring_a_large_length_is_not_too_large() {
    let (address, _) = serve_connections(|mut socket, _| async move {
        while read_request(&mut socket).await.is_some() {
            if socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 104857600\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
        }
    })
    .await;
    let transport = HyperTransport::new().unwrap();
    let request = Request::new(Method::HEAD, format!("http://{address}/").parse().unwrap());
    let response = guarded("HEAD", transport.send(&request)).await;
    let response = response.unwrap_or_else(|e| panic!("HEAD failed: {e} ({:?})", e.kind()));
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
}

// --- many calls cancelled at random points --------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_cancellations_leave_the_pool_usable_and_bounded() {
    let (address, connections) = serve_connections(|mut socket, index| async move {
        let mut request = 0usize;
        while read_request(&mut socket).await.is_some() {
            request += 1;
            let mix = (index * 31 + request * 7) % 10;
            for _ in 0..mix {
                tokio::task::yield_now().await;
            }
            let answer: &[u8] = match mix {
                0 => b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
                1 => return, // closed with the request unanswered
                _ => OK,
            };
            if socket.write_all(answer).await.is_err() || mix == 0 {
                return;
            }
        }
    })
    .await;
    let transport = Arc::new(HyperTransport::new().unwrap());

    let workers: Vec<_> = (0..16)
        .map(|worker| {
            let transport = Arc::clone(&transport);
            tokio::spawn(async move {
                for call in 0..60usize {
                    let request = get(address);
                    let mut send: Call<'_> = transport.send(&request);
                    let polls = (worker * 13 + call * 5) % 9;
                    if (worker + call) % 3 == 0 {
                        let mut left = polls;
                        std::future::poll_fn(|cx| match send.as_mut().poll(cx) {
                            Poll::Ready(_) => Poll::Ready(()),
                            Poll::Pending if left == 0 => Poll::Ready(()),
                            Poll::Pending => {
                                left -= 1;
                                Poll::Pending
                            }
                        })
                        .await;
                    } else {
                        let _ = send.await;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        guarded("cancelling worker", worker).await.unwrap();
    }

    // Now a clean server behaviour is not available on this address, so check only that
    // 16 concurrent calls all complete (answered or failed), and the next sequential
    // calls open no more connections than calls in flight.
    let before = connections.load(Ordering::SeqCst);
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let transport = Arc::clone(&transport);
            tokio::spawn(async move { transport.send(&get(address)).await.is_ok() })
        })
        .collect();
    for call in calls {
        guarded("call after cancellations", call).await.unwrap();
    }
    let opened = connections.load(Ordering::SeqCst) - before;
    assert!(opened <= 16 * 5, "{opened} connections for 16 calls");
}

// --- dial failures while others wait --------------------------------------------------

/// Calls wait behind an abandoned connection; the listener then goes away, so the waiter
/// that is let connect fails to dial. Nothing is left counted: once the server is back,
/// calls are answered.
#[tokio::test]
async fn a_dial_failure_while_others_wait_leaks_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (heads_tx, mut heads_rx) = mpsc::unbounded_channel();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        drop(listener);
        if read_head(&mut socket).await.is_some() {
            heads_tx.send(()).unwrap();
        }
        let mut rest = Vec::new();
        let _ = socket.read_to_end(&mut rest).await;
    });
    let transport = HyperTransport::new().unwrap();
    let request = get(address);

    let mut a: Call<'_> = transport.send(&request);
    tokio::select! {
        _ = &mut a => panic!("answered"),
        _ = heads_rx.recv() => {}
    }
    drop(a);
    let waiters: Vec<Call<'_>> = (0..3).map(|_| transport.send(&request)).collect();
    for waiter in waiters {
        let outcome = guarded("waiter", waiter).await;
        let error = outcome.unwrap_err();
        assert_eq!(error.send_state(), SendState::NotSent, "{error}");
    }
    server.await.unwrap();

    let listener = TcpListener::bind(address).await.unwrap();
    serve_connections_on(listener, |mut socket, _| async move {
        while read_request(&mut socket).await.is_some() {
            if socket.write_all(OK).await.is_err() {
                return;
            }
        }
    });
    let response = guarded("after restart", transport.send(&request)).await;
    assert_eq!(response.unwrap().status(), 200);
}

// --- idle timeout ---------------------------------------------------------------------

/// An idle connection is closed by the pool once the idle timeout passed, without any
/// further call.
#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_closed_after_the_timeout() {
    let (closed_tx, mut closed_rx) = mpsc::unbounded_channel();
    let (address, _) = serve_connections(move |mut socket, _| {
        let closed = closed_tx.clone();
        async move {
            while read_request(&mut socket).await.is_some() {
                if socket.write_all(OK).await.is_err() {
                    break;
                }
            }
            closed.send(()).unwrap();
        }
    })
    .await;
    let transport = HyperTransport::builder()
        .pool_idle_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let response = transport.send(&get(address)).await.unwrap();
    assert_eq!(response.status(), 200);

    // Paused time runs ahead while nothing else is ready; the guard is virtual seconds.
    let closed = tokio::time::timeout(Duration::from_secs(30), closed_rx.recv()).await;
    assert!(closed.is_ok(), "the idle connection was never closed");
}

/// The transport outlives the runtime that first used it (a shared client across
/// `#[tokio::test]`s, say). In a second runtime, idle connections must still close.
#[test]
fn idle_connections_close_in_a_second_runtime() {
    let transport = HyperTransport::builder()
        .pool_idle_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    {
        let first = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        first.block_on(async {
            let (address, _) = keep_alive_server().await;
            transport.send(&get(address)).await.unwrap();
        });
    }

    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    second.block_on(async {
        let (closed_tx, mut closed_rx) = mpsc::unbounded_channel();
        let (address, _) = serve_connections(move |mut socket, _| {
            let closed = closed_tx.clone();
            async move {
                while read_request(&mut socket).await.is_some() {
                    if socket.write_all(OK).await.is_err() {
                        break;
                    }
                }
                closed.send(()).unwrap();
            }
        })
        .await;
        let response = transport.send(&get(address)).await.unwrap();
        assert_eq!(response.status(), 200);
        let closed = tokio::time::timeout(Duration::from_secs(30), closed_rx.recv()).await;
        assert!(
            closed.is_ok(),
            "the idle connection was never closed in the second runtime"
        );
    });
}

// --- HTTP/2 over TLS --------------------------------------------------------------------

mod h2_server {
    //! An HTTP/2 server over TLS (ALPN `h2`) on 127.0.0.1: hyper's server over
    //! tokio-rustls.

    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;
    use tokio_rustls::TlsAcceptor;

    /// Serves HTTP/2 over TLS, answering every request `200 h2` (and `505` for any other
    /// version). Returns the address, the count of TLS connections accepted and a channel
    /// that gets one message per connection that ended.
    pub(super) async fn serve() -> (SocketAddr, Arc<AtomicUsize>, mpsc::UnboundedReceiver<()>) {
        let config = super::common::server_config(b"h2");

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let config = Arc::clone(&config);
                let ended = ended_tx.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = TlsAcceptor::from(config).accept(tcp).await {
                        let service = hyper::service::service_fn(
                            |request: hyper::Request<hyper::body::Incoming>| async move {
                                let status = if request.version() == http::Version::HTTP_2 {
                                    200
                                } else {
                                    505
                                };
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .body(Full::new(Bytes::from_static(b"h2")))
                                        .unwrap(),
                                )
                            },
                        );
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    }
                    let _ = ended.send(());
                });
            }
        });
        (address, connections, ended_rx)
    }
}

fn h2_transport(idle: Option<Duration>) -> HyperTransport {
    HyperTransport::builder()
        .add_root_certificate_pem(common::CA_PEM)
        .unwrap()
        .pool_idle_timeout(idle)
        .build()
        .unwrap()
}

fn get_tls(address: SocketAddr) -> Request {
    Request::new(
        Method::GET,
        format!("https://localhost:{}/", address.port())
            .parse()
            .unwrap(),
    )
}

/// Sequential HTTP/2 calls share one connection.
#[tokio::test]
async fn h2_sequential_calls_share_one_connection() {
    let (address, connections, _) = h2_server::serve().await;
    let transport = h2_transport(None);
    for _ in 0..10 {
        let response = guarded("h2", transport.send(&get_tls(address)))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

/// An HTTP/2 connection nobody uses any more is closed after the idle timeout, as
/// `pool_idle_timeout` documents for any unused pooled connection.
#[tokio::test(start_paused = true)]
async fn h2_an_unused_connection_is_closed_after_the_idle_timeout() {
    let (address, _, mut ended) = h2_server::serve().await;
    let transport = h2_transport(Some(Duration::from_secs(1)));
    let response = transport.send(&get_tls(address)).await.unwrap();
    assert_eq!(response.status(), 200);

    let closed = tokio::time::timeout(Duration::from_secs(300), ended.recv()).await;
    assert!(
        closed.is_ok(),
        "an unused HTTP/2 connection was still open after 300 s with a 1 s idle timeout"
    );
}

/// Calls that start together, before the first connection's ALPN is known, each open a
/// connection. Once they are done, the extra HTTP/2 connections serve nothing (only the
/// first is ever used) and must not stay open for ever.
#[tokio::test(start_paused = true)]
async fn h2_extra_connections_from_a_first_burst_do_not_stay_open() {
    let (address, connections, mut ended) = h2_server::serve().await;
    let transport = Arc::new(h2_transport(Some(Duration::from_secs(1))));
    let request = get_tls(address);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let transport = Arc::clone(&transport);
            let request = request.clone();
            tokio::spawn(async move { transport.send(&request).await.unwrap().status() })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), 200);
    }
    let opened = connections.load(Ordering::SeqCst);
    assert!((1..=8).contains(&opened));

    // Keep using the transport; every connection beyond one must end at some point.
    let mut closed = 0;
    for _ in 0..30 {
        let response = transport.send(&request).await.unwrap();
        assert_eq!(response.status(), 200);
        while ended.try_recv().is_ok() {
            closed += 1;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        closed >= opened - 1,
        "{opened} HTTP/2 connections opened by a burst, {closed} closed after 30 s of use \
         with a 1 s idle timeout"
    );
}
