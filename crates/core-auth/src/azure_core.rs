//! Lets a token credential from the official Azure SDK for Rust authenticate our clients.
//!
//! Available with the `azure-core` cargo feature. Entra ID sign-in (managed identity,
//! developer tools, client secrets, workload identity) lives in the `azure_identity` crate,
//! whose credentials implement `azure_core::credentials::TokenCredential`.
//! [`AzureCoreCredential`] wraps one of those so that it implements this crate's
//! [`TokenCredential`], which the bearer-token policy of the HTTP layer takes. The feature
//! pulls `azure_core` with its default features off: no `reqwest`, no second TLS stack.
//!
//! ```
//! # #[derive(Debug)] struct Fake;
//! # #[async_trait::async_trait]
//! # impl azure_core::credentials::TokenCredential for Fake {
//! #     async fn get_token(
//! #         &self,
//! #         _: &[&str],
//! #         _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
//! #     ) -> azure_core::Result<azure_core::credentials::AccessToken> { unimplemented!() }
//! # }
//! use std::sync::Arc;
//! use acs_core_auth::TokenCredential;
//! use acs_core_auth::azure_core::AzureCoreCredential;
//!
//! // With azure_identity: `let entra = azure_identity::DeveloperToolsCredential::new(None)?;`
//! let entra: Arc<dyn azure_core::credentials::TokenCredential> = Arc::new(Fake);
//! let credential: Arc<dyn TokenCredential> = Arc::new(AzureCoreCredential::new(entra));
//! ```

use std::fmt;
use std::sync::Arc;

use ::azure_core::credentials::TokenCredential as AzureTokenCredential;
use async_trait::async_trait;

use crate::{AccessToken, CredentialError, Secret, TokenCredential, TokenRequestOptions};

/// An `azure_core` token credential, usable wherever this crate's [`TokenCredential`] is.
///
/// Scopes are passed through unchanged. The token moves into a [`Secret`]; `expires_on` is
/// kept as the Azure credential reported it.
#[derive(Clone)]
pub struct AzureCoreCredential(Arc<dyn AzureTokenCredential>);

impl AzureCoreCredential {
    /// Wraps `credential`.
    pub fn new(credential: Arc<dyn AzureTokenCredential>) -> Self {
        Self(credential)
    }

    /// The wrapped credential.
    pub fn inner(&self) -> &Arc<dyn AzureTokenCredential> {
        &self.0
    }
}

impl From<Arc<dyn AzureTokenCredential>> for AzureCoreCredential {
    fn from(credential: Arc<dyn AzureTokenCredential>) -> Self {
        Self::new(credential)
    }
}

impl fmt::Debug for AzureCoreCredential {
    /// Shows the wrapped credential's own `Debug`, which `azure_core` credentials keep free
    /// of secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AzureCoreCredential").field(&self.0).finish()
    }
}

#[async_trait]
impl TokenCredential for AzureCoreCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        // TODO(azure-core options): `azure_core` 1.1 token requests take no tenant id or
        // claims, so those of `_options` cannot be passed on; they are dropped.
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        let token = self.0.get_token(scopes, None).await.map_err(|error| {
            CredentialError::with_source("the azure_core credential returned an error", error)
        })?;
        Ok(AccessToken {
            token: Secret::new(token.token.secret()),
            expires_on: token.expires_on,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::error::Error as _;
    use std::sync::Mutex;

    use ::azure_core::credentials::{AccessToken as AzureAccessToken, TokenRequestOptions as Opts};
    use ::azure_core::error::ErrorKind;
    use time::macros::datetime;

    use super::*;

    /// An `azure_core` credential that notes the scopes it is asked for.
    #[derive(Debug, Default)]
    struct FakeAzureCredential {
        fail: bool,
        asked_for: Mutex<Vec<Vec<String>>>,
    }

    #[async_trait]
    impl AzureTokenCredential for FakeAzureCredential {
        async fn get_token(
            &self,
            scopes: &[&str],
            _options: Option<Opts<'_>>,
        ) -> ::azure_core::Result<AzureAccessToken> {
            self.asked_for
                .lock()
                .unwrap()
                .push(scopes.iter().map(|scope| scope.to_string()).collect());
            if self.fail {
                return Err(::azure_core::Error::with_message(
                    ErrorKind::Credential,
                    "no Entra sign-in available",
                ));
            }
            Ok(AzureAccessToken::new(
                "entra-token-value",
                datetime!(2030-01-01 10:00 UTC),
            ))
        }
    }

    #[tokio::test]
    async fn passes_scopes_through_and_converts_the_token() {
        let fake = Arc::new(FakeAzureCredential::default());
        let credential = AzureCoreCredential::new(fake.clone());

        let token = credential
            .get_token(
                &["https://communication.azure.com//.default"],
                TokenRequestOptions::default(),
            )
            .await
            .unwrap();

        assert_eq!(token.token.expose(), "entra-token-value");
        assert_eq!(token.expires_on, datetime!(2030-01-01 10:00 UTC));
        assert_eq!(
            *fake.asked_for.lock().unwrap(),
            [["https://communication.azure.com//.default"]]
        );
        assert!(!format!("{credential:?}").contains("entra-token-value"));
    }

    #[tokio::test]
    async fn errors_keep_the_azure_error_as_source() {
        let fake = Arc::new(FakeAzureCredential {
            fail: true,
            ..Default::default()
        });
        let credential: Arc<dyn TokenCredential> = Arc::new(AzureCoreCredential::from(
            fake as Arc<dyn AzureTokenCredential>,
        ));

        let error = credential
            .get_token(&["scope"], TokenRequestOptions::default())
            .await
            .unwrap_err();
        assert_eq!(
            error.message(),
            "the azure_core credential returned an error"
        );
        assert!(
            error
                .source()
                .unwrap()
                .to_string()
                .contains("no Entra sign-in")
        );
    }
}
