//! The quickstart flow: create a user, issue it a token, create a user and a token in one
//! call, revoke the tokens, delete the users.
//!
//! With `COMMUNICATION_SERVICES_CONNECTION_STRING` set it runs against that resource;
//! without it, it starts the Identity emulator in-process on 127.0.0.1 and runs against that.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Tokens are secrets: only their length and first characters are printed. Set
//! `RUST_LOG=acs_core_http=debug` to see each request and response (headers redacted).

use std::process::ExitCode;

use time::format_description::well_known::Rfc3339;

use acs_identity::{
    CommunicationAccessToken, CommunicationIdentityClient, CommunicationIdentityClientOptions,
    CommunicationIdentityTokenScope, CreateUserAndTokenOptions, GetTokenOptions, TokenLifetime,
};

const CONNECTION_STRING_VAR: &str = "COMMUNICATION_SERVICES_CONNECTION_STRING";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the emulator alive until the end of `run`; dropping it stops the server.
    let (connection_string, _emulator) = match std::env::var(CONNECTION_STRING_VAR) {
        Ok(value) if !value.trim().is_empty() => {
            println!("Using the resource from {CONNECTION_STRING_VAR}.");
            (value, None)
        }
        _ => {
            let emulator = acs_emulator::Emulator::start().await?;
            println!(
                "{CONNECTION_STRING_VAR} is not set: started the in-process emulator at {}",
                emulator.endpoint()
            );
            (emulator.connection_string(), Some(emulator))
        }
    };

    let client = CommunicationIdentityClient::from_connection_string(
        &connection_string,
        CommunicationIdentityClientOptions::default(),
    )?;
    println!(
        "Client for {} (api-version {})",
        client.endpoint(),
        client.api_version()
    );

    let user = client.create_user().await?;
    println!("Created user {user}");

    let scopes = [
        CommunicationIdentityTokenScope::Chat,
        CommunicationIdentityTokenScope::Voip,
    ];
    let token = client
        .get_token(&user, &scopes, GetTokenOptions::default())
        .await?;
    println!("Issued a chat + voip token: {}", describe(&token));

    let one_hour = TokenLifetime::from_minutes(60)?;
    let user_and_token = client
        .create_user_and_token(
            &scopes,
            CreateUserAndTokenOptions::default().with_expires_in(one_hour),
        )
        .await?;
    println!(
        "Created user {} with a {one_hour} token: {}",
        user_and_token.user,
        describe(&user_and_token.access_token)
    );

    client.revoke_tokens(&user).await?;
    println!("Revoked the tokens of {user}");

    client.delete_user(&user).await?;
    println!("Deleted user {user}");
    client.delete_user(&user_and_token.user).await?;
    println!("Deleted user {}", user_and_token.user);

    Ok(())
}

/// A token's length, first characters and expiry; never the whole token.
fn describe(token: &CommunicationAccessToken) -> String {
    let text = token.token.expose();
    let prefix: String = text.chars().take(8).collect();
    let expires = token
        .expires_on
        .format(&Rfc3339)
        .unwrap_or_else(|_| token.expires_on.to_string());
    format!("{prefix}… ({} chars), expires {expires}", text.len())
}
