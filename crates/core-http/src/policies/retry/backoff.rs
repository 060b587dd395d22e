//! The computed wait between attempts: exponential, capped, with jitter.
//!
//! Kept apart from the policy as a pure function of the options, the retry number and a
//! random draw, so its bounds can be checked directly (including by property tests) and the
//! policy only has to supply `fastrand`'s draw.

use std::time::Duration;

use crate::RetryOptions;

/// The wait before retry `retry` (1-based) for a uniform draw `unit` in `[0, 1)`.
///
/// The full delay is `initial_delay × 2^(retry−1)`, capped at `max_delay`; the result lies
/// in the upper half of it, `[full / 2, full]`. It never exceeds `max_delay`, whatever the
/// inputs (a draw outside `[0, 1)` is clamped into it).
pub(crate) fn backoff(options: &RetryOptions, retry: u32, unit: f64) -> Duration {
    // Past 2^31 every practical delay is long capped; the shift must not overflow.
    let exponent = retry.saturating_sub(1).min(31);
    let full = options
        .initial_delay
        .saturating_mul(1 << exponent)
        .min(options.max_delay);

    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = full / 2;
    // `mul_f64` of a value no larger than `full - half` by at most 1.0 stays within it,
    // but rounding could nudge it up by a nanosecond: clamp to `full` to keep the bound.
    (half + (full - half).mul_f64(unit)).min(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_the_upper_half_and_caps() {
        let options = RetryOptions {
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(5),
            ..Default::default()
        };
        for (retry, full) in [
            (1, 800),
            (2, 1600),
            (3, 3200),
            (4, 5000),
            (30, 5000),
            (u32::MAX, 5000),
        ] {
            let full = Duration::from_millis(full);
            assert_eq!(backoff(&options, retry, 0.0), full / 2, "retry {retry}");
            assert_eq!(backoff(&options, retry, 1.0), full, "retry {retry}");
            let middle = backoff(&options, retry, 0.5);
            assert!(
                middle > full / 2 && middle < full,
                "retry {retry}: {middle:?}"
            );
        }
    }

    #[test]
    fn odd_inputs_stay_in_bounds() {
        let options = RetryOptions {
            initial_delay: Duration::MAX,
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        for unit in [f64::NAN, f64::INFINITY, -1.0, 2.0] {
            assert!(backoff(&options, 1, unit) <= Duration::from_secs(1));
        }
        let zero = RetryOptions {
            initial_delay: Duration::ZERO,
            ..Default::default()
        };
        assert_eq!(backoff(&zero, 3, 0.7), Duration::ZERO);
        // Retry 0 does not exist, but is treated as the first.
        assert_eq!(
            backoff(&RetryOptions::default(), 0, 1.0),
            Duration::from_millis(800)
        );
    }
}
