//! The knobs a client exposes to its callers.
//!
//! Every client built on this crate takes a [`ClientOptions`] (usually inside its own options
//! struct) and hands it to [`crate::Pipeline::new`]. They are plain structs with `Default`,
//! so callers change only what they need:
//! `ClientOptions { retry: RetryOptions::none(), ..Default::default() }`.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::{Clock, Policy, Transport};

/// Options shared by every client built on the pipeline.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// How failed attempts are retried.
    pub retry: RetryOptions,
    /// The HTTP transport; `None` builds a default [`crate::HyperTransport`].
    pub transport: Option<Arc<dyn Transport>>,
    /// What the `User-Agent` header says.
    pub user_agent: UserAgentOptions,
    /// What request and response logging may show.
    pub logging: LoggingOptions,
    /// Extra policies run once per call, after the request id and user agent.
    pub per_call_policies: Vec<Arc<dyn Policy>>,
    /// Extra policies run on every attempt, after authentication and before logging.
    pub per_try_policies: Vec<Arc<dyn Policy>>,
    /// The time source for signing dates, token expiry and HTTP-date `Retry-After`;
    /// `None` uses the system clock. Mainly for tests. The pipeline hands it to every
    /// call's [`crate::Context`], where policies read it with [`crate::Context::now`].
    pub clock: Option<Arc<dyn Clock>>,
    /// Lets the client use a plain `http://` endpoint on a host that is not loopback.
    /// Default `false`: such endpoints are refused by [`crate::check_endpoint_scheme`],
    /// because the access-key signature, the request body and the tokens the service
    /// returns would cross the network unencrypted. Loopback `http` (the emulator) needs no
    /// opt-in. Bearer tokens are never sent over non-loopback `http`, whatever this says.
    pub allow_insecure_http: bool,
}

/// How a call is retried and how long it may take.
///
/// The rules for *what* is retried (statuses, transport failures, idempotency) are in
/// [`crate::policies::retry`]. These settings say how often and how long:
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `max_retries` | 3 | retries after the first attempt, so at most 4 attempts |
/// | `initial_delay` | 800 ms | backoff before the first retry, doubled for each later one |
/// | `max_delay` | 60 s | longest single wait, server-requested waits included |
/// | `max_total_duration` | 2 min | deadline for the whole call: every attempt and every wait |
/// | `try_timeout` | 60 s | longest single attempt, from connecting to the end of the body |
/// | `status_codes` | 408, 429, 500, 502, 503, 504 | statuses that may be retried |
///
/// The computed wait before retry *n* (1-based) is `initial_delay × 2^(n−1)`, capped at
/// `max_delay`, then drawn uniformly from its upper half (so clients that failed together
/// spread out). A 429 or 503 that names a wait (`Retry-After`, `retry-after-ms`,
/// `x-ms-retry-after-ms`) gets that wait instead, still capped at `max_delay`.
///
/// The deadline is measured from the moment the retry policy first runs. Retrying stops,
/// and the last response or error is returned, when the next wait would reach the deadline.
/// An attempt still running at the deadline is cancelled and the call fails with
/// [`crate::ErrorKind::Timeout`]. An attempt that exceeds `try_timeout` fails with
/// [`crate::ErrorKind::Timeout`] too, and counts as a failed attempt that may be retried.
/// `Duration::MAX` disables the deadline; `try_timeout: None` disables the per-attempt
/// limit (the deadline still applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryOptions {
    /// Retries after the first attempt (so `max_retries + 1` attempts at most). Default 3.
    pub max_retries: u32,
    /// Delay before the first retry, before jitter. Default 800 ms.
    pub initial_delay: Duration,
    /// Longest single delay, including server-requested ones. Default 60 s.
    pub max_delay: Duration,
    /// Deadline for the whole call, attempts and waits included. Default 2 min.
    pub max_total_duration: Duration,
    /// Longest time one attempt may take; `None` for no per-attempt limit. Default 60 s.
    pub try_timeout: Option<Duration>,
    /// Response statuses that may be retried. Default 408, 429, 500, 502, 503, 504.
    /// Non-idempotent calls retry only 429 and 503 from this list, and only with a wait
    /// named by the service.
    pub status_codes: Vec<StatusCode>,
}

impl RetryOptions {
    /// Never retry: one attempt, still bounded by `try_timeout` and `max_total_duration`
    /// at their defaults.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
            max_total_duration: Duration::from_secs(120),
            try_timeout: Some(Duration::from_secs(60)),
            status_codes: vec![
                StatusCode::REQUEST_TIMEOUT,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::GATEWAY_TIMEOUT,
            ],
        }
    }
}

/// `User-Agent` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAgentOptions {
    /// An application name put in front of the SDK's own product token: at most 24
    /// characters, no spaces or other characters outside an HTTP token.
    pub application_id: Option<String>,
}

/// What the logging policy may print besides its built-in allow-lists.
///
/// Headers not allowed are printed as `REDACTED`; query parameters other than
/// `api-version` likewise. Names are compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggingOptions {
    /// Header names whose values may be logged, in addition to the defaults.
    pub additional_allowed_headers: Vec<String>,
    /// Query parameter names whose values may be logged, in addition to `api-version`.
    pub additional_allowed_query_params: Vec<String>,
}
