//! A client for the Identity service of Azure Communication Services: create users, issue
//! them access tokens for chat and calling, revoke those tokens, delete users, exchange a
//! Teams user's Microsoft Entra ID token for a Communication Services token, and manage
//! Teams Extension (Teams Phone extensibility) assignments and token exchanges.
//!
//! Every method `foo` also has `foo_with_response`, returning the same value inside a
//! [`WithResponse`] with the HTTP status and headers. The feature `preview` adds the
//! preview api-version `ApiVersion::V2025_03_02_Preview` and what only it has: users
//! under a custom id (`create_user_with`, `CreateUserAndTokenOptions::custom_id`) and
//! reading a user back (`get_user_detail`). The README has a table of every operation.
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
//! ```no_run
//! use std::sync::Arc;
//!
//! use acs_identity::{
//!     AzureKeyCredential, CommunicationIdentityClient, CommunicationIdentityClientOptions,
//!     StaticTokenCredential, TokenCredential,
//! };
//!
//! # fn run() -> Result<(), acs_identity::Error> {
//! let endpoint = "https://my-resource.communication.azure.com/";
//!
//! // An endpoint and an access key; `update` rotates it for every client sharing it.
//! let key = AzureKeyCredential::new("ZW11bGF0b3Ita2V5")?;
//! let by_key = CommunicationIdentityClient::new(
//!     endpoint,
//!     key.clone(),
//!     CommunicationIdentityClientOptions::default(),
//! )?;
//!
//! // An endpoint and any Entra ID token credential (here a fixed token, as in tests).
//! let expires_on = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
//! let entra: Arc<dyn TokenCredential> =
//!     Arc::new(StaticTokenCredential::new("<entra access token>", expires_on));
//! let by_token = CommunicationIdentityClient::with_token_credential(
//!     endpoint,
//!     entra,
//!     CommunicationIdentityClientOptions::default(),
//! )?;
//! # let _ = (by_key, by_token);
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! Every call returns [`Error`]. Its [`kind`](Error::kind) says what went wrong; for an
//! answer of the service, [`status`](Error::status) and
//! [`service_error`](Error::service_error) carry the HTTP status and the service's code,
//! message and target.
//!
//! ```no_run
//! # use acs_identity::{CommunicationIdentityClient, CommunicationUserIdentifier, ErrorKind};
//! # async fn run(client: CommunicationIdentityClient) {
//! let user = CommunicationUserIdentifier::new("8:acs:unknown");
//! match client.delete_user(&user).await {
//!     Ok(()) => println!("deleted"),
//!     Err(error) if error.kind() == &ErrorKind::HttpResponse => {
//!         let code = error.service_error().map(|service| service.code.as_str());
//!         println!("the service said {:?} ({:?})", error.status(), code);
//!     }
//!     Err(error) => println!("the call failed: {error}"),
//! }
//! # }
//! ```
//!
//! # Checks before sending
//!
//! Each method sends exactly one request, and refuses with [`ErrorKind::InvalidInput`],
//! without sending anything, when: the scope list is empty; a [`TokenLifetime`] is outside
//! 60..=1440 minutes (checked when it is built); the configured [`ApiVersion`] lacks the
//! feature (a lifetime needs 2022-10-01, the `*.join*` scopes 2023-10-01, the Teams exchange
//! 2022-06-01, Teams Extension 2025-06-30, a custom id and `get_user_detail`
//! 2025-03-02-preview); a custom id is not 1 to 256 characters long; an Entra user token
//! is empty or no valid header value; or a user, tenant or object id is empty, `.` or `..`,
//! which no URL path can carry (any other id is percent-encoded into exactly one path
//! segment). Everything else is left to
//! the service: its error arrives as [`ErrorKind::HttpResponse`] with [`Error::status`]
//! and [`Error::service_error`]. A success status other than the operation's own (say 200
//! where a create answers 201) is also [`ErrorKind::HttpResponse`], with a message naming
//! the operation and both statuses.

mod api_version;
mod checks;
mod client;
mod endpoint;
mod lifetime;
mod models;
mod operation;
mod options;
#[cfg(feature = "preview")]
mod preview;
mod response;
mod teams_extension;
mod users;
mod with_response;

pub use api_version::ApiVersion;
pub use client::{COMMUNICATION_SCOPE, CommunicationIdentityClient};
pub use lifetime::TokenLifetime;
#[cfg(feature = "preview")]
pub use models::CommunicationUserDetail;
pub use models::{
    CommunicationAccessToken, CommunicationUserIdentifier, CommunicationUserToken,
    TeamsExtensionAssignment, TeamsExtensionAssignmentResult,
};
#[cfg(feature = "preview")]
pub use options::CreateUserOptions;
pub use options::{
    CommunicationIdentityClientOptions, CreateUserAndTokenOptions, GetTokenForTeamsUserOptions,
    GetTokenOptions, TeamsExtensionAssignmentOptions,
};
pub use with_response::WithResponse;

pub use acs_core_auth::{
    AccessToken, AzureKeyCredential, CredentialError, Secret, StaticTokenCredential,
    TokenCredential, TokenRequestOptions,
};
pub use acs_core_http::{
    ClientOptions, Error, ErrorKind, HeaderMap, HyperTransport, LoggingOptions, RetryOptions,
    ServiceError, StatusCode, Transport, UserAgentOptions,
};
pub use acs_identity_models::{CommunicationIdentityTokenScope, TeamsExtensionPrincipalType};
/// Re-exported for implementing [`TokenCredential`] without another dependency.
pub use async_trait::async_trait;

// The README's examples compile as doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
