//! Behaviour of the user credential, all on virtual time: [`ManualClock`] for on-demand
//! rules, Tokio's paused timer with [`TokioClock`] for the background task.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use acs_core_auth::{Secret, TokenCredential};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

use super::jwt::tests::{jwt, jwt_with_claims};
use super::*;

const START: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);

/// What the test refresher hands back.
#[derive(Clone, Copy)]
enum Answer {
    /// A token living this long from the clock's now.
    Lifetime(Duration),
    Fail,
    /// A token that expired a minute ago.
    Expired,
    /// A token without an `exp` claim.
    Unreadable,
}

/// A refresher that counts its calls, notes when they happened, and answers as told.
struct TestRefresher {
    clock: Arc<dyn Clock>,
    answer: Mutex<Answer>,
    /// Virtual time each call takes, so that concurrent callers pile up behind it.
    takes: std::time::Duration,
    calls: AtomicUsize,
    called_at: Mutex<Vec<OffsetDateTime>>,
}

impl TestRefresher {
    fn new(clock: Arc<dyn Clock>, answer: Answer) -> Arc<Self> {
        Self::taking(clock, answer, std::time::Duration::ZERO)
    }

    fn taking(clock: Arc<dyn Clock>, answer: Answer, takes: std::time::Duration) -> Arc<Self> {
        Arc::new(Self {
            clock,
            answer: Mutex::new(answer),
            takes,
            calls: AtomicUsize::new(0),
            called_at: Mutex::new(Vec::new()),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// When each call started, as offsets from [`START`].
    fn called_after(&self) -> Vec<Duration> {
        self.called_at
            .lock()
            .unwrap()
            .iter()
            .map(|at| *at - START)
            .collect()
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }
}

#[async_trait]
impl TokenRefresher for TestRefresher {
    async fn refresh(&self) -> Result<Secret, RefreshError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.called_at.lock().unwrap().push(self.clock.now());
        if !self.takes.is_zero() {
            tokio::time::sleep(self.takes).await;
        }
        let now = self.clock.now();
        let answer = *self.answer.lock().unwrap();
        match answer {
            Answer::Lifetime(lifetime) => Ok(Secret::new(jwt(now + lifetime))),
            Answer::Fail => Err(RefreshError::new("backend unavailable")),
            Answer::Expired => Ok(Secret::new(jwt(now - Duration::minutes(1)))),
            Answer::Unreadable => Ok(Secret::new(jwt_with_claims(r#"{"sub":"x"}"#))),
        }
    }
}

fn options(
    refresher: &Arc<TestRefresher>,
    initial_token: Option<String>,
    refresh_proactively: bool,
) -> CommunicationTokenRefreshOptions {
    CommunicationTokenRefreshOptions {
        refresher: Arc::clone(refresher) as Arc<dyn TokenRefresher>,
        initial_token,
        refresh_proactively,
    }
}

fn kind(result: Result<AccessToken, UserCredentialError>) -> UserCredentialErrorKind {
    result.expect_err("expected an error").kind()
}

/// Lets spawned tasks run until they wait on something.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

// ---- Construction ----------------------------------------------------------------------

#[test]
fn blank_and_unreadable_tokens_are_refused_at_construction() {
    let no_exp = jwt_with_claims(r#"{"sub":"secret-sub"}"#);
    for token in ["", "   ", "opaque-secret-token", "a.b.c", no_exp.as_str()] {
        let error = CommunicationTokenCredential::from_token(token).unwrap_err();
        assert_eq!(
            error.kind(),
            UserCredentialErrorKind::InvalidToken,
            "{token:?}"
        );
        if !token.trim().is_empty() {
            assert!(!error.to_string().contains(token), "{error}");
        }
    }

    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock, Answer::Fail);
    let error =
        CommunicationTokenCredential::with_refresher(options(&refresher, Some(no_exp), false))
            .unwrap_err();
    assert_eq!(error.kind(), UserCredentialErrorKind::InvalidToken);
    assert_eq!(refresher.calls(), 0);
}

#[test]
fn proactive_refresh_outside_a_runtime_is_an_error() {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock, Answer::Fail);
    let error =
        CommunicationTokenCredential::with_refresher(options(&refresher, None, true)).unwrap_err();
    assert_eq!(error.kind(), UserCredentialErrorKind::NoRuntime);
}

#[tokio::test]
async fn debug_never_shows_tokens() {
    let token = jwt(START + Duration::hours(1));
    let clock = Arc::new(ManualClock::new(START));
    let credential = CommunicationTokenCredential::from_token_with_clock(&token, clock).unwrap();
    let refresher = TestRefresher::new(Arc::new(SystemClock), Answer::Fail);
    let options = options(&refresher, Some(token.clone()), false);

    for text in [
        format!("{credential:?}"),
        format!("{credential:#?}"),
        format!("{options:?}"),
        format!("{:?}", credential.get_token().await.unwrap()),
    ] {
        assert!(!text.contains(&token), "{text}");
        assert!(!text.contains("eyJ"), "{text}");
    }
    assert!(format!("{credential:?}").contains("2030"));
}

// ---- On demand -------------------------------------------------------------------------

#[tokio::test]
async fn a_static_token_is_served_until_it_expires() {
    let clock = Arc::new(ManualClock::new(START));
    let token = jwt(START + Duration::minutes(60));
    let credential =
        CommunicationTokenCredential::from_token_with_clock(&token, clock.clone()).unwrap();

    assert_eq!(credential.get_token().await.unwrap().token.expose(), token);
    clock.advance(Duration::minutes(59));
    assert_eq!(
        credential.get_token().await.unwrap().expires_on,
        START + Duration::minutes(60)
    );
    clock.advance(Duration::minutes(1));
    assert_eq!(
        kind(credential.get_token().await),
        UserCredentialErrorKind::TokenExpired
    );
}

#[tokio::test]
async fn the_cached_token_is_kept_until_two_minutes_before_expiry() {
    let clock = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let initial = jwt(START + Duration::minutes(60));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(initial.clone()), false),
        clock.clone(),
    )
    .unwrap();

    clock.advance(Duration::minutes(58) - Duration::seconds(1));
    for _ in 0..3 {
        assert_eq!(
            credential.get_token().await.unwrap().token.expose(),
            initial
        );
    }
    assert_eq!(refresher.calls(), 0);

    clock.advance(Duration::seconds(1));
    let refreshed = credential.get_token().await.unwrap();
    assert_eq!(refresher.calls(), 1);
    assert_ne!(refreshed.token.expose(), initial);
    assert_eq!(refreshed.expires_on, clock.now() + Duration::minutes(60));

    // The new token is cached in turn.
    assert_eq!(credential.get_token().await.unwrap(), refreshed);
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test]
async fn without_an_initial_token_the_first_call_refreshes() {
    let clock = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, None, false),
        clock,
    )
    .unwrap();

    let first = credential.get_token().await.unwrap();
    assert_eq!(credential.get_token().await.unwrap(), first);
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test]
async fn an_expired_initial_token_is_replaced_on_first_use() {
    let clock = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(jwt(START - Duration::hours(1))), false),
        clock,
    )
    .unwrap();

    let token = credential.get_token().await.unwrap();
    assert_eq!(token.expires_on, START + Duration::minutes(60));
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_callers_share_one_refresh() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::taking(
        clock.clone(),
        Answer::Lifetime(Duration::minutes(60)),
        std::time::Duration::from_secs(1),
    );
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, None, false),
        clock,
    )
    .unwrap();

    let mut callers = JoinSet::new();
    for _ in 0..1_000 {
        let credential = credential.clone();
        callers.spawn(async move { credential.get_token().await });
    }
    let tokens: Vec<_> = callers.join_all().await;

    assert_eq!(refresher.calls(), 1);
    let first = tokens[0].as_ref().unwrap();
    assert!(tokens.iter().all(|token| token.as_ref().unwrap() == first));
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_callers_share_one_failure() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::taking(
        clock.clone(),
        Answer::Fail,
        std::time::Duration::from_secs(1),
    );
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, None, false),
        clock,
    )
    .unwrap();

    let mut callers = JoinSet::new();
    for _ in 0..1_000 {
        let credential = credential.clone();
        callers.spawn(async move { credential.get_token().await });
    }
    for result in callers.join_all().await {
        assert_eq!(kind(result), UserCredentialErrorKind::RefreshFailed);
    }
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_valid_token_then_fails() {
    let clock = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Fail);
    let initial = jwt(START + Duration::minutes(60));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(initial.clone()), false),
        clock.clone(),
    )
    .unwrap();

    clock.advance(Duration::minutes(59));
    assert_eq!(
        credential.get_token().await.unwrap().token.expose(),
        initial
    );
    assert_eq!(refresher.calls(), 1);

    clock.advance(Duration::minutes(1));
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(error.kind(), UserCredentialErrorKind::RefreshFailed);
    let source = std::error::Error::source(&error).unwrap();
    assert_eq!(source.to_string(), "backend unavailable");
    assert_eq!(refresher.calls(), 2);

    // The refresher recovers: so does the credential.
    refresher.answer(Answer::Lifetime(Duration::minutes(60)));
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.expires_on, clock.now() + Duration::minutes(60));
}

#[tokio::test]
async fn an_expired_or_unreadable_refreshed_token_is_an_error_not_a_loop() {
    let clock = Arc::new(ManualClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Expired);
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, None, false),
        clock,
    )
    .unwrap();

    assert_eq!(
        kind(credential.get_token().await),
        UserCredentialErrorKind::RefreshedTokenExpired
    );
    assert_eq!(refresher.calls(), 1);

    refresher.answer(Answer::Unreadable);
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(error.kind(), UserCredentialErrorKind::InvalidToken);
    assert!(error.to_string().contains("refresher"), "{error}");
    assert_eq!(refresher.calls(), 2);
}

#[tokio::test]
async fn the_credential_feeds_a_bearer_token_policy() {
    let clock = Arc::new(ManualClock::new(START));
    let token = jwt(START + Duration::minutes(60));
    let credential: Arc<dyn TokenCredential> = Arc::new(
        CommunicationTokenCredential::from_token_with_clock(&token, clock.clone()).unwrap(),
    );
    let access = credential
        .get_token(&["ignored"], Default::default())
        .await
        .unwrap();
    assert_eq!(access.token.expose(), token);

    clock.advance(Duration::hours(2));
    let error = credential
        .get_token(&[], Default::default())
        .await
        .unwrap_err();
    assert!(error.message().contains("expired"), "{error}");
}

// ---- Proactive -------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn proactive_refresh_runs_ten_minutes_before_expiry() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(jwt(START + Duration::minutes(60))), true),
        clock.clone(),
    )
    .unwrap();

    tokio::time::sleep(std::time::Duration::from_secs(155 * 60)).await;
    assert_eq!(
        refresher.called_after(),
        [50, 100, 150].map(Duration::minutes)
    );
    // Callers never waited: the token was always fresh.
    let token = credential.get_token().await.unwrap();
    assert_eq!(token.expires_on, START + Duration::minutes(210));
    assert_eq!(refresher.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn inside_the_window_proactive_refresh_waits_half_the_remaining_life() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(8)));
    let _credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(jwt(START + Duration::minutes(8))), true),
        clock,
    )
    .unwrap();

    tokio::time::sleep(std::time::Duration::from_secs(13 * 60)).await;
    assert_eq!(refresher.called_after(), [4, 8, 12].map(Duration::minutes));
}

#[tokio::test(start_paused = true)]
async fn proactive_refresh_without_an_initial_token_starts_at_once() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, None, true),
        clock,
    )
    .unwrap();

    settle().await;
    assert_eq!(refresher.called_after(), [Duration::ZERO]);
    credential.get_token().await.unwrap();
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn failing_proactive_refreshes_back_off_and_stop_at_expiry() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Fail);
    let initial = jwt(START + Duration::minutes(20));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(initial.clone()), true),
        clock,
    )
    .unwrap();

    tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    let called_after = refresher.called_after();
    // First at the window, then at half the remaining life each time, until expiry.
    assert_eq!(
        called_after[..3],
        [
            Duration::minutes(10),
            Duration::minutes(15),
            Duration::seconds(17 * 60 + 30)
        ]
    );
    assert!(called_after.len() < 15, "{called_after:?}");
    assert!(
        called_after
            .iter()
            .all(|after| *after <= Duration::minutes(20) + Duration::seconds(1))
    );

    // Past expiry the credential fails on demand; the background task stays quiet.
    let calls = refresher.calls();
    assert_eq!(
        kind(credential.get_token().await),
        UserCredentialErrorKind::RefreshFailed
    );
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(refresher.calls(), calls + 1);
}

#[tokio::test(start_paused = true)]
async fn a_proactive_refresher_returning_expired_tokens_does_not_loop() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Expired);
    let _credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, None, true),
        clock,
    )
    .unwrap();

    tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_on_demand_caller_joins_the_proactive_refresh_in_flight() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::taking(
        clock.clone(),
        Answer::Lifetime(Duration::minutes(60)),
        std::time::Duration::from_secs(60),
    );
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(jwt(START + Duration::minutes(5))), true),
        clock.clone(),
    )
    .unwrap();

    // The background refresh starts at 2:30 and takes a minute; at 3:00 the cached token
    // has 2 minutes left, so this caller needs a new one and waits for that refresh.
    tokio::time::sleep(std::time::Duration::from_secs(180)).await;
    let token = credential.get_token().await.unwrap();
    assert_eq!(clock.now() - START, Duration::seconds(210));
    assert_eq!(
        token.expires_on,
        START + Duration::seconds(210) + Duration::minutes(60)
    );
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_last_clone_stops_the_background_task() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let metrics = tokio::runtime::Handle::current().metrics();
    let alive_before = metrics.num_alive_tasks();

    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(jwt(START + Duration::minutes(60))), true),
        clock,
    )
    .unwrap();
    let cache = Arc::downgrade(&credential.cache);
    let clone = credential.clone();
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), alive_before + 1);

    drop(credential);
    settle().await;
    assert_eq!(
        metrics.num_alive_tasks(),
        alive_before + 1,
        "a clone still holds it"
    );

    drop(clone);
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), alive_before);
    assert!(cache.upgrade().is_none(), "the task released the cache");
    assert_eq!(Arc::strong_count(&refresher), 1);

    tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    assert_eq!(refresher.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn dispose_stops_every_clone() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(START));
    let refresher = TestRefresher::new(clock.clone(), Answer::Lifetime(Duration::minutes(60)));
    let metrics = tokio::runtime::Handle::current().metrics();
    let alive_before = metrics.num_alive_tasks();

    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        options(&refresher, Some(jwt(START + Duration::minutes(60))), true),
        clock,
    )
    .unwrap();
    let clone = credential.clone();
    credential.dispose();
    settle().await;

    assert_eq!(metrics.num_alive_tasks(), alive_before);
    assert_eq!(
        kind(clone.get_token().await),
        UserCredentialErrorKind::Disposed
    );
    assert!(format!("{clone:?}").contains("disposed: true"));
    tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    assert_eq!(refresher.calls(), 0);
}
