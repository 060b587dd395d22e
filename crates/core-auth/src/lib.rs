//! Credentials and connection strings for Azure Communication Services clients.
//!
//! This is the bottom layer of the SDK and knows nothing about HTTP. It stores and validates
//! what a client authenticates with:
//!
//! - [`AzureKeyCredential`]: the resource's base64 access key, used for HMAC request signing
//!   (the signing policy lives in `acs-core-http`). Clones share the key, so
//!   [`AzureKeyCredential::update`] rotates it everywhere.
//! - [`TokenCredential`]: the async trait Entra ID token providers implement, with
//!   [`AccessToken`], [`TokenRequestOptions`], [`CredentialError`] and a fixed-token
//!   [`StaticTokenCredential`].
//! - [`ConnectionString`]: parses `endpoint=…;accesskey=…` into a URL and a key.
//! - [`parse_endpoint`]: the one rule for a resource endpoint, applied to the endpoint of a
//!   connection string and, by clients, to an endpoint given on its own.
//! - [`Secret`]: the string wrapper that keeps keys and tokens out of logs and `Debug` output.
//! - [`Clock`]: the source of the current time that every time-based decision of the layers
//!   above asks, with [`SystemClock`] and, for tests, [`ManualClock`].
//!
//! ```
//! use acs_core_auth::{ConnectionString, ConnectionStringError};
//!
//! let parsed: ConnectionString =
//!     "endpoint=https://contoso.communication.azure.com/;accesskey=YWJj".parse()?;
//! let credential = parsed.credential();
//! assert_eq!(credential.decoded_key().as_slice(), b"abc");
//!
//! let err = ConnectionString::parse("endpoint=https://contoso.communication.azure.com/");
//! assert_eq!(err.unwrap_err(), ConnectionStringError::MissingAccessKey);
//! # Ok::<(), ConnectionStringError>(())
//! ```

#[cfg(feature = "azure-core")]
pub mod azure_core;
mod clock;
mod connection_string;
mod endpoint;
mod key_credential;
mod secret;
mod token_credential;

/// Re-exported so implementors of [`TokenCredential`] need no direct dependency on it.
pub use async_trait::async_trait;
pub use clock::{Clock, ManualClock, SystemClock};
pub use connection_string::{ConnectionString, ConnectionStringError};
pub use endpoint::{EndpointError, MAX_HOST_LENGTH, parse_endpoint};
pub use key_credential::{AzureKeyCredential, KeyError, decode_access_key};
pub use secret::Secret;
pub use token_credential::{
    AccessToken, CredentialError, StaticTokenCredential, TokenCredential, TokenRequestOptions,
};
/// Re-exported so callers can name the buffer [`AzureKeyCredential::decoded_key`] returns.
pub use zeroize::Zeroizing;
