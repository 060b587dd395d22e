//! The kinds of Identity operation, as the request log and fault rules name them.
//!
//! The router resolves a request to an operation with its path parameters; this is the
//! parameter-free kind of that operation. Fault rules match on it
//! ([`FaultWhen::operation`](crate::faults::FaultWhen::operation)), the request log records
//! it ([`RecordedRequest::operation`](crate::RecordedRequest::operation)), and the
//! `--fault` grammar spells it with the short names of [`Operation::name`].

use std::fmt;
use std::str::FromStr;

/// One of the Identity operations the emulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /identities`, with or without a token.
    CreateIdentity,
    /// `DELETE /identities/{id}`.
    DeleteIdentity,
    /// `POST /identities/{id}/:issueAccessToken`.
    IssueAccessToken,
    /// `POST /identities/{id}/:revokeAccessTokens`.
    RevokeAccessTokens,
    /// `POST /teamsUser/:exchangeAccessToken`.
    ExchangeTeamsUserToken,
    /// `GET /identities/{id}` (2025-03-02-preview).
    GetIdentity,
    /// `POST /access/teamsExtension/:exchangeAccessToken`.
    ExchangeTeamsExtensionToken,
    /// `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
    GetTeamsExtensionAssignment,
    /// `PUT /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
    PutTeamsExtensionAssignment,
    /// `DELETE /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
    DeleteTeamsExtensionAssignment,
}

impl Operation {
    /// Every operation, in the order of the REST reference.
    pub const ALL: [Operation; 10] = [
        Self::CreateIdentity,
        Self::DeleteIdentity,
        Self::IssueAccessToken,
        Self::RevokeAccessTokens,
        Self::ExchangeTeamsUserToken,
        Self::GetIdentity,
        Self::ExchangeTeamsExtensionToken,
        Self::GetTeamsExtensionAssignment,
        Self::PutTeamsExtensionAssignment,
        Self::DeleteTeamsExtensionAssignment,
    ];

    /// The short name used by the `--fault` grammar and by [`Display`](fmt::Display):
    /// `create`, `delete`, `issue`, `revoke`, `exchange`, `get`, `extension-exchange`,
    /// `assignment-get`, `assignment-put` or `assignment-delete`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateIdentity => "create",
            Self::DeleteIdentity => "delete",
            Self::IssueAccessToken => "issue",
            Self::RevokeAccessTokens => "revoke",
            Self::ExchangeTeamsUserToken => "exchange",
            Self::GetIdentity => "get",
            Self::ExchangeTeamsExtensionToken => "extension-exchange",
            Self::GetTeamsExtensionAssignment => "assignment-get",
            Self::PutTeamsExtensionAssignment => "assignment-put",
            Self::DeleteTeamsExtensionAssignment => "assignment-delete",
        }
    }

    /// The longer, kebab-case name also accepted when parsing, e.g. `issue-access-token`.
    fn long_name(self) -> &'static str {
        match self {
            Self::CreateIdentity => "create-identity",
            Self::DeleteIdentity => "delete-identity",
            Self::IssueAccessToken => "issue-access-token",
            Self::RevokeAccessTokens => "revoke-access-tokens",
            Self::ExchangeTeamsUserToken => "exchange-teams-user-token",
            Self::GetIdentity => "get-identity",
            Self::ExchangeTeamsExtensionToken => "exchange-teams-extension-token",
            Self::GetTeamsExtensionAssignment => "get-teams-extension-assignment",
            Self::PutTeamsExtensionAssignment => "put-teams-extension-assignment",
            Self::DeleteTeamsExtensionAssignment => "delete-teams-extension-assignment",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an [`Operation`] name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOperation(String);

impl fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown operation '{}' (expected create, delete, issue, revoke, exchange, get, \
             extension-exchange, assignment-get, assignment-put or assignment-delete)",
            crate::envelope::truncate(&self.0)
        )
    }
}

impl std::error::Error for UnknownOperation {}

impl FromStr for Operation {
    type Err = UnknownOperation;

    /// Parses a short name (`create`) or a long one (`create-identity`), ignoring case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|op| {
                op.name().eq_ignore_ascii_case(text) || op.long_name().eq_ignore_ascii_case(text)
            })
            .ok_or_else(|| UnknownOperation(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_long_names_parse() {
        for op in Operation::ALL {
            assert_eq!(op.name().parse::<Operation>(), Ok(op));
            assert_eq!(op.long_name().parse::<Operation>(), Ok(op));
            assert_eq!(op.to_string(), op.name());
        }
        assert_eq!("ISSUE".parse(), Ok(Operation::IssueAccessToken));
        let error = "list".parse::<Operation>().unwrap_err();
        assert!(error.to_string().contains("'list'"), "{error}");
    }
}
