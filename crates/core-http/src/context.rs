//! Per-call data that travels through the policies alongside the request.
//!
//! A [`Context`] is created by the client for each logical call. The caller may pin the
//! client request id through it; the retry policy records which attempt is running so that
//! downstream policies (logging, tests) can see it. It is two small fields, cheap to clone.

use std::sync::Arc;

/// Data about the call in progress.
///
/// ```
/// use acs_core_http::Context;
///
/// let ctx = Context::new().with_client_request_id("0f8fad5b-d9cb-469f-a165-70867728950e");
/// assert_eq!(ctx.client_request_id(), Some("0f8fad5b-d9cb-469f-a165-70867728950e"));
/// assert_eq!(ctx.attempt(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Context {
    client_request_id: Option<Arc<str>>,
    attempt: u32,
}

impl Context {
    /// An empty context: no request id chosen, first attempt.
    pub fn new() -> Self {
        Self {
            client_request_id: None,
            attempt: 1,
        }
    }

    /// Uses `id` as the `x-ms-client-request-id` of this call instead of a fresh UUID.
    pub fn with_client_request_id(mut self, id: impl Into<String>) -> Self {
        self.client_request_id = Some(Arc::from(id.into()));
        self
    }

    /// The client request id chosen for this call, if any.
    pub fn client_request_id(&self) -> Option<&str> {
        self.client_request_id.as_deref()
    }

    /// Marks which attempt is running (1 for the first send). Set by the retry policy.
    pub fn with_attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }

    /// Which attempt is running: 1 for the first send, 2 for the first retry, …
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}
