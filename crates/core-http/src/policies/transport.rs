//! The last policy: hands the request to the [`Transport`].
//!
//! Every pipeline ends here. It ignores the remaining policies (there should be none) and
//! returns whatever the transport produced, error statuses included; deciding what counts as
//! success is the client's job.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Context, Next, Policy, Request, Response, Result, Transport};

/// Sends the request with a [`Transport`].
#[derive(Debug, Clone)]
pub struct TransportPolicy {
    transport: Arc<dyn Transport>,
}

impl TransportPolicy {
    /// A policy sending through `transport`.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        Self { transport }
    }
}

#[async_trait]
impl Policy for TransportPolicy {
    async fn send(
        &self,
        _ctx: &Context,
        request: &mut Request,
        _next: Next<'_>,
    ) -> Result<Response> {
        self.transport.send(request).await
    }
}
