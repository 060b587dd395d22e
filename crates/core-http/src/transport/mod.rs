//! Sending a request over the network.
//!
//! [`Transport`] is the seam between the pipeline and an HTTP client. The default is
//! [`HyperTransport`] (hyper 1 with a pooled, TLS-capable connector); tests and applications
//! with their own HTTP stack can plug in anything that turns a [`Request`] into a
//! [`Response`]. Implementations report failures with [`crate::ErrorKind::Connection`],
//! [`crate::ErrorKind::Io`] or [`crate::ErrorKind::Timeout`] so that retry can classify them,
//! and a body they will not buffer with [`crate::ErrorKind::ResponseTooLarge`].

mod hyper;
mod pool;

use std::fmt;

use async_trait::async_trait;

use crate::{Request, Response, Result};

pub use self::hyper::{HyperTransport, HyperTransportBuilder};

/// Sends one request and returns its buffered response.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` once. Any status is a successful send.
    ///
    /// # Errors
    ///
    /// Connection, I/O and timeout failures.
    async fn send(&self, request: &Request) -> Result<Response>;
}
