//! The source of the current time for the user credential's refresh decisions.
//!
//! Whether a cached token is still fresh, and when a proactive refresh is due, is judged by a
//! [`Clock`] rather than by asking the system directly, so that tests can move time. Waiting
//! for a proactive refresh uses `tokio::time`, which tests pause; [`TokioClock`] follows that
//! paused time, so one `tokio::time::advance` moves both. [`ManualClock`] is for tests and
//! demos that only call `get_token` (no background refresh).

use time::OffsetDateTime;

pub use acs_core_auth::{Clock, ManualClock, SystemClock};

/// A clock that starts at a given time and then moves with Tokio's timer.
///
/// Under `tokio::time::pause()` it stands still until Tokio time advances (by
/// `tokio::time::advance` or auto-advance while every task sleeps), which makes proactive
/// refresh testable without waiting. Outside tests, prefer [`SystemClock`]: Tokio's timer is
/// monotonic and does not follow changes to the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: OffsetDateTime,
    started_at: tokio::time::Instant,
}

impl TokioClock {
    /// A clock showing `start` now. Call it inside a Tokio runtime when time is paused, so
    /// that it reads the paused timer.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            start,
            started_at: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> OffsetDateTime {
        self.start + self.started_at.elapsed()
    }
}
