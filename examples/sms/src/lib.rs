//! A small client for the Communication Services SMS API, written to show how a client for
//! another service is built on the two core crates alone.
//!
//! The crate sits where `acs-identity` sits for the Identity service: it takes its
//! credentials and endpoint rules from `acs-core-auth`, sends through the `acs-core-http`
//! pipeline (request id, user agent, retry, HMAC signing, logging, transport) and turns
//! responses into named results or an [`Error`]. Everything specific to SMS is in this
//! crate: the wire models ([`models`]), the URL and api-version, the input checks, and the
//! fact that sending is not idempotent. `docs/extending.md` walks through it.
//!
//! ```no_run
//! use acs_sms_example::{SendOptions, SmsClient, SmsClientOptions};
//!
//! # async fn run() -> Result<(), acs_sms_example::Error> {
//! let client = SmsClient::from_connection_string(
//!     "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0",
//!     SmsClientOptions::default(),
//! )?;
//! let results = client
//!     .send("+18005551234", &["+14255550123"], "hello", SendOptions::default())
//!     .await?;
//! for result in &results {
//!     println!("{}: sent = {}", result.to, result.successful);
//! }
//! # Ok(())
//! # }
//! ```

mod client;
pub mod models;

pub use acs_core_auth::AzureKeyCredential;
pub use acs_core_http::{ClientOptions, Error, ErrorKind, RetryOptions, StatusCode};
pub use client::{API_VERSION, SendOptions, SmsClient, SmsClientOptions, SmsSendResult};
