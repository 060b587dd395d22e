//! Helpers shared by the emulator-backed reliability tests (`fault_matrix.rs`, `load.rs`,
//! `secrets_flow.rs`): fast retry settings, a key-signed client for an emulator, the six
//! client operations as values a table can name, and the checks every retried call must
//! pass in the emulator's request log.
//!
//! The emulator is `acs-emulator`, started in-process on 127.0.0.1; its fault rules decide
//! which attempts fail, and its request log shows every attempt the client made.

use std::sync::Arc;
use std::time::Duration;

use acs_emulator::{
    AuthScheme, Emulator, EntraToken, EntraTokenOptions, Operation, RecordedRequest,
};
use acs_identity::{
    ClientOptions, CommunicationAccessToken, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationIdentityTokenScope as Scope,
    CommunicationUserIdentifier, CommunicationUserToken, CreateUserAndTokenOptions, Error,
    GetTokenForTeamsUserOptions, GetTokenOptions, RetryOptions, StaticTokenCredential,
};

/// Retry settings that keep a faulty call short in real time: waits of 1 to 5 ms (every
/// server-named wait is capped at 5 ms too). The per-attempt limit (10 s) and the deadline
/// (60 s) are far beyond what an answered attempt needs on a busy machine, so only
/// `max_retries` ends a call; tests of hangs shorten `try_timeout`.
pub fn fast_retry(max_retries: u32) -> RetryOptions {
    RetryOptions {
        max_retries,
        initial_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_total_duration: Duration::from_secs(60),
        try_timeout: Some(Duration::from_secs(10)),
        ..RetryOptions::default()
    }
}

/// Client options with `retry` and everything else at its default.
pub fn client_options(retry: RetryOptions) -> CommunicationIdentityClientOptions {
    CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            retry,
            ..ClientOptions::default()
        },
        ..CommunicationIdentityClientOptions::default()
    }
}

/// A client for `emulator` built from its connection string (HMAC signing).
pub fn hmac_client(emulator: &Emulator, retry: RetryOptions) -> CommunicationIdentityClient {
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        client_options(retry),
    )
    .expect("the emulator's connection string is valid")
}

/// A client for `emulator` that sends, as its bearer credential, an Entra token the
/// emulator minted.
pub fn bearer_client(emulator: &Emulator, retry: RetryOptions) -> CommunicationIdentityClient {
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    let credential = Arc::new(StaticTokenCredential::new(entra.token, entra.expires_on));
    CommunicationIdentityClient::with_token_credential(
        emulator.endpoint().as_str(),
        credential,
        client_options(retry),
    )
    .expect("the emulator's endpoint is loopback")
}

/// A client for `emulator` authenticating with `scheme`.
pub fn client_for(
    emulator: &Emulator,
    scheme: AuthScheme,
    retry: RetryOptions,
) -> CommunicationIdentityClient {
    match scheme {
        AuthScheme::Bearer => bearer_client(emulator, retry),
        _ => hmac_client(emulator, retry),
    }
}

/// One of the six client operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    CreateUser,
    CreateUserAndToken,
    GetToken,
    RevokeTokens,
    DeleteUser,
    GetTokenForTeamsUser,
}

impl Call {
    pub const ALL: [Call; 6] = [
        Call::CreateUser,
        Call::CreateUserAndToken,
        Call::GetToken,
        Call::RevokeTokens,
        Call::DeleteUser,
        Call::GetTokenForTeamsUser,
    ];

    /// The emulator operation the call's request routes to.
    pub fn operation(self) -> Operation {
        match self {
            Call::CreateUser | Call::CreateUserAndToken => Operation::CreateIdentity,
            Call::GetToken => Operation::IssueAccessToken,
            Call::RevokeTokens => Operation::RevokeAccessTokens,
            Call::DeleteUser => Operation::DeleteIdentity,
            Call::GetTokenForTeamsUser => Operation::ExchangeTeamsUserToken,
        }
    }

    /// Whether repeating the call after the service acted is harmless. Creating a user is
    /// not: a repeat would create a second one.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Call::CreateUser | Call::CreateUserAndToken)
    }
}

/// What a call needs that must exist before it runs: a user (for issue, revoke, delete),
/// a token issued to it earlier (so a revoke can be seen to work) and an Entra token (for
/// the Teams exchange). Made around HTTP or before any fault rule is installed, so they
/// leave no trace in a faulted run.
pub struct Target {
    pub user: CommunicationUserIdentifier,
    pub earlier_token: CommunicationAccessToken,
    pub entra: EntraToken,
}

/// Creates the [`Target`] of a call on `emulator` through `client`; call it before
/// installing fault rules, then clear the request log.
pub async fn prepare(emulator: &Emulator, client: &CommunicationIdentityClient) -> Target {
    let user = CommunicationUserIdentifier::new(emulator.create_identity());
    let earlier_token = client
        .get_token(&user, &[Scope::Chat], GetTokenOptions::default())
        .await
        .expect("an unfaulted issue succeeds");
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    Target {
        user,
        earlier_token,
        entra,
    }
}

/// What a successful call returned.
#[derive(Debug)]
pub enum Returned {
    User(CommunicationUserIdentifier),
    UserAndToken(CommunicationUserToken),
    Token(CommunicationAccessToken),
    Nothing,
}

impl Returned {
    /// The user a create returned.
    pub fn created_user(&self) -> Option<&CommunicationUserIdentifier> {
        match self {
            Returned::User(user) => Some(user),
            Returned::UserAndToken(both) => Some(&both.user),
            _ => None,
        }
    }

    /// The access token the call returned.
    pub fn token(&self) -> Option<&CommunicationAccessToken> {
        match self {
            Returned::UserAndToken(both) => Some(&both.access_token),
            Returned::Token(token) => Some(token),
            _ => None,
        }
    }
}

/// Runs `call` through `client` against `target`.
pub async fn invoke(
    client: &CommunicationIdentityClient,
    call: Call,
    target: &Target,
) -> Result<Returned, Error> {
    match call {
        Call::CreateUser => client.create_user().await.map(Returned::User),
        Call::CreateUserAndToken => client
            .create_user_and_token(&[Scope::Chat], CreateUserAndTokenOptions::default())
            .await
            .map(Returned::UserAndToken),
        Call::GetToken => client
            .get_token(
                &target.user,
                &[Scope::Chat, Scope::Voip],
                GetTokenOptions::default(),
            )
            .await
            .map(Returned::Token),
        Call::RevokeTokens => client
            .revoke_tokens(&target.user)
            .await
            .map(|()| Returned::Nothing),
        Call::DeleteUser => client
            .delete_user(&target.user)
            .await
            .map(|()| Returned::Nothing),
        Call::GetTokenForTeamsUser => client
            .get_token_for_teams_user(GetTokenForTeamsUserOptions::new(
                target.entra.token.clone(),
                target.entra.app_id.clone(),
                target.entra.object_id.clone(),
            ))
            .await
            .map(Returned::Token),
    }
}

/// Checks that `attempts` are the attempts of one call: at least one, all routed to
/// `operation`, all with the same non-empty `x-ms-client-request-id`, an `x-ms-date`, and a
/// signature (or bearer token) the emulator verified. Returns the shared request id, or
/// what is wrong.
pub fn check_one_call(
    attempts: &[RecordedRequest],
    operation: Operation,
    scheme: AuthScheme,
) -> Result<String, String> {
    let first = attempts.first().ok_or("no attempt reached the emulator")?;
    let request_id = first
        .client_request_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or("the first attempt has no x-ms-client-request-id")?;
    for (number, attempt) in attempts.iter().enumerate() {
        let number = number + 1;
        if attempt.operation != Some(operation) {
            return Err(format!(
                "attempt {number} went to {:?}, not {operation}",
                attempt.operation
            ));
        }
        if attempt.client_request_id.as_deref() != Some(request_id.as_str()) {
            return Err(format!(
                "attempt {number} has request id {:?}, the first had {request_id}",
                attempt.client_request_id
            ));
        }
        if attempt.auth_scheme != Some(scheme) || !attempt.signature_valid {
            return Err(format!(
                "attempt {number} did not authenticate with {scheme}: {:?}",
                attempt.auth_error
            ));
        }
        if scheme == AuthScheme::Hmac && attempt.x_ms_date.is_none() {
            return Err(format!("attempt {number} has no x-ms-date"));
        }
    }
    Ok(request_id)
}
