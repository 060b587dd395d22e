//! One accepted TCP connection: the socket hyper reads and writes, and what the service
//! may ask of it.
//!
//! hyper owns the socket while it serves a connection, so the service cannot close it
//! itself. Instead each connection has a [`ConnectionControl`] shared by the server's
//! connection task and the service: the service marks that a request arrived (the server
//! closes connections that send none in time) and may ask for a reset. The socket is wrapped
//! in [`ControlledStream`], which on drop turns the close into a TCP reset (`SO_LINGER` 0)
//! when asked, so the client sees "connection reset by peer" rather than a clean end.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// What the service and the server share about one connection.
#[derive(Debug, Default)]
pub(crate) struct ConnectionControl {
    saw_request: AtomicBool,
    reset: AtomicBool,
}

impl ConnectionControl {
    /// Notes that a request head arrived on the connection.
    pub(crate) fn saw_request(&self) {
        self.saw_request.store(true, Ordering::Relaxed);
    }

    /// Whether any request head has arrived.
    pub(crate) fn has_seen_request(&self) -> bool {
        self.saw_request.load(Ordering::Relaxed)
    }

    /// Asks that the connection end with a TCP reset when it closes.
    pub(crate) fn request_reset(&self) {
        self.reset.store(true, Ordering::Relaxed);
    }

    fn wants_reset(&self) -> bool {
        self.reset.load(Ordering::Relaxed)
    }
}

/// A TCP stream that resets instead of closing when its [`ConnectionControl`] asks.
#[derive(Debug)]
pub(crate) struct ControlledStream {
    stream: TcpStream,
    control: Arc<ConnectionControl>,
}

impl ControlledStream {
    /// Wraps `stream`, reading reset requests from `control`.
    pub(crate) fn new(stream: TcpStream, control: Arc<ConnectionControl>) -> Self {
        Self { stream, control }
    }
}

impl Drop for ControlledStream {
    fn drop(&mut self) {
        if self.control.wants_reset()
            && let Err(error) = self.stream.set_zero_linger()
        {
            // The close is then an orderly one; the client still gets no response.
            tracing::debug!(%error, "could not arrange a reset of the connection");
        }
    }
}

impl AsyncRead for ControlledStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ControlledStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
