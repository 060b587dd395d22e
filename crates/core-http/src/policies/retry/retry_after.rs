//! Reading the wait a throttled response asks for.
//!
//! The retry policy asks [`parse_retry_after`] when a 429 or 503 may be retried. Servers
//! and proxies write these headers in many shapes, and none of them may fail a call: a
//! value this module cannot read is simply no hint, and the policy falls back to its
//! computed backoff. Capping (at `max_delay`) is the policy's job, so very large values
//! come back saturated rather than refused.

use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderName};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::headers::{RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS};
use crate::hmac::IMF_FIXDATE;

/// Nanoseconds in a millisecond and in a second: the units of the two header families.
const NANOS_PER_MILLI: u32 = 6;
const NANOS_PER_SECOND: u32 = 9;

/// The wait a response asks for, or `None` when it names none this function can read.
///
/// Headers are read in this order, and the first one with a readable value wins:
///
/// 1. `retry-after-ms`: milliseconds;
/// 2. `x-ms-retry-after-ms`: milliseconds;
/// 3. `Retry-After`: seconds, or an HTTP-date compared with `now`.
///
/// | value | result |
/// | --- | --- |
/// | `1500` in a `*-ms` header, `12.5` | 1.5 s, 12.5 ms (decimals allowed) |
/// | `7`, `0.941641` in `Retry-After` | 7 s, 941.641 ms (decimals allowed) |
/// | `Fri, 04 Dec 2026 14:08:44 GMT` (IMF-fixdate) | the time from `now` to then |
/// | an HTTP-date at or before `now` | zero: retry at once |
/// | a number too large for a `Duration` | `Duration::MAX` (the policy caps it) |
/// | `-1`, `abc`, empty, `1e3`, `+5`, `0x10`, non-ASCII | unreadable |
/// | `81,120`, or the header given twice | unreadable: a list names no single wait |
///
/// Surrounding whitespace is ignored. Digits beyond nanosecond precision are dropped.
/// Obsolete HTTP-date forms (RFC 850, asctime) are unreadable. An unreadable value does not
/// stop the search: a garbled `retry-after-ms` next to a good `Retry-After` uses the
/// latter.
///
/// ```
/// use std::time::Duration;
/// use acs_core_http::policies::retry::parse_retry_after;
/// use acs_core_http::{HeaderMap, HeaderValue};
/// use time::macros::datetime;
///
/// let now = datetime!(2026-12-04 14:08:39 UTC);
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", HeaderValue::from_static("0.941641"));
/// assert_eq!(parse_retry_after(&headers, now), Some(Duration::from_micros(941_641)));
///
/// headers.insert("retry-after-ms", HeaderValue::from_static("abc"));
/// assert_eq!(parse_retry_after(&headers, now), Some(Duration::from_micros(941_641)));
///
/// headers.insert("retry-after", HeaderValue::from_static("Fri, 04 Dec 2026 14:00:00 GMT"));
/// assert_eq!(parse_retry_after(&headers, now), Some(Duration::ZERO));
/// ```
pub fn parse_retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    for name in [RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS] {
        if let Some(wait) = single_value(headers, &name).and_then(|v| decimal(v, NANOS_PER_MILLI)) {
            return Some(wait);
        }
    }

    let value = single_value(headers, &RETRY_AFTER)?;
    decimal(value, NANOS_PER_SECOND).or_else(|| until(value, now))
}

/// Whether the response carries any of the three wait headers with a non-blank value,
/// readable or not: the service's signal that it turned the request away before acting.
pub(crate) fn has_retry_hint(headers: &HeaderMap) -> bool {
    [RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS, RETRY_AFTER]
        .iter()
        .any(|name| {
            headers
                .get_all(name)
                .iter()
                .any(|value| !value.as_bytes().trim_ascii().is_empty())
        })
}

/// The header's value when it appears exactly once and is visible ASCII, trimmed.
fn single_value<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok().map(str::trim)
}

/// A non-negative decimal (`12`, `12.5`, `.5`, `12.`) in units of `10^unit_exponent` ns,
/// computed exactly and saturating at `Duration::MAX`.
fn decimal(value: &str, unit_exponent: u32) -> Option<Duration> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }

    let unit = 10u128.pow(unit_exponent);
    let mut nanos: u128 = 0;
    for digit in whole.bytes() {
        nanos = nanos
            .saturating_mul(10)
            .saturating_add(u128::from(digit - b'0'));
    }
    nanos = nanos.saturating_mul(unit);

    // Each fractional digit is worth a tenth of the one before; stop below 1 ns.
    let mut place = unit;
    for digit in fraction.bytes() {
        place /= 10;
        if place == 0 {
            break;
        }
        nanos = nanos.saturating_add(u128::from(digit - b'0') * place);
    }
    Some(from_nanos_saturating(nanos))
}

fn from_nanos_saturating(nanos: u128) -> Duration {
    let seconds = nanos / 1_000_000_000;
    let subsec = (nanos % 1_000_000_000) as u32;
    match u64::try_from(seconds) {
        Ok(seconds) => Duration::new(seconds, subsec),
        Err(_) => Duration::MAX,
    }
}

/// The time from `now` until the IMF-fixdate `value`, zero when it has passed.
fn until(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let at = PrimitiveDateTime::parse(value, IMF_FIXDATE)
        .ok()?
        .assume_utc();
    let wait = at - now;
    Some(if wait.is_positive() {
        wait.unsigned_abs()
    } else {
        Duration::ZERO
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-04 14:08:39 UTC);

    fn one(name: &'static str, value: &'static str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        parse_retry_after(&headers, NOW)
    }

    #[test]
    fn seconds_with_and_without_decimals() {
        let secs = Duration::from_secs;
        assert_eq!(one("retry-after", "7"), Some(secs(7)));
        assert_eq!(one("retry-after", " 7 "), Some(secs(7)));
        assert_eq!(one("retry-after", "0"), Some(Duration::ZERO));
        assert_eq!(one("retry-after", "007"), Some(secs(7)));
        assert_eq!(
            one("retry-after", "0.941641"),
            Some(Duration::from_nanos(941_641_000))
        );
        assert_eq!(one("retry-after", ".5"), Some(Duration::from_millis(500)));
        assert_eq!(one("retry-after", "2."), Some(secs(2)));
        assert_eq!(
            one("retry-after", "1.1234567891"),
            Some(Duration::new(1, 123_456_789))
        );
    }

    #[test]
    fn milliseconds_with_and_without_decimals() {
        assert_eq!(
            one("retry-after-ms", "1500"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            one("x-ms-retry-after-ms", "250"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            one("retry-after-ms", "12.5"),
            Some(Duration::from_micros(12_500))
        );
        assert_eq!(
            one("x-ms-retry-after-ms", "0.0000019"),
            Some(Duration::from_nanos(1))
        );
    }

    #[test]
    fn http_dates_count_from_now_and_past_dates_mean_now() {
        assert_eq!(
            one("retry-after", "Fri, 04 Dec 2026 14:08:44 GMT"),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            one("retry-after", "Fri, 04 Dec 2026 14:08:39 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            one("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(one("retry-after", "Friday, 04-Dec-26 14:08:44 GMT"), None);
        assert_eq!(one("retry-after", "Fri Dec  4 14:08:44 2026"), None);
    }

    #[test]
    fn clocks_at_the_limits_of_time_do_not_overflow() {
        use time::{PrimitiveDateTime, UtcOffset};

        let east = UtcOffset::from_hms(14, 0, 0).unwrap();
        let west = UtcOffset::from_hms(-14, 0, 0).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Fri, 31 Dec 9999 23:59:59 GMT"),
        );
        for now in [
            PrimitiveDateTime::MIN.assume_utc(),
            PrimitiveDateTime::MIN.assume_offset(east),
            PrimitiveDateTime::MAX.assume_utc(),
            PrimitiveDateTime::MAX.assume_offset(west),
        ] {
            // Some finite wait (the policy caps it at `max_delay`), never a panic.
            assert!(parse_retry_after(&headers, now).is_some(), "{now}");
        }
        assert_eq!(
            parse_retry_after(&headers, PrimitiveDateTime::MAX.assume_offset(west)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn huge_values_saturate_instead_of_failing() {
        assert_eq!(
            one("retry-after", "18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            one("retry-after", "99999999999999999999999"),
            Some(Duration::MAX)
        );
        let digits: &'static str = "9".repeat(400).leak();
        assert_eq!(one("retry-after-ms", digits), Some(Duration::MAX));
        assert_eq!(one("retry-after", digits), Some(Duration::MAX));
    }

    #[test]
    fn unreadable_values_are_no_hint() {
        for value in [
            "-1",
            "abc",
            "",
            "   ",
            "1e3",
            "+5",
            "0x10",
            "NaN",
            "inf",
            "1.2.3",
            ".",
            "81,120",
            "5 s",
            "٣",
            "Fri, 99 Foo 2026 xx GMT",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_str(value).unwrap());
            headers.insert("retry-after-ms", HeaderValue::from_str(value).unwrap());
            assert_eq!(parse_retry_after(&headers, NOW), None, "{value:?}");
        }
        let mut opaque = HeaderMap::new();
        opaque.insert("retry-after", HeaderValue::from_bytes(b"\xff5").unwrap());
        assert_eq!(parse_retry_after(&opaque, NOW), None);
        assert_eq!(one("x-other", "5"), None);
    }

    #[test]
    fn a_header_given_twice_is_a_list_and_unreadable() {
        let mut headers = HeaderMap::new();
        headers.append("retry-after", HeaderValue::from_static("81"));
        headers.append("retry-after", HeaderValue::from_static("120"));
        assert_eq!(parse_retry_after(&headers, NOW), None);
        assert!(has_retry_hint(&headers));
    }

    #[test]
    fn the_first_readable_header_wins_in_the_documented_order() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("30"));
        headers.insert("x-ms-retry-after-ms", HeaderValue::from_static("200"));
        headers.insert("retry-after-ms", HeaderValue::from_static("100"));
        assert_eq!(
            parse_retry_after(&headers, NOW),
            Some(Duration::from_millis(100))
        );
        headers.insert("retry-after-ms", HeaderValue::from_static("junk"));
        assert_eq!(
            parse_retry_after(&headers, NOW),
            Some(Duration::from_millis(200))
        );
        headers.remove("x-ms-retry-after-ms");
        assert_eq!(
            parse_retry_after(&headers, NOW),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn any_non_blank_wait_header_is_a_hint() {
        let hint = |name: &'static str, value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            has_retry_hint(&headers)
        };
        assert!(hint("retry-after", "1"));
        assert!(hint("retry-after", "abc"));
        assert!(hint("retry-after-ms", "0"));
        assert!(hint("x-ms-retry-after-ms", "10"));
        assert!(!hint("retry-after", "  "));
        assert!(!hint("x-other", "1"));
        assert!(!has_retry_hint(&HeaderMap::new()));
    }
}
