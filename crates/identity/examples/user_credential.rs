//! The user side of Communication Services: a `CommunicationTokenCredential` that keeps one
//! user's access token fresh, fetching new ones through the identity client.
//!
//! In an application the refresher would call the application's own backend, which holds
//! the access key and runs the identity client; here the example plays both parts. It
//! starts the Identity emulator in-process on 127.0.0.1, creates a user, and then:
//!
//! 1. asks the credential for a token twice: the refresher runs once, the second call is
//!    served from the cache;
//! 2. moves a clock forward 59 minutes, into the last 2 minutes of the token's hour, and
//!    asks again: the credential refreshes.
//!
//! ```text
//! cargo run --example user_credential
//! ```
//!
//! Tokens are secrets: each is shown only by a short fingerprint (a hash) and its expiry.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use acs_common::{
    CommunicationTokenCredential, CommunicationTokenRefreshOptions, ManualClock, RefreshError,
};
use acs_core_auth::AccessToken;
use acs_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
    CommunicationIdentityTokenScope, GetTokenOptions, TokenLifetime,
};
use time::{Duration, OffsetDateTime};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("user_credential failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The service side: an identity client against the emulator (kept alive until the end).
    let emulator = acs_emulator::Emulator::start().await?;
    println!("Started the in-process emulator at {}", emulator.endpoint());
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        CommunicationIdentityClientOptions::default(),
    )?;
    let user = client.create_user().await?;
    println!("Created user {user}");

    // The refresher: one chat token with a one-hour lifetime per call.
    let refreshes = Arc::new(AtomicUsize::new(0));
    let one_hour = TokenLifetime::from_minutes(60)?;
    let refresher = {
        let (client, user, refreshes) = (client.clone(), user.clone(), Arc::clone(&refreshes));
        move || {
            let (client, user, refreshes) = (client.clone(), user.clone(), Arc::clone(&refreshes));
            async move {
                refreshes.fetch_add(1, Ordering::SeqCst);
                let options = GetTokenOptions {
                    expires_in: Some(one_hour),
                };
                let issued = client
                    .get_token(&user, &[CommunicationIdentityTokenScope::Chat], options)
                    .await
                    .map_err(|e| RefreshError::with_source("the identity service refused", e))?;
                Ok(issued.token)
            }
        }
    };

    // A manual clock lets the example skip an hour instead of waiting for it. Applications
    // use `with_refresher` (the system clock), often with `refresh_proactively: true`.
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let credential = CommunicationTokenCredential::with_refresher_and_clock(
        CommunicationTokenRefreshOptions::new(refresher),
        clock.clone(),
    )?;

    let first = credential.get_token().await?;
    println!("First token:  {}", describe(&first, &refreshes));
    let cached = credential.get_token().await?;
    println!("Second call:  {}", describe(&cached, &refreshes));
    assert!(
        cached == first,
        "the second call should be served from the cache"
    );

    clock.advance(Duration::minutes(59));
    let refreshed = credential.get_token().await?;
    println!("59 min later: {}", describe(&refreshed, &refreshes));
    assert!(
        refreshed != first,
        "inside the last 2 minutes the token should be replaced"
    );
    println!("Credential: {credential:?}");

    credential.dispose();
    client.delete_user(&user).await?;
    println!("Deleted user {user}");
    Ok(())
}

/// A token's fingerprint and expiry, with how many times the refresher has run.
fn describe(token: &AccessToken, refreshes: &AtomicUsize) -> String {
    let mut hasher = DefaultHasher::new();
    token.token.expose().hash(&mut hasher);
    format!(
        "token #{:08x}, expires {} UTC (refresher calls so far: {})",
        hasher.finish() as u32,
        token.expires_on.time(),
        refreshes.load(Ordering::SeqCst)
    )
}
