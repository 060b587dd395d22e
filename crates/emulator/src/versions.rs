//! The API versions the emulator serves, and which features each one has.
//!
//! Every request names an `api-version`; the service refuses versions it does not serve and
//! switches features on by version. This module is the one place that decides what each
//! version has:
//!
//! | feature | versions |
//! | --- | --- |
//! | create, issue, revoke, delete | all |
//! | `POST /teamsUser/:exchangeAccessToken` | 2022-06-01 and later (the preview too) |
//! | `expiresInMinutes` read | 2022-10-01 and later (the preview too) |
//! | `chat.join`, `chat.join.limited`, `voip.join` | 2023-10-01 and later (the preview too) |
//! | Teams Extension exchange and assignments | 2025-03-02-preview, 2025-06-30, 2026-09-23 |
//! | `customId` on create, `GET /identities/{id}` | 2025-03-02-preview only |
//!
//! The preview sorts by its date, between 2023-10-01 and 2025-06-30; it lacks nothing of
//! 2023-10-01. The request pipeline resolves the version once per route family, through
//! the configured [`ApiVersionPolicy`], and the handlers ask the resolved [`ApiVersion`]
//! what it supports.

use std::fmt;
use std::str::FromStr;

/// A version of the Identity REST API the emulator knows.
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
    /// `2025-03-02-preview`: everything of 2023-10-01, plus `customId`,
    /// `GET /identities/{id}` and the Teams Extension operations.
    #[allow(non_camel_case_types)]
    V2025_03_02_Preview,
    /// `2025-06-30`, which adds the Teams Extension operations (not the preview's
    /// `customId` nor `GET /identities/{id}`).
    V2025_06_30,
    /// `2026-09-23`, the newest stable version (the operations of 2025-06-30).
    V2026_09_23,
}

impl ApiVersion {
    /// Every version the emulator knows, oldest first, the preview included.
    pub const ALL: [ApiVersion; 7] = [
        Self::V2021_03_07,
        Self::V2022_06_01,
        Self::V2022_10_01,
        Self::V2023_10_01,
        Self::V2025_03_02_Preview,
        Self::V2025_06_30,
        Self::V2026_09_23,
    ];

    /// Every stable version, oldest first.
    pub const STABLE: [ApiVersion; 6] = [
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
            Self::V2025_03_02_Preview => "2025-03-02-preview",
            Self::V2025_06_30 => "2025-06-30",
            Self::V2026_09_23 => "2026-09-23",
        }
    }

    /// Whether this is a preview version.
    pub fn is_preview(self) -> bool {
        self == Self::V2025_03_02_Preview
    }

    /// Whether `expiresInMinutes` is read (earlier versions ignore it).
    pub(crate) fn honours_expires_in(self) -> bool {
        self >= Self::V2022_10_01
    }

    /// Whether `chat.join`, `chat.join.limited` and `voip.join` are accepted.
    pub(crate) fn has_join_scopes(self) -> bool {
        self >= Self::V2023_10_01
    }

    /// Whether `POST /teamsUser/:exchangeAccessToken` exists.
    pub(crate) fn has_teams_user_exchange(self) -> bool {
        self >= Self::V2022_06_01
    }

    /// Whether the Teams Extension exchange and assignment operations exist.
    pub(crate) fn has_teams_extension(self) -> bool {
        self >= Self::V2025_06_30 || self.is_preview()
    }

    /// Whether create reads `customId` and identities carry `customId` and
    /// `lastTokenIssuedAt` (the stable versions ignore the member, as they ignore any
    /// member their model lacks).
    pub(crate) fn has_custom_id(self) -> bool {
        self.is_preview()
    }

    /// Whether `GET /identities/{id}` exists.
    pub(crate) fn has_get_identity(self) -> bool {
        self.is_preview()
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a string that is not an Identity API version the emulator knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownApiVersion;

impl fmt::Display for UnknownApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an Identity API version the emulator knows")
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
    /// Every version in [`ApiVersion::ALL`]: the stable ones and 2025-03-02-preview;
    /// anything else is refused with 400, as the service does.
    #[default]
    Served,
    /// Only the stable versions ([`ApiVersion::STABLE`]); the preview is refused too.
    Stable,
    /// Only the listed versions, e.g. to see how a client copes with a service that has
    /// not rolled out a version yet.
    Only(Vec<ApiVersion>),
    /// Every known version, and any other non-empty value treated as the newest stable one
    /// (useful for SDKs that send versions the emulator does not know).
    Lenient,
}

/// The group of routes a request went to; each group exists in its own set of versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteFamily {
    /// `POST /identities`, `DELETE /identities/{id}`, issue and revoke.
    Identities,
    /// `GET /identities/{id}`, preview only.
    IdentityDetail,
    /// `/teamsUser/:exchangeAccessToken`
    TeamsUser,
    /// `/access/teamsExtension/…`
    TeamsExtension,
}

impl RouteFamily {
    fn exists_in(self, version: ApiVersion) -> bool {
        match self {
            Self::Identities => true,
            Self::IdentityDetail => version.has_get_identity(),
            Self::TeamsUser => version.has_teams_user_exchange(),
            Self::TeamsExtension => version.has_teams_extension(),
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
            Self::Served | Self::Lenient => true,
            Self::Stable => !version.is_preview(),
            Self::Only(versions) => versions.contains(&version),
        }
    }

    /// The versions a route serves under this policy, oldest first.
    pub(crate) fn supported(&self, family: RouteFamily) -> Vec<ApiVersion> {
        ApiVersion::ALL
            .into_iter()
            .filter(|version| family.exists_in(*version) && self.allows(*version))
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
        if !family.exists_in(version) || !self.allows(version) {
            return Err(unsupported());
        }
        Ok(version)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_known_version_and_nothing_else() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>(), Ok(version));
        }
        assert_eq!(
            "2025-03-02-preview".parse::<ApiVersion>(),
            Ok(ApiVersion::V2025_03_02_Preview)
        );
        assert!("2025-04-01-preview".parse::<ApiVersion>().is_err());
        assert!("".parse::<ApiVersion>().is_err());
    }

    #[test]
    fn every_feature_gate_opens_where_the_versions_table_says() {
        use ApiVersion as V;
        let with =
            |gate: fn(V) -> bool| -> Vec<V> { V::ALL.into_iter().filter(|v| gate(*v)).collect() };

        assert_eq!(with(V::has_teams_user_exchange), V::ALL[1..].to_vec());
        assert_eq!(with(V::honours_expires_in), V::ALL[2..].to_vec());
        assert_eq!(with(V::has_join_scopes), V::ALL[3..].to_vec());
        assert_eq!(
            with(V::has_teams_extension),
            [V::V2025_03_02_Preview, V::V2025_06_30, V::V2026_09_23]
        );
        assert_eq!(with(V::has_custom_id), [V::V2025_03_02_Preview]);
        assert_eq!(with(V::has_get_identity), [V::V2025_03_02_Preview]);
        assert_eq!(V::STABLE.iter().filter(|v| v.is_preview()).count(), 0);
    }

    #[test]
    fn route_families_list_the_versions_they_exist_in() {
        let policy = ApiVersionPolicy::default();

        assert_eq!(
            policy.supported_header(RouteFamily::Identities),
            "2021-03-07, 2022-06-01, 2022-10-01, 2023-10-01, 2025-03-02-preview, 2025-06-30, 2026-09-23"
        );
        assert_eq!(
            policy.supported_header(RouteFamily::TeamsExtension),
            "2025-03-02-preview, 2025-06-30, 2026-09-23"
        );
        assert_eq!(
            policy.supported_header(RouteFamily::IdentityDetail),
            "2025-03-02-preview"
        );
        assert_eq!(
            policy.resolve(Some("2023-10-01"), RouteFamily::TeamsExtension),
            Err(VersionRefusal::Unsupported("2023-10-01".into()))
        );
        assert!(
            policy
                .resolve(Some("2026-09-23"), RouteFamily::IdentityDetail)
                .is_err()
        );
        assert_eq!(
            ApiVersionPolicy::Stable.resolve(Some("2025-03-02-preview"), RouteFamily::Identities),
            Err(VersionRefusal::Unsupported("2025-03-02-preview".into()))
        );
    }

    #[test]
    fn served_policy_refuses_unknown_and_missing_values() {
        let policy = ApiVersionPolicy::Served;
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
        let policy = ApiVersionPolicy::Served;

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
            "2022-06-01, 2022-10-01, 2023-10-01, 2025-03-02-preview, 2025-06-30, 2026-09-23"
        );
    }

    #[test]
    fn lenient_policy_serves_unknown_versions_as_the_newest() {
        let policy = ApiVersionPolicy::Lenient;

        assert_eq!(
            policy.resolve(Some("2099-01-01-preview"), RouteFamily::Identities),
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
