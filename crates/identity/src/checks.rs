//! The checks a call makes on its input before anything is sent.
//!
//! A request the service would refuse, or that this client's api-version cannot express,
//! is stopped here with [`ErrorKind::InvalidInput`]: an empty scope list, a scope or a
//! token lifetime newer than the configured [`ApiVersion`]. (Lifetimes outside 60..=1440
//! minutes cannot even be built, see [`TokenLifetime`]; user ids that cannot be a path
//! segment are refused where the URL is built, in [`crate::endpoint`].)

use acs_core_http::{Error, ErrorKind};
use acs_identity_models::CommunicationIdentityTokenScope;

use crate::{ApiVersion, TokenLifetime};

/// Refuses an empty scope list and scopes newer than `api_version`.
pub(crate) fn check_scopes(
    api_version: ApiVersion,
    scopes: &[CommunicationIdentityTokenScope],
) -> Result<(), Error> {
    if scopes.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "at least one token scope is required (for example \
             CommunicationIdentityTokenScope::Chat)",
        ));
    }
    for scope in scopes {
        // Normalise first, so that `Other("chat.join")` is gated like `ChatJoin`.
        let known = CommunicationIdentityTokenScope::from(scope.as_str());
        let Some(since) = known.since() else {
            continue;
        };
        // A scope introduced in a version this crate does not know is left to the service.
        if let Ok(needed) = since.parse::<ApiVersion>() {
            api_version.require(needed, &format!("the `{known}` token scope"))?;
        }
    }
    Ok(())
}

/// The `expiresInMinutes` to send for `lifetime`, refused when `api_version` predates
/// custom lifetimes.
pub(crate) fn check_lifetime(
    api_version: ApiVersion,
    lifetime: Option<TokenLifetime>,
) -> Result<Option<i32>, Error> {
    let Some(lifetime) = lifetime else {
        return Ok(None);
    };
    api_version.require(
        ApiVersion::V2022_10_01,
        "a custom token lifetime (expires_in)",
    )?;
    Ok(Some(lifetime.wire_minutes()))
}
