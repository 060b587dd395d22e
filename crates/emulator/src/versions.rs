//! The API versions the emulator serves, and which features each one has.
//!
//! Every request names an `api-version`; the service refuses versions it does not serve and
//! switches features on by version (custom token lifetimes from 2022-10-01, the join scopes
//! from 2023-10-01, the Teams user exchange from 2022-06-01). The request pipeline resolves
//! the version once, through the configured [`ApiVersionPolicy`], and the handlers ask the
//! resolved [`ApiVersion`] what it supports.

use std::fmt;
use std::str::FromStr;

/// A stable version of the Identity REST API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2021-03-07`, the first stable version.
    V2021_03_07,
    /// `2022-06-01`, which adds the Teams user token exchange.
    V2022_06_01,
    /// `2022-10-01`, which adds custom token lifetimes (`expiresInMinutes`).
    V2022_10_01,
    /// `2023-10-01`, which adds the `chat.join`, `chat.join.limited` and `voip.join` scopes.
    V2023_10_01,
    /// `2025-06-30`.
    V2025_06_30,
    /// `2026-09-23`, the newest stable version.
    V2026_09_23,
}

impl ApiVersion {
    /// Every stable version, oldest first.
    pub const ALL: [ApiVersion; 6] = [
        Self::V2021_03_07,
        Self::V2022_06_01,
        Self::V2022_10_01,
        Self::V2023_10_01,
        Self::V2025_06_30,
        Self::V2026_09_23,
    ];

    /// The newest stable version.
    pub const LATEST: ApiVersion = Self::V2026_09_23;

    /// The string used in the `api-version` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2021_03_07 => "2021-03-07",
            Self::V2022_06_01 => "2022-06-01",
            Self::V2022_10_01 => "2022-10-01",
            Self::V2023_10_01 => "2023-10-01",
            Self::V2025_06_30 => "2025-06-30",
            Self::V2026_09_23 => "2026-09-23",
        }
    }

    /// Whether `expiresInMinutes` is read (earlier versions ignore it).
    pub(crate) fn honours_expires_in(self) -> bool {
        self >= Self::V2022_10_01
    }

    /// Whether `chat.join`, `chat.join.limited` and `voip.join` are accepted.
    pub(crate) fn has_join_scopes(self) -> bool {
        self >= Self::V2023_10_01
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a string that is not a stable API version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownApiVersion;

impl fmt::Display for UnknownApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a stable Identity API version")
    }
}

impl std::error::Error for UnknownApiVersion {}

impl FromStr for ApiVersion {
    type Err = UnknownApiVersion;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|version| version.as_str() == value)
            .ok_or(UnknownApiVersion)
    }
}

/// Which `api-version` values the emulator accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiVersionPolicy {
    /// Every stable version; anything else is refused with 400, as the service does.
    #[default]
    Stable,
    /// Only the listed versions, e.g. to see how a client copes with a service that has
    /// not rolled out a version yet.
    Only(Vec<ApiVersion>),
    /// Every stable version, and any other non-empty value treated as the newest one
    /// (useful for SDKs that send preview versions).
    Lenient,
}

/// The group of routes a request went to; the Teams user exchange exists in fewer versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteFamily {
    /// `/identities…`
    Identities,
    /// `/teamsUser/:exchangeAccessToken`
    TeamsUser,
}

impl RouteFamily {
    fn first_version(self) -> ApiVersion {
        match self {
            Self::Identities => ApiVersion::V2021_03_07,
            Self::TeamsUser => ApiVersion::V2022_06_01,
        }
    }
}

/// Why a request's `api-version` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VersionRefusal {
    /// No `api-version`, or an empty one.
    Missing,
    /// A value this route does not serve; carries the value as sent.
    Unsupported(String),
}

impl ApiVersionPolicy {
    fn allows(&self, version: ApiVersion) -> bool {
        match self {
            Self::Stable | Self::Lenient => true,
            Self::Only(versions) => versions.contains(&version),
        }
    }

    /// The versions a route serves under this policy, oldest first.
    pub(crate) fn supported(&self, family: RouteFamily) -> Vec<ApiVersion> {
        ApiVersion::ALL
            .into_iter()
            .filter(|version| *version >= family.first_version() && self.allows(*version))
            .collect()
    }

    /// The value of the `api-supported-versions` response header for a route.
    pub(crate) fn supported_header(&self, family: RouteFamily) -> String {
        let versions: Vec<&str> = self
            .supported(family)
            .into_iter()
            .map(|v| v.as_str())
            .collect();
        versions.join(", ")
    }

    /// Picks the version a request is served with.
    pub(crate) fn resolve(
        &self,
        requested: Option<&str>,
        family: RouteFamily,
    ) -> Result<ApiVersion, VersionRefusal> {
        let requested = match requested {
            Some(value) if !value.is_empty() => value,
            _ => return Err(VersionRefusal::Missing),
        };
        let unsupported = || VersionRefusal::Unsupported(requested.to_owned());

        let version = match requested.parse::<ApiVersion>() {
            Ok(version) => version,
            Err(UnknownApiVersion) if *self == Self::Lenient => ApiVersion::LATEST,
            Err(UnknownApiVersion) => return Err(unsupported()),
        };
        if version < family.first_version() || !self.allows(version) {
            return Err(unsupported());
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_stable_version_and_nothing_else() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>(), Ok(version));
        }
        assert!("2025-03-02-preview".parse::<ApiVersion>().is_err());
        assert!("".parse::<ApiVersion>().is_err());
    }

    #[test]
    fn stable_policy_refuses_previews_and_missing_values() {
        let policy = ApiVersionPolicy::Stable;
        let family = RouteFamily::Identities;

        assert_eq!(
            policy.resolve(Some("2023-10-01"), family),
            Ok(ApiVersion::V2023_10_01)
        );
        assert_eq!(policy.resolve(None, family), Err(VersionRefusal::Missing));
        assert_eq!(
            policy.resolve(Some(""), family),
            Err(VersionRefusal::Missing)
        );
        assert_eq!(
            policy.resolve(Some("2020-07-20-preview2"), family),
            Err(VersionRefusal::Unsupported("2020-07-20-preview2".into()))
        );
    }

    #[test]
    fn teams_user_exchange_starts_at_2022_06_01() {
        let policy = ApiVersionPolicy::Stable;

        assert!(
            policy
                .resolve(Some("2021-03-07"), RouteFamily::TeamsUser)
                .is_err()
        );
        assert!(
            policy
                .resolve(Some("2022-06-01"), RouteFamily::TeamsUser)
                .is_ok()
        );
        assert_eq!(
            policy.supported_header(RouteFamily::TeamsUser),
            "2022-06-01, 2022-10-01, 2023-10-01, 2025-06-30, 2026-09-23"
        );
    }

    #[test]
    fn lenient_policy_serves_unknown_versions_as_the_newest() {
        let policy = ApiVersionPolicy::Lenient;

        assert_eq!(
            policy.resolve(Some("2025-03-02-preview"), RouteFamily::Identities),
            Ok(ApiVersion::LATEST)
        );
        assert_eq!(
            policy.resolve(None, RouteFamily::Identities),
            Err(VersionRefusal::Missing)
        );
    }

    #[test]
    fn only_policy_limits_the_versions() {
        let policy = ApiVersionPolicy::Only(vec![ApiVersion::V2022_10_01]);

        assert!(
            policy
                .resolve(Some("2023-10-01"), RouteFamily::Identities)
                .is_err()
        );
        assert!(
            policy
                .resolve(Some("2022-10-01"), RouteFamily::Identities)
                .is_ok()
        );
        assert_eq!(
            policy.supported_header(RouteFamily::Identities),
            "2022-10-01"
        );
    }
}
