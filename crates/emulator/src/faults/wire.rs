//! What an injected fault puts on the wire, or withholds from it.
//!
//! The service asks [`answer`] what to do with a faulted request: send a response (an
//! error envelope with a retry hint, an HTML page, a body cut short), reset the
//! connection, or hang. Resetting and the end of a hang are signalled to hyper by the
//! service returning an [`Abort`] error, on which hyper drops the connection (HTTP/1.1) or
//! resets the stream (HTTP/2) without writing a response; the per-connection
//! [`ConnectionControl`](crate::connection::ConnectionControl) decides whether the close is
//! a RST.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::{Body, Frame};
use tokio::sync::watch;

use super::rule::{Fault, RetryAfterHint};
use crate::envelope::ApiError;
use crate::operation::Operation;
use crate::response::ResponseContext;

/// The longest a [`Fault::Hang`] holds a request.
pub(crate) const MAX_HANG: Duration = Duration::from_secs(5 * 60);

/// The `Content-Length` a [`Fault::TruncatedBody`] answer declares.
const TRUNCATED_LENGTH: u64 = 512;
/// The bytes it sends before closing.
const TRUNCATED_PREFIX: &[u8] = br#"{"identity":{"id":"8:acs:"#;

/// The body of every response: whole, or cut short.
pub(crate) type ResponseBody = Either<Full<Bytes>, CutShort>;

/// What to do with a faulted request.
pub(crate) enum Injected {
    /// Send this response.
    Respond(Response<ResponseBody>),
    /// Reset the connection without answering.
    Reset,
    /// Hold the request, then close without answering.
    Hang,
}

/// The error the service returns to make hyper drop the connection without a response.
#[derive(Debug)]
pub(crate) struct Abort(pub(crate) &'static str);

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Abort {}

/// What `fault` does to a request routed to `operation`. Not used for
/// [`Fault::ResetAfterProcessing`], which the service handles after processing.
pub(crate) fn answer(fault: &Fault, operation: Operation, context: &ResponseContext) -> Injected {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let mut response = context.error(&envelope(status_code(*status)));
            if let Some((name, value)) = retry_after.as_ref().and_then(hint_header) {
                response.headers_mut().insert(name, value);
            }
            Injected::Respond(response.map(Either::Left))
        }
        Fault::HtmlErrorPage { status } => {
            let status = status_code(*status);
            let page = html_page(status);
            let response = context.build(
                status,
                Some((HeaderValue::from_static("text/html"), Bytes::from(page))),
            );
            Injected::Respond(response.map(Either::Left))
        }
        Fault::TruncatedBody => Injected::Respond(truncated(operation, context)),
        Fault::ResetConnection | Fault::ResetAfterProcessing => Injected::Reset,
        Fault::Hang => Injected::Hang,
    }
}

/// Waits until the emulator shuts down or [`MAX_HANG`] passes; the client closing the
/// connection ends it sooner, by hyper dropping the request's future.
pub(crate) async fn hang(stopping: &watch::Sender<bool>) {
    let mut stopping = stopping.subscribe();
    tokio::select! {
        // An error means the sender is gone, which also means the server is stopping.
        _ = stopping.wait_for(|stopping| *stopping) => {}
        () = tokio::time::sleep(MAX_HANG) => {}
    }
}

/// `status` as a status code; 500 for numbers `http` cannot represent.
fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The envelope of an injected error answer. These codes and messages are the emulator's
/// own; the service's front end is not documented for them.
fn envelope(status: StatusCode) -> ApiError {
    let (code, message) = match status.as_u16() {
        408 => ("RequestTimeout", "The request timed out."),
        429 => ("TooManyRequests", "Too many requests; try again later."),
        500 => ("InternalServerError", "The service hit an internal error."),
        502 => (
            "BadGateway",
            "The gateway got an invalid answer from the service.",
        ),
        503 => (
            "ServiceUnavailable",
            "The service is unavailable; try again later.",
        ),
        504 => (
            "GatewayTimeout",
            "The gateway timed out waiting for the service.",
        ),
        _ => ("InjectedFault", "The emulator injected this error."),
    };
    ApiError::new(status, code, message)
}

/// The header of a retry hint, or `None` when the text cannot be a header value.
fn hint_header(hint: &RetryAfterHint) -> Option<(HeaderName, HeaderValue)> {
    let value = HeaderValue::from_str(&hint.header_value()).ok()?;
    Some((HeaderName::from_static(hint.header_name()), value))
}

/// A small HTML error page such as a gateway serves.
fn html_page(status: StatusCode) -> String {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\
         <body><h1>{title}</h1><p>The gateway could not complete the request.</p></body></html>\n"
    )
}

/// Headers declaring [`TRUNCATED_LENGTH`] bytes, followed by fewer.
fn truncated(operation: Operation, context: &ResponseContext) -> Response<ResponseBody> {
    let status = match operation {
        Operation::CreateIdentity => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    let mut response = context.json(status, Bytes::new());
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(TRUNCATED_LENGTH));
    response.map(|_| Either::Right(CutShort::new(Bytes::from_static(TRUNCATED_PREFIX))))
}

/// A body of unknown length that sends one chunk and ends. With a larger
/// `Content-Length` set by hand, hyper sends the chunk and then, finding the body short,
/// closes the connection.
#[derive(Debug)]
pub(crate) struct CutShort {
    chunk: Option<Bytes>,
    paused: bool,
}

impl CutShort {
    fn new(chunk: Bytes) -> Self {
        Self {
            chunk: Some(chunk),
            paused: false,
        }
    }
}

impl Body for CutShort {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(chunk) = self.chunk.take() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if !self.paused {
            // Pause once before ending, so hyper flushes the headers and the chunk: it
            // closes without flushing when it finds the body short.
            self.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_outside_http_become_500_and_codes_follow_the_status() {
        assert_eq!(status_code(42), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status_code(1000), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            envelope(StatusCode::SERVICE_UNAVAILABLE).code,
            "ServiceUnavailable"
        );
        assert_eq!(envelope(StatusCode::IM_A_TEAPOT).code, "InjectedFault");
    }

    #[test]
    fn hints_that_cannot_be_header_values_are_left_out() {
        assert!(hint_header(&RetryAfterHint::Seconds("bad\nvalue".into())).is_none());
        let (name, value) = hint_header(&RetryAfterHint::Millis(20)).unwrap();
        assert_eq!(
            (name.as_str(), value.as_bytes()),
            ("retry-after-ms", &b"20"[..])
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hang_ends_when_the_server_stops() {
        let stopping = watch::Sender::new(false);
        let started = tokio::time::Instant::now();
        let held = hang(&stopping);
        tokio::pin!(held);

        assert!(poll_once(held.as_mut()).await.is_pending());
        stopping.send_replace(true);
        held.await;
        assert_eq!(started.elapsed(), Duration::ZERO);

        // A server that has already stopped does not hang at all.
        hang(&stopping).await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hang_ends_after_the_maximum() {
        let stopping = watch::Sender::new(false);
        let started = tokio::time::Instant::now();
        hang(&stopping).await;
        assert_eq!(started.elapsed(), MAX_HANG);
    }

    /// Polls `future` once.
    async fn poll_once<F: std::future::Future + Unpin>(future: F) -> Poll<F::Output> {
        let mut future = future;
        std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut future).poll(cx))).await
    }

    #[test]
    fn html_pages_name_the_status() {
        assert!(html_page(StatusCode::BAD_GATEWAY).contains("<title>502 Bad Gateway</title>"));
    }
}
