//! Retrying failed attempts, and the rules that say when that is safe.
//!
//! [`RetryPolicy`] sits between the per-call and the per-try policies: it runs the rest of
//! the pipeline, and when the outcome may be retried it waits and runs it again. Because
//! signing is per try, each attempt carries a fresh `x-ms-date` and signature; because the
//! request id is per call, all attempts share one `x-ms-client-request-id`; the body is
//! bytes, so every attempt sends it whole. Settings are in [`RetryOptions`].
//!
//! # What is retried
//!
//! A call is idempotent unless its client marked the [`Context`] with
//! `with_idempotent(false)` (creating a user is the example: repeating a create that did
//! reach the service would create a second one). A non-idempotent call is only repeated
//! when the service cannot have acted on it.
//!
//! | outcome of an attempt | idempotent call | non-idempotent call |
//! | --- | --- | --- |
//! | 429 or 503 naming a wait (`Retry-After`, `retry-after-ms`, `x-ms-retry-after-ms`) | retried after that wait | retried after that wait |
//! | 429 or 503 naming no wait | retried after backoff | returned |
//! | 408, 500, 502, 504 | retried after backoff | returned |
//! | any other status, or a status removed from `status_codes` | returned | returned |
//! | no connection: refused, name not resolved, TLS handshake failed, connect timed out ([`SendState::NotSent`]) | retried after backoff | retried after backoff |
//! | failed after the request may have left: reset or closed mid-exchange, truncated response, other I/O error ([`SendState::MaybeSent`]) | retried after backoff | returned as the error |
//! | the attempt exceeded `try_timeout` | retried after backoff | returned as the error |
//! | the call's deadline (`max_total_duration`) passed during the attempt | fails with [`ErrorKind::Timeout`] | fails with [`ErrorKind::Timeout`] |
//! | credential, invalid input, data conversion, response too large and other errors | returned | returned |
//!
//! A 429 or 503 "names a wait" when one of the three headers has any non-blank value; a
//! value [`parse_retry_after`] cannot read still counts (the service did say "later"), and
//! the wait is then the computed backoff.
//!
//! "Returned" means the policy hands back that response or error as the outcome of the
//! call; the client then turns an error status into an [`crate::Error`]. Only
//! [`ErrorKind::Connection`], [`ErrorKind::Io`] and [`ErrorKind::Timeout`] count as
//! transport failures, and the transport says how far the request got through
//! [`crate::Error::send_state`]; a transport that cannot tell leaves the default,
//! `MaybeSent`, so a non-idempotent call is not repeated on a guess.
//!
//! # How long
//!
//! - At most `max_retries` retries.
//! - The wait after a 429 or 503 is the one the response names (read by
//!   [`parse_retry_after`]; an unreadable value falls back to backoff), otherwise
//!   exponential backoff with jitter. Either is capped at `max_delay`. Other statuses'
//!   wait headers are ignored.
//! - Before each wait: if it would end at or after the deadline, the policy stops and
//!   returns the last outcome instead of sleeping.
//! - Each attempt runs under the tighter of `try_timeout` and the time left before the
//!   deadline. Hitting `try_timeout` is an [`ErrorKind::Timeout`] for that attempt (see the
//!   table); hitting the deadline cancels the attempt and fails the call.
//!
//! Waiting and timing use `tokio::time`, so tests run under `tokio::time::pause()`. Nothing
//! is spawned: dropping the call's future drops the attempt in progress (and with it the
//! transport's future) or the wait, and nothing of the call runs afterwards.

mod backoff;
mod retry_after;
mod rules;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tracing::{debug, warn};

use self::backoff::backoff;
use self::rules::{is_throttling, may_retry};
use crate::{
    Clock, Context, Error, ErrorKind, Next, Policy, Request, Response, Result, RetryOptions,
    SendState, SystemClock,
};

pub use self::retry_after::parse_retry_after;

/// Retries failed attempts; see the [module documentation](self) for the rules.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    options: RetryOptions,
    clock: Arc<dyn Clock>,
}

/// Which limit cut an attempt short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// `try_timeout`: this attempt failed, the call may go on.
    Try(Duration),
    /// `max_total_duration`: the call is over.
    Deadline(Duration),
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

    /// The settings this policy applies.
    pub fn options(&self) -> &RetryOptions {
        &self.options
    }

    /// Runs one attempt under the tighter of `try_timeout` and the call's `deadline`.
    async fn attempt(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: Next<'_>,
        deadline: Option<Instant>,
    ) -> std::result::Result<Result<Response>, Limit> {
        let now = Instant::now();
        let try_end = self
            .options
            .try_timeout
            .and_then(|limit| Some((now.checked_add(limit)?, limit)));
        let total = self.options.max_total_duration;
        let (end, limit) = match (try_end, deadline) {
            (None, None) => return Ok(next.run(ctx, request).await),
            (Some((try_end, limit)), Some(deadline)) if try_end < deadline => {
                (try_end, Limit::Try(limit))
            }
            (Some((try_end, limit)), None) => (try_end, Limit::Try(limit)),
            (_, Some(deadline)) => (deadline, Limit::Deadline(total)),
        };
        tokio::time::timeout_at(end, next.run(ctx, request))
            .await
            .map_err(|_| limit)
    }

    /// The wait before retry `retry` after `outcome`.
    fn delay(&self, retry: u32, outcome: &Result<Response>) -> Duration {
        let requested = match outcome {
            Ok(response) if is_throttling(response.status()) => {
                parse_retry_after(response.headers(), self.clock.now())
            }
            _ => None,
        };
        requested
            .unwrap_or_else(|| backoff(&self.options, retry, fastrand::f64()))
            .min(self.options.max_delay)
    }
}

#[async_trait]
impl Policy for RetryPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        let deadline = Instant::now().checked_add(self.options.max_total_duration);
        let mut attempt = 1;
        loop {
            let attempt_ctx = ctx.clone().with_attempt(attempt);
            let outcome = match self.attempt(&attempt_ctx, request, next, deadline).await {
                Ok(outcome) => outcome,
                Err(Limit::Try(limit)) => Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "attempt {attempt} did not complete within the per-try limit of {} ms",
                        limit.as_millis()
                    ),
                )
                .with_send_state(SendState::MaybeSent)),
                Err(Limit::Deadline(total)) => {
                    warn!(
                        attempts = attempt,
                        "giving up: the call reached its deadline"
                    );
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "the call did not complete within its total limit of {} ms \
                             (cancelled during attempt {attempt})",
                            total.as_millis()
                        ),
                    ));
                }
            };
            if !may_retry(&outcome, ctx.is_idempotent(), &self.options.status_codes) {
                return outcome;
            }

            let what = describe(&outcome);
            if attempt > self.options.max_retries {
                if self.options.max_retries > 0 {
                    warn!(attempts = attempt, outcome = %what, "giving up after the last retry");
                }
                return outcome;
            }

            let delay = self.delay(attempt, &outcome);
            let wait_ends = Instant::now().checked_add(delay);
            if deadline.is_some_and(|deadline| wait_ends.is_none_or(|end| end >= deadline)) {
                warn!(
                    attempts = attempt,
                    outcome = %what,
                    "giving up: the next retry would start after the call's deadline"
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_rules;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_attempts;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_props;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_timing;
