//! Authenticates every attempt with an Entra ID bearer token.
//!
//! A per-try policy. It asks the [`TokenCredential`] for a token, caches it, and asks again
//! only when the cached one is within five minutes of expiring (by the injected [`Clock`]).
//! Concurrent calls share one refresh: the cache sits behind an async mutex held while the
//! credential runs. If a refresh fails while the old token is still valid, the old token is
//! used and a warning logged. A 401 answer clears the cache and the attempt is sent once
//! more with a new token. Tokens are only sent over `https`, or plain `http` to a loopback
//! host (the emulator), never in clear text across a network: unlike signing with an access
//! key, there is no opt-in for plain `http` elsewhere
//! ([`crate::ClientOptions::allow_insecure_http`] does not apply here), because a bearer
//! token seen on the wire can be replayed against any endpoint until it expires.

use std::sync::Arc;

use acs_core_auth::{AccessToken, TokenCredential, TokenRequestOptions};
use async_trait::async_trait;
use http::header::AUTHORIZATION;
use http::{HeaderValue, StatusCode};
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;
use tracing::{debug, warn};
use url::Url;
use zeroize::Zeroizing;

use crate::endpoint::is_loopback;
use crate::{Clock, Context, Error, ErrorKind, Next, Policy, Request, Response, Result};

/// How long before expiry a cached token is replaced.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::minutes(5);

/// Adds `Authorization: Bearer <token>` to every attempt.
#[derive(Debug)]
pub struct BearerTokenPolicy {
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    cache: Mutex<Option<AccessToken>>,
    /// `None`: the call's clock ([`Context::now`]).
    clock: Option<Arc<dyn Clock>>,
}

impl BearerTokenPolicy {
    /// A policy requesting tokens for `scopes` from `credential`.
    pub fn new(credential: Arc<dyn TokenCredential>, scopes: Vec<String>) -> Self {
        Self {
            credential,
            scopes,
            cache: Mutex::new(None),
            clock: None,
        }
    }

    /// Judges token expiry by `clock`. Without one, by the call's clock
    /// ([`Context::now`]: the pipeline options' clock, else the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    fn now(&self, ctx: &Context) -> OffsetDateTime {
        match &self.clock {
            Some(clock) => clock.now(),
            None => ctx.now(),
        }
    }

    /// The cached token, or a new one when there is none or it is about to expire.
    /// With `rejected`, a cached token equal to it is discarded first.
    async fn token(
        &self,
        rejected: Option<&AccessToken>,
        now: OffsetDateTime,
    ) -> Result<AccessToken> {
        let mut cache = self.cache.lock().await;
        if rejected.is_some() && cache.as_ref() == rejected {
            *cache = None;
        }

        if let Some(token) = cache.as_ref().filter(|t| is_fresh(t, now)) {
            return Ok(token.clone());
        }

        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        match self
            .credential
            .get_token(&scopes, TokenRequestOptions::default())
            .await
        {
            Ok(token) => {
                debug!(expires_on = %token.expires_on, "obtained a new bearer token");
                *cache = Some(token.clone());
                Ok(token)
            }
            Err(error) => match cache.as_ref().filter(|token| token.expires_on > now) {
                Some(still_valid) => {
                    warn!(error = %error, "token refresh failed; using the cached token");
                    Ok(still_valid.clone())
                }
                None => Err(Error::with_source(
                    ErrorKind::Credential,
                    format!("could not obtain a bearer token: {error}"),
                    error,
                )),
            },
        }
    }
}

/// Whether `token` can be used at `now` without asking for a new one: it expires more than
/// [`REFRESH_BEFORE_EXPIRY`] from now.
///
/// The expiry comes from the credential and may be anything `OffsetDateTime` can hold, so
/// the refresh instant is computed with checked arithmetic: an expiry so early that five
/// minutes before it cannot be represented is simply not fresh (it passed long ago).
fn is_fresh(token: &AccessToken, now: OffsetDateTime) -> bool {
    token
        .expires_on
        .checked_sub(REFRESH_BEFORE_EXPIRY)
        .is_some_and(|refresh_at| refresh_at > now)
}

fn authorize(request: &mut Request, token: &AccessToken) -> Result<()> {
    // The header value is a copy we cannot wipe (`http` keeps it in shared bytes); the
    // intermediate string we build is wiped.
    let text = Zeroizing::new(format!("Bearer {}", token.token.expose()));
    let mut value = HeaderValue::try_from(text.as_str()).map_err(|_| {
        Error::new(
            ErrorKind::Credential,
            "the token is not a valid header value",
        )
    })?;
    value.set_sensitive(true);
    request.insert_header(AUTHORIZATION, value);
    Ok(())
}

/// Whether a bearer token may travel to `url`.
fn is_safe_destination(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => is_loopback(url),
        _ => false,
    }
}

#[async_trait]
impl Policy for BearerTokenPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        if !is_safe_destination(request.url()) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "bearer tokens are only sent over https (plain http only to a loopback host)",
            ));
        }

        let token = self.token(None, self.now(ctx)).await?;
        authorize(request, &token)?;
        let response = next.run(ctx, request).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }

        debug!("the service refused the bearer token; retrying once with a new token");
        let token = self.token(Some(&token), self.now(ctx)).await?;
        authorize(request, &token)?;
        next.run(ctx, request).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "bearer_tests.rs"]
mod tests;
