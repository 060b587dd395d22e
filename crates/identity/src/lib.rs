//! A client for the Identity service of Azure Communication Services: create users, issue
//! them access tokens for chat and calling, revoke those tokens, delete users, and exchange a
//! Teams user's Microsoft Entra ID token for a Communication Services token.
//!
//! This crate is the top layer of the SDK. It wires the wire models of
//! `acs-identity-models` onto the HTTP pipeline of `acs-core-http` (request id, user agent,
//! retry, HMAC or bearer signing, logging, hyper transport), with credentials from
//! `acs-core-auth`. Everything an application needs is re-exported here, so one dependency
//! is enough.
//!
//! # Example
//!
//! ```no_run
//! use acs_identity::{
//!     CommunicationIdentityClient, CommunicationIdentityClientOptions,
//!     CommunicationIdentityTokenScope, CreateUserAndTokenOptions, GetTokenOptions, TokenLifetime,
//! };
//!
//! # async fn run() -> Result<(), acs_identity::Error> {
//! let connection_string = std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING")
//!     .unwrap_or_default();
//! let client = CommunicationIdentityClient::from_connection_string(
//!     &connection_string,
//!     CommunicationIdentityClientOptions::default(),
//! )?;
//!
//! // A user, then a token for it that lasts one hour.
//! let user = client.create_user().await?;
//! let token = client
//!     .get_token(
//!         &user,
//!         &[CommunicationIdentityTokenScope::Chat, CommunicationIdentityTokenScope::Voip],
//!         GetTokenOptions { expires_in: Some(TokenLifetime::from_minutes(60)?) },
//!     )
//!     .await?;
//! println!("{user} has a token valid until {}", token.expires_on);
//!
//! // Both in one request.
//! let both = client
//!     .create_user_and_token(
//!         &[CommunicationIdentityTokenScope::Chat],
//!         CreateUserAndTokenOptions::default(),
//!     )
//!     .await?;
//!
//! client.revoke_tokens(&user).await?;
//! client.delete_user(&user).await?;
//! client.delete_user(&both.user).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Authentication
//!
//! - [`CommunicationIdentityClient::from_connection_string`] and
//!   [`CommunicationIdentityClient::new`] sign every request with the resource's access key
//!   ([`AzureKeyCredential`]; rotate it in place with [`AzureKeyCredential::update`]).
//! - [`CommunicationIdentityClient::with_token_credential`] sends Entra ID bearer tokens from
//!   any [`TokenCredential`], requested for [`COMMUNICATION_SCOPE`].
//!
//! # Checks before sending
//!
//! Each method sends exactly one request, and refuses with [`ErrorKind::InvalidInput`],
//! without sending anything, when: the scope list is empty; a [`TokenLifetime`] is outside
//! 60..=1440 minutes (checked when it is built); or the configured [`ApiVersion`] lacks the
//! feature (a lifetime needs 2022-10-01, the `*.join*` scopes 2023-10-01, the Teams exchange
//! 2022-06-01). Everything else is left to the service: its error arrives as
//! [`ErrorKind::HttpResponse`] with [`Error::status`] and [`Error::service_error`].

mod api_version;
mod client;
mod endpoint;
mod lifetime;
mod models;
mod options;
mod response;

pub use api_version::ApiVersion;
pub use client::{COMMUNICATION_SCOPE, CommunicationIdentityClient};
pub use lifetime::TokenLifetime;
pub use models::{CommunicationAccessToken, CommunicationUserIdentifier, CommunicationUserToken};
pub use options::{
    CommunicationIdentityClientOptions, CreateUserAndTokenOptions, GetTokenForTeamsUserOptions,
    GetTokenOptions,
};

pub use acs_core_auth::{
    AccessToken, AzureKeyCredential, CredentialError, Secret, StaticTokenCredential,
    TokenCredential, TokenRequestOptions,
};
pub use acs_core_http::{
    ClientOptions, Error, ErrorKind, HyperTransport, LoggingOptions, RetryOptions, ServiceError,
    StatusCode, Transport, UserAgentOptions,
};
pub use acs_identity_models::CommunicationIdentityTokenScope;
/// Re-exported for implementing [`TokenCredential`] without another dependency.
pub use async_trait::async_trait;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
