//! A Communication Services token credential fed by Microsoft Entra ID.
//!
//! [`EntraTokenCredential`] asks an Entra ID [`TokenCredential`] (from `acs-core-auth`, for
//! example a managed identity or a user sign-in) for a token, exchanges it at the Identity
//! service for a Communication Services user token, and hands that out like
//! [`CommunicationTokenCredential`] does. It is built on that credential: the exchange is
//! its [`TokenRefresher`](crate::TokenRefresher), so caching, the refresh windows and
//! single-flight refreshes follow the same rules (see the [`credential`](crate::credential)
//! module). The HTTP call goes through the `acs-core-http` pipeline (retries, user agent,
//! logging without secrets). The service's tokens are JWTs; their expiry is read from the
//! `exp` claim, as for any refreshed token.
//!
//! Rules:
//!
//! - The scopes pick the exchange route, see [`ExchangeEndpoint::for_scopes`]; a mixed,
//!   unknown or empty list is refused by [`EntraTokenCredential::new`].
//! - Every `get_token` asks the Entra ID credential for its current token (that credential
//!   caches on its own). When it differs from the token behind the cached Communication
//!   Services token, the credential exchanges again; otherwise the cached token is returned
//!   until it is within [`ON_DEMAND_REFRESH_WINDOW`](crate::ON_DEMAND_REFRESH_WINDOW) of its
//!   expiry, and then exchanged again with the same Entra ID token.
//! - Nothing is fetched at construction; the first `get_token` exchanges.
//! - Neither token ever appears in `Debug`, logs or error messages.

#[cfg(test)]
mod emulator_tests;
mod exchange;
mod scopes;
#[cfg(test)]
mod tests;

use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use acs_core_auth::{AccessToken, CredentialError, Secret, TokenCredential, TokenRequestOptions};
use acs_core_http::{ClientOptions, Pipeline, Url, check_endpoint_scheme};
use async_trait::async_trait;

use crate::credential::{
    Clock, CommunicationTokenCredential, CommunicationTokenRefreshOptions, SystemClock,
    UserCredentialError,
};
use exchange::{Exchange, ExchangeRefresher};
pub use scopes::{DEFAULT_ENTRA_SCOPE, ExchangeEndpoint};

/// How an [`EntraTokenCredential`] is set up.
#[derive(Clone)]
pub struct EntraTokenCredentialOptions {
    /// The Communication Services resource, e.g. `https://<resource>.communication.azure.com/`.
    pub resource_endpoint: String,
    /// Where Entra ID tokens come from.
    pub token_credential: Arc<dyn TokenCredential>,
    /// Scopes the Entra ID token is requested for; they pick the exchange route. Default:
    /// [`DEFAULT_ENTRA_SCOPE`].
    pub scopes: Vec<String>,
    /// Transport, retry and logging settings of the exchange call.
    pub client_options: ClientOptions,
}

impl EntraTokenCredentialOptions {
    /// Options for `resource_endpoint` with tokens from `token_credential`, the default
    /// scope and default client options.
    pub fn new(
        resource_endpoint: impl Into<String>,
        token_credential: Arc<dyn TokenCredential>,
    ) -> Self {
        Self {
            resource_endpoint: resource_endpoint.into(),
            token_credential,
            scopes: vec![DEFAULT_ENTRA_SCOPE.to_owned()],
            client_options: ClientOptions::default(),
        }
    }
}

impl fmt::Debug for EntraTokenCredentialOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraTokenCredentialOptions")
            .field("resource_endpoint", &self.resource_endpoint)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Why an [`EntraTokenCredential`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntraCredentialErrorKind {
    /// The scope list is empty, has a scope of no known route, or mixes routes.
    InvalidScopes,
    /// The resource endpoint is not an absolute URL, or is plain `http` on a host that is not
    /// loopback (bearer tokens never cross the network unencrypted).
    InvalidEndpoint,
    /// The HTTP pipeline could not be built (for example an invalid user agent id).
    Pipeline,
}

/// Why an [`EntraTokenCredential`] could not be built. Never contains a token.
#[derive(Debug)]
pub struct EntraCredentialError {
    kind: EntraCredentialErrorKind,
    message: String,
    scope: Option<String>,
}

impl EntraCredentialError {
    fn new(kind: EntraCredentialErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            scope: None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> EntraCredentialErrorKind {
        self.kind
    }

    /// The scope that was refused, when one was.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
}

impl fmt::Display for EntraCredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for EntraCredentialError {}

/// A Communication Services user token obtained by exchanging an Entra ID token, kept
/// fresh (see the [module rules](self)).
///
/// Cheap to clone: clones share the cache.
///
/// ```no_run
/// use std::sync::Arc;
/// use acs_common::entra::{EntraTokenCredential, EntraTokenCredentialOptions};
/// # async fn run(entra: Arc<dyn acs_core_auth::TokenCredential>) -> Result<(), Box<dyn std::error::Error>> {
/// let credential = EntraTokenCredential::new(EntraTokenCredentialOptions {
///     scopes: vec!["https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls".into()],
///     ..EntraTokenCredentialOptions::new("https://my-resource.communication.azure.com/", entra)
/// })?;
/// let token = credential.get_token().await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct EntraTokenCredential {
    inner: Arc<Inner>,
}

struct Inner {
    exchange: Arc<Exchange>,
    token_credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    clock: Arc<dyn Clock>,
    /// The Entra ID token of the latest exchange, with the cache of its results.
    current: Mutex<Option<(Secret, CommunicationTokenCredential)>>,
}

impl EntraTokenCredential {
    /// A credential from `options`; nothing is sent until the first `get_token`.
    ///
    /// # Errors
    ///
    /// [`EntraCredentialErrorKind::InvalidScopes`] (naming the scope) when the scopes do not
    /// all select one exchange route, [`EntraCredentialErrorKind::InvalidEndpoint`] for an
    /// unusable endpoint, [`EntraCredentialErrorKind::Pipeline`] when the HTTP pipeline
    /// cannot be built.
    pub fn new(options: EntraTokenCredentialOptions) -> Result<Self, EntraCredentialError> {
        Self::with_clock(options, Arc::new(SystemClock))
    }

    /// [`new`](Self::new), judging the expiry of Communication Services tokens by `clock`.
    ///
    /// # Errors
    ///
    /// As for [`new`](Self::new).
    pub fn with_clock(
        options: EntraTokenCredentialOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, EntraCredentialError> {
        let EntraTokenCredentialOptions {
            resource_endpoint,
            token_credential,
            scopes,
            client_options,
        } = options;
        let endpoint = ExchangeEndpoint::for_scopes(&scopes)?;

        let resource = Url::parse(resource_endpoint.trim()).map_err(|error| {
            EntraCredentialError::new(
                EntraCredentialErrorKind::InvalidEndpoint,
                format!("the resource endpoint is not an absolute URL: {error}"),
            )
        })?;
        check_endpoint_scheme(&resource, false).map_err(|error| {
            EntraCredentialError::new(EntraCredentialErrorKind::InvalidEndpoint, error.to_string())
        })?;

        let pipeline = Pipeline::new(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            client_options,
            Vec::new(),
            Vec::new(),
        )
        .map_err(|error| {
            EntraCredentialError::new(EntraCredentialErrorKind::Pipeline, error.to_string())
        })?;
        let exchange = Arc::new(Exchange {
            pipeline,
            url: Exchange::url(&resource, endpoint),
            endpoint,
        });
        Ok(Self {
            inner: Arc::new(Inner {
                exchange,
                token_credential,
                scopes,
                clock,
                current: Mutex::new(None),
            }),
        })
    }

    /// The route the scopes selected.
    pub fn exchange_endpoint(&self) -> ExchangeEndpoint {
        self.inner.exchange.endpoint
    }

    /// The current Communication Services token: the cached one while it is fresh and the
    /// Entra ID token is unchanged, else a newly exchanged one.
    ///
    /// # Errors
    ///
    /// [`UserCredentialErrorKind::RefreshFailed`](crate::UserCredentialErrorKind::RefreshFailed)
    /// when the Entra ID credential or the exchange failed (the source is the
    /// [`CredentialError`], whose own source is the `acs_core_http::Error` of a failed
    /// call); [`UserCredentialErrorKind::InvalidToken`](crate::UserCredentialErrorKind::InvalidToken)
    /// or [`RefreshedTokenExpired`](crate::UserCredentialErrorKind::RefreshedTokenExpired)
    /// when the service returned an unreadable or expired token.
    pub async fn get_token(&self) -> Result<AccessToken, UserCredentialError> {
        let scopes: Vec<&str> = self.inner.scopes.iter().map(String::as_str).collect();
        let entra = self
            .inner
            .token_credential
            .get_token(&scopes, TokenRequestOptions::default())
            .await
            .map_err(UserCredentialError::refresh_failed)?;

        let cache = {
            let mut current = self
                .inner
                .current
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match current.as_ref() {
                Some((used, cache)) if *used == entra.token => cache.clone(),
                _ => {
                    let refresher = ExchangeRefresher {
                        exchange: Arc::clone(&self.inner.exchange),
                        entra_token: entra.token.clone(),
                    };
                    let cache = CommunicationTokenCredential::with_refresher_and_clock(
                        CommunicationTokenRefreshOptions::new(refresher),
                        Arc::clone(&self.inner.clock),
                    )?;
                    *current = Some((entra.token, cache.clone()));
                    cache
                }
            }
        };
        cache.get_token().await
    }
}

impl fmt::Debug for EntraTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraTokenCredential")
            .field("exchange", &self.inner.exchange)
            .field("scopes", &self.inner.scopes)
            .finish_non_exhaustive()
    }
}

/// Lets the credential feed a bearer-token policy; scopes and options are ignored, as the
/// Entra ID scopes were fixed at construction.
#[async_trait]
impl TokenCredential for EntraTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        EntraTokenCredential::get_token(self)
            .await
            .map_err(|error| CredentialError::with_source(error.message().to_owned(), error))
    }
}
