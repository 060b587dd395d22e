//! Raw ids: building one from an identifier's fields, and parsing one back.
//!
//! The rules follow the JavaScript common library 2.5.0, so that an id this crate builds or
//! parses means the same to the official SDKs. Parsing is total (every string parses) and
//! exact (building the parsed identifier gives back the same string); the property test at
//! the end of this file checks both.

use crate::identifier::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier, UnknownIdentifier,
};

/// The phone number of a caller who withheld it.
pub(crate) const ANONYMOUS_PHONE_NUMBER: &str = "anonymous";

const PHONE_NUMBER: &str = "4:";
const TEAMS_VISITOR: &str = "8:teamsvisitor:";
const TEAMS_USER_PUBLIC: &str = "8:orgid:";
const TEAMS_USER_DOD: &str = "8:dod:";
const TEAMS_USER_GCCH: &str = "8:gcch:";
const ACS_USER: &str = "8:acs:";
const ACS_USER_DOD: &str = "8:dod-acs:";
const ACS_USER_GCCH: &str = "8:gcch-acs:";
const SPOOL_USER: &str = "8:spool:";
const TEAMS_APP_PUBLIC: &str = "28:orgid:";
const TEAMS_APP_DOD: &str = "28:dod:";
const TEAMS_APP_GCCH: &str = "28:gcch:";

/// The text after the last `_` of a phone number, when there is a non-empty one.
pub(crate) fn asserted_id(phone_number: &str) -> Option<&str> {
    phone_number
        .rsplit_once('_')
        .map(|(_, asserted)| asserted)
        .filter(|asserted| !asserted.is_empty())
}

pub(crate) fn phone_number(phone_number: &str) -> String {
    format!("{PHONE_NUMBER}{phone_number}")
}

pub(crate) fn microsoft_teams_user(
    user_id: &str,
    is_anonymous: bool,
    cloud: CommunicationCloudEnvironment,
) -> String {
    let prefix = if is_anonymous {
        TEAMS_VISITOR
    } else {
        match cloud {
            CommunicationCloudEnvironment::Public => TEAMS_USER_PUBLIC,
            CommunicationCloudEnvironment::Dod => TEAMS_USER_DOD,
            CommunicationCloudEnvironment::Gcch => TEAMS_USER_GCCH,
        }
    };
    format!("{prefix}{user_id}")
}

pub(crate) fn microsoft_teams_app(app_id: &str, cloud: CommunicationCloudEnvironment) -> String {
    let prefix = match cloud {
        CommunicationCloudEnvironment::Public => TEAMS_APP_PUBLIC,
        CommunicationCloudEnvironment::Dod => TEAMS_APP_DOD,
        CommunicationCloudEnvironment::Gcch => TEAMS_APP_GCCH,
    };
    format!("{prefix}{app_id}")
}

pub(crate) fn teams_extension_user(
    resource_id: &str,
    tenant_id: &str,
    user_id: &str,
    cloud: CommunicationCloudEnvironment,
) -> String {
    let prefix = match cloud {
        CommunicationCloudEnvironment::Public => ACS_USER,
        CommunicationCloudEnvironment::Dod => ACS_USER_DOD,
        CommunicationCloudEnvironment::Gcch => ACS_USER_GCCH,
    };
    format!("{prefix}{resource_id}_{tenant_id}_{user_id}")
}

/// The typed identifier for `raw_id`; see [`CommunicationIdentifier::from_raw_id`].
///
/// None of the results carries an explicit raw id: each kind's own rule rebuilds the input.
pub(crate) fn parse(raw_id: &str) -> CommunicationIdentifier {
    if let Some(number) = raw_id.strip_prefix(PHONE_NUMBER) {
        return PhoneNumberIdentifier::new(number).into();
    }

    // Exactly three segments, so that a suffix containing `:` stays unknown (JS rule; the
    // Python library splits at most twice instead).
    let mut segments = raw_id.split(':');
    let (Some(first), Some(second), Some(suffix), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return UnknownIdentifier::new(raw_id).into();
    };

    // `prefix` ends with `:` so it compares directly with the constants.
    let prefix = &raw_id[..first.len() + second.len() + 2];
    use CommunicationCloudEnvironment::{Dod, Gcch, Public};
    match prefix {
        TEAMS_VISITOR => MicrosoftTeamsUserIdentifier::new(suffix).anonymous().into(),
        TEAMS_USER_PUBLIC => MicrosoftTeamsUserIdentifier::new(suffix).into(),
        TEAMS_USER_DOD => MicrosoftTeamsUserIdentifier::new(suffix)
            .with_cloud(Dod)
            .into(),
        TEAMS_USER_GCCH => MicrosoftTeamsUserIdentifier::new(suffix)
            .with_cloud(Gcch)
            .into(),
        ACS_USER => acs_user(raw_id, suffix, Public),
        ACS_USER_DOD => acs_user(raw_id, suffix, Dod),
        ACS_USER_GCCH => acs_user(raw_id, suffix, Gcch),
        SPOOL_USER => CommunicationUserIdentifier::new(raw_id).into(),
        TEAMS_APP_PUBLIC => MicrosoftTeamsAppIdentifier::new(suffix).into(),
        TEAMS_APP_DOD => MicrosoftTeamsAppIdentifier::new(suffix)
            .with_cloud(Dod)
            .into(),
        TEAMS_APP_GCCH => MicrosoftTeamsAppIdentifier::new(suffix)
            .with_cloud(Gcch)
            .into(),
        _ => UnknownIdentifier::new(raw_id).into(),
    }
}

/// An `8:acs:`-style id: a Teams extension user when the suffix is exactly
/// `resource_tenant_user`, else a Communication Services user named by the whole raw id.
fn acs_user(
    raw_id: &str,
    suffix: &str,
    cloud: CommunicationCloudEnvironment,
) -> CommunicationIdentifier {
    let mut parts = suffix.split('_');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(resource_id), Some(tenant_id), Some(user_id), None) => {
            TeamsExtensionUserIdentifier::new(user_id, tenant_id, resource_id)
                .with_cloud(cloud)
                .into()
        }
        _ => CommunicationUserIdentifier::new(raw_id).into(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::identifier::CommunicationCloudEnvironment as Cloud;

    /// What a parsed identifier should look like, field by field.
    #[derive(Debug, PartialEq)]
    enum Expected<'a> {
        User(&'a str),
        Phone {
            number: &'a str,
            anonymous: bool,
            asserted: Option<&'a str>,
        },
        TeamsUser {
            id: &'a str,
            anonymous: bool,
            cloud: Cloud,
        },
        TeamsApp {
            id: &'a str,
            cloud: Cloud,
        },
        Extension {
            resource: &'a str,
            tenant: &'a str,
            user: &'a str,
            cloud: Cloud,
        },
        Unknown(&'a str),
    }

    fn fields(identifier: &CommunicationIdentifier) -> Expected<'_> {
        match identifier {
            CommunicationIdentifier::CommunicationUser(user) => Expected::User(&user.id),
            CommunicationIdentifier::PhoneNumber(phone) => Expected::Phone {
                number: &phone.phone_number,
                anonymous: phone.is_anonymous,
                asserted: phone.asserted_id.as_deref(),
            },
            CommunicationIdentifier::MicrosoftTeamsUser(user) => Expected::TeamsUser {
                id: &user.user_id,
                anonymous: user.is_anonymous,
                cloud: user.cloud,
            },
            CommunicationIdentifier::MicrosoftTeamsApp(app) => Expected::TeamsApp {
                id: &app.app_id,
                cloud: app.cloud,
            },
            CommunicationIdentifier::TeamsExtensionUser(user) => Expected::Extension {
                resource: &user.resource_id,
                tenant: &user.tenant_id,
                user: &user.user_id,
                cloud: user.cloud,
            },
            CommunicationIdentifier::Unknown(unknown) => Expected::Unknown(&unknown.id),
        }
    }

    fn teams_user(id: &str, cloud: Cloud) -> Expected<'_> {
        Expected::TeamsUser {
            id,
            anonymous: false,
            cloud,
        }
    }

    fn phone<'a>(number: &'a str, asserted: Option<&'a str>) -> Expected<'a> {
        Expected::Phone {
            number,
            anonymous: false,
            asserted,
        }
    }

    #[test]
    fn parses_each_kind_and_round_trips() {
        let cases = [
            ("8:acs:r_u", Expected::User("8:acs:r_u")),
            ("8:spool:x", Expected::User("8:spool:x")),
            ("8:acs:", Expected::User("8:acs:")),
            ("8:acs:a_b_c_d", Expected::User("8:acs:a_b_c_d")),
            (
                "8:acs:r_t_u",
                Expected::Extension {
                    resource: "r",
                    tenant: "t",
                    user: "u",
                    cloud: Cloud::Public,
                },
            ),
            (
                "8:dod-acs:r_t_u",
                Expected::Extension {
                    resource: "r",
                    tenant: "t",
                    user: "u",
                    cloud: Cloud::Dod,
                },
            ),
            (
                "8:gcch-acs:r_t_u",
                Expected::Extension {
                    resource: "r",
                    tenant: "t",
                    user: "u",
                    cloud: Cloud::Gcch,
                },
            ),
            ("8:orgid:45ab", teams_user("45ab", Cloud::Public)),
            ("8:dod:45ab", teams_user("45ab", Cloud::Dod)),
            ("8:gcch:45ab", teams_user("45ab", Cloud::Gcch)),
            (
                "8:teamsvisitor:45ab",
                Expected::TeamsUser {
                    id: "45ab",
                    anonymous: true,
                    cloud: Cloud::Public,
                },
            ),
            (
                "28:orgid:a1",
                Expected::TeamsApp {
                    id: "a1",
                    cloud: Cloud::Public,
                },
            ),
            (
                "28:dod:a1",
                Expected::TeamsApp {
                    id: "a1",
                    cloud: Cloud::Dod,
                },
            ),
            (
                "28:gcch:a1",
                Expected::TeamsApp {
                    id: "a1",
                    cloud: Cloud::Gcch,
                },
            ),
            ("4:+14255550123", phone("+14255550123", None)),
            ("4:14255550123", phone("14255550123", None)),
            (
                "4:+14255550123_ab12",
                phone("+14255550123_ab12", Some("ab12")),
            ),
            ("4:+14255550123_", phone("+14255550123_", None)),
            ("4:+1:2:3", phone("+1:2:3", None)),
            (
                "4:anonymous",
                Expected::Phone {
                    number: "anonymous",
                    anonymous: true,
                    asserted: None,
                },
            ),
            ("48:x", Expected::Unknown("48:x")),
            ("28:x", Expected::Unknown("28:x")),
            ("8:orgid:a:b", Expected::Unknown("8:orgid:a:b")),
            ("9:orgid:a", Expected::Unknown("9:orgid:a")),
            ("", Expected::Unknown("")),
            ("no-colon", Expected::Unknown("no-colon")),
        ];

        for (raw_id, expected) in cases {
            let parsed = CommunicationIdentifier::from_raw_id(raw_id);
            assert_eq!(fields(&parsed), expected, "{raw_id:?}");
            assert_eq!(parsed.raw_id(), raw_id, "{raw_id:?}");
            assert_eq!(raw_id.parse::<CommunicationIdentifier>(), Ok(parsed));
        }
    }

    /// Strings made mostly of the characters raw ids are built from, so that the known
    /// prefixes and separators come up often.
    fn raw_id_like() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "4:",
            "8:",
            "28:",
            "acs:",
            "dod:",
            "gcch:",
            "orgid:",
            "spool:",
            "teamsvisitor:",
            "dod-acs:",
            "gcch-acs:",
            ":",
            "_",
            "+1",
            "anonymous",
            "a",
            "é",
            "",
        ]);
        prop::collection::vec(pieces, 0..6).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn any_string_round_trips(raw_id in any::<String>()) {
            prop_assert_eq!(CommunicationIdentifier::from_raw_id(&raw_id).raw_id(), raw_id);
        }

        #[test]
        fn raw_id_shaped_strings_round_trip(raw_id in raw_id_like()) {
            let parsed = CommunicationIdentifier::from_raw_id(&raw_id);
            prop_assert_eq!(parsed.raw_id(), raw_id.as_str());
            prop_assert_eq!(CommunicationIdentifier::from_raw_id(&parsed.raw_id()), parsed);
        }
    }
}
