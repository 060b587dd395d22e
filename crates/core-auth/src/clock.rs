//! The source of the current time for behaviour that depends on it.
//!
//! Every layer that decides something by the time asks a [`Clock`] rather than the system:
//! HMAC signing stamps `x-ms-date`, the bearer policy and the user credential decide when a
//! token is about to expire, and retry converts an HTTP-date `Retry-After` to a delay. The
//! trait lives here, in the lowest layer, so that they all share one definition and a test
//! can pin or advance time for all of them with one [`ManualClock`]. (Waiting itself uses
//! `tokio::time`, which tests control with `tokio::time::pause()`.)

use std::fmt;
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

/// Tells the current UTC time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that shows a set time until told otherwise. For tests.
///
/// ```
/// use acs_core_auth::{Clock, ManualClock};
/// use time::{Duration, macros::datetime};
///
/// let clock = ManualClock::new(datetime!(2026-12-04 14:08:39 UTC));
/// clock.advance(Duration::seconds(1));
/// assert_eq!(clock.now(), datetime!(2026-12-04 14:08:40 UTC));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Sets the time shown.
    pub fn set(&self, now: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the time shown forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
