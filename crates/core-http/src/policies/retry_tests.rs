use std::time::Duration;

use acs_core_auth::AzureKeyCredential;
use http::{HeaderValue, StatusCode};
use time::macros::datetime;

use super::*;
use crate::policies::{ClientRequestIdPolicy, HmacAuthenticationPolicy};
use crate::test_support::{AttemptRecorder, ScriptedTransport, Step, run_chain, run_chain_with};
use crate::{Error, ManualClock};

fn retry(options: RetryOptions) -> Arc<dyn Policy> {
    Arc::new(RetryPolicy::new(options))
}

fn headers(name: &'static str, value: &'static str) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(name, HeaderValue::from_static(value));
    map
}

#[tokio::test(start_paused = true)]
async fn retries_retryable_statuses_until_success() {
    for status in [408, 429, 500, 502, 503, 504] {
        let transport = ScriptedTransport::new([Step::status(status), Step::status(status)]);
        let recorder = Arc::new(AttemptRecorder::default());
        let policies = vec![retry(RetryOptions::default()), recorder.clone()];

        let response = run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{status}");
        assert_eq!(transport.attempts(), 3, "{status}");
        assert_eq!(*recorder.seen.lock().unwrap(), [1, 2, 3]);
    }
}

#[tokio::test(start_paused = true)]
async fn other_statuses_are_returned_at_once() {
    for status in [400, 401, 403, 404, 409, 501, 505] {
        let transport = ScriptedTransport::new([Step::with_header(status, "retry-after", "1")]);
        let policies = vec![retry(RetryOptions::default())];
        let response = run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(transport.attempts(), 1, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_retries_with_the_last_response() {
    let script = (0..10).map(|i| Step::with_header(503, "x-attempt", &i.to_string()));
    let transport = ScriptedTransport::new(script);
    let policies = vec![retry(RetryOptions::default())];

    let response = run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["x-attempt"], "3");
    assert_eq!(transport.attempts(), 4);
}

#[tokio::test(start_paused = true)]
async fn connection_errors_are_retried_and_the_last_one_returned() {
    let transport = ScriptedTransport::new([Step::ConnectionError, Step::status(200)]);
    let policies = vec![retry(RetryOptions::default())];
    run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(transport.attempts(), 2);

    let transport = ScriptedTransport::new(std::iter::repeat_n(Step::ConnectionError, 5));
    let options = RetryOptions {
        max_retries: 2,
        ..Default::default()
    };
    let error: Error = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection);
    assert_eq!(transport.attempts(), 3);
}

#[tokio::test(start_paused = true)]
async fn none_means_a_single_attempt() {
    let transport = ScriptedTransport::new([Step::status(503)]);
    let response = run_chain(&[retry(RetryOptions::none())], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(transport.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_exponentially_with_jitter_and_cap() {
    let policy = RetryPolicy::new(RetryOptions {
        initial_delay: Duration::from_millis(800),
        max_delay: Duration::from_secs(5),
        ..Default::default()
    });
    for _ in 0..200 {
        for (retry, full) in [
            (1, 800),
            (2, 1600),
            (3, 3200),
            (4, 5000),
            (30, 5000),
            (u32::MAX, 5000),
        ] {
            let delay = policy.backoff(retry);
            let full = Duration::from_millis(full);
            assert!(
                delay >= full / 2 && delay <= full,
                "retry {retry}: {delay:?}"
            );
        }
    }
}

/// Time between the first and the second attempt of a 503 carrying `name: value`.
async fn first_delay(name: &'static str, value: &str, options: RetryOptions) -> Duration {
    let transport = ScriptedTransport::new([Step::with_header(503, name, value)]);
    let started = Instant::now();
    run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(transport.attempts(), 2);
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn server_delays_are_honoured_and_capped() {
    let defaults = RetryOptions::default;
    let ms = Duration::from_millis;
    // Tokio timers have millisecond resolution, so a delay may end up to 1 ms late.
    let close = |actual: Duration, expected: Duration| {
        assert!(
            actual >= expected && actual <= expected + ms(1),
            "{actual:?} vs {expected:?}"
        );
    };

    close(first_delay("retry-after", "2", defaults()).await, ms(2000));
    close(
        first_delay("retry-after", "0.941641", defaults()).await,
        ms(941),
    );
    close(
        first_delay("retry-after-ms", "1500", defaults()).await,
        ms(1500),
    );
    close(
        first_delay("x-ms-retry-after-ms", "250", defaults()).await,
        ms(250),
    );
    close(first_delay("retry-after", "0", defaults()).await, ms(0));
    close(
        first_delay("retry-after", "3600", defaults()).await,
        Duration::from_secs(60),
    );
    let capped = RetryOptions {
        max_delay: ms(300),
        ..defaults()
    };
    close(first_delay("retry-after", "10", capped).await, ms(300));
}

#[tokio::test(start_paused = true)]
async fn unreadable_server_delays_fall_back_to_backoff() {
    for garbage in [
        "soon",
        "-5",
        "",
        "1e3",
        "NaN",
        "inf",
        "1.2.3",
        "Fri, 99 Foo 2026 xx GMT",
    ] {
        let delay = first_delay("retry-after", garbage, RetryOptions::default()).await;
        assert!(
            delay >= Duration::from_millis(400) && delay <= Duration::from_millis(801),
            "{garbage:?}: {delay:?}"
        );
    }
}

#[test]
fn retry_after_accepts_http_dates_and_prefers_millisecond_headers() {
    let now = datetime!(2026-12-04 14:08:39 UTC);
    let parse = |name, value| parse_retry_after(&headers(name, value), now);

    assert_eq!(
        parse("retry-after", "Fri, 04 Dec 2026 14:08:44 GMT"),
        Some(Duration::from_secs(5))
    );
    assert_eq!(
        parse("retry-after", "Fri, 04 Dec 2026 14:00:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse("retry-after", " 7 "), Some(Duration::from_secs(7)));
    assert_eq!(
        parse("retry-after", "0.941641"),
        Some(Duration::from_nanos(941_641_000))
    );
    assert_eq!(
        parse("retry-after-ms", "12.5"),
        Some(Duration::from_micros(12_500))
    );
    assert_eq!(parse("retry-after", "-1"), None);
    assert_eq!(parse("retry-after", "99999999999999999999999"), None);
    assert_eq!(parse("x-other", "5"), None);

    let mut both = headers("retry-after", "30");
    both.insert("retry-after-ms", HeaderValue::from_static("100"));
    assert_eq!(
        parse_retry_after(&both, now),
        Some(Duration::from_millis(100))
    );
    both.insert("retry-after-ms", HeaderValue::from_static("junk"));
    assert_eq!(parse_retry_after(&both, now), Some(Duration::from_secs(30)));
}

#[tokio::test(start_paused = true)]
async fn http_date_retry_after_uses_the_injected_clock() {
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:39 UTC)));
    let policy = RetryPolicy::new(RetryOptions::default()).with_clock(clock);
    let transport = ScriptedTransport::new([Step::with_header(
        429,
        "retry-after",
        "Fri, 04 Dec 2026 14:08:42 GMT",
    )]);
    let started = Instant::now();
    run_chain(&[Arc::new(policy)], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn stops_when_the_total_delay_budget_would_be_exceeded() {
    let options = RetryOptions {
        max_retries: 10,
        max_total_delay: Duration::from_secs(100),
        ..Default::default()
    };
    let script = std::iter::repeat_n(Step::with_header(503, "retry-after", "45"), 10);
    let transport = ScriptedTransport::new(script);
    let started = Instant::now();
    let response = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(transport.attempts(), 3);
    assert_eq!(started.elapsed(), Duration::from_secs(90));
}

/// Moves the clock forward on every attempt, standing in for time passing between tries.
#[derive(Debug)]
struct AdvanceClock(Arc<ManualClock>);

#[async_trait]
impl Policy for AdvanceClock {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        self.0.advance(time::Duration::seconds(2));
        next.run(ctx, request).await
    }
}

#[tokio::test(start_paused = true)]
async fn attempts_share_the_request_id_and_are_signed_afresh() {
    let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:37 UTC)));
    let credential = AzureKeyCredential::new("dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm").unwrap();
    let policies: Vec<Arc<dyn Policy>> = vec![
        Arc::new(ClientRequestIdPolicy::new()),
        retry(RetryOptions::default()),
        Arc::new(AdvanceClock(clock.clone())),
        Arc::new(HmacAuthenticationPolicy::new(credential).with_clock(clock)),
    ];
    let transport = ScriptedTransport::new([Step::status(503), Step::ConnectionError]);

    // The first attempt reproduces the createUser request captured from the JS SDK.
    let url = "https://contoso.communication.azure.com/identities?api-version=2023-10-01";
    let request = Request::new(http::Method::POST, url.parse().unwrap());
    let response = run_chain_with(&policies, &transport, &Context::new(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(transport.attempts(), 3);

    let ids = transport.header_values("x-ms-client-request-id");
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| id == &ids[0]));

    let dates = transport.header_values("x-ms-date");
    assert_eq!(
        dates,
        [
            "Fri, 04 Dec 2026 14:08:39 GMT",
            "Fri, 04 Dec 2026 14:08:41 GMT",
            "Fri, 04 Dec 2026 14:08:43 GMT"
        ]
    );
    let signatures = transport.header_values("authorization");
    assert_eq!(
        signatures[0],
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=VGKnlHqE8g6jN9opWZOIwX7l9N4tLNL5Et03dCd9U7s="
    );
    assert_ne!(signatures[0], signatures[1]);
    assert_ne!(signatures[1], signatures[2]);
    for request in transport.requests() {
        assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
    }
}
