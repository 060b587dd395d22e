//! The HTTP server: accepting connections and shutting down.
//!
//! One Tokio task accepts on the listener and serves each connection with hyper-util's
//! automatic builder, which speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on the
//! same port. Connection tasks live in a `JoinSet` owned by the accept task, so aborting
//! that one task (what dropping an [`Emulator`](crate::Emulator) does) closes the listener
//! and every connection with it. A graceful shutdown stops accepting, releases requests
//! held by a hang fault, lets requests in flight finish for a few seconds, then closes what
//! is left.
//!
//! Limits keep a misbehaving client from holding the server: at most 100 headers and
//! 32 KiB of request line and headers on HTTP/1.1 (hyper answers 431 beyond), a 32 KiB
//! header list and 100 concurrent streams on HTTP/2, a deadline for each request head, and
//! a bound on connections served at once (further ones wait in the listen backlog).
//!
//! With TLS configured (see [`crate::tls`]) each connection first completes a TLS
//! handshake in its own task, under the same request-head deadline; a failed handshake is
//! logged at debug and ends that connection only. HTTP/2 is then chosen by ALPN.
//!
//! Every accepted TCP connection, plain or TLS and whether or not a request follows, is
//! counted ([`ServerHandle`] shares the count with the [`Emulator`](crate::Emulator)) and
//! logged at debug under the target `acs_emulator::connections`, with the peer address and
//! the running count. The event is written before the connection is served, so by the
//! time a client has its first response on a connection, the line for it is in the log;
//! benchmarks read it to tell how many connections a client opened.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tracing::debug;

use crate::connection::{ConnectionControl, ControlledStream};
use crate::service::Service;

/// How long a graceful shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// The most headers an HTTP/1.1 request may have; more get 431.
const MAX_HEADERS: usize = 100;
/// The most bytes of an HTTP/1.1 request line and headers; more get 431.
const MAX_HEAD_BYTES: usize = 32 * 1024;
/// The most bytes of an HTTP/2 header list.
const MAX_HEADER_LIST_BYTES: u32 = 32 * 1024;
/// The most concurrent streams of an HTTP/2 connection.
const MAX_STREAMS: u32 = 100;
/// The tracing target of the one event per accepted connection, so that it can be enabled
/// on its own (`acs_emulator=warn,acs_emulator::connections=debug`).
const CONNECTIONS_TARGET: &str = "acs_emulator::connections";

/// A connection being served, up to its end.
type Serving =
    Pin<Box<dyn Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send>>;

/// Bounds the server puts on connections.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// How long a connection may take to send a complete request head: counted from the
    /// accept for the first request and, on HTTP/1.1, from the end of the previous answer
    /// for later ones (so idle keep-alive connections are closed after it too).
    pub(crate) header_read_timeout: Duration,
    /// The most connections served at once; further ones wait in the listen backlog.
    pub(crate) max_connections: usize,
}

/// What the owner of a running server keeps besides its task.
#[derive(Debug)]
pub(crate) struct ServerHandle {
    /// Send on it (or drop it) to shut down gracefully.
    pub(crate) shutdown: oneshot::Sender<()>,
    /// The TCP connections accepted since the start.
    pub(crate) connections_accepted: Arc<AtomicU64>,
}

/// Starts serving `listener` on the current Tokio runtime, over TLS when given an
/// acceptor; use the returned handle to shut down gracefully, or abort the task to stop at
/// once.
pub(crate) fn spawn(
    listener: TcpListener,
    service: Arc<Service>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
) -> (ServerHandle, JoinHandle<()>) {
    let (shutdown, signal) = oneshot::channel();
    let connections_accepted = Arc::new(AtomicU64::new(0));
    let accepted = Arc::clone(&connections_accepted);
    let task = tokio::spawn(serve(listener, service, limits, tls, accepted, signal));
    let handle = ServerHandle {
        shutdown,
        connections_accepted,
    };
    (handle, task)
}

fn connection_builder(limits: Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEADER_LIST_BYTES)
        .max_concurrent_streams(MAX_STREAMS);
    builder
}

async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    connections_accepted: Arc<AtomicU64>,
    mut signal: oneshot::Receiver<()>,
) {
    let builder = connection_builder(limits);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();

    loop {
        tokio::select! {
            accepted = listener.accept(), if connections.len() < limits.max_connections => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Usually a per-connection failure or a full descriptor table;
                        // pause briefly rather than spin.
                        debug!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                // Counted and logged before anything is read, so the count never lags a
                // response the client already has.
                let count = connections_accepted.fetch_add(1, Ordering::Relaxed) + 1;
                debug!(target: CONNECTIONS_TARGET, %peer, count, "accepted a connection");
                let control = Arc::new(ConnectionControl::default());
                let handler = {
                    let service = Arc::clone(&service);
                    let control = Arc::clone(&control);
                    service_fn(move |request| {
                        let service = Arc::clone(&service);
                        let control = Arc::clone(&control);
                        async move { service.call(request, &control).await }
                    })
                };
                let stream = ControlledStream::new(stream, Arc::clone(&control));
                let connection: Serving = match &tls {
                    None => {
                        let connection =
                            builder.serve_connection(TokioIo::new(stream), handler).into_owned();
                        Box::pin(graceful.watch(connection))
                    }
                    Some(acceptor) => {
                        // The handshake happens in the connection's task; the watcher is
                        // taken now so a shutdown during it still reaches the connection.
                        let handshake = acceptor.accept(stream);
                        let builder = builder.clone();
                        let watcher = graceful.watcher();
                        Box::pin(async move {
                            let stream = match handshake.await {
                                Ok(stream) => stream,
                                Err(error) => {
                                    debug!(%peer, %error, "TLS handshake failed");
                                    return Ok(());
                                }
                            };
                            let connection =
                                builder.serve_connection(TokioIo::new(stream), handler);
                            watcher.watch(connection.into_owned()).await
                        })
                    }
                };
                let timeout = limits.header_read_timeout;
                connections.spawn(async move {
                    tokio::select! {
                        result = connection => {
                            if let Err(error) = result {
                                debug!(%peer, %error, "connection ended with an error");
                            }
                        }
                        () = no_request_within(timeout, &control) => {
                            debug!(%peer, "no request head in time; closing the connection");
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut signal => break,
        }
    }

    drop(listener);
    // Requests held by a hang fault end now rather than hold up the drain.
    service.stopping.send_replace(true);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        debug!("requests still in flight after the drain timeout; closing them");
    }
    connections.shutdown().await;
}

/// Resolves when `timeout` has passed without a request head on the connection; never
/// once one has arrived. hyper's own header timeout covers HTTP/1.1 heads, but not the
/// protocol sniffing before them, nor HTTP/2's first request.
async fn no_request_within(timeout: Duration, control: &ConnectionControl) {
    tokio::time::sleep(timeout).await;
    if control.has_seen_request() {
        std::future::pending::<()>().await;
    }
}
