//! Fuzzes `acs_core_http::policies::parse_retry_after`, the reader of the retry hints
//! `retry-after-ms`, `x-ms-retry-after-ms` and `Retry-After` (seconds or an HTTP-date).
//!
//! The input is up to four lines (see the target body), so seeds are readable header
//! values; the clock can be anywhere in the range `time` supports. For every input:
//!
//! - parsing never panics and gives the same answer twice;
//! - a whole number of seconds under 2^32 in `Retry-After` alone is read exactly;
//! - an HTTP-date in `Retry-After` alone never asks for more than the time until it;
//! - values that are negative, empty or not numbers are ignored, never an error.

#![no_main]

use std::time::Duration;

use acs_core_http::policies::parse_retry_after;
use acs_core_http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// 2026-01-01T00:00:00Z, the default reading time.
const RECENT: i64 = 1_767_225_600;
/// The Unix timestamps of -9999-01-01 and 9999-12-31T23:59:59, `time`'s default range.
const EARLIEST: i64 = -377_705_116_800;
const LATEST: i64 = 253_402_300_799;

fuzz_target!(|data: &[u8]| {
    // Line 1: `Retry-After`; line 2: `retry-after-ms`; line 3: `x-ms-retry-after-ms`;
    // line 4: the reading time in Unix seconds (default 2026-01-01). A missing line is a
    // missing header; bytes `http` refuses in a value leave the header out too.
    let mut lines = data.split(|&byte| byte == b'\n');
    let (retry_after, retry_after_ms, x_ms_retry_after_ms) =
        (lines.next(), lines.next(), lines.next());
    let now = lines
        .next()
        .and_then(|line| std::str::from_utf8(line).ok()?.trim().parse::<i64>().ok())
        .map_or(i128::from(RECENT), |seconds| {
            let span = i128::from(LATEST) - i128::from(EARLIEST) + 1;
            i128::from(EARLIEST) + (i128::from(seconds) - i128::from(EARLIEST)).rem_euclid(span)
        });
    let Ok(now) = OffsetDateTime::from_unix_timestamp_nanos(now * 1_000_000_000) else {
        return;
    };

    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("retry-after", retry_after),
        ("retry-after-ms", retry_after_ms),
        ("x-ms-retry-after-ms", x_ms_retry_after_ms),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
            headers.insert(name, value);
        }
    }

    let delay = parse_retry_after(&headers, now);
    assert_eq!(delay, parse_retry_after(&headers, now), "not deterministic");

    let only_retry_after =
        !headers.contains_key("retry-after-ms") && !headers.contains_key("x-ms-retry-after-ms");
    let Some(text) = headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|_| only_retry_after)
    else {
        return;
    };

    if text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(seconds) = text.parse::<u32>()
    {
        assert_eq!(
            delay,
            Some(Duration::from_secs(u64::from(seconds))),
            "{text:?}"
        );
    }
    if text.starts_with('-') || text.is_empty() {
        assert_eq!(delay, None, "{text:?} must be ignored");
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc2822)
        && let Some(delay) = delay
    {
        let until = (at - now).max(time::Duration::ZERO);
        assert!(
            delay.as_secs_f64() <= until.as_seconds_f64() + 1.0,
            "{text:?} at {now}: {delay:?} is longer than the {until} until then"
        );
    }
});
