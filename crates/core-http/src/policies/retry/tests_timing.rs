//! How long the policy waits, when it stops, and what cancels an attempt. Everything runs
//! under paused tokio time, so durations are exact and nothing really sleeps.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use time::macros::datetime;
use tokio::time::Instant;

use super::*;
use crate::ManualClock;
use crate::test_support::{ScriptedTransport, Step, run_chain};

fn retry(options: RetryOptions) -> Arc<dyn Policy> {
    Arc::new(RetryPolicy::new(options))
}

const MS: fn(u64) -> Duration = Duration::from_millis;
const SECS: fn(u64) -> Duration = Duration::from_secs;

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

/// Tokio timers have millisecond resolution, so a wait may end up to 1 ms late.
fn assert_close(actual: Duration, expected: Duration) {
    assert!(
        actual >= expected && actual <= expected + MS(1),
        "{actual:?} vs {expected:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn server_waits_are_honoured_and_capped() {
    let defaults = RetryOptions::default;
    assert_close(first_delay("retry-after", "2", defaults()).await, SECS(2));
    assert_close(
        first_delay("retry-after", "0.941641", defaults()).await,
        MS(941),
    );
    assert_close(
        first_delay("retry-after-ms", "1500", defaults()).await,
        MS(1500),
    );
    assert_close(
        first_delay("x-ms-retry-after-ms", "250", defaults()).await,
        MS(250),
    );
    assert_close(first_delay("retry-after", "0", defaults()).await, MS(0));
    assert_close(
        first_delay("retry-after", "3600", defaults()).await,
        SECS(60),
    );
    assert_close(
        first_delay("retry-after", "99999999999999999999999", defaults()).await,
        SECS(60),
    );
    let capped = RetryOptions {
        max_delay: MS(300),
        ..defaults()
    };
    assert_close(first_delay("retry-after", "10", capped).await, MS(300));
}

#[tokio::test(start_paused = true)]
async fn unreadable_server_waits_fall_back_to_backoff() {
    for garbage in [
        "soon",
        "-1",
        "abc",
        "",
        "1e3",
        "81,120",
        "Fri, 99 Foo 2026 xx GMT",
    ] {
        let delay = first_delay("retry-after", garbage, RetryOptions::default()).await;
        assert!(
            delay >= MS(400) && delay <= MS(801),
            "{garbage:?}: {delay:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn wait_headers_on_other_statuses_are_ignored() {
    let transport = ScriptedTransport::new([Step::with_header(500, "retry-after", "30")]);
    let started = Instant::now();
    run_chain(
        &[retry(RetryOptions::default())],
        &transport,
        &Context::new(),
    )
    .await
    .unwrap();
    assert!(started.elapsed() <= MS(801), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn http_date_waits_use_the_injected_clock_and_past_dates_mean_now() {
    for (date, expected) in [
        ("Fri, 04 Dec 2026 14:08:42 GMT", SECS(3)),
        ("Fri, 04 Dec 2026 14:00:00 GMT", Duration::ZERO),
    ] {
        let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:39 UTC)));
        let policy = RetryPolicy::new(RetryOptions::default()).with_clock(clock);
        let transport = ScriptedTransport::new([Step::with_header(429, "retry-after", date)]);
        let started = Instant::now();
        run_chain(&[Arc::new(policy)], &transport, &Context::new())
            .await
            .unwrap();
        assert_eq!(started.elapsed(), expected, "{date}");
        assert_eq!(transport.attempts(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn stops_before_a_wait_that_would_reach_the_deadline() {
    let options = RetryOptions {
        max_retries: 10,
        max_total_duration: SECS(100),
        ..Default::default()
    };
    let script = std::iter::repeat_n(Step::with_header(503, "retry-after", "45"), 10);
    let transport = ScriptedTransport::new(script);
    let started = Instant::now();
    let response = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap();

    // Two waits of 45 s fit; a third would end at 135 s, past the deadline.
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(transport.attempts(), 3);
    assert_eq!(started.elapsed(), SECS(90));

    // A wait ending exactly at the deadline would leave the next attempt no time at all.
    let options = RetryOptions {
        max_total_duration: SECS(45),
        ..Default::default()
    };
    let transport = ScriptedTransport::new([Step::with_header(503, "retry-after", "45")]);
    let response = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(transport.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_slow_attempt_hits_the_try_timeout_and_is_retried_when_idempotent() {
    let options = RetryOptions {
        try_timeout: Some(SECS(10)),
        initial_delay: MS(100),
        ..Default::default()
    };
    let transport = ScriptedTransport::new([Step::Slow(SECS(70), 200), Step::status(201)]);
    let response = run_chain(&[retry(options.clone())], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(transport.attempts(), 2);
    assert_eq!(transport.in_flight(), 0);

    let transport = ScriptedTransport::new([Step::Slow(SECS(70), 200)]);
    let started = Instant::now();
    let ctx = Context::new().with_idempotent(false);
    let error = run_chain(&[retry(options)], &transport, &ctx)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Timeout);
    assert_eq!(error.send_state(), SendState::MaybeSent);
    assert!(
        error.to_string().contains("per-try limit of 10000 ms"),
        "{error}"
    );
    assert_eq!(transport.attempts(), 1);
    assert_eq!(
        transport.in_flight(),
        0,
        "the timed-out attempt was dropped"
    );
    assert_eq!(started.elapsed(), SECS(10));
}

#[tokio::test(start_paused = true)]
async fn an_attempt_running_at_the_deadline_is_cancelled_and_the_call_times_out() {
    for try_timeout in [None, Some(SECS(60))] {
        let options = RetryOptions {
            max_total_duration: SECS(30),
            try_timeout,
            ..Default::default()
        };
        let transport = ScriptedTransport::new([Step::Hang]);
        let started = Instant::now();
        let error = run_chain(&[retry(options)], &transport, &Context::new())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::Timeout);
        assert!(
            error.to_string().contains("total limit of 30000 ms"),
            "{error}"
        );
        assert_eq!(started.elapsed(), SECS(30));
        assert_eq!(transport.attempts(), 1);
        assert_eq!(transport.in_flight(), 0, "the hanging attempt was dropped");
    }
}

#[tokio::test(start_paused = true)]
async fn the_deadline_also_bounds_a_later_attempt() {
    let options = RetryOptions {
        max_total_duration: SECS(20),
        try_timeout: Some(SECS(15)),
        initial_delay: SECS(2),
        max_delay: SECS(2),
        ..Default::default()
    };
    // First attempt: cut at 15 s by the try limit. Wait 1–2 s. Second attempt: cut by the
    // deadline at 20 s.
    let transport = ScriptedTransport::new([Step::Hang, Step::Hang]);
    let started = Instant::now();
    let error = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("total limit"), "{error}");
    assert_eq!(started.elapsed(), SECS(20));
    assert_eq!(transport.attempts(), 2);
}

#[tokio::test(start_paused = true)]
async fn no_limits_at_all_are_allowed_and_do_not_overflow() {
    let options = RetryOptions {
        max_total_duration: Duration::MAX,
        max_delay: Duration::MAX,
        try_timeout: None,
        max_retries: 1,
        ..Default::default()
    };
    let transport = ScriptedTransport::new([Step::with_header(503, "retry-after", "5")]);
    let started = Instant::now();
    let response = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(started.elapsed(), SECS(5));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_cancels_the_attempt_in_progress() {
    let transport = ScriptedTransport::new([Step::Hang]);
    let policies = [retry(RetryOptions::default())];
    let ctx = Context::new();
    let call = run_chain(&policies, &transport, &ctx);
    tokio::select! {
        _ = call => panic!("a hanging transport answered"),
        () = tokio::time::sleep(SECS(1)) => {}
    }

    // The call's future is gone; so must be the transport's, and nothing may run on.
    assert_eq!(transport.attempts(), 1);
    assert_eq!(transport.in_flight(), 0);
    tokio::time::sleep(SECS(600)).await;
    assert_eq!(transport.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_during_a_wait_stops_further_attempts() {
    let transport = ScriptedTransport::new([Step::with_header(503, "retry-after", "30")]);
    let policies = [retry(RetryOptions::default())];
    let ctx = Context::new();
    let call = run_chain(&policies, &transport, &ctx);
    tokio::select! {
        _ = call => panic!("the call finished during its wait"),
        () = tokio::time::sleep(SECS(10)) => {}
    }
    assert_eq!(transport.attempts(), 1);
    tokio::time::sleep(SECS(600)).await;
    assert_eq!(transport.attempts(), 1);
    assert_eq!(transport.in_flight(), 0);
}
