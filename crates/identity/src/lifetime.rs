//! How long an issued access token stays valid.
//!
//! The service accepts a custom lifetime of 60 to 1440 minutes (one hour to one day) and
//! issues 1440-minute tokens when none is given. [`TokenLifetime`] holds a value that is
//! already known to be in that range, so a request with a bad lifetime is refused before it
//! leaves the process; the client turns it into the `expiresInMinutes` member of a request
//! body and leaves that member out when no lifetime is chosen.

use std::fmt;
use std::time::Duration;

use acs_core_http::{Error, ErrorKind};
use acs_identity_models::constraints;

/// A token lifetime in whole minutes, between [`TokenLifetime::MIN_MINUTES`] and
/// [`TokenLifetime::MAX_MINUTES`] inclusive.
///
/// Built from minutes ([`TokenLifetime::from_minutes`]) or from a [`Duration`]
/// ([`TokenLifetime::from_duration`], `TryFrom<Duration>`). A `Duration` must be a whole
/// number of minutes: `Duration::from_secs(90)` is refused rather than silently rounded, so
/// the lifetime sent is always the one asked for.
///
/// ```
/// use std::time::Duration;
/// use acs_identity::TokenLifetime;
///
/// let one_hour = TokenLifetime::from_minutes(60)?;
/// assert_eq!(TokenLifetime::try_from(Duration::from_secs(3600))?, one_hour);
/// assert!(TokenLifetime::from_minutes(59).is_err());
/// # Ok::<(), acs_identity::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenLifetime {
    minutes: u32,
}

impl TokenLifetime {
    /// The shortest lifetime the service accepts, in minutes (one hour).
    pub const MIN_MINUTES: u32 = constraints::EXPIRES_IN_MINUTES_MIN as u32;
    /// The longest lifetime the service accepts, in minutes (one day); also the service's
    /// default when no lifetime is sent.
    pub const MAX_MINUTES: u32 = constraints::EXPIRES_IN_MINUTES_MAX as u32;

    /// A lifetime of `minutes` minutes.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when `minutes` is outside 60..=1440; the message names the
    /// value and the range.
    pub fn from_minutes(minutes: u32) -> Result<Self, Error> {
        if (Self::MIN_MINUTES..=Self::MAX_MINUTES).contains(&minutes) {
            return Ok(Self { minutes });
        }
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "token lifetime of {minutes} minutes is out of range; it must be within \
                 [{}, {}] minutes",
                Self::MIN_MINUTES,
                Self::MAX_MINUTES
            ),
        ))
    }

    /// A lifetime equal to `duration`, which must be a whole number of minutes.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when `duration` has a seconds or sub-second remainder, or
    /// is outside 60..=1440 minutes.
    pub fn from_duration(duration: Duration) -> Result<Self, Error> {
        let seconds = duration.as_secs();
        if duration.subsec_nanos() != 0 || !seconds.is_multiple_of(60) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "token lifetime of {duration:?} is not a whole number of minutes; the \
                     service takes minutes within [{}, {}]",
                    Self::MIN_MINUTES,
                    Self::MAX_MINUTES
                ),
            ));
        }

        // Saturate huge durations so that the range check reports them instead of wrapping.
        let minutes = u32::try_from(seconds / 60).unwrap_or(u32::MAX);
        Self::from_minutes(minutes)
    }

    /// The lifetime in minutes, as sent in `expiresInMinutes`.
    pub const fn minutes(self) -> u32 {
        self.minutes
    }

    /// The lifetime as a [`Duration`].
    pub const fn as_duration(self) -> Duration {
        Duration::from_secs(self.minutes as u64 * 60)
    }

    /// The value of the `expiresInMinutes` wire member.
    pub(crate) fn wire_minutes(self) -> i32 {
        // Lossless: the value is at most MAX_MINUTES (1440).
        self.minutes as i32
    }
}

impl TryFrom<Duration> for TokenLifetime {
    type Error = Error;

    fn try_from(duration: Duration) -> Result<Self, Self::Error> {
        Self::from_duration(duration)
    }
}

impl TryFrom<u32> for TokenLifetime {
    type Error = Error;

    fn try_from(minutes: u32) -> Result<Self, Self::Error> {
        Self::from_minutes(minutes)
    }
}

impl From<TokenLifetime> for Duration {
    fn from(lifetime: TokenLifetime) -> Self {
        lifetime.as_duration()
    }
}

impl fmt::Display for TokenLifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} minutes", self.minutes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(TokenLifetime::from_minutes(60).unwrap().minutes(), 60);
        assert_eq!(TokenLifetime::from_minutes(1440).unwrap().minutes(), 1440);
        for bad in [0, 59, 1441, u32::MAX] {
            let err = TokenLifetime::from_minutes(bad).unwrap_err();
            assert_eq!(*err.kind(), ErrorKind::InvalidInput);
            let text = err.to_string();
            assert!(text.contains(&bad.to_string()), "{text}");
            assert!(text.contains("60") && text.contains("1440"), "{text}");
        }
    }

    #[test]
    fn durations_must_be_whole_minutes() {
        let hour = TokenLifetime::try_from(Duration::from_secs(3600)).unwrap();
        assert_eq!(hour.minutes(), 60);
        assert_eq!(hour.as_duration(), Duration::from_secs(3600));
        assert_eq!(Duration::from(hour), Duration::from_secs(3600));

        for bad in [Duration::from_secs(3630), Duration::from_millis(3_600_001)] {
            let err = TokenLifetime::from_duration(bad).unwrap_err();
            assert_eq!(*err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains("whole number of minutes"), "{err}");
        }
    }

    #[test]
    fn durations_out_of_range_are_refused() {
        assert!(TokenLifetime::from_duration(Duration::from_secs(59 * 60)).is_err());
        assert!(TokenLifetime::from_duration(Duration::from_secs(1441 * 60)).is_err());
        assert!(TokenLifetime::from_duration(Duration::from_secs(u64::MAX / 60 * 60)).is_err());
        assert!(TokenLifetime::from_duration(Duration::ZERO).is_err());
        // The extremes give an error, never an overflow.
        for extreme in [Duration::MAX, Duration::from_secs(u64::MAX)] {
            let err = TokenLifetime::from_duration(extreme).unwrap_err();
            assert_eq!(*err.kind(), ErrorKind::InvalidInput);
        }
        let minutes = u64::from(u32::MAX) + 1;
        let err = TokenLifetime::from_duration(Duration::from_secs(minutes * 60)).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn displays_minutes() {
        assert_eq!(
            TokenLifetime::from_minutes(90).unwrap().to_string(),
            "90 minutes"
        );
    }
}
