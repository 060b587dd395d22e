//! The user-side credential: an ACS access token that a chat or calling client presents,
//! kept fresh.
//!
//! [`CommunicationTokenCredential`] sits on the *user's* side of Communication Services.
//! The service side (`acs-identity`, authenticated with an access key or Entra ID) issues
//! tokens for a user; an application hands such a token, or a way to fetch new ones (a
//! [`TokenRefresher`]), to this credential, and clients of chat, calling and the other
//! services ask it for the current token with
//! [`get_token`](CommunicationTokenCredential::get_token).
//!
//! The rules, with their numbers:
//!
//! - A cached token is returned while it is more than [`ON_DEMAND_REFRESH_WINDOW`]
//!   (2 minutes) from its expiry. Closer than that, or expired, `get_token` calls the
//!   refresher; concurrent callers share that one call.
//! - With `refresh_proactively`, a background task refreshes [`PROACTIVE_REFRESH_WINDOW`]
//!   (10 minutes) before expiry, or, for a token that is already inside those 10 minutes,
//!   after half its remaining lifetime (at least 1 second apart).
//! - A refresh that fails leaves the cached token in use while it is still valid; after
//!   that `get_token` fails. A refresher returning an expired or unreadable token is a
//!   failed refresh.
//! - The expiry is the token's `exp` claim, read without verifying the signature. A token
//!   without one is refused, at construction or from the refresher.
//! - Dropping the last clone, or calling [`dispose`](CommunicationTokenCredential::dispose),
//!   stops the background task.

mod cache;
mod clock;
mod error;
mod jwt;
mod refresher;
mod schedule;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use acs_core_auth::{AccessToken, CredentialError, Secret, TokenCredential, TokenRequestOptions};
use async_trait::async_trait;
use time::Duration;

use cache::TokenCache;
pub use clock::{Clock, ManualClock, SystemClock, TokioClock};
pub use error::{RefreshError, UserCredentialError, UserCredentialErrorKind};
pub use refresher::{CommunicationTokenRefreshOptions, TokenRefresher};
use schedule::Scheduler;

/// How close to its expiry a cached token is refreshed on demand by `get_token`.
pub const ON_DEMAND_REFRESH_WINDOW: Duration = Duration::minutes(2);

/// How long before expiry a proactive refresh happens.
pub const PROACTIVE_REFRESH_WINDOW: Duration = Duration::minutes(10);

/// A Communication Services user's access token, refreshed when needed.
///
/// Cheap to clone: clones share the cached token, the refresher and the background task.
/// `Debug` shows the expiry and the mode, never the token.
///
/// ```
/// use acs_common::{CommunicationTokenCredential, CommunicationTokenRefreshOptions, RefreshError};
/// use acs_core_auth::Secret;
///
/// # async fn fetch_from_my_backend() -> Result<String, std::io::Error> { Ok(String::new()) }
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let credential = CommunicationTokenCredential::with_refresher(CommunicationTokenRefreshOptions {
///     refresh_proactively: true,
///     ..CommunicationTokenRefreshOptions::new(|| async {
///         let token = fetch_from_my_backend()
///             .await
///             .map_err(|e| RefreshError::with_source("token backend failed", e))?;
///         Ok(Secret::new(token))
///     })
/// })?;
/// let token = credential.get_token().await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct CommunicationTokenCredential {
    cache: Arc<TokenCache>,
    /// Present in proactive mode; shared by the clones, so the last one to go stops the task.
    scheduler: Option<Arc<Scheduler>>,
}

impl CommunicationTokenCredential {
    /// A credential serving one fixed `token` until it expires; after that `get_token`
    /// fails with [`UserCredentialErrorKind::TokenExpired`].
    ///
    /// # Errors
    ///
    /// [`UserCredentialErrorKind::InvalidToken`] when `token` is blank or has no readable
    /// `exp` claim.
    pub fn from_token(token: &str) -> Result<Self, UserCredentialError> {
        Self::from_token_with_clock(token, Arc::new(SystemClock))
    }

    /// [`from_token`](Self::from_token), judging expiry by `clock`.
    ///
    /// # Errors
    ///
    /// As for [`from_token`](Self::from_token).
    pub fn from_token_with_clock(
        token: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, UserCredentialError> {
        let token = cache::decode(Secret::new(token))?;
        Ok(Self {
            cache: Arc::new(TokenCache::new(Some(token), None, clock)),
            scheduler: None,
        })
    }

    /// A credential that fetches tokens with `options.refresher`.
    ///
    /// Without an initial token the first `get_token` (or, in proactive mode, the
    /// background task straight away) calls the refresher. An initial token that has
    /// already expired is accepted and replaced the same way.
    ///
    /// # Errors
    ///
    /// [`UserCredentialErrorKind::InvalidToken`] when the initial token is blank or has no
    /// readable `exp` claim; [`UserCredentialErrorKind::NoRuntime`] when
    /// `refresh_proactively` is set and this is not called inside a Tokio runtime.
    pub fn with_refresher(
        options: CommunicationTokenRefreshOptions,
    ) -> Result<Self, UserCredentialError> {
        Self::with_refresher_and_clock(options, Arc::new(SystemClock))
    }

    /// [`with_refresher`](Self::with_refresher), judging expiry and scheduling by `clock`.
    ///
    /// # Errors
    ///
    /// As for [`with_refresher`](Self::with_refresher).
    pub fn with_refresher_and_clock(
        options: CommunicationTokenRefreshOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, UserCredentialError> {
        let CommunicationTokenRefreshOptions {
            refresher,
            initial_token,
            refresh_proactively,
        } = options;
        let token = initial_token
            .map(|token| cache::decode(Secret::new(token)))
            .transpose()?;
        let cache = Arc::new(TokenCache::new(token, Some(refresher), clock));

        let scheduler = if refresh_proactively {
            let scheduler = Scheduler::spawn(Arc::clone(&cache)).ok_or_else(|| {
                UserCredentialError::new(
                    UserCredentialErrorKind::NoRuntime,
                    "proactive refresh needs a Tokio runtime: build the credential inside one",
                )
            })?;
            Some(Arc::new(scheduler))
        } else {
            None
        };
        Ok(Self { cache, scheduler })
    }

    /// The current token: the cached one while it is fresh, else a new one from the
    /// refresher (see the [module rules](self)).
    ///
    /// # Errors
    ///
    /// [`UserCredentialErrorKind::TokenExpired`] when the token expired and there is no
    /// refresher; [`UserCredentialErrorKind::RefreshFailed`],
    /// [`UserCredentialErrorKind::RefreshedTokenExpired`] or
    /// [`UserCredentialErrorKind::InvalidToken`] when a refresh was needed, failed, and no
    /// unexpired token is cached; [`UserCredentialErrorKind::Disposed`] after
    /// [`dispose`](Self::dispose).
    pub async fn get_token(&self) -> Result<AccessToken, UserCredentialError> {
        self.cache.get_token().await
    }

    /// Stops the credential, for every clone: the background task ends and `get_token`
    /// fails with [`UserCredentialErrorKind::Disposed`] from now on.
    ///
    /// Optional: dropping the last clone stops the background task too. Call it to stop a
    /// credential that other parts of the program still hold.
    pub fn dispose(&self) {
        self.cache.dispose();
        if let Some(scheduler) = &self.scheduler {
            scheduler.stop();
        }
    }
}

impl fmt::Debug for CommunicationTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenCredential")
            .field("expires_on", &self.cache.expires_on())
            .field("refreshes", &self.cache.has_refresher())
            .field("refresh_proactively", &self.scheduler.is_some())
            .field("disposed", &self.cache.is_disposed())
            .finish()
    }
}

/// Lets the credential feed a bearer-token policy (`Authorization: Bearer <token>`), as
/// chat and calling endpoints expect. The scopes and options are ignored: a user token is
/// not scoped per request.
#[async_trait]
impl TokenCredential for CommunicationTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        CommunicationTokenCredential::get_token(self)
            .await
            .map_err(|error| CredentialError::with_source(error.message().to_owned(), error))
    }
}
