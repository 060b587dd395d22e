//! The policy abstraction: one step of the request pipeline.
//!
//! A [`Policy`] receives the request, may change it, passes it on with [`Next::run`], and may
//! inspect or replace the response on the way back. The retry policy calls `run` more than
//! once; the transport policy is last and does not call it at all. Policies are shared
//! (`Arc<dyn Policy>`) between clones of a client, so they keep per-call state in the
//! [`Context`] or the request, not in themselves (caches excepted).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{Context, Error, ErrorKind, Request, Response, Result};

/// One step of the pipeline.
///
/// ```
/// use acs_core_http::{Context, HeaderValue, Next, Policy, Request, Response, Result};
/// use async_trait::async_trait;
///
/// /// Asks the service to echo the client request id.
/// #[derive(Debug)]
/// struct ReturnRequestId;
///
/// #[async_trait]
/// impl Policy for ReturnRequestId {
///     async fn send(
///         &self,
///         ctx: &Context,
///         request: &mut Request,
///         next: Next<'_>,
///     ) -> Result<Response> {
///         request.insert_header(
///             "x-ms-return-client-request-id".parse().expect("valid header name"),
///             HeaderValue::from_static("true"),
///         );
///         next.run(ctx, request).await
///     }
/// }
/// ```
#[async_trait]
pub trait Policy: Send + Sync + fmt::Debug {
    /// Processes `request`, usually by calling `next.run(ctx, request)`.
    ///
    /// # Errors
    ///
    /// Whatever the policy or the rest of the pipeline fails with.
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response>;
}

/// The policies after the current one. `Copy`, so a policy can run them more than once.
#[derive(Debug, Clone, Copy)]
pub struct Next<'a> {
    policies: &'a [Arc<dyn Policy>],
}

impl<'a> Next<'a> {
    /// Wraps the remaining policies; the first one runs next.
    pub fn new(policies: &'a [Arc<dyn Policy>]) -> Self {
        Self { policies }
    }

    /// Runs the rest of the pipeline.
    ///
    /// # Errors
    ///
    /// What the next policy returns, or [`ErrorKind::Other`] when no policy is left (a
    /// pipeline must end with a transport policy).
    pub async fn run(self, ctx: &Context, request: &mut Request) -> Result<Response> {
        let Some((first, rest)) = self.policies.split_first() else {
            return Err(Error::new(
                ErrorKind::Other,
                "the pipeline ended without a transport policy",
            ));
        };
        first.send(ctx, request, Next::new(rest)).await
    }

    /// How many policies remain.
    pub fn len(&self) -> usize {
        self.policies.len()
    }

    /// Whether no policy remains.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}
