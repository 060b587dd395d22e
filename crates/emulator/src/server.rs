//! The HTTP server: accepting connections and shutting down.
//!
//! One Tokio task accepts on the listener and serves each connection with hyper-util's
//! automatic builder, which speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on the
//! same port. Connection tasks live in a `JoinSet` owned by the accept task, so aborting
//! that one task (what dropping an [`Emulator`](crate::Emulator) does) closes the listener
//! and every connection with it. A graceful shutdown stops accepting, lets requests in
//! flight finish for a few seconds, then closes what is left.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tracing::debug;

use crate::service::Service;

/// How long a graceful shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts serving `listener` on the current Tokio runtime; send on the returned channel
/// (or drop it) to shut down gracefully, or abort the task to stop at once.
pub(crate) fn spawn(
    listener: TcpListener,
    service: Arc<Service>,
) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (shutdown, signal) = oneshot::channel();
    let task = tokio::spawn(serve(listener, service, signal));
    (shutdown, task)
}

async fn serve(listener: TcpListener, service: Arc<Service>, mut signal: oneshot::Receiver<()>) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();

    loop {
        tokio::select! {
            accepted = listener.accept() => {
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
                let service = Arc::clone(&service);
                let handler = service_fn(move |request| {
                    let service = Arc::clone(&service);
                    async move { Ok::<_, Infallible>(service.call(request).await) }
                });
                let connection =
                    builder.serve_connection(TokioIo::new(stream), handler).into_owned();
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    if let Err(error) = connection.await {
                        debug!(%peer, %error, "connection ended with an error");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut signal => break,
        }
    }

    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        debug!("requests still in flight after the drain timeout; closing them");
    }
    connections.shutdown().await;
}
