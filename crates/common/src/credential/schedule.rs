//! Proactive refresh: the background task that replaces the token before it expires.
//!
//! The task is spawned by the credential's constructor and owned by it: the credential
//! keeps the task's abort handle in [`Scheduler`], which aborts the task when the last clone
//! of the credential is dropped or [`dispose`](super::CommunicationTokenCredential::dispose)
//! is called. The task sleeps on Tokio's timer, wakes early when the cached token changes,
//! and calls the same refresh path as `get_token`, so the two never run the refresher twice
//! for one expiry.

use std::sync::Arc;

use time::Duration;
use tokio::task::AbortHandle;

use super::PROACTIVE_REFRESH_WINDOW;
use super::cache::TokenCache;

/// The shortest wait between proactive attempts, so that a refresher handing out tokens
/// that live only seconds cannot make the task spin.
const MIN_PROACTIVE_DELAY: Duration = Duration::seconds(1);

/// The longest single sleep. The delay is measured on the wall clock but slept on Tokio's
/// monotonic timer; waking at least this often re-reads the wall clock, so a suspended
/// machine or a clock change delays a refresh by at most this much.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// How long to wait before refreshing a token with `remaining` lifetime left: until it
/// enters the proactive window, or half its remaining lifetime once inside.
pub(crate) fn proactive_delay(remaining: Duration) -> Duration {
    if remaining > PROACTIVE_REFRESH_WINDOW {
        remaining - PROACTIVE_REFRESH_WINDOW
    } else {
        (remaining / 2_i32).max(MIN_PROACTIVE_DELAY)
    }
}

/// Aborts the background task when dropped.
#[derive(Debug)]
pub(crate) struct Scheduler {
    task: AbortHandle,
}

impl Scheduler {
    /// Spawns the refresh task for `cache` on the current Tokio runtime, or returns `None`
    /// when there is none.
    pub(crate) fn spawn(cache: Arc<TokenCache>) -> Option<Self> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let task = runtime.spawn(run(cache)).abort_handle();
        Some(Self { task })
    }

    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(cache: Arc<TokenCache>) {
    let mut changes = cache.subscribe();
    loop {
        if cache.is_disposed() {
            return;
        }
        let (expires_on, attempts, failed) = {
            let state = changes.borrow_and_update();
            let expires_on = state.token.as_ref().map(|token| token.expires_on);
            (expires_on, state.attempts, state.last_error.is_some())
        };

        let now = cache.now();
        let delay = match expires_on {
            Some(expires_on) if expires_on > now => Some(proactive_delay(expires_on - now)),
            // No usable token and the last attempt failed: retrying at once could spin, so
            // the next `get_token` retries on demand and its outcome wakes this task.
            _ if failed => None,
            // No token yet (or an expired one nobody has tried to replace): fetch one now.
            _ => Some(Duration::ZERO),
        };

        match delay {
            None => {
                if changes.changed().await.is_err() {
                    return;
                }
                continue;
            }
            Some(delay) if delay.is_positive() => {
                let delay = delay.unsigned_abs();
                match tokio::time::timeout(delay.min(MAX_SLEEP), changes.changed()).await {
                    // The cache changed (a refresh happened elsewhere): plan again.
                    Ok(Ok(())) => continue,
                    Ok(Err(_closed)) => return,
                    // A capped sleep ended early on purpose: plan again from the clock.
                    Err(_elapsed) if delay > MAX_SLEEP => continue,
                    Err(_elapsed) => {}
                }
            }
            Some(_) => {}
        }

        cache.refresh_if_unchanged(attempts).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_follows_the_window_rules() {
        assert_eq!(
            proactive_delay(Duration::minutes(60)),
            Duration::minutes(50)
        );
        assert_eq!(
            proactive_delay(Duration::minutes(24 * 60)),
            Duration::minutes(1430)
        );
        assert_eq!(proactive_delay(Duration::minutes(10)), Duration::minutes(5));
        assert_eq!(proactive_delay(Duration::minutes(8)), Duration::minutes(4));
        assert_eq!(proactive_delay(Duration::seconds(1)), Duration::seconds(1));
        assert_eq!(proactive_delay(Duration::ZERO), Duration::seconds(1));
    }
}
