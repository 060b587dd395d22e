//! Assembles the policies of a client into one call path.
//!
//! [`Pipeline::new`] builds the fixed order every client shares:
//!
//! 1. [`ClientRequestIdPolicy`], [`UserAgentPolicy`] (once per call);
//! 2. the caller's per-call policies, then the client's own per-call policies;
//! 3. [`RetryPolicy`];
//! 4. the client's per-try policies (authentication), then the caller's;
//! 5. [`LoggingPolicy`];
//! 6. [`TransportPolicy`].
//!
//! Everything after retry runs on every attempt. The pipeline returns whatever response the
//! last attempt got, error statuses included: the client decides what success means.

use std::sync::Arc;

use crate::policies::{
    ClientRequestIdPolicy, LoggingPolicy, RetryPolicy, TransportPolicy, UserAgentPolicy,
};
use crate::{
    ClientOptions, Clock, Context, HyperTransport, Next, Policy, Request, Response, Result,
};

/// An ordered, shareable list of policies ending in a transport.
///
/// ```
/// use std::sync::Arc;
/// use acs_core_auth::AzureKeyCredential;
/// use acs_core_http::policies::HmacAuthenticationPolicy;
/// use acs_core_http::{ClientOptions, Pipeline, Policy};
///
/// let credential = AzureKeyCredential::new("pw==")?;
/// let auth: Arc<dyn Policy> = Arc::new(HmacAuthenticationPolicy::new(credential));
/// let pipeline = Pipeline::new(
///     env!("CARGO_PKG_NAME"),
///     env!("CARGO_PKG_VERSION"),
///     ClientOptions::default(),
///     Vec::new(),
///     vec![auth],
/// )?;
/// assert_eq!(pipeline.policies().len(), 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pipeline {
    policies: Arc<[Arc<dyn Policy>]>,
    /// The options' clock, handed to every call's [`Context`] that has none.
    clock: Option<Arc<dyn Clock>>,
}

impl Pipeline {
    /// Builds the pipeline for the crate `crate_name` at `crate_version` (they go into the
    /// `User-Agent`), with the client's own `per_call` and `per_try` policies.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::InvalidInput`] for an invalid user agent application id;
    /// [`crate::ErrorKind::Other`] when no transport was given and the default one cannot be
    /// built.
    pub fn new(
        crate_name: &'static str,
        crate_version: &'static str,
        options: ClientOptions,
        per_call: Vec<Arc<dyn Policy>>,
        per_try: Vec<Arc<dyn Policy>>,
    ) -> Result<Self> {
        let transport = match options.transport {
            Some(transport) => transport,
            None => Arc::new(HyperTransport::new()?),
        };
        let mut retry = RetryPolicy::new(options.retry);
        if let Some(clock) = &options.clock {
            retry = retry.with_clock(Arc::clone(clock));
        }

        let mut policies: Vec<Arc<dyn Policy>> = vec![
            Arc::new(ClientRequestIdPolicy::new()),
            Arc::new(UserAgentPolicy::new(
                crate_name,
                crate_version,
                &options.user_agent,
            )?),
        ];
        policies.extend(options.per_call_policies);
        policies.extend(per_call);
        policies.push(Arc::new(retry));
        policies.extend(per_try);
        policies.extend(options.per_try_policies);
        policies.push(Arc::new(LoggingPolicy::new(&options.logging)));
        policies.push(Arc::new(TransportPolicy::new(transport)));
        Ok(Self {
            policies: policies.into(),
            clock: options.clock,
        })
    }

    /// Sends `request` through every policy and returns the final response.
    ///
    /// # Errors
    ///
    /// Failures no policy recovered from: connection, I/O, timeout, credential and invalid
    /// input errors. An error *status* is not an error here.
    pub async fn send(&self, ctx: &Context, request: &mut Request) -> Result<Response> {
        let with_clock;
        let ctx = match &self.clock {
            Some(clock) if !ctx.has_clock() => {
                with_clock = ctx.clone().with_clock(Arc::clone(clock));
                &with_clock
            }
            _ => ctx,
        };
        let outcome = Next::new(&self.policies).run(ctx, request).await;
        outcome.map_err(|error| {
            error.or_client_request_id(|| request.client_request_id().map(str::to_owned))
        })
    }

    /// The policies in the order they run.
    pub fn policies(&self) -> &[Arc<dyn Policy>] {
        &self.policies
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "pipeline_tests.rs"]
mod tests;
