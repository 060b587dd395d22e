//! The JSON shape of an identifier in service requests and responses, and its conversions.
//!
//! [`CommunicationIdentifierModel`] is plain serde data: a `kind`, a `rawId` and at most one
//! nested object per kind. It is as lenient as the wire: every member is optional, so that
//! a body with a member missing still deserializes and the conversion to
//! [`CommunicationIdentifier`] can say which member it lacked ([`IdentifierModelError`]).
//! Converting the other way always writes `kind` and `rawId`.

use serde::{Deserialize, Serialize};

use crate::identifier::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier, UnknownIdentifier,
};

/// The wire names of the identifier kinds (the `kind` member), which are also the names of
/// the nested objects.
pub(crate) mod kind {
    pub(crate) const COMMUNICATION_USER: &str = "communicationUser";
    pub(crate) const PHONE_NUMBER: &str = "phoneNumber";
    pub(crate) const MICROSOFT_TEAMS_USER: &str = "microsoftTeamsUser";
    pub(crate) const MICROSOFT_TEAMS_APP: &str = "microsoftTeamsApp";
    pub(crate) const TEAMS_EXTENSION_USER: &str = "teamsExtensionUser";
    pub(crate) const UNKNOWN: &str = "unknown";
}

/// An identifier as services send and accept it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentifierModel {
    /// The kind (`communicationUser`, `phoneNumber`, …); required in responses. A value this
    /// crate does not know converts to [`CommunicationIdentifier::Unknown`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The raw id; required in responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_id: Option<String>,
    /// Set for a Communication Services user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_user: Option<CommunicationUserIdentifierModel>,
    /// Set for a phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumberIdentifierModel>,
    /// Set for a Microsoft Teams user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_user: Option<MicrosoftTeamsUserIdentifierModel>,
    /// Set for a Microsoft Teams application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_app: Option<MicrosoftTeamsAppIdentifierModel>,
    /// Set for a Teams extension user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_extension_user: Option<TeamsExtensionUserIdentifierModel>,
}

/// The `communicationUser` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationUserIdentifierModel {
    /// The user's raw id. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The `phoneNumber` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberIdentifierModel {
    /// The number. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Whether the number was withheld; false when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// The asserted id, when the number carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asserted_id: Option<String>,
}

/// The `microsoftTeamsUser` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsUserIdentifierModel {
    /// The Entra object id (or visitor id). Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Whether the user is an anonymous visitor; false when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// `public`, `dod` or `gcch`; `public` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
}

/// The `microsoftTeamsApp` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsAppIdentifierModel {
    /// The app id. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// `public`, `dod` or `gcch`; `public` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
}

/// The `teamsExtensionUser` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsExtensionUserIdentifierModel {
    /// The Teams user's Entra object id. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's Entra tenant id. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The Communication Services resource id. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `public`, `dod` or `gcch`; `public` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
}

/// Why a [`CommunicationIdentifierModel`] does not describe one identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentifierModelError {
    /// More than one nested object was present; only one may be.
    #[error("only one of the identifier properties may be present, found {}", .properties.join(", "))]
    ConflictingProperties {
        /// The nested objects found, by wire name.
        properties: Vec<&'static str>,
    },
    /// A member the kind needs was absent.
    #[error("property {property} is required for an identifier of kind {kind}")]
    MissingProperty {
        /// The absent member, as a JSON path (`rawId`, `phoneNumber.value`, …).
        property: &'static str,
        /// The kind being converted.
        kind: &'static str,
    },
    /// A `cloud` value this crate does not know, with no `rawId` to fall back on.
    #[error("property {property} has the unsupported value {value:?} and there is no rawId")]
    UnsupportedCloud {
        /// The member (`microsoftTeamsUser.cloud`, …).
        property: &'static str,
        /// The value received.
        value: String,
    },
}

/// Which way a `cloud` member went.
enum Cloud {
    Known(CommunicationCloudEnvironment),
    /// A value this crate does not know; the identifier falls back to its raw id.
    Unsupported(String),
}

fn cloud(value: Option<String>) -> Cloud {
    match value {
        None => Cloud::Known(CommunicationCloudEnvironment::Public),
        Some(name) => CommunicationCloudEnvironment::from_wire_name(&name)
            .map_or(Cloud::Unsupported(name), Cloud::Known),
    }
}

/// `Some(raw_id)` only when it differs from the raw id the fields give, so that a converted
/// identifier does not carry a redundant copy.
fn explicit(raw_id: Option<String>, built: &str) -> Option<String> {
    raw_id.filter(|raw_id| raw_id != built)
}

fn required<T>(
    value: Option<T>,
    property: &'static str,
    kind: &'static str,
) -> Result<T, IdentifierModelError> {
    value.ok_or(IdentifierModelError::MissingProperty { property, kind })
}

/// The identifier for a model this crate cannot type: its raw id, which must be present.
fn unknown(
    raw_id: Option<String>,
    kind: &'static str,
) -> Result<CommunicationIdentifier, IdentifierModelError> {
    let id = required(raw_id, "rawId", kind)?;
    Ok(UnknownIdentifier::new(id).into())
}

impl TryFrom<CommunicationIdentifierModel> for CommunicationIdentifier {
    type Error = IdentifierModelError;

    /// Reads the kind from `kind` when present, else from the one nested object. An unknown
    /// `kind` (or `cloud`) gives [`CommunicationIdentifier::Unknown`] with the `rawId`.
    fn try_from(model: CommunicationIdentifierModel) -> Result<Self, Self::Error> {
        let present: Vec<&'static str> = [
            (kind::COMMUNICATION_USER, model.communication_user.is_some()),
            (kind::PHONE_NUMBER, model.phone_number.is_some()),
            (
                kind::MICROSOFT_TEAMS_USER,
                model.microsoft_teams_user.is_some(),
            ),
            (
                kind::MICROSOFT_TEAMS_APP,
                model.microsoft_teams_app.is_some(),
            ),
            (
                kind::TEAMS_EXTENSION_USER,
                model.teams_extension_user.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, is_present)| is_present.then_some(name))
        .collect();
        if present.len() > 1 {
            return Err(IdentifierModelError::ConflictingProperties {
                properties: present,
            });
        }

        let kind_name = model
            .kind
            .as_deref()
            .or(present.first().copied())
            .unwrap_or(kind::UNKNOWN);
        let raw_id = model.raw_id;

        match kind_name {
            kind::COMMUNICATION_USER => {
                const KIND: &str = kind::COMMUNICATION_USER;
                let nested = required(model.communication_user, KIND, KIND)?;
                let id = required(nested.id, "communicationUser.id", KIND)?;
                Ok(CommunicationUserIdentifier::new(id).into())
            }
            kind::PHONE_NUMBER => {
                const KIND: &str = kind::PHONE_NUMBER;
                let nested = required(model.phone_number, KIND, KIND)?;
                let value = required(nested.value, "phoneNumber.value", KIND)?;
                let raw_id = required(raw_id, "rawId", KIND)?;
                let mut phone = PhoneNumberIdentifier::new(value);
                phone.is_anonymous = nested.is_anonymous.unwrap_or(false);
                phone.asserted_id = nested.asserted_id;
                phone.raw_id = explicit(Some(raw_id), &phone.raw_id());
                Ok(phone.into())
            }
            kind::MICROSOFT_TEAMS_USER => {
                const KIND: &str = kind::MICROSOFT_TEAMS_USER;
                let nested = required(model.microsoft_teams_user, KIND, KIND)?;
                let user_id = required(nested.user_id, "microsoftTeamsUser.userId", KIND)?;
                let raw_id = required(raw_id, "rawId", KIND)?;
                let Cloud::Known(cloud) = cloud(nested.cloud) else {
                    return unknown(Some(raw_id), KIND);
                };
                let mut user = MicrosoftTeamsUserIdentifier::new(user_id).with_cloud(cloud);
                user.is_anonymous = nested.is_anonymous.unwrap_or(false);
                user.raw_id = explicit(Some(raw_id), &user.raw_id());
                Ok(user.into())
            }
            kind::MICROSOFT_TEAMS_APP => {
                const KIND: &str = kind::MICROSOFT_TEAMS_APP;
                let nested = required(model.microsoft_teams_app, KIND, KIND)?;
                let app_id = required(nested.app_id, "microsoftTeamsApp.appId", KIND)?;
                let raw_id = required(raw_id, "rawId", KIND)?;
                let Cloud::Known(cloud) = cloud(nested.cloud) else {
                    return unknown(Some(raw_id), KIND);
                };
                let mut app = MicrosoftTeamsAppIdentifier::new(app_id).with_cloud(cloud);
                app.raw_id = explicit(Some(raw_id), &app.raw_id());
                Ok(app.into())
            }
            kind::TEAMS_EXTENSION_USER => {
                const KIND: &str = kind::TEAMS_EXTENSION_USER;
                let nested = required(model.teams_extension_user, KIND, KIND)?;
                let user_id = required(nested.user_id, "teamsExtensionUser.userId", KIND)?;
                let tenant_id = required(nested.tenant_id, "teamsExtensionUser.tenantId", KIND)?;
                let resource_id =
                    required(nested.resource_id, "teamsExtensionUser.resourceId", KIND)?;
                let cloud = match cloud(nested.cloud) {
                    Cloud::Known(cloud) => cloud,
                    Cloud::Unsupported(value) if raw_id.is_none() => {
                        return Err(IdentifierModelError::UnsupportedCloud {
                            property: "teamsExtensionUser.cloud",
                            value,
                        });
                    }
                    Cloud::Unsupported(_) => return unknown(raw_id, KIND),
                };
                let mut user = TeamsExtensionUserIdentifier::new(user_id, tenant_id, resource_id)
                    .with_cloud(cloud);
                user.raw_id = explicit(raw_id, &user.raw_id());
                Ok(user.into())
            }
            _ => unknown(raw_id, kind::UNKNOWN),
        }
    }
}

impl From<&CommunicationIdentifier> for CommunicationIdentifierModel {
    /// Always writes `kind` and `rawId`; the booleans and `cloud` are written with their
    /// values even when they are the defaults.
    fn from(identifier: &CommunicationIdentifier) -> Self {
        let mut model = Self {
            kind: Some(identifier.kind().to_owned()),
            raw_id: Some(identifier.raw_id()),
            ..Self::default()
        };
        match identifier {
            CommunicationIdentifier::CommunicationUser(user) => {
                model.communication_user = Some(CommunicationUserIdentifierModel {
                    id: Some(user.id.clone()),
                });
            }
            CommunicationIdentifier::PhoneNumber(phone) => {
                model.phone_number = Some(PhoneNumberIdentifierModel {
                    value: Some(phone.phone_number.clone()),
                    is_anonymous: Some(phone.is_anonymous),
                    asserted_id: phone.asserted_id.clone(),
                });
            }
            CommunicationIdentifier::MicrosoftTeamsUser(user) => {
                model.microsoft_teams_user = Some(MicrosoftTeamsUserIdentifierModel {
                    user_id: Some(user.user_id.clone()),
                    is_anonymous: Some(user.is_anonymous),
                    cloud: Some(user.cloud.as_str().to_owned()),
                });
            }
            CommunicationIdentifier::MicrosoftTeamsApp(app) => {
                model.microsoft_teams_app = Some(MicrosoftTeamsAppIdentifierModel {
                    app_id: Some(app.app_id.clone()),
                    cloud: Some(app.cloud.as_str().to_owned()),
                });
            }
            CommunicationIdentifier::TeamsExtensionUser(user) => {
                model.teams_extension_user = Some(TeamsExtensionUserIdentifierModel {
                    user_id: Some(user.user_id.clone()),
                    tenant_id: Some(user.tenant_id.clone()),
                    resource_id: Some(user.resource_id.clone()),
                    cloud: Some(user.cloud.as_str().to_owned()),
                });
            }
            CommunicationIdentifier::Unknown(_) => {}
        }
        model
    }
}

impl From<CommunicationIdentifier> for CommunicationIdentifierModel {
    fn from(identifier: CommunicationIdentifier) -> Self {
        Self::from(&identifier)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn from_json(
        value: serde_json::Value,
    ) -> Result<CommunicationIdentifier, IdentifierModelError> {
        serde_json::from_value::<CommunicationIdentifierModel>(value)
            .unwrap()
            .try_into()
    }

    fn to_json(identifier: &CommunicationIdentifier) -> serde_json::Value {
        serde_json::to_value(CommunicationIdentifierModel::from(identifier)).unwrap()
    }

    #[test]
    fn serializes_kind_raw_id_and_defaults() {
        let cases = [
            (
                "8:acs:r_u",
                json!({"kind": "communicationUser", "rawId": "8:acs:r_u",
                       "communicationUser": {"id": "8:acs:r_u"}}),
            ),
            (
                "4:+14255550123_ab12",
                json!({"kind": "phoneNumber", "rawId": "4:+14255550123_ab12",
                       "phoneNumber": {"value": "+14255550123_ab12", "isAnonymous": false,
                                       "assertedId": "ab12"}}),
            ),
            (
                "8:orgid:45ab",
                json!({"kind": "microsoftTeamsUser", "rawId": "8:orgid:45ab",
                       "microsoftTeamsUser": {"userId": "45ab", "isAnonymous": false,
                                              "cloud": "public"}}),
            ),
            (
                "28:gcch:a1",
                json!({"kind": "microsoftTeamsApp", "rawId": "28:gcch:a1",
                       "microsoftTeamsApp": {"appId": "a1", "cloud": "gcch"}}),
            ),
            (
                "8:dod-acs:r_t_u",
                json!({"kind": "teamsExtensionUser", "rawId": "8:dod-acs:r_t_u",
                       "teamsExtensionUser": {"userId": "u", "tenantId": "t",
                                              "resourceId": "r", "cloud": "dod"}}),
            ),
            ("48:x", json!({"kind": "unknown", "rawId": "48:x"})),
        ];
        for (raw_id, expected) in cases {
            let identifier = CommunicationIdentifier::from_raw_id(raw_id);
            assert_eq!(to_json(&identifier), expected, "{raw_id}");
            assert_eq!(from_json(expected).unwrap(), identifier, "{raw_id}");
        }
    }

    #[test]
    fn kind_is_inferred_from_the_nested_object() {
        let user = from_json(json!({"communicationUser": {"id": "8:acs:x"}})).unwrap();
        assert_eq!(user, CommunicationUserIdentifier::new("8:acs:x").into());

        let visitor = from_json(json!({
            "rawId": "8:teamsvisitor:v",
            "microsoftTeamsUser": {"userId": "v", "isAnonymous": true}
        }))
        .unwrap();
        let CommunicationIdentifier::MicrosoftTeamsUser(visitor) = visitor else {
            panic!("{visitor:?}")
        };
        assert!(visitor.is_anonymous);
        assert_eq!(visitor.raw_id, None);
    }

    #[test]
    fn a_raw_id_that_differs_is_kept_explicit() {
        let app = from_json(json!({
            "kind": "microsoftTeamsApp", "rawId": "28:something-else",
            "microsoftTeamsApp": {"appId": "a1"}
        }))
        .unwrap();
        assert_eq!(app.raw_id(), "28:something-else");
        assert_eq!(to_json(&app)["rawId"], "28:something-else");
    }

    #[test]
    fn unknown_kinds_and_clouds_keep_the_raw_id() {
        let future = from_json(json!({"kind": "someFutureKind", "rawId": "99:x", "extra": 1}));
        assert_eq!(future.unwrap(), UnknownIdentifier::new("99:x").into());

        let cloud = from_json(json!({
            "rawId": "8:newcloud:u", "microsoftTeamsUser": {"userId": "u", "cloud": "newcloud"}
        }));
        assert_eq!(
            cloud.unwrap(),
            UnknownIdentifier::new("8:newcloud:u").into()
        );
    }

    #[test]
    fn malformed_models_name_the_problem() {
        let two = from_json(json!({
            "rawId": "x", "communicationUser": {"id": "x"}, "phoneNumber": {"value": "1"}
        }));
        assert_eq!(
            two,
            Err(IdentifierModelError::ConflictingProperties {
                properties: vec!["communicationUser", "phoneNumber"],
            })
        );
        assert!(
            two.unwrap_err()
                .to_string()
                .contains("communicationUser, phoneNumber")
        );

        let missing = |value, property, kind| {
            assert_eq!(
                from_json(value),
                Err(IdentifierModelError::MissingProperty { property, kind })
            );
        };
        missing(
            json!({"phoneNumber": {"value": "+1"}}),
            "rawId",
            "phoneNumber",
        );
        missing(
            json!({"rawId": "4:+1", "phoneNumber": {}}),
            "phoneNumber.value",
            "phoneNumber",
        );
        missing(
            json!({"kind": "phoneNumber", "rawId": "4:+1"}),
            "phoneNumber",
            "phoneNumber",
        );
        missing(
            json!({"communicationUser": {}}),
            "communicationUser.id",
            "communicationUser",
        );
        missing(
            json!({"rawId": "8:orgid:x", "microsoftTeamsUser": {}}),
            "microsoftTeamsUser.userId",
            "microsoftTeamsUser",
        );
        missing(
            json!({"microsoftTeamsApp": {"appId": "a"}}),
            "rawId",
            "microsoftTeamsApp",
        );
        missing(
            json!({"teamsExtensionUser": {"userId": "u", "resourceId": "r"}}),
            "teamsExtensionUser.tenantId",
            "teamsExtensionUser",
        );
        missing(json!({}), "rawId", "unknown");

        let cloud = from_json(json!({
            "teamsExtensionUser": {"userId": "u", "tenantId": "t", "resourceId": "r",
                                   "cloud": "mars"}
        }));
        assert_eq!(
            cloud,
            Err(IdentifierModelError::UnsupportedCloud {
                property: "teamsExtensionUser.cloud",
                value: "mars".to_owned(),
            })
        );
    }

    proptest! {
        #[test]
        fn identifiers_survive_the_wire(raw_id in any::<String>()) {
            let identifier = CommunicationIdentifier::from_raw_id(&raw_id);
            let json = serde_json::to_string(&CommunicationIdentifierModel::from(&identifier))
                .unwrap();
            let model: CommunicationIdentifierModel = serde_json::from_str(&json).unwrap();
            let back = CommunicationIdentifier::try_from(model).unwrap();
            prop_assert_eq!(back.kind(), identifier.kind());
            prop_assert_eq!(back.raw_id(), raw_id);
        }
    }
}
