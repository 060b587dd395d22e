//! Property tests: bounds that must hold for any options and any header a server sends.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;
use time::macros::datetime;

use super::*;
use crate::test_support::{ScriptedTransport, Step, run_chain};

fn millis(max: u64) -> impl Strategy<Value = Duration> {
    (0..=max).prop_map(Duration::from_millis)
}

/// Options with every limit drawn at random, zero included.
fn options() -> impl Strategy<Value = RetryOptions> {
    (
        0u32..8,
        millis(20_000),
        millis(90_000),
        millis(300_000),
        proptest::option::of(millis(90_000)),
    )
        .prop_map(
            |(max_retries, initial_delay, max_delay, max_total_duration, try_timeout)| {
                RetryOptions {
                    max_retries,
                    initial_delay,
                    max_delay,
                    max_total_duration,
                    try_timeout,
                    ..Default::default()
                }
            },
        )
}

/// A 429 or 503 with one wait header whose value is drawn from `value`.
fn throttled(name: &'static str, value: &str) -> Option<Result<Response>> {
    let value = HeaderValue::from_str(value).ok()?;
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    Some(Ok(Response::new(
        StatusCode::TOO_MANY_REQUESTS,
        headers,
        "",
    )))
}

const NAMES: [&str; 3] = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"];

proptest! {
    #[test]
    fn backoff_never_exceeds_max_delay(
        initial in any::<u64>(),
        max in any::<u64>(),
        retry in any::<u32>(),
        unit in 0.0f64..1.0,
    ) {
        let options = RetryOptions {
            initial_delay: Duration::from_nanos(initial),
            max_delay: Duration::from_nanos(max),
            ..Default::default()
        };
        let delay = backoff(&options, retry, unit);
        prop_assert!(delay <= options.max_delay);
        let full = options
            .initial_delay
            .saturating_mul(1 << retry.saturating_sub(1).min(31))
            .min(options.max_delay);
        prop_assert!(delay >= full / 2);
    }

    #[test]
    fn retry_after_parsing_never_panics_on_any_text(value in any::<String>(), name in 0usize..3) {
        if let Some(Ok(response)) = throttled(NAMES[name], &value) {
            let _ = parse_retry_after(response.headers(), datetime!(2026-12-04 14:08:39 UTC));
        }
    }

    #[test]
    fn retry_after_parsing_never_panics_on_any_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        name in 0usize..3,
    ) {
        if let Ok(value) = HeaderValue::from_bytes(&bytes) {
            let mut headers = HeaderMap::new();
            headers.insert(NAMES[name], value);
            let _ = parse_retry_after(&headers, datetime!(2026-12-04 14:08:39 UTC));
        }
    }

    #[test]
    fn every_wait_is_capped_whatever_the_server_says(
        value in prop_oneof![
            any::<String>(),
            "[0-9]{0,30}(\\.[0-9]{0,12})?",
            "-?[0-9]{1,5}(,[0-9]{1,5})?",
            "(Mon|Fri|Sun), [0-3][0-9] (Jan|Dec) (1970|2026|9999) [0-2][0-9]:[0-5][0-9]:[0-5][0-9] GMT",
        ],
        name in 0usize..3,
        max_delay in millis(120_000),
        retry in 1u32..20,
    ) {
        let policy = RetryPolicy::new(RetryOptions { max_delay, ..Default::default() });
        if let Some(outcome) = throttled(NAMES[name], &value) {
            prop_assert!(policy.delay(retry, &outcome) <= max_delay);
        }
    }

    #[test]
    fn decimal_numbers_parse_exactly(whole in 0u64..1_000_000, millis_part in 0u32..1000) {
        let text = format!("{whole}.{millis_part:03}");
        let Some(Ok(response)) = throttled("retry-after", &text) else {
            return Err(TestCaseError::fail("a decimal is a valid header value"));
        };
        let parsed = parse_retry_after(response.headers(), datetime!(2026-12-04 14:08:39 UTC));
        prop_assert_eq!(parsed, Some(Duration::new(whole, millis_part * 1_000_000)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Against a service that always throttles, with any options and any wait it names,
    /// the call sleeps less than its deadline in total and never tries too often.
    #[test]
    fn total_waiting_stays_within_the_deadline(
        options in options(),
        waits in proptest::collection::vec(
            proptest::option::of(prop_oneof!["[0-9]{1,3}", "[0-9]{1,6}", "garbage"]),
            8,
        ),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let script: Vec<Step> = waits
            .iter()
            .map(|wait| match wait {
                Some(value) => Step::with_header(503, "retry-after", value),
                None => Step::status(503),
            })
            .chain(std::iter::repeat_n(Step::status(503), 10))
            .collect();
        let transport = ScriptedTransport::new(script);
        let policy: Arc<dyn Policy> = Arc::new(RetryPolicy::new(options.clone()));

        let (outcome, elapsed) = runtime.block_on(async {
            let started = tokio::time::Instant::now();
            let outcome = run_chain(&[policy], &transport, &Context::new()).await;
            (outcome, started.elapsed())
        });

        // The transport answers at once, so all elapsed time is waiting.
        prop_assert!(
            elapsed < options.max_total_duration || elapsed.is_zero(),
            "slept {elapsed:?} with a deadline of {:?}", options.max_total_duration
        );
        prop_assert!(transport.attempts() <= options.max_retries as usize + 1);
        prop_assert_eq!(outcome.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
