use std::sync::atomic::{AtomicUsize, Ordering};

use acs_core_auth::CredentialError;
use http::Method;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::ManualClock;
use crate::test_support::{ScriptedTransport, Step, run_chain, run_chain_with};

const NOW: OffsetDateTime = datetime!(2026-12-04 12:00 UTC);

/// Hands out `token-1`, `token-2`, … each valid for an hour, or fails when told to.
#[derive(Debug, Default)]
struct CountingCredential {
    calls: AtomicUsize,
    fail_from_call: Option<usize>,
}

#[async_trait]
impl TokenCredential for CountingCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> std::result::Result<AccessToken, CredentialError> {
        assert_eq!(scopes, ["https://communication.azure.com//.default"]);
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        // Yield so that concurrent callers really overlap while the refresh is running.
        tokio::task::yield_now().await;
        if self.fail_from_call.is_some_and(|from| call >= from) {
            return Err(CredentialError::new("token endpoint unavailable"));
        }
        Ok(AccessToken::new(
            format!("token-{call}"),
            NOW + Duration::hours(1),
        ))
    }
}

fn policy(credential: Arc<CountingCredential>, clock: Arc<ManualClock>) -> BearerTokenPolicy {
    let scopes = vec!["https://communication.azure.com//.default".to_owned()];
    BearerTokenPolicy::new(credential, scopes).with_clock(clock)
}

#[tokio::test]
async fn caches_until_five_minutes_before_expiry() {
    let credential = Arc::new(CountingCredential::default());
    let clock = Arc::new(ManualClock::new(NOW));
    let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy(credential.clone(), clock.clone()))];
    let transport = ScriptedTransport::always_ok();

    run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    clock.advance(Duration::minutes(54));
    run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    clock.advance(Duration::minutes(1) + Duration::seconds(1));
    run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();

    assert_eq!(credential.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        transport.header_values("authorization"),
        ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
    );
    assert!(transport.requests()[0].headers()["authorization"].is_sensitive());
}

#[tokio::test]
async fn concurrent_calls_share_one_refresh() {
    let credential = Arc::new(CountingCredential::default());
    let clock = Arc::new(ManualClock::new(NOW));
    let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy(credential.clone(), clock))];
    let transport = ScriptedTransport::always_ok();

    let ctx = Context::new();
    let calls = (0..8).map(|_| run_chain(&policies, &transport, &ctx));
    for outcome in futures_join_all(calls).await {
        outcome.unwrap();
    }
    assert_eq!(credential.calls.load(Ordering::SeqCst), 1);
    assert_eq!(transport.attempts(), 8);
}

/// Polls all futures on the current task, so they interleave without spawning.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.map(Box::pin).map(Some).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn a_401_clears_the_cache_and_retries_once() {
    let credential = Arc::new(CountingCredential::default());
    let clock = Arc::new(ManualClock::new(NOW));
    let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy(credential.clone(), clock))];
    let transport = ScriptedTransport::new([Step::status(401), Step::status(401)]);

    let response = run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        transport.header_values("authorization"),
        ["Bearer token-1", "Bearer token-2"]
    );

    let response = run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        transport.header_values("authorization").last().unwrap(),
        "Bearer token-2"
    );
    assert_eq!(credential.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_refresh_keeps_a_still_valid_token_and_otherwise_errors() {
    let credential = Arc::new(CountingCredential {
        fail_from_call: Some(2),
        ..Default::default()
    });
    let clock = Arc::new(ManualClock::new(NOW));
    let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy(credential.clone(), clock.clone()))];
    let transport = ScriptedTransport::always_ok();

    run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    clock.advance(Duration::minutes(58));
    run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap();
    assert_eq!(
        transport.header_values("authorization"),
        ["Bearer token-1", "Bearer token-1"]
    );

    clock.advance(Duration::minutes(3));
    let error = run_chain(&policies, &transport, &Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Credential);
    assert!(error.to_string().contains("token endpoint unavailable"));
    assert_eq!(transport.attempts(), 2);
}

#[tokio::test]
async fn refuses_plain_http_except_to_loopback() {
    let credential = Arc::new(CountingCredential::default());
    let clock = Arc::new(ManualClock::new(NOW));
    let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy(credential.clone(), clock))];
    let transport = ScriptedTransport::always_ok();

    for url in [
        "http://contoso.communication.azure.com/identities",
        "http://10.0.0.1/",
        "ftp://x/",
    ] {
        let request = Request::new(Method::GET, url.parse().unwrap());
        let error = run_chain_with(&policies, &transport, &Context::new(), request)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{url}");
    }
    assert_eq!(credential.calls.load(Ordering::SeqCst), 0);

    for url in [
        "http://127.0.0.1:4000/",
        "http://localhost/",
        "http://[::1]:8080/",
        "https://x/",
    ] {
        let request = Request::new(Method::GET, url.parse().unwrap());
        run_chain_with(&policies, &transport, &Context::new(), request)
            .await
            .unwrap();
    }
    assert_eq!(transport.attempts(), 4);
}
