//! The checks a call makes on its input before anything is sent.
//!
//! A request the service would refuse, or that this client's api-version cannot express,
//! is stopped here with [`ErrorKind::InvalidInput`]: an empty scope list, a scope or a
//! token lifetime newer than the configured [`ApiVersion`], and (feature `preview`) a custom
//! id that the version lacks or that is not 1 to 256 characters long. (Lifetimes outside 60..=1440
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
        if let Ok(needed) = since.parse::<ApiVersion>()
            && !api_version.has_features_of(needed)
        {
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

/// The `customId` to send, refused when `api_version` lacks custom ids or when it is not
/// [`CUSTOM_ID_MIN_LENGTH`]..=[`CUSTOM_ID_MAX_LENGTH`] characters long (the service counts
/// characters, not bytes).
///
/// [`CUSTOM_ID_MIN_LENGTH`]: acs_identity_models::constraints::CUSTOM_ID_MIN_LENGTH
/// [`CUSTOM_ID_MAX_LENGTH`]: acs_identity_models::constraints::CUSTOM_ID_MAX_LENGTH
#[cfg(feature = "preview")]
pub(crate) fn check_custom_id(
    api_version: ApiVersion,
    custom_id: Option<String>,
) -> Result<Option<String>, Error> {
    use acs_identity_models::constraints::{CUSTOM_ID_MAX_LENGTH, CUSTOM_ID_MIN_LENGTH};

    let Some(custom_id) = custom_id else {
        return Ok(None);
    };
    api_version.require(ApiVersion::V2025_03_02_Preview, "a custom id (custom_id)")?;
    let length = custom_id.chars().count();
    if !(CUSTOM_ID_MIN_LENGTH..=CUSTOM_ID_MAX_LENGTH).contains(&length) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "a custom id must be {CUSTOM_ID_MIN_LENGTH} to {CUSTOM_ID_MAX_LENGTH} \
                 characters long, but this one has {length}; nothing was sent"
            ),
        ));
    }
    Ok(Some(custom_id))
}

#[cfg(all(test, feature = "preview"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_are_checked_for_version_and_length() {
        let preview = ApiVersion::V2025_03_02_Preview;
        assert_eq!(check_custom_id(preview, None).unwrap(), None);
        assert_eq!(
            check_custom_id(ApiVersion::V2026_09_23, None).unwrap(),
            None
        );
        let longest = "é".repeat(256);
        assert_eq!(
            check_custom_id(preview, Some(longest.clone())).unwrap(),
            Some(longest)
        );
        for bad in [String::new(), "x".repeat(257)] {
            let error = check_custom_id(preview, Some(bad)).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput);
            assert!(error.to_string().contains("1 to 256 characters"), "{error}");
        }
        let error = check_custom_id(ApiVersion::V2026_09_23, Some("a".into())).unwrap_err();
        assert!(error.to_string().contains("2025-03-02-preview"), "{error}");
    }
}
