//! Where new user tokens come from: the [`TokenRefresher`] trait and the options that hand
//! one to the credential.
//!
//! A refresher is application code, typically a call to the application's own backend,
//! which in turn asks the Identity service for a token for the signed-in user. The
//! credential decides *when* to call it; the refresher only fetches.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use acs_core_auth::Secret;
use async_trait::async_trait;

use super::RefreshError;

/// Fetches a new access token for the user the credential stands for.
///
/// Any `Fn() -> impl Future<Output = Result<Secret, RefreshError>>` closure is a refresher:
///
/// ```
/// use std::sync::Arc;
/// use acs_common::{RefreshError, TokenRefresher};
/// use acs_core_auth::Secret;
///
/// let refresher: Arc<dyn TokenRefresher> = Arc::new(|| async {
///     // Ask the application's backend for a token here.
///     Err::<Secret, _>(RefreshError::new("backend unreachable"))
/// });
/// ```
///
/// The returned token must be a JWT with an `exp` claim in the future; anything else is
/// refused with an error. The call may be cancelled (its future dropped) when the caller of
/// `get_token` that is running it gives up.
#[async_trait]
pub trait TokenRefresher: Send + Sync {
    /// Fetches a new token.
    ///
    /// # Errors
    ///
    /// [`RefreshError`] when no token can be fetched; the credential then keeps its cached
    /// token while that is still valid.
    async fn refresh(&self) -> Result<Secret, RefreshError>;
}

#[async_trait]
impl<F, Fut> TokenRefresher for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Secret, RefreshError>> + Send,
{
    async fn refresh(&self) -> Result<Secret, RefreshError> {
        self().await
    }
}

/// How a refreshing [`CommunicationTokenCredential`](super::CommunicationTokenCredential)
/// is set up.
#[derive(Clone)]
pub struct CommunicationTokenRefreshOptions {
    /// Fetches new tokens.
    pub refresher: Arc<dyn TokenRefresher>,
    /// A token to start with, so that the first `get_token` need not call the refresher.
    pub initial_token: Option<String>,
    /// Refresh in the background before the token expires (10 minutes before expiry, or at
    /// half the remaining lifetime once inside those 10 minutes), not only when `get_token`
    /// finds it expiring. Needs a Tokio runtime when the credential is built.
    pub refresh_proactively: bool,
}

impl CommunicationTokenRefreshOptions {
    /// Options with `refresher`, no initial token, and refresh on demand only.
    pub fn new(refresher: impl TokenRefresher + 'static) -> Self {
        Self {
            refresher: Arc::new(refresher),
            initial_token: None,
            refresh_proactively: false,
        }
    }
}

impl fmt::Debug for CommunicationTokenRefreshOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenRefreshOptions")
            .field("initial_token", &self.initial_token.as_ref().map(|_| "***"))
            .field("refresh_proactively", &self.refresh_proactively)
            .finish_non_exhaustive()
    }
}
