//! One token exchange: an Entra ID token in, a Communication Services token out.
//!
//! [`Exchange`] holds what every exchange of one credential shares (the pipeline of
//! `acs-core-http` and the route's URL); [`ExchangeRefresher`] binds it to one Entra ID token
//! and is the [`TokenRefresher`] behind the credential's token cache, so the cache decides
//! when to exchange and this file only knows how.

use std::fmt;
use std::sync::Arc;

use acs_core_auth::Secret;
use acs_core_http::{
    Context, Error, HeaderName, HeaderValue, Method, Pipeline, Request, StatusCode, Url,
};
use async_trait::async_trait;
use serde::Deserialize;
use tracing::debug;

use crate::credential::{RefreshError, TokenRefresher};

use super::ExchangeEndpoint;

const AUTHORIZATION: HeaderName = HeaderName::from_static("authorization");

/// The route and the pipeline of one credential.
pub(crate) struct Exchange {
    pub(crate) pipeline: Pipeline,
    pub(crate) url: Url,
    pub(crate) endpoint: ExchangeEndpoint,
}

/// The part of the response the credential needs; the user's identity is ignored here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeResponse {
    access_token: ExchangedToken,
}

#[derive(Deserialize)]
struct ExchangedToken {
    token: String,
}

impl Exchange {
    /// `{endpoint}/{route}?api-version={version}`, keeping any path the endpoint has.
    pub(crate) fn url(resource_endpoint: &Url, endpoint: ExchangeEndpoint) -> Url {
        let mut url = resource_endpoint.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/{}", endpoint.path()));
        url.set_fragment(None);
        url.query_pairs_mut()
            .clear()
            .append_pair("api-version", endpoint.api_version());
        url
    }

    /// Posts `{}` with `entra_token` as the bearer and returns the Communication Services
    /// token from the response.
    async fn exchange(&self, entra_token: &Secret) -> Result<Secret, RefreshError> {
        let mut request = Request::new(Method::POST, self.url.clone());
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", entra_token.expose()))
            .map_err(|_| {
                RefreshError::new("the Entra ID token contains characters a header cannot carry")
            })?;
        bearer.set_sensitive(true);
        request.insert_header(AUTHORIZATION, bearer);
        request
            .set_json(&serde_json::Map::new())
            .map_err(|error| RefreshError::with_source("cannot encode the exchange body", error))?;

        let response = self
            .pipeline
            .send(&Context::new(), &mut request)
            .await
            .map_err(|error| exchange_failed(self.endpoint, error))?;
        if response.status() != StatusCode::OK {
            return Err(exchange_failed(
                self.endpoint,
                Error::from_response(&response),
            ));
        }
        let body: ExchangeResponse = response
            .json()
            .map_err(|error| exchange_failed(self.endpoint, error))?;
        debug!(route = %self.endpoint, "exchanged an Entra ID token");
        Ok(Secret::new(body.access_token.token))
    }
}

fn exchange_failed(endpoint: ExchangeEndpoint, error: Error) -> RefreshError {
    RefreshError::with_source(
        format!("the Entra ID token exchange ({endpoint}) failed: {error}"),
        error,
    )
}

/// Exchanges one Entra ID token, as often as the cache asks.
pub(crate) struct ExchangeRefresher {
    pub(crate) exchange: Arc<Exchange>,
    pub(crate) entra_token: Secret,
}

#[async_trait]
impl TokenRefresher for ExchangeRefresher {
    async fn refresh(&self) -> Result<Secret, RefreshError> {
        self.exchange.exchange(&self.entra_token).await
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn url_keeps_the_endpoint_path_and_sets_the_version() {
        let base = Url::parse("https://res.communication.azure.com/").unwrap();
        assert_eq!(
            Exchange::url(&base, ExchangeEndpoint::TeamsExtension).as_str(),
            "https://res.communication.azure.com/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30"
        );
        let nested = Url::parse("http://127.0.0.1:8080/proxy/?x=1").unwrap();
        assert_eq!(
            Exchange::url(&nested, ExchangeEndpoint::CommunicationClients).as_str(),
            "http://127.0.0.1:8080/proxy/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview"
        );
    }
}
