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
    /// `None` uses the system clock. Mainly for tests.
    pub clock: Option<Arc<dyn Clock>>,
}

/// Exponential backoff settings.
///
/// The delay before retry *n* (1-based) is `initial_delay × 2^(n−1)`, capped at `max_delay`,
/// then jittered uniformly into its upper half. A `Retry-After`, `retry-after-ms` or
/// `x-ms-retry-after-ms` header replaces the computed delay (still capped at `max_delay`).
/// Retrying stops after `max_retries` retries, or earlier when the next sleep would take the
/// call past `max_total_delay`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryOptions {
    /// Retries after the first attempt (so `max_retries + 1` attempts at most). Default 3.
    pub max_retries: u32,
    /// Delay before the first retry, before jitter. Default 800 ms.
    pub initial_delay: Duration,
    /// Longest single delay, including server-requested ones. Default 60 s.
    pub max_delay: Duration,
    /// Longest time from the first attempt to the start of the last retry. Default 2 min.
    pub max_total_delay: Duration,
    /// Response statuses that are retried. Default 408, 429, 500, 502, 503, 504.
    pub status_codes: Vec<StatusCode>,
}

impl RetryOptions {
    /// Never retry.
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
            max_total_delay: Duration::from_secs(120),
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
