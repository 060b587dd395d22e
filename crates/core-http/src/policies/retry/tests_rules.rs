//! The decision table of the module documentation, run through the policy: which outcomes
//! lead to another attempt, for idempotent and non-idempotent calls.

use std::sync::Arc;

use http::StatusCode;

use super::*;
use crate::test_support::{AttemptRecorder, ScriptedTransport, Step, run_chain};

fn retry(options: RetryOptions) -> Arc<dyn Policy> {
    Arc::new(RetryPolicy::new(options))
}

fn create() -> Context {
    Context::new().with_idempotent(false)
}

/// Runs `script` once with default options and returns (outcome, attempts).
async fn run(script: Vec<Step>, ctx: &Context) -> (Result<Response>, usize) {
    let transport = ScriptedTransport::new(script);
    let outcome = run_chain(&[retry(RetryOptions::default())], &transport, ctx).await;
    (outcome, transport.attempts())
}

#[tokio::test(start_paused = true)]
async fn idempotent_calls_retry_every_listed_status_until_success() {
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
async fn other_statuses_are_returned_at_once_even_with_a_wait_header() {
    for ctx in [Context::new(), create()] {
        for status in [400, 401, 403, 404, 409, 501, 505] {
            let script = vec![Step::with_header(status, "retry-after", "1")];
            let (outcome, attempts) = run(script, &ctx).await;
            assert_eq!(outcome.unwrap().status().as_u16(), status);
            assert_eq!(attempts, 1, "{status}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn non_idempotent_calls_retry_only_throttling_that_names_a_wait() {
    for status in [429, 503] {
        for (name, value) in [
            ("retry-after", "0.941641"),
            ("retry-after", "abc"),
            ("retry-after-ms", "20"),
            ("x-ms-retry-after-ms", "20"),
        ] {
            let script = vec![Step::with_header(status, name, value)];
            let (outcome, attempts) = run(script, &create()).await;
            assert_eq!(outcome.unwrap().status(), StatusCode::OK);
            assert_eq!(attempts, 2, "{status} {name}: {value}");
        }

        let (outcome, attempts) = run(vec![Step::status(status)], &create()).await;
        assert_eq!(outcome.unwrap().status().as_u16(), status);
        assert_eq!(attempts, 1, "{status} without a wait");
    }

    for status in [408, 500, 502, 504] {
        let script = vec![Step::with_header(status, "retry-after", "1")];
        let (outcome, attempts) = run(script, &create()).await;
        assert_eq!(outcome.unwrap().status().as_u16(), status);
        assert_eq!(attempts, 1, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_status_removed_from_the_list_is_not_retried() {
    let options = RetryOptions {
        status_codes: vec![StatusCode::INTERNAL_SERVER_ERROR],
        ..Default::default()
    };
    for ctx in [Context::new(), create()] {
        let transport = ScriptedTransport::new([Step::with_header(503, "retry-after", "1")]);
        let response = run_chain(&[retry(options.clone())], &transport, &ctx)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(transport.attempts(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn failures_before_sending_are_retried_for_every_call() {
    for ctx in [Context::new(), create()] {
        let (outcome, attempts) = run(vec![Step::ConnectionError], &ctx).await;
        assert_eq!(outcome.unwrap().status(), StatusCode::OK);
        assert_eq!(attempts, 2);
    }
}

#[tokio::test(start_paused = true)]
async fn failures_after_sending_are_retried_only_for_idempotent_calls() {
    let (outcome, attempts) = run(vec![Step::Reset], &Context::new()).await;
    assert_eq!(outcome.unwrap().status(), StatusCode::OK);
    assert_eq!(attempts, 2);

    let (outcome, attempts) = run(vec![Step::Reset], &create()).await;
    let error = outcome.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection);
    assert_eq!(error.send_state(), SendState::MaybeSent);
    assert_eq!(attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_retries_with_the_last_response() {
    let script = (0..10).map(|i| Step::with_header(503, "x-attempt", &i.to_string()));
    let transport = ScriptedTransport::new(script);

    let response = run_chain(
        &[retry(RetryOptions::default())],
        &transport,
        &Context::new(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["x-attempt"], "3");
    assert_eq!(transport.attempts(), 4);
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_retries_with_the_last_error() {
    let transport = ScriptedTransport::new(std::iter::repeat_n(Step::ConnectionError, 5));
    let options = RetryOptions {
        max_retries: 2,
        ..Default::default()
    };
    let error = run_chain(&[retry(options)], &transport, &Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection);
    assert_eq!(transport.attempts(), 3);
}

#[tokio::test(start_paused = true)]
async fn none_means_a_single_attempt() {
    let transport = ScriptedTransport::new([Step::status(503), Step::ConnectionError]);
    let response = run_chain(&[retry(RetryOptions::none())], &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(transport.attempts(), 1);
    assert_eq!(
        RetryOptions::none().try_timeout,
        RetryOptions::default().try_timeout
    );
}

#[tokio::test(start_paused = true)]
async fn errors_that_are_not_transport_failures_are_returned() {
    /// Fails every attempt with a credential error, as an auth policy would.
    #[derive(Debug)]
    struct NoCredential;

    #[async_trait]
    impl Policy for NoCredential {
        async fn send(&self, _: &Context, _: &mut Request, _: Next<'_>) -> Result<Response> {
            Err(Error::new(ErrorKind::Credential, "no token").with_send_state(SendState::NotSent))
        }
    }

    let transport = ScriptedTransport::always_ok();
    let recorder = Arc::new(AttemptRecorder::default());
    let policies = vec![
        retry(RetryOptions::default()),
        recorder.clone(),
        Arc::new(NoCredential),
    ];
    let error = run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Credential);
    assert_eq!(*recorder.seen.lock().unwrap(), [1]);
    assert_eq!(transport.attempts(), 0);
}
