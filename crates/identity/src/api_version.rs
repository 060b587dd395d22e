//! The REST API versions of the Identity service that this client can speak.
//!
//! Every request carries `?api-version=<v>`. The client picks the newest stable version by
//! default; an older one can be chosen in [`CommunicationIdentityClientOptions`]. Features
//! that an older version lacks are refused before anything is sent, so the caller gets a
//! clear [`ErrorKind::InvalidInput`] instead of a service error: see the `supports_*`
//! methods here, which the client consults.
//!
//! [`CommunicationIdentityClientOptions`]: crate::CommunicationIdentityClientOptions
//! [`ErrorKind::InvalidInput`]: acs_core_http::ErrorKind::InvalidInput

use std::fmt;
use std::str::FromStr;

use acs_core_http::{Error, ErrorKind};

/// A stable version of the Identity REST API, sent as the `api-version` query parameter.
///
/// Versions are ordered by release date, so `a < b` means `a` is older.
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
    /// `2025-06-30`: adds Teams Phone extensibility operations (not used by this client).
    V2025_06_30,
    /// `2026-09-23`: the newest stable version and the default.
    #[default]
    V2026_09_23,
}

impl ApiVersion {
    /// Every version this crate knows, oldest first.
    pub const ALL: [ApiVersion; 6] = [
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
            ApiVersion::V2025_06_30 => "2025-06-30",
            ApiVersion::V2026_09_23 => "2026-09-23",
        }
    }

    /// Fails with [`ErrorKind::InvalidInput`] when `self` is older than `needed`; the message
    /// names the feature, the chosen version and the version that introduced the feature.
    pub(crate) fn require(self, needed: ApiVersion, feature: &str) -> Result<(), Error> {
        if self >= needed {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{feature} needs api-version {needed} or newer, but the client is configured \
                 for {self}; choose a newer ApiVersion in CommunicationIdentityClientOptions"
            ),
        ))
    }
}

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
