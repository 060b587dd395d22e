//! Many clients at once against one emulator that fails a share of requests.
//!
//! 200 clients, each with its own pipeline and connection pool, make 50 calls each
//! (creating users with and without tokens, issuing and revoking tokens, deleting users)
//! against one in-process emulator on 127.0.0.1. About 5 % of requests meet a transient
//! fault drawn from a fixed seed: a 503 naming a wait, a 500, or a connection reset before
//! any response. Creates only meet the hinted 503, the one fault a create may be repeated
//! after (a 500 or a reset is returned to the caller, by design; `fault_matrix.rs` covers
//! that). With six retries every call must succeed, and afterwards the emulator must hold
//! exactly the users the clients saw created and not deleted: no lost create, no duplicate
//! from a retried one, no deleted user left behind.
//!
//! Nothing here measures time; the waits are 1–5 ms so the run stays short.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use acs_emulator::{Emulator, Fault, FaultRule, FaultWhen, Operation, RetryAfterHint};
use acs_identity::{
    CommunicationIdentityClient, CommunicationIdentityTokenScope as Scope,
    CreateUserAndTokenOptions, Error, GetTokenOptions, RetryOptions,
};
use tokio::task::JoinSet;

use support::faults::{client_options, fast_retry};

const CLIENTS: usize = 200;
const CALLS_PER_CLIENT: usize = 50;
/// Calls in one round of [`run_client`]; `CALLS_PER_CLIENT` is a whole number of rounds.
const CALLS_PER_ROUND: usize = 5;
/// Each idempotent operation meets each of its three faults with this probability, so
/// about 5 % of its requests fail; creates meet their one fault with [`CREATE_FAULTS`].
const FAULT_SHARE: f64 = 0.05 / 3.0;
const CREATE_FAULTS: f64 = 0.05;
const SEED: u64 = 20_261_204;

/// What one client saw.
#[derive(Default)]
struct Seen {
    created: Vec<String>,
    deleted: Vec<String>,
    failures: Vec<String>,
}

impl Seen {
    fn failed(&mut self, call: &str, error: &Error) {
        self.failures.push(format!("{call}: {error}"));
    }
}

fn transient_faults() -> Vec<FaultRule> {
    let hinted = || Fault::status_with_hint(503, RetryAfterHint::Millis(1));
    let mut rules = vec![FaultRule::new(
        FaultWhen::default()
            .on(Operation::CreateIdentity)
            .fraction(CREATE_FAULTS),
        hinted(),
    )];
    for operation in [
        Operation::IssueAccessToken,
        Operation::RevokeAccessTokens,
        Operation::DeleteIdentity,
    ] {
        for fault in [hinted(), Fault::status(500), Fault::ResetConnection] {
            let when = FaultWhen::default().on(operation).fraction(FAULT_SHARE);
            rules.push(FaultRule::new(when, fault));
        }
    }
    rules
}

/// Six retries, 1–5 ms apart. No hang is injected, so the per-try limit only guards
/// against a stuck test; it is generous because 200 clients share two cores.
fn retry() -> RetryOptions {
    RetryOptions {
        try_timeout: Some(Duration::from_secs(60)),
        max_total_duration: Duration::from_secs(300),
        ..fast_retry(6)
    }
}

/// Ten rounds of: create a user, create a user with a token, issue the first a token,
/// revoke it, delete the first user. The second user of each round is kept.
async fn run_client(client: CommunicationIdentityClient) -> Seen {
    let mut seen = Seen::default();
    for _ in 0..CALLS_PER_CLIENT / CALLS_PER_ROUND {
        let user = match client.create_user().await {
            Ok(user) => user,
            Err(error) => {
                seen.failed("create_user", &error);
                continue;
            }
        };
        seen.created.push(user.id().to_owned());

        match client
            .create_user_and_token(&[Scope::Chat], CreateUserAndTokenOptions::default())
            .await
        {
            Ok(both) => seen.created.push(both.user.id().to_owned()),
            Err(error) => seen.failed("create_user_and_token", &error),
        }
        if let Err(error) = client
            .get_token(&user, &[Scope::Voip], GetTokenOptions::default())
            .await
        {
            seen.failed("get_token", &error);
        }
        if let Err(error) = client.revoke_tokens(&user).await {
            seen.failed("revoke_tokens", &error);
        }
        match client.delete_user(&user).await {
            Ok(()) => seen.deleted.push(user.into_id()),
            Err(error) => seen.failed("delete_user", &error),
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_clients_under_transient_faults_lose_and_duplicate_nothing() {
    let emulator = Emulator::builder().fault_seed(SEED).start().await.unwrap();
    emulator.set_faults(transient_faults());

    let mut clients = JoinSet::new();
    for _ in 0..CLIENTS {
        let client = CommunicationIdentityClient::from_connection_string(
            &emulator.connection_string(),
            client_options(retry()),
        )
        .unwrap();
        clients.spawn(run_client(client));
    }
    let mut created = Vec::new();
    let mut deleted = BTreeSet::new();
    let mut failures = Vec::new();
    while let Some(seen) = clients.join_next().await {
        let seen = seen.expect("no client panics");
        created.extend(seen.created);
        deleted.extend(seen.deleted);
        failures.extend(seen.failures);
    }

    // Every call succeeded after its retries: none returned a 5xx (or anything else).
    assert!(
        failures.is_empty(),
        "{} calls failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert_eq!(
        created.len(),
        CLIENTS * CALLS_PER_CLIENT * 2 / CALLS_PER_ROUND
    );

    // Every user a client saw created exists exactly once, unless it was deleted.
    let unique: BTreeSet<&String> = created.iter().collect();
    assert_eq!(unique.len(), created.len(), "an id was returned twice");
    let expected: BTreeSet<String> = created
        .iter()
        .filter(|id| !deleted.contains(*id))
        .cloned()
        .collect();
    let existing: BTreeSet<String> = emulator.identities().into_iter().collect();
    let extra: Vec<_> = existing.difference(&expected).take(5).collect();
    let missing: Vec<_> = expected.difference(&existing).take(5).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "the emulator holds users no client kept ({extra:?}…) or lacks kept ones ({missing:?}…)"
    );
    for id in &deleted {
        assert!(!emulator.identity_exists(id), "{id} was deleted but exists");
    }

    // The faults really happened, of every kind, at about the intended share.
    let log = emulator.requests();
    let faulted: Vec<&str> = log.iter().filter_map(|r| r.fault.as_deref()).collect();
    for kind in ["status=503", "status=500", "kind=reset"] {
        assert!(
            faulted.iter().any(|fault| fault.starts_with(kind)),
            "no `{kind}` fault was injected"
        );
    }
    let share = faulted.len() as f64 / log.len() as f64;
    println!(
        "{} calls, {} requests, {} faulted ({:.1} %), seed {SEED}",
        CLIENTS * CALLS_PER_CLIENT,
        log.len(),
        faulted.len(),
        share * 100.0
    );
    assert!(
        (0.03..0.07).contains(&share),
        "{share:.3} of requests faulted"
    );
    // A create that met a fault changed nothing, so the successful creates are exactly
    // the ones the clients saw.
    let created_by_the_service = log
        .iter()
        .filter(|r| r.operation == Some(Operation::CreateIdentity) && r.status == 201)
        .count();
    assert_eq!(created_by_the_service, created.len());
}
