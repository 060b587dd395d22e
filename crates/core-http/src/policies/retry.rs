//! Retries transient failures with exponential backoff.
//!
//! Sits between the per-call and the per-try policies: it runs the rest of the pipeline,
//! and when the outcome is a retryable status (408, 429, 500, 502, 503, 504 by default) or
//! a connection, I/O or timeout error, it sleeps and runs it again. Because signing is per
//! try, each attempt carries a fresh signature; because the request id is per call, all
//! attempts share one id. The request body is bytes, so it is replayed unchanged.
//!
//! The wait honours `retry-after-ms`, `x-ms-retry-after-ms` and `Retry-After` (seconds,
//! decimals allowed, or an HTTP-date); a header that cannot be read falls back to the
//! computed backoff and never fails the call. Every wait is capped by `max_delay`, and the
//! whole call by `max_total_delay`. When retries run out the last response is returned as
//! is, and the client turns it into an error. Sleeping uses `tokio::time`, so tests run it
//! under `tokio::time::pause()`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use http::header::RETRY_AFTER;
use time::{OffsetDateTime, PrimitiveDateTime};
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::headers::{RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS};
use crate::hmac::IMF_FIXDATE;
use crate::{
    Clock, Context, ErrorKind, Next, Policy, Request, Response, Result, RetryOptions, SystemClock,
};

/// Retries transient failures; see the module documentation for the rules.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    options: RetryOptions,
    clock: Arc<dyn Clock>,
}

impl RetryPolicy {
    /// A policy with `options`, reading HTTP-dates against the system clock.
    pub fn new(options: RetryOptions) -> Self {
        Self {
            options,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` to turn an HTTP-date `Retry-After` into a delay.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The backoff before retry `retry` (1-based), capped and jittered into its upper half.
    fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let base = self.options.initial_delay.saturating_mul(1 << exponent);
        let capped = base.min(self.options.max_delay);
        capped / 2 + capped.mul_f64(fastrand::f64() / 2.0)
    }

    fn is_retryable(&self, outcome: &Result<Response>) -> bool {
        match outcome {
            Ok(response) => self.options.status_codes.contains(&response.status()),
            Err(error) => {
                matches!(
                    error.kind(),
                    ErrorKind::Connection | ErrorKind::Io | ErrorKind::Timeout
                )
            }
        }
    }
}

#[async_trait]
impl Policy for RetryPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let attempt_ctx = ctx.clone().with_attempt(attempt);
            let outcome = next.run(&attempt_ctx, request).await;
            if !self.is_retryable(&outcome) {
                return outcome;
            }

            let what = describe(&outcome);
            if attempt > self.options.max_retries {
                if self.options.max_retries > 0 {
                    warn!(attempts = attempt, outcome = %what, "giving up after the last retry");
                }
                return outcome;
            }

            let server_delay = match &outcome {
                Ok(response) => parse_retry_after(response.headers(), self.clock.now()),
                Err(_) => None,
            };
            let delay = server_delay
                .unwrap_or_else(|| self.backoff(attempt))
                .min(self.options.max_delay);
            if started.elapsed().saturating_add(delay) > self.options.max_total_delay {
                warn!(
                    attempts = attempt,
                    outcome = %what,
                    "giving up: the next retry would exceed the total retry time"
                );
                return outcome;
            }

            debug!(
                attempt,
                outcome = %what,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

fn describe(outcome: &Result<Response>) -> String {
    match outcome {
        Ok(response) => format!("status {}", response.status().as_u16()),
        Err(error) => error.kind().to_string(),
    }
}

/// The delay a response asks for, from `retry-after-ms`, `x-ms-retry-after-ms` or
/// `Retry-After` (first readable one wins). `None` when none is present or readable.
///
/// `Retry-After` may be seconds (decimals allowed, e.g. `0.941641`) or an IMF-fixdate,
/// compared with `now`; a date in the past means no wait. Negative, non-numeric or
/// overflowing values are ignored.
pub fn parse_retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };

    for name in [RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS] {
        if let Some(ms) = text(name).and_then(parse_seconds_like) {
            return Some(ms / 1000);
        }
    }

    let value = text(RETRY_AFTER)?;
    if let Some(delay) = parse_seconds_like(value) {
        return Some(delay);
    }
    let at = PrimitiveDateTime::parse(value, IMF_FIXDATE)
        .ok()?
        .assume_utc();
    let wait = at - now;
    Some(if wait.is_negative() {
        Duration::ZERO
    } else {
        wait.unsigned_abs()
    })
}

/// A non-negative decimal number, as a `Duration` of that many seconds. `None` otherwise.
///
/// Used for milliseconds too: the caller divides by 1000.
fn parse_seconds_like(value: &str) -> Option<Duration> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let number: f64 = value.parse().ok()?;
    Duration::try_from_secs_f64(number).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "retry_tests.rs"]
mod tests;
