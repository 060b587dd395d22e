//! Which exchange endpoint a set of Entra ID scopes selects.
//!
//! The Identity service has two routes that turn an Entra ID token into a Communication
//! Services token, and the scopes the Entra token is requested for say which one applies:
//! Teams Phone extensibility scopes go to the Teams extension exchange (stable since
//! 2025-06-30), Communication Services client scopes to the Entra exchange (preview
//! 2025-03-02). Every scope must point at the same route; anything else is refused when the
//! credential is built, before any request.

use std::fmt;

use super::{EntraCredentialError, EntraCredentialErrorKind};

/// Prefixes of the Teams Phone extensibility scopes (public and US government clouds).
const TEAMS_EXTENSION_PREFIXES: [&str; 2] = [
    "https://auth.msft.communication.azure.com/",
    "https://auth.msft.communication.azure.us/",
];

/// Prefix of the Communication Services client scopes.
const COMMUNICATION_CLIENTS_PREFIX: &str = "https://communication.azure.com/clients/";

/// The scope used when the caller names none.
pub const DEFAULT_ENTRA_SCOPE: &str = "https://communication.azure.com/clients/.default";

/// One of the service's Entra ID token exchange routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeEndpoint {
    /// `POST /access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30`.
    TeamsExtension,
    /// `POST /access/entra/:exchangeAccessToken?api-version=2025-03-02-preview`.
    CommunicationClients,
}

impl ExchangeEndpoint {
    /// The path of the route, relative to the resource endpoint.
    pub fn path(self) -> &'static str {
        match self {
            Self::TeamsExtension => "access/teamsExtension/:exchangeAccessToken",
            Self::CommunicationClients => "access/entra/:exchangeAccessToken",
        }
    }

    /// The API version the route is called with.
    pub fn api_version(self) -> &'static str {
        match self {
            Self::TeamsExtension => "2025-06-30",
            Self::CommunicationClients => "2025-03-02-preview",
        }
    }

    /// The route a single scope belongs to, if any.
    fn of_scope(scope: &str) -> Option<Self> {
        if TEAMS_EXTENSION_PREFIXES
            .iter()
            .any(|prefix| scope.starts_with(prefix))
        {
            Some(Self::TeamsExtension)
        } else if scope.starts_with(COMMUNICATION_CLIENTS_PREFIX) {
            Some(Self::CommunicationClients)
        } else {
            None
        }
    }

    /// The route every one of `scopes` belongs to.
    ///
    /// # Errors
    ///
    /// [`EntraCredentialErrorKind::InvalidScopes`] for an empty list, a scope with an unknown
    /// prefix, or scopes of both routes; the message names the offending scope.
    pub fn for_scopes(scopes: &[String]) -> Result<Self, EntraCredentialError> {
        let Some(first) = scopes.first() else {
            return Err(invalid("no scopes were given", None));
        };
        let endpoint = Self::of_scope(first).ok_or_else(|| unknown(first))?;
        for scope in &scopes[1..] {
            match Self::of_scope(scope) {
                Some(other) if other == endpoint => {}
                Some(_) => {
                    return Err(invalid(
                        format!(
                            "scope `{scope}` selects a different exchange than `{first}`; all \
                             scopes must share one prefix"
                        ),
                        Some(scope),
                    ));
                }
                None => return Err(unknown(scope)),
            }
        }
        Ok(endpoint)
    }
}

impl fmt::Display for ExchangeEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}?api-version={}", self.path(), self.api_version())
    }
}

fn unknown(scope: &str) -> EntraCredentialError {
    invalid(
        format!(
            "scope `{scope}` has no known prefix; every scope must start with one of {}, {} or \
             {COMMUNICATION_CLIENTS_PREFIX}",
            TEAMS_EXTENSION_PREFIXES[0], TEAMS_EXTENSION_PREFIXES[1]
        ),
        Some(scope),
    )
}

fn invalid(message: impl Into<String>, scope: Option<&str>) -> EntraCredentialError {
    EntraCredentialError {
        kind: EntraCredentialErrorKind::InvalidScopes,
        message: message.into(),
        scope: scope.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|scope| (*scope).to_owned()).collect()
    }

    #[test]
    fn prefixes_pick_the_route() {
        assert_eq!(
            ExchangeEndpoint::for_scopes(&scopes(&[DEFAULT_ENTRA_SCOPE])).unwrap(),
            ExchangeEndpoint::CommunicationClients
        );
        assert_eq!(
            ExchangeEndpoint::for_scopes(&scopes(&[
                "https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls",
                "https://auth.msft.communication.azure.us/TeamsExtension.ManageCalls",
            ]))
            .unwrap(),
            ExchangeEndpoint::TeamsExtension
        );
    }

    #[test]
    fn bad_scope_lists_name_the_offender() {
        let empty = ExchangeEndpoint::for_scopes(&[]).unwrap_err();
        assert_eq!(empty.kind(), EntraCredentialErrorKind::InvalidScopes);
        assert_eq!(empty.scope(), None);

        let unknown =
            ExchangeEndpoint::for_scopes(&scopes(&[DEFAULT_ENTRA_SCOPE, "https://graph/x"]))
                .unwrap_err();
        assert_eq!(unknown.scope(), Some("https://graph/x"));
        assert!(unknown.to_string().contains("https://graph/x"), "{unknown}");

        let mixed = ExchangeEndpoint::for_scopes(&scopes(&[
            "https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls",
            DEFAULT_ENTRA_SCOPE,
        ]))
        .unwrap_err();
        assert_eq!(mixed.scope(), Some(DEFAULT_ENTRA_SCOPE));
        assert!(mixed.to_string().contains("different exchange"), "{mixed}");
    }
}
