//! The credential's token cache and the one place the refresher is called.
//!
//! The cached token sits in a `watch` channel: `get_token` reads it without waiting when it
//! is fresh, and the proactive scheduler (`schedule.rs`) is woken whenever it changes.
//! Refreshes are serialised by an async mutex. Every finished attempt, good or bad, bumps a
//! counter; a caller that waited for the mutex and finds the counter moved takes the
//! outcome of that attempt instead of calling the refresher again. That is how any number
//! of concurrent callers share one refresher call, and also one failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use acs_core_auth::{AccessToken, Secret};
use time::OffsetDateTime;
use tokio::sync::{Mutex, watch};
use tracing::{debug, warn};

use super::{Clock, ON_DEMAND_REFRESH_WINDOW, TokenRefresher, UserCredentialError, jwt};
use crate::credential::error::UserCredentialErrorKind;

/// What the cache holds at one moment.
#[derive(Clone, Default)]
pub(crate) struct CacheState {
    /// The latest good token, possibly expired.
    pub(crate) token: Option<AccessToken>,
    /// Refresh attempts finished so far, whether they succeeded or not.
    pub(crate) attempts: u64,
    /// The error of the latest attempt, when it failed.
    pub(crate) last_error: Option<UserCredentialError>,
}

pub(crate) struct TokenCache {
    refresher: Option<Arc<dyn TokenRefresher>>,
    clock: Arc<dyn Clock>,
    state: watch::Sender<CacheState>,
    refresh_lock: Mutex<()>,
    disposed: AtomicBool,
}

impl TokenCache {
    pub(crate) fn new(
        token: Option<AccessToken>,
        refresher: Option<Arc<dyn TokenRefresher>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            refresher,
            clock,
            state: watch::Sender::new(CacheState {
                token,
                ..CacheState::default()
            }),
            refresh_lock: Mutex::new(()),
            disposed: AtomicBool::new(false),
        }
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<CacheState> {
        self.state.subscribe()
    }

    pub(crate) fn expires_on(&self) -> Option<OffsetDateTime> {
        self.state
            .borrow()
            .token
            .as_ref()
            .map(|token| token.expires_on)
    }

    pub(crate) fn has_refresher(&self) -> bool {
        self.refresher.is_some()
    }

    pub(crate) fn dispose(&self) {
        self.disposed.store(true, Ordering::Release);
    }

    pub(crate) fn is_disposed(&self) -> bool {
        self.disposed.load(Ordering::Acquire)
    }

    fn check_disposed(&self) -> Result<(), UserCredentialError> {
        if self.is_disposed() {
            return Err(UserCredentialError::new(
                UserCredentialErrorKind::Disposed,
                "the user credential has been disposed",
            ));
        }
        Ok(())
    }

    /// The cached token while it is fresh; otherwise the outcome of a refresh (shared with
    /// any refresh already running).
    pub(crate) async fn get_token(&self) -> Result<AccessToken, UserCredentialError> {
        self.check_disposed()?;

        let (refresher, seen_attempts) = {
            let state = self.state.borrow();
            let now = self.clock.now();
            match (&state.token, &self.refresher) {
                (Some(token), _) if is_fresh(token, now) => return Ok(token.clone()),
                (token, None) => return unrefreshable(token.as_ref(), now),
                (_, Some(refresher)) => (Arc::clone(refresher), state.attempts),
            }
        };

        let _refreshing = self.refresh_lock.lock().await;
        self.check_disposed()?;

        let state = self.state.borrow().clone();
        if state.attempts != seen_attempts {
            // Someone else finished an attempt while this call waited: take its outcome.
            let now = self.clock.now();
            if let Some(token) = state.token.filter(|token| token.expires_on > now) {
                return Ok(token);
            }
            if let Some(error) = state.last_error {
                return Err(error);
            }
        }
        self.refresh_locked(refresher.as_ref()).await
    }

    /// A refresh for the proactive scheduler, skipped when an attempt finished since it read
    /// `seen_attempts` (that attempt already did the job).
    pub(crate) async fn refresh_if_unchanged(&self, seen_attempts: u64) {
        let Some(refresher) = self.refresher.clone() else {
            return;
        };
        let _refreshing = self.refresh_lock.lock().await;
        if self.is_disposed() || self.state.borrow().attempts != seen_attempts {
            return;
        }
        // The outcome is recorded in the cache (and logged); nobody waits for it here.
        let _outcome = self.refresh_locked(refresher.as_ref()).await;
    }

    /// Calls the refresher and records the outcome. The caller holds `refresh_lock`.
    async fn refresh_locked(
        &self,
        refresher: &dyn TokenRefresher,
    ) -> Result<AccessToken, UserCredentialError> {
        let fetched = refresher.refresh().await;
        let now = self.clock.now();
        let checked = fetched
            .map_err(UserCredentialError::refresh_failed)
            .and_then(|token| check_refreshed(token, now));

        match checked {
            Ok(token) => {
                debug!(expires_on = %token.expires_on, "refreshed the user access token");
                self.state.send_modify(|state| {
                    state.token = Some(token.clone());
                    state.attempts += 1;
                    state.last_error = None;
                });
                Ok(token)
            }
            Err(error) => {
                let mut still_valid = None;
                self.state.send_modify(|state| {
                    state.attempts += 1;
                    state.last_error = Some(error.clone());
                    still_valid = state.token.clone().filter(|token| token.expires_on > now);
                });
                match still_valid {
                    Some(token) => {
                        warn!(
                            error = %error,
                            expires_on = %token.expires_on,
                            "user token refresh failed; using the cached token until it expires"
                        );
                        Ok(token)
                    }
                    None => {
                        warn!(error = %error, "user token refresh failed");
                        Err(error)
                    }
                }
            }
        }
    }
}

/// A token is fresh until it is within the on-demand window of its expiry.
fn is_fresh(token: &AccessToken, now: OffsetDateTime) -> bool {
    token.expires_on - ON_DEMAND_REFRESH_WINDOW > now
}

/// The answer of a credential without a refresher: its token until that expires.
fn unrefreshable(
    token: Option<&AccessToken>,
    now: OffsetDateTime,
) -> Result<AccessToken, UserCredentialError> {
    match token {
        Some(token) if token.expires_on > now => Ok(token.clone()),
        _ => Err(UserCredentialError::new(
            UserCredentialErrorKind::TokenExpired,
            "the token has expired and the credential has no refresher to replace it",
        )),
    }
}

/// Reads a token's expiry; for the constructors, which take any string.
pub(crate) fn decode(token: Secret) -> Result<AccessToken, UserCredentialError> {
    match jwt::expires_on(token.expose()) {
        Ok(expires_on) => Ok(AccessToken { token, expires_on }),
        Err(reason) => Err(UserCredentialError::new(
            UserCredentialErrorKind::InvalidToken,
            format!("invalid token: {reason}"),
        )),
    }
}

/// Checks what a refresher returned: a readable, unexpired token.
fn check_refreshed(token: Secret, now: OffsetDateTime) -> Result<AccessToken, UserCredentialError> {
    let token = jwt::expires_on(token.expose())
        .map(|expires_on| AccessToken { token, expires_on })
        .map_err(|reason| {
            UserCredentialError::new(
                UserCredentialErrorKind::InvalidToken,
                format!("the token returned by the refresher is invalid: {reason}"),
            )
        })?;
    if token.expires_on <= now {
        return Err(UserCredentialError::new(
            UserCredentialErrorKind::RefreshedTokenExpired,
            "the token returned by the refresher has already expired",
        ));
    }
    Ok(token)
}
