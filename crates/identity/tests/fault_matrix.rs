//! Every injected fault against every client operation, end to end through the emulator.
//!
//! The retry rules of `acs_core_http::policies::retry` decide, for each outcome of an
//! attempt, whether the call is repeated; creating a user (with or without a token) is not
//! idempotent and is only repeated where the service cannot have acted. Here the emulator
//! (`acs-emulator`, on 127.0.0.1) fails the first N attempts of one operation with one fault,
//! the real client makes the call, and each case checks:
//!
//! - the outcome: success after retries, or the typed error (kind, status) of the fault;
//! - the attempts in the emulator's request log: how many, all with one
//!   `x-ms-client-request-id`, each signed validly, dated in order, the first N faulted;
//! - the emulator's state: a create that failed left no identity behind, unless the fault
//!   let the service act first (then exactly one), and no retry created a second;
//! - that the call ended (within a generous bound) and did not panic.
//!
//! Each table row is one rule: a fault and what the policy does with an attempt that met it,
//! for idempotent calls and for creates. Every row runs for the six operations, signed with
//! the access key and with a bearer token, with the fault on fewer attempts than the retry
//! budget (2 of 4) and on every attempt. Waits are 1–5 ms and a hung attempt is cut off
//! after 500 ms, so the whole table runs in seconds of real time; nothing asserts
//! durations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use acs_core_http::{Context, ManualClock, Next, Policy, Request, Response, async_trait};
use acs_emulator::{
    AuthScheme, Emulator, Fault, FaultRule, FaultWhen, RecordedRequest, RetryAfterHint,
};
use acs_identity::{ClientOptions, CommunicationIdentityClient, Error, ErrorKind, RetryOptions};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use support::faults::{
    Call, Returned, Target, check_one_call, client_for, client_options, fast_retry, hmac_client,
    invoke, prepare,
};

/// Retries after the first attempt; a call makes at most this many plus one attempts.
const MAX_RETRIES: u32 = 3;
/// Faulted attempts in the "within budget" run.
const WITHIN_BUDGET: u32 = 2;
/// The per-attempt limit for rows whose fault is a hang: short, so the table stays fast,
/// yet far above what an answered attempt takes on a busy machine.
const HANG_TRY_TIMEOUT: Duration = Duration::from_millis(500);
/// A bound no case comes near (the slowest makes four attempts cut off at
/// [`HANG_TRY_TIMEOUT`]); a call still running after it counts as hung.
const CALL_BOUND: Duration = Duration::from_secs(30);
/// Cases run at once.
const CONCURRENCY: usize = 16;

/// What the retry policy does with an attempt that met a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Waits and tries again, while the budget lasts.
    Retry,
    /// Ends the call with this attempt's outcome.
    Return,
}
use Verdict::{Retry, Return};

/// One rule of the table.
#[derive(Clone, Debug)]
struct Row {
    fault: Fault,
    /// For issue, revoke, delete and the Teams exchange.
    idempotent: Verdict,
    /// For create_user and create_user_and_token.
    create: Verdict,
}

fn row(fault: Fault, idempotent: Verdict, create: Verdict) -> Row {
    Row {
        fault,
        idempotent,
        create,
    }
}

fn hinted(status: u16, hint: RetryAfterHint) -> Fault {
    Fault::status_with_hint(status, hint)
}

fn seconds(text: &str) -> RetryAfterHint {
    RetryAfterHint::Seconds(text.to_owned())
}

/// A `Retry-After` date 30 s ahead: the wait it names is capped at `max_delay` (5 ms).
fn in_30_seconds() -> RetryAfterHint {
    RetryAfterHint::HttpDate(OffsetDateTime::now_utc() + time::Duration::seconds(30))
}

/// A `Retry-After` date that has passed: retry at once.
fn in_the_past() -> RetryAfterHint {
    RetryAfterHint::HttpDate(OffsetDateTime::UNIX_EPOCH + time::Duration::days(16_000))
}

/// A 429 or 503 that names a wait was turned away before the service acted: every call,
/// creates included, is repeated after that wait (capped at `max_delay`). A value the
/// parser cannot read still names a wait; the policy then uses its backoff.
#[rustfmt::skip]
fn throttling_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for status in [429, 503] {
        rows.extend([
            // fault                                                   idempotent  create
            row(hinted(status, seconds("1")),                          Retry,      Retry),
            row(hinted(status, seconds("0.941641")),                   Retry,      Retry),
            row(hinted(status, in_30_seconds()),                       Retry,      Retry),
            row(hinted(status, in_the_past()),                         Retry,      Retry),
            row(hinted(status, RetryAfterHint::Millis(20)),            Retry,      Retry),
            row(hinted(status, RetryAfterHint::XMsMillis(20)),         Retry,      Retry),
        ]);
    }
    rows.extend([
        row(hinted(503, seconds("-1")),                                Retry,      Retry),
        row(hinted(429, seconds("abc")),                               Retry,      Retry),
        row(hinted(503, seconds("81,120")),                            Retry,      Retry),
        row(hinted(429, seconds("99999999999999999999999")),           Retry,      Retry),
    ]);
    rows
}

/// Statuses without a wait: the service may have acted, so only idempotent calls are
/// repeated; a status outside the retry list is returned by every call.
#[rustfmt::skip]
fn status_rows() -> Vec<Row> {
    vec![
        // fault                                                       idempotent  create
        row(Fault::status(429),                                        Retry,      Return),
        row(Fault::status(503),                                        Retry,      Return),
        row(Fault::status(408),                                        Retry,      Return),
        row(Fault::status(500),                                        Retry,      Return),
        row(Fault::status(502),                                        Retry,      Return),
        row(Fault::status(504),                                        Retry,      Return),
        row(Fault::status(501),                                        Return,     Return),
        row(hinted(400, seconds("1")),                                 Return,     Return),
    ]
}

/// Failures of the exchange after the request left: the service may have acted (and with
/// `ResetAfterProcessing` it did), so creates are not repeated; the others are.
#[rustfmt::skip]
fn transport_rows() -> Vec<Row> {
    vec![
        // fault                                                       idempotent  create
        row(Fault::ResetConnection,                                    Retry,      Return),
        row(Fault::ResetAfterProcessing,                               Retry,      Return),
        row(Fault::Hang,                                               Retry,      Return),
    ]
}

/// Answers that are not what they claim: a body cut short (an I/O error after the head
/// arrived) and a gateway's HTML page (an error status with no service envelope).
#[rustfmt::skip]
fn malformed_rows() -> Vec<Row> {
    vec![
        // fault                                                       idempotent  create
        row(Fault::TruncatedBody,                                      Retry,      Return),
        row(Fault::HtmlErrorPage { status: 502 },                      Retry,      Return),
        row(Fault::HtmlErrorPage { status: 404 },                      Return,     Return),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_that_names_a_wait_is_retried_for_every_operation() {
    run_table(throttling_rows()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn error_statuses_are_retried_only_for_idempotent_operations() {
    run_table(status_rows()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transport_failures_are_retried_only_for_idempotent_operations() {
    run_table(transport_rows()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn truncated_and_html_answers_follow_the_same_rules() {
    run_table(malformed_rows()).await;
}

/// The failure a fault turns into when it ends the call.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    kind: ErrorKind,
    status: Option<u16>,
}

impl Failure {
    fn of(error: &Error) -> Self {
        Failure {
            kind: *error.kind(),
            status: error.status().map(|status| status.as_u16()),
        }
    }
}

/// What the client reports when an attempt meets `fault` and the policy gives up on it.
fn failure_of(fault: &Fault) -> Failure {
    let (kind, status) = match fault {
        Fault::Status { status, .. } | Fault::HtmlErrorPage { status } => {
            (ErrorKind::HttpResponse, Some(*status))
        }
        // Closed before a response head arrived.
        Fault::ResetConnection | Fault::ResetAfterProcessing => (ErrorKind::Connection, None),
        // Cut off by `try_timeout`.
        Fault::Hang => (ErrorKind::Timeout, None),
        // The head arrived, the body did not.
        Fault::TruncatedBody => (ErrorKind::Io, None),
        other => panic!("no expectation for {other:?}"),
    };
    Failure { kind, status }
}

/// The outcome the rule table predicts for one case.
#[derive(Debug)]
struct Expected {
    attempts: usize,
    outcome: Result<(), Failure>,
    /// Whether the service acted on the faulted attempts.
    acted: bool,
}

fn expect(row: &Row, call: Call, faulted: u32) -> Expected {
    let verdict = if call.is_idempotent() {
        row.idempotent
    } else {
        row.create
    };
    let acted = matches!(row.fault, Fault::ResetAfterProcessing);
    let budget = MAX_RETRIES + 1;
    let (attempts, outcome) = match verdict {
        Return => (1, Err(failure_of(&row.fault))),
        Retry if faulted < budget => {
            // The first attempt deleted the user, so the retry that finally gets an answer
            // is told the user does not exist.
            let outcome = if acted && call == Call::DeleteUser {
                Err(Failure {
                    kind: ErrorKind::HttpResponse,
                    status: Some(404),
                })
            } else {
                Ok(())
            };
            (faulted + 1, outcome)
        }
        Retry => (budget, Err(failure_of(&row.fault))),
    };
    Expected {
        attempts: attempts as usize,
        outcome,
        acted,
    }
}

/// Every operation, signed with the access key and with a bearer token, with the fault on
/// the first [`WITHIN_BUDGET`] attempts and on every attempt.
fn cases_of_a_row() -> impl Iterator<Item = (Call, AuthScheme, u32)> {
    Call::ALL.into_iter().flat_map(|call| {
        [AuthScheme::Hmac, AuthScheme::Bearer]
            .into_iter()
            .flat_map(move |scheme| {
                [WITHIN_BUDGET, u32::MAX]
                    .into_iter()
                    .map(move |faulted| (call, scheme, faulted))
            })
    })
}

/// Runs every row for every operation, within and beyond the retry budget, and fails with
/// the list of cases that broke their rule.
async fn run_table(rows: Vec<Row>) {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut cases = JoinSet::new();
    for row in rows {
        for (call, scheme, faulted) in cases_of_a_row() {
            let row = row.clone();
            let permits = permits.clone();
            cases.spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                let name = format!(
                    "{call:?} ({scheme}) with `{}` on {} attempt(s)",
                    row.fault,
                    if faulted == u32::MAX {
                        "every".to_owned()
                    } else {
                        format!("the first {faulted}")
                    }
                );
                (name, run_case(&row, call, scheme, faulted).await)
            });
        }
    }

    let mut broken = Vec::new();
    let mut passed = 0;
    while let Some(joined) = cases.join_next().await {
        match joined {
            Ok((_, Ok(()))) => passed += 1,
            Ok((name, Err(why))) => broken.push(format!("{name}: {why}")),
            // The client (or this test) panicked inside the case.
            Err(error) => broken.push(format!("a case panicked: {error}")),
        }
    }
    broken.sort();
    assert!(
        broken.is_empty(),
        "{} of {} cases broke their rule:\n{}",
        broken.len(),
        broken.len() + passed,
        broken.join("\n")
    );
}

/// Fails the case with a message unless `condition` holds.
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

async fn run_case(row: &Row, call: Call, scheme: AuthScheme, faulted: u32) -> Result<(), String> {
    let emulator = Emulator::builder()
        .fault_seed(7)
        .start()
        .await
        .map_err(|e| format!("the emulator did not start: {e}"))?;
    let mut retry = fast_retry(MAX_RETRIES);
    if row.fault == Fault::Hang {
        retry.try_timeout = Some(HANG_TRY_TIMEOUT);
    }
    let client = client_for(&emulator, scheme, retry);
    let target = prepare(&emulator, &client).await;
    let existing: BTreeSet<String> = emulator.identities().into_iter().collect();
    emulator.clear_requests();
    emulator.set_faults([FaultRule::new(
        FaultWhen::default().on(call.operation()).first(faulted),
        row.fault.clone(),
    )]);

    let outcome = tokio::time::timeout(CALL_BOUND, invoke(&client, call, &target))
        .await
        .map_err(|_| format!("the call was still running after {CALL_BOUND:?}"))?;
    let expected = expect(row, call, faulted);
    let log = emulator.requests();

    // The outcome.
    let got = outcome.as_ref().map(|_| ()).map_err(Failure::of);
    ensure!(
        got == expected.outcome,
        "expected {:?}, got {outcome:?} after {} attempt(s)",
        expected.outcome,
        log.len()
    );

    // The attempts.
    ensure!(
        log.len() == expected.attempts,
        "expected {} attempt(s), the emulator saw {}: {log:#?}",
        expected.attempts,
        log.len()
    );
    let request_id = check_one_call(&log, call.operation(), scheme)?;
    if let Err(error) = &outcome
        && error.kind() == &ErrorKind::HttpResponse
    {
        ensure!(
            error.client_request_id() == Some(request_id.as_str()),
            "the error names request id {:?}, the attempts carried {request_id}",
            error.client_request_id()
        );
    }
    if scheme == AuthScheme::Hmac {
        check_dates(&log)?;
    }
    if let (Fault::HtmlErrorPage { .. }, Err(error)) = (&row.fault, &outcome) {
        ensure!(
            error.service_error().is_none(),
            "an HTML page was read as a service error: {error:?}"
        );
    }
    for (number, attempt) in log.iter().enumerate() {
        let should_be_faulted = (number as u64) < u64::from(faulted);
        ensure!(
            attempt.fault.is_some() == should_be_faulted,
            "attempt {} was {} faulted: {attempt:?}",
            number + 1,
            if should_be_faulted {
                "not"
            } else {
                "unexpectedly"
            }
        );
    }

    // The state the call left behind.
    check_state(&emulator, call, &target, &existing, &outcome, &expected)
}

/// Every attempt's `x-ms-date` is an IMF-fixdate, and they never go back in time.
fn check_dates(log: &[RecordedRequest]) -> Result<(), String> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let mut previous = None;
    for attempt in log {
        let text = attempt.x_ms_date.as_deref().unwrap_or_default();
        let date = PrimitiveDateTime::parse(text, format)
            .map_err(|e| format!("x-ms-date {text:?} is not an IMF-fixdate: {e}"))?;
        ensure!(
            previous.is_none_or(|previous| previous <= date),
            "x-ms-date went back from {previous:?} to {date}"
        );
        previous = Some(date);
    }
    Ok(())
}

fn check_state(
    emulator: &Emulator,
    call: Call,
    target: &Target,
    existing: &BTreeSet<String>,
    outcome: &Result<Returned, Error>,
    expected: &Expected,
) -> Result<(), String> {
    let created: Vec<String> = emulator
        .identities()
        .into_iter()
        .filter(|id| !existing.contains(id))
        .collect();
    let earlier_token_valid = emulator.is_token_valid(target.earlier_token.token.expose());

    match (call, outcome) {
        (Call::CreateUser | Call::CreateUserAndToken, Ok(returned)) => {
            let user = returned.created_user().ok_or("a create returned no user")?;
            ensure!(
                created == [user.id().to_owned()],
                "the call returned {user} but these identities were created: {created:?}"
            );
            if let Some(token) = returned.token() {
                ensure!(
                    emulator.is_token_valid(token.token.expose()),
                    "the returned token is not valid"
                );
            }
        }
        (Call::CreateUser | Call::CreateUserAndToken, Err(_)) => {
            // The service acted once per attempt that it processed; only one attempt was
            // made for a fault that let it act, so at most one identity exists.
            let acted = if expected.acted { expected.attempts } else { 0 };
            ensure!(
                created.len() == acted,
                "a failed create left {} identities (expected {acted}): {created:?}",
                created.len()
            );
        }
        (_, _) if !created.is_empty() => {
            return Err(format!("{call:?} created identities: {created:?}"));
        }
        (Call::GetToken, Ok(returned)) => {
            let token = returned.token().ok_or("get_token returned no token")?;
            let claims = emulator
                .token_claims(token.token.expose())
                .ok_or("the token was not minted by the emulator")?;
            ensure!(
                claims.user_id == target.user.id(),
                "the token is for {}",
                claims.user_id
            );
        }
        (Call::RevokeTokens, Ok(_)) => {
            ensure!(
                !earlier_token_valid,
                "the earlier token survived the revoke"
            );
        }
        (Call::RevokeTokens, Err(_)) => {
            ensure!(
                earlier_token_valid != expected.acted,
                "the earlier token is {}valid after a failed revoke",
                if earlier_token_valid { "" } else { "not " }
            );
        }
        (Call::DeleteUser, result) => {
            let gone = result.is_ok() || expected.acted;
            ensure!(
                emulator.identity_exists(target.user.id()) != gone,
                "the user {} after {result:?}",
                if gone { "still exists" } else { "is gone" }
            );
        }
        (Call::GetTokenForTeamsUser, Ok(returned)) => {
            let token = returned.token().ok_or("the exchange returned no token")?;
            let claims = emulator
                .token_claims(token.token.expose())
                .ok_or("the token was not minted by the emulator")?;
            ensure!(
                claims.user_id == format!("8:orgid:{}", target.entra.object_id),
                "the token is for {}",
                claims.user_id
            );
        }
        (Call::GetToken | Call::GetTokenForTeamsUser, Err(_)) => {}
    }
    if !matches!(call, Call::RevokeTokens | Call::DeleteUser) {
        ensure!(earlier_token_valid, "{call:?} invalidated an earlier token");
    }
    Ok(())
}

/// An attempt that never gets an answer, with no per-try limit, is cut off by the call's
/// deadline: every operation fails with `Timeout` after its one attempt.
#[tokio::test(flavor = "multi_thread")]
async fn a_call_that_never_gets_an_answer_ends_at_its_deadline() {
    for call in Call::ALL {
        let emulator = Emulator::start().await.unwrap();
        let client = hmac_client(&emulator, fast_retry(MAX_RETRIES));
        let target = prepare(&emulator, &client).await;
        emulator.clear_requests();
        emulator.set_faults([FaultRule::new(
            FaultWhen::default().on(call.operation()),
            Fault::Hang,
        )]);

        let deadline_bound = RetryOptions {
            try_timeout: None,
            max_total_duration: Duration::from_millis(300),
            ..fast_retry(MAX_RETRIES)
        };
        let client = hmac_client(&emulator, deadline_bound);
        let error = tokio::time::timeout(CALL_BOUND, invoke(&client, call, &target))
            .await
            .unwrap_or_else(|_| panic!("{call:?} outlived its deadline by far"))
            .unwrap_err();

        assert_eq!(error.kind(), &ErrorKind::Timeout, "{call:?}: {error:?}");
        assert_eq!(emulator.requests().len(), 1, "{call:?}");
        check_one_call(&emulator.requests(), call.operation(), AuthScheme::Hmac).unwrap();
    }
}

/// Moves the client's clock one second forward after every attempt, so the next one must
/// carry a later `x-ms-date` (and so a different signature).
#[derive(Debug)]
struct TickAfterEachAttempt(Arc<ManualClock>);

#[async_trait]
impl Policy for TickAfterEachAttempt {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: Next<'_>,
    ) -> acs_core_http::Result<Response> {
        let outcome = next.run(ctx, request).await;
        self.0.advance(time::Duration::seconds(1));
        outcome
    }
}

/// With a pinned client clock that moves one second per attempt, the three attempts of a
/// retried call carry three consecutive `x-ms-date`s from that clock, all verified.
#[tokio::test]
async fn attempts_are_dated_by_the_injected_clock() {
    let start = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let emulator = Emulator::builder()
        .clock(acs_emulator::ManualClock::new(start))
        .fault(FaultRule::new(
            FaultWhen::default().first(2),
            Fault::status(503),
        ))
        .start()
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let mut options = client_options(fast_retry(MAX_RETRIES));
    options.client_options = ClientOptions {
        clock: Some(clock.clone()),
        per_try_policies: vec![Arc::new(TickAfterEachAttempt(clock))],
        ..options.client_options
    };
    let client =
        CommunicationIdentityClient::from_connection_string(&emulator.connection_string(), options)
            .unwrap();

    let user = emulator.create_identity();
    client
        .revoke_tokens(&acs_identity::CommunicationUserIdentifier::new(user))
        .await
        .unwrap();

    let log = emulator.requests();
    check_one_call(
        &log,
        acs_emulator::Operation::RevokeAccessTokens,
        AuthScheme::Hmac,
    )
    .unwrap();
    let dates: Vec<_> = log.iter().map(|a| a.x_ms_date.clone().unwrap()).collect();
    let expected: Vec<_> = (0..3)
        .map(|s| acs_core_http::hmac::format_date(start + time::Duration::seconds(s)))
        .collect();
    assert_eq!(dates, expected);
}
