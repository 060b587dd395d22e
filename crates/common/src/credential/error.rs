//! The errors of the user credential: what a refresher reports, and what `get_token` does.
//!
//! [`RefreshError`] is what a [`TokenRefresher`](super::TokenRefresher) returns when it
//! cannot fetch a token. [`UserCredentialError`] is what the credential returns; it is
//! `Clone` because one failed refresh answers every caller that was waiting for it.
//! Neither ever contains a token.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// A refresher could not fetch a token: the same error an Entra ID [`TokenCredential`]
/// reports, so one type describes "no token could be had" across the SDK. Its message must
/// not contain a token or other secret.
///
/// [`TokenCredential`]: acs_core_auth::TokenCredential
pub type RefreshError = acs_core_auth::CredentialError;

/// What went wrong, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserCredentialErrorKind {
    /// A token was empty, blank, or had no readable `exp` claim (given at construction or
    /// returned by the refresher).
    InvalidToken,
    /// The token has expired and there is no refresher to replace it.
    TokenExpired,
    /// The refresher returned a token that had already expired.
    RefreshedTokenExpired,
    /// The refresher failed and the cached token, if any, has expired.
    RefreshFailed,
    /// [`dispose`](super::CommunicationTokenCredential::dispose) was called.
    Disposed,
    /// Proactive refresh was asked for outside a Tokio runtime.
    NoRuntime,
}

/// Why the user credential could not hand out a token.
#[derive(Debug, Clone)]
pub struct UserCredentialError {
    kind: UserCredentialErrorKind,
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl UserCredentialError {
    pub(crate) fn new(kind: UserCredentialErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn refresh_failed(source: RefreshError) -> Self {
        Self {
            kind: UserCredentialErrorKind::RefreshFailed,
            message: "the token refresher failed and no unexpired token is cached".to_owned(),
            source: Some(Arc::new(source)),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> UserCredentialErrorKind {
        self.kind
    }

    /// The description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for UserCredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for UserCredentialError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}
