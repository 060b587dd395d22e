//! Bearer-token credentials: the abstraction Entra ID (Azure AD) authentication plugs into.
//!
//! A [`TokenCredential`] hands out [`AccessToken`]s for a set of scopes. The HTTP layer's
//! bearer policy caches those tokens and decides when to ask again; a credential only has to
//! fetch one. Implementations usually wrap an identity library (managed identity, developer
//! tools, client secrets). [`StaticTokenCredential`] serves one fixed token, for tests and
//! examples.

use std::error::Error as StdError;
use std::fmt;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Secret;

/// A bearer token and the instant it stops being valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token text, sent as `Authorization: Bearer <token>`.
    pub token: Secret,
    /// When the token expires.
    pub expires_on: OffsetDateTime,
}

impl AccessToken {
    /// Builds a token from its text and expiry.
    pub fn new(token: impl Into<String>, expires_on: OffsetDateTime) -> Self {
        Self {
            token: Secret::new(token),
            expires_on,
        }
    }
}

/// Extra parameters for a token request. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRequestOptions {
    /// Ask for a token from this tenant rather than the credential's default.
    pub tenant_id: Option<String>,
    /// Claims requested by a service challenge (a JSON string), when one was received.
    pub claims: Option<String>,
}

/// Why a credential could not produce a token.
///
/// The message describes the failure in words; it must never contain a token or secret.
#[derive(Debug)]
pub struct CredentialError {
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl CredentialError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for CredentialError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// Something that can obtain bearer tokens for a set of scopes.
///
/// ```
/// use acs_core_auth::{AccessToken, CredentialError, TokenCredential, TokenRequestOptions};
/// use async_trait::async_trait;
/// use time::{Duration, OffsetDateTime};
///
/// #[derive(Debug)]
/// struct FromEnvironment;
///
/// #[async_trait]
/// impl TokenCredential for FromEnvironment {
///     async fn get_token(
///         &self,
///         _scopes: &[&str],
///         _options: TokenRequestOptions,
///     ) -> Result<AccessToken, CredentialError> {
///         let token = std::env::var("MY_TOKEN")
///             .map_err(|e| CredentialError::with_source("MY_TOKEN is not set", e))?;
///         Ok(AccessToken::new(token, OffsetDateTime::now_utc() + Duration::minutes(30)))
///     }
/// }
/// ```
#[async_trait]
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// Obtains a token valid for `scopes`.
    ///
    /// # Errors
    ///
    /// [`CredentialError`] when no token can be obtained.
    async fn get_token(
        &self,
        scopes: &[&str],
        options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError>;
}

/// A credential that always returns the same token, whatever the scopes.
///
/// It does not refresh: once the token expires, callers keep receiving the expired token
/// and the service will refuse it. Meant for tests, examples and short-lived tools.
#[derive(Debug, Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// A credential serving `token` until `expires_on`.
    pub fn new(token: impl Into<String>, expires_on: OffsetDateTime) -> Self {
        Self {
            token: AccessToken::new(token, expires_on),
        }
    }
}

#[async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        Ok(self.token.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[tokio::test]
    async fn static_credential_returns_its_token() {
        let expires_on = datetime!(2030-01-01 00:00 UTC);
        let credential = StaticTokenCredential::new("token-value", expires_on);
        let token = credential
            .get_token(&["scope/.default"], Default::default())
            .await
            .unwrap();
        assert_eq!(token.token.expose(), "token-value");
        assert_eq!(token.expires_on, expires_on);
        assert!(!format!("{credential:?}").contains("token-value"));
    }

    #[test]
    fn credential_error_keeps_message_and_source() {
        let io = std::io::Error::other("socket closed");
        let error = CredentialError::with_source("token endpoint unreachable", io);
        assert_eq!(error.to_string(), "token endpoint unreachable");
        assert_eq!(error.message(), "token endpoint unreachable");
        assert_eq!(error.source().unwrap().to_string(), "socket closed");
        assert!(CredentialError::new("x").source().is_none());
    }
}
