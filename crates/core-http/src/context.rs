//! Per-call data that travels through the policies alongside the request.
//!
//! A [`Context`] is created by the client for each logical call. The caller may pin the
//! client request id through it; the client marks calls that must not be repeated blindly
//! (creating a resource) as non-idempotent, which the retry policy reads; the retry policy
//! records which attempt is running so that downstream policies (logging, tests) can see
//! it; and the pipeline hands every policy its clock through it ([`Context::now`]), so a
//! clock injected in the client's options dates signatures and judges token expiry without
//! each policy being given it. It is four small fields, cheap to clone.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::{Clock, SystemClock};

/// Data about the call in progress.
///
/// ```
/// use acs_core_http::Context;
///
/// let ctx = Context::new().with_client_request_id("0f8fad5b-d9cb-469f-a165-70867728950e");
/// assert_eq!(ctx.client_request_id(), Some("0f8fad5b-d9cb-469f-a165-70867728950e"));
/// assert_eq!(ctx.attempt(), 1);
/// assert!(ctx.is_idempotent());
///
/// // Creating a user twice would leave an orphan, so the client says so.
/// let create = Context::new().with_idempotent(false);
/// assert!(!create.is_idempotent());
/// ```
#[derive(Debug, Clone)]
pub struct Context {
    client_request_id: Option<Arc<str>>,
    attempt: u32,
    idempotent: bool,
    clock: Option<Arc<dyn Clock>>,
}

impl Context {
    /// An empty context: no request id chosen, first attempt, idempotent.
    pub fn new() -> Self {
        Self {
            client_request_id: None,
            attempt: 1,
            idempotent: true,
            clock: None,
        }
    }

    /// Says whether sending the request twice has the same effect as sending it once
    /// (the default, `true`). With `false` the retry policy repeats the call only when the
    /// service cannot have acted on it; see [`crate::policies::retry`] for the rules.
    pub fn with_idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Whether the call may be repeated freely; `true` unless the client said otherwise.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
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

    /// The client request id, shared rather than copied.
    pub(crate) fn shared_client_request_id(&self) -> Option<Arc<str>> {
        self.client_request_id.clone()
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

    /// Tells the time of this call by `clock`. The pipeline sets the clock of its options
    /// ([`crate::ClientOptions::clock`]) when the context has none.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Whether a clock was set for this call.
    pub fn has_clock(&self) -> bool {
        self.clock.is_some()
    }

    /// The current time by the call's clock, or by the system clock when none was set.
    pub fn now(&self) -> OffsetDateTime {
        match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}
