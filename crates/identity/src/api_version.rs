//! The REST API versions of the Identity service that this client can speak.
//!
//! Every request carries `?api-version=<v>`. The client picks the newest stable version by
//! default; an older one can be chosen in [`CommunicationIdentityClientOptions`]. Features
//! that an older version lacks are refused before anything is sent, so the caller gets a
//! clear [`ErrorKind::InvalidInput`] instead of a service error: the client asks
//! [`ApiVersion::has_features_of`], which follows the rule of the generated
//! `acs_identity_models::api_versions::supports` (the same rule the emulator enforces).
//!
//! With the `preview` feature there is also the preview version `2025-03-02-preview`. It is
//! not newer than every stable version: it has everything of 2025-06-30 (Teams Extension
//! included) plus custom ids and reading a user back, which no stable version has.
//!
//! [`CommunicationIdentityClientOptions`]: crate::CommunicationIdentityClientOptions
//! [`ErrorKind::InvalidInput`]: acs_core_http::ErrorKind::InvalidInput

use std::fmt;
use std::str::FromStr;

use acs_core_http::{Error, ErrorKind};

/// A version of the Identity REST API, sent as the `api-version` query parameter.
///
/// Versions are ordered by release date, so `a < b` means `a` is older. Whether a version
/// has a feature is not a comparison, because a preview version can lack what an older
/// stable one has or have what a newer one lacks; see [`ApiVersion::has_features_of`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2021-03-07`: users, access tokens (`chat`, `voip`), revocation, deletion.
    V2021_03_07,
    /// `2022-06-01`: adds the Teams user token exchange.
    V2022_06_01,
    /// `2022-10-01`: adds custom token lifetimes (`expiresInMinutes`).
    V2022_10_01,
    /// `2023-10-01`: adds the `chat.join`, `chat.join.limited` and `voip.join` scopes.
    V2023_10_01,
    /// `2025-03-02-preview` (feature `preview`): everything of 2025-06-30, plus custom ids
    /// on user creation and reading a user back (`get_user_detail`).
    #[cfg(feature = "preview")]
    #[allow(non_camel_case_types)]
    V2025_03_02_Preview,
    /// `2025-06-30`: adds Teams Extension (Teams Phone extensibility): the token exchange
    /// and assignments.
    V2025_06_30,
    /// `2026-09-23`: the newest stable version and the default.
    #[default]
    V2026_09_23,
}

impl ApiVersion {
    /// Every version this crate knows, oldest first (the preview one only with the
    /// `preview` feature).
    pub const ALL: [ApiVersion; 6 + PREVIEW_COUNT] = [
        ApiVersion::V2021_03_07,
        ApiVersion::V2022_06_01,
        ApiVersion::V2022_10_01,
        ApiVersion::V2023_10_01,
        #[cfg(feature = "preview")]
        ApiVersion::V2025_03_02_Preview,
        ApiVersion::V2025_06_30,
        ApiVersion::V2026_09_23,
    ];

    /// Every stable version, oldest first.
    pub const STABLE: [ApiVersion; 6] = [
        ApiVersion::V2021_03_07,
        ApiVersion::V2022_06_01,
        ApiVersion::V2022_10_01,
        ApiVersion::V2023_10_01,
        ApiVersion::V2025_06_30,
        ApiVersion::V2026_09_23,
    ];

    /// The newest stable version, which is also [`ApiVersion::default`].
    pub const LATEST: ApiVersion = ApiVersion::V2026_09_23;

    /// The value sent as `api-version`, for example `"2026-09-23"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2021_03_07 => "2021-03-07",
            ApiVersion::V2022_06_01 => "2022-06-01",
            ApiVersion::V2022_10_01 => "2022-10-01",
            ApiVersion::V2023_10_01 => "2023-10-01",
            #[cfg(feature = "preview")]
            ApiVersion::V2025_03_02_Preview => "2025-03-02-preview",
            ApiVersion::V2025_06_30 => "2025-06-30",
            ApiVersion::V2026_09_23 => "2026-09-23",
        }
    }

    /// Whether this version is a preview version.
    pub fn is_preview(self) -> bool {
        self.as_str().ends_with("-preview")
    }

    /// Whether this version has everything that `introduced_in` introduced.
    ///
    /// Between stable versions, a newer one has all an older one has. A preview version
    /// has everything of the stable version it is based on (2025-06-30 for
    /// 2025-03-02-preview), and what a preview version introduced exists in no other.
    pub fn has_features_of(self, introduced_in: ApiVersion) -> bool {
        acs_identity_models::api_versions::supports(self.as_str(), introduced_in.as_str())
    }

    /// Fails with [`ErrorKind::InvalidInput`] when `self` lacks what `needed` introduced;
    /// the message names the feature, the chosen version and the version that introduced
    /// the feature.
    pub(crate) fn require(self, needed: ApiVersion, feature: &str) -> Result<(), Error> {
        if self.has_features_of(needed) {
            return Ok(());
        }
        let which = if needed.is_preview() {
            format!("the preview api-version {needed} (feature `preview`)")
        } else {
            format!("api-version {needed} or newer")
        };
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{feature} needs {which}, but the client is configured for {self}; choose \
                 another ApiVersion in CommunicationIdentityClientOptions; nothing was sent"
            ),
        ))
    }
}

/// How many preview versions [`ApiVersion::ALL`] lists.
const PREVIEW_COUNT: usize = if cfg!(feature = "preview") { 1 } else { 0 };

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = Error;

    /// Parses the exact `api-version` string, for example `"2023-10-01"`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] for a string that is not one of [`ApiVersion::ALL`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        ApiVersion::ALL
            .into_iter()
            .find(|version| version.as_str() == trimmed)
            .ok_or_else(|| {
                if acs_identity_models::api_versions::preview_baseline(trimmed).is_some() {
                    return Error::new(
                        ErrorKind::InvalidInput,
                        format!("api-version `{trimmed}` needs the crate feature `preview`"),
                    );
                }
                let known: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
                Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "unknown api-version `{trimmed}`; supported versions are {}",
                        known.join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_is_newest() {
        assert_eq!(ApiVersion::default(), ApiVersion::V2026_09_23);
        assert_eq!(ApiVersion::LATEST, *ApiVersion::ALL.last().unwrap());
    }

    #[test]
    fn strings_round_trip_and_order_matches_dates() {
        for window in ApiVersion::ALL.windows(2) {
            assert!(window[0] < window[1]);
            assert!(window[0].as_str() < window[1].as_str());
        }
        assert_eq!(
            ApiVersion::STABLE.map(ApiVersion::as_str),
            acs_identity_models::api_versions::STABLE
        );
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>().unwrap(), version);
            assert_eq!(version.to_string(), version.as_str());
        }
    }

    #[test]
    fn unknown_version_is_invalid_input_and_named() {
        let err = "2020-07-20-preview2".parse::<ApiVersion>().unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("2020-07-20-preview2"), "{err}");
    }

    #[test]
    fn stable_versions_have_the_features_of_older_ones() {
        for (index, version) in ApiVersion::STABLE.into_iter().enumerate() {
            for (other_index, other) in ApiVersion::STABLE.into_iter().enumerate() {
                assert_eq!(version.has_features_of(other), index >= other_index);
            }
            assert!(!version.is_preview());
        }
    }

    #[cfg(feature = "preview")]
    #[test]
    fn the_preview_has_teams_extension_but_nothing_newer() {
        let preview = ApiVersion::V2025_03_02_Preview;
        assert!(preview.is_preview());
        assert_eq!(preview.as_str().parse::<ApiVersion>().unwrap(), preview);
        assert!(preview.has_features_of(ApiVersion::V2023_10_01));
        assert!(preview.has_features_of(ApiVersion::V2025_06_30));
        assert!(!preview.has_features_of(ApiVersion::V2026_09_23));
        for stable in ApiVersion::STABLE {
            assert!(!stable.has_features_of(preview), "{stable}");
        }
        let text = ApiVersion::V2026_09_23
            .require(preview, "a custom id")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("preview api-version 2025-03-02-preview"),
            "{text}"
        );
    }

    #[cfg(not(feature = "preview"))]
    #[test]
    fn the_preview_version_names_the_missing_feature() {
        let err = "2025-03-02-preview".parse::<ApiVersion>().unwrap_err();
        assert!(err.to_string().contains("feature `preview`"), "{err}");
    }

    #[test]
    fn require_names_the_needed_version() {
        assert!(
            ApiVersion::V2023_10_01
                .require(ApiVersion::V2022_10_01, "x")
                .is_ok()
        );
        let err = ApiVersion::V2022_06_01
            .require(ApiVersion::V2022_10_01, "a custom token lifetime")
            .unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::InvalidInput);
        let text = err.to_string();
        assert!(
            text.contains("2022-10-01") && text.contains("2022-06-01"),
            "{text}"
        );
    }
}
