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

/// Hands out one fixed token whose expiry the test chooses.
#[derive(Debug)]
struct FixedExpiry(OffsetDateTime);

#[async_trait]
impl TokenCredential for FixedExpiry {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> std::result::Result<AccessToken, CredentialError> {
        Ok(AccessToken::new("fixed", self.0))
    }
}

#[tokio::test]
async fn expiries_and_clocks_at_the_limits_of_time_do_not_panic() {
    use time::{PrimitiveDateTime, UtcOffset};

    let min = PrimitiveDateTime::MIN.assume_utc();
    let max = PrimitiveDateTime::MAX.assume_utc();
    let east = UtcOffset::from_hms(14, 0, 0).unwrap();
    let west = UtcOffset::from_hms(-14, 0, 0).unwrap();
    let expiries = [
        min,
        min + Duration::minutes(4),
        min + Duration::minutes(5),
        max,
        max - Duration::minutes(5),
        // The same local limits in far-off offsets: their UTC instants lie outside the UTC
        // range, which is where unchecked arithmetic would overflow.
        PrimitiveDateTime::MIN.assume_offset(east),
        PrimitiveDateTime::MAX.assume_offset(west),
        NOW,
    ];
    let clocks = [min, max, NOW, PrimitiveDateTime::MIN.assume_offset(east)];

    for expires_on in expiries {
        for now in clocks {
            let credential: Arc<dyn TokenCredential> = Arc::new(FixedExpiry(expires_on));
            let scopes = vec!["https://communication.azure.com//.default".to_owned()];
            let policy = BearerTokenPolicy::new(credential, scopes)
                .with_clock(Arc::new(ManualClock::new(now)));
            let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy)];
            let transport = ScriptedTransport::always_ok();

            // Twice: once to fill the cache, once to judge the cached token.
            for _ in 0..2 {
                run_chain(&policies, &transport, &Context::new())
                    .await
                    .unwrap_or_else(|e| panic!("expiry {expires_on}, now {now}: {e}"));
            }
            assert_eq!(
                transport.header_values("authorization"),
                ["Bearer fixed"; 2]
            );
        }
    }
}

#[test]
fn freshness_at_the_limits() {
    use time::PrimitiveDateTime;

    let min = PrimitiveDateTime::MIN.assume_utc();
    let max = PrimitiveDateTime::MAX.assume_utc();
    let token = |expires_on| AccessToken::new("t", expires_on);
    // Five minutes before the earliest instant does not exist: not fresh, no panic.
    assert!(!is_fresh(&token(min), min));
    assert!(!is_fresh(&token(min), NOW));
    assert!(is_fresh(&token(max), NOW));
    assert!(is_fresh(&token(max), min));
    assert!(!is_fresh(&token(max), max));
    assert!(!is_fresh(&token(NOW + Duration::minutes(5)), NOW));
    assert!(is_fresh(
        &token(NOW + Duration::minutes(5) + Duration::nanoseconds(1)),
        NOW
    ));
}
