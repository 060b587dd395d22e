//! Who takes part in a Communication Services conversation: the identifier types.
//!
//! Every participant (a Communication Services user, a phone number, a Teams user, a Teams
//! app, a Teams extension user) is named on the wire by a *raw id*, a string such as
//! `8:acs:<resource>_<user>` or `4:+14255550123`. [`CommunicationIdentifier`] is the typed
//! view of one: each kind is its own struct with the fields the raw id encodes, and
//! [`CommunicationIdentifier::raw_id`] / [`CommunicationIdentifier::from_raw_id`] convert
//! between the two (the rules live in `raw_id.rs`). The JSON shape services use for
//! identifiers is in `model.rs`.
//!
//! Two identifiers are equal, and hash alike, when their raw ids are equal, whatever their
//! other fields say: the raw id is what the service compares.

use std::convert::Infallible;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::raw_id;

/// The Microsoft cloud a Teams identity belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommunicationCloudEnvironment {
    /// The public (commercial) cloud.
    #[default]
    Public,
    /// The US Department of Defense cloud.
    Dod,
    /// The US Government Community Cloud High.
    Gcch,
}

impl CommunicationCloudEnvironment {
    /// The name used on the wire: `public`, `dod` or `gcch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Dod => "dod",
            Self::Gcch => "gcch",
        }
    }

    /// The cloud with wire name `name`, or `None` for a name this crate does not know.
    pub fn from_wire_name(name: &str) -> Option<Self> {
        match name {
            "public" => Some(Self::Public),
            "dod" => Some(Self::Dod),
            "gcch" => Some(Self::Gcch),
            _ => None,
        }
    }
}

impl fmt::Display for CommunicationCloudEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user created by a Communication Services resource. Its raw id is its id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommunicationUserIdentifier {
    /// The raw id, kept exactly as the service returned it (for example `8:acs:<resource>_<user>`).
    pub id: String,
}

impl CommunicationUserIdentifier {
    /// The user with raw id `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }

    /// The raw id, as the service returned it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Consumes the identifier and returns the raw id.
    pub fn into_id(self) -> String {
        self.id
    }
}

impl fmt::Display for CommunicationUserIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl From<String> for CommunicationUserIdentifier {
    fn from(id: String) -> Self {
        Self::new(id)
    }
}

impl From<&str> for CommunicationUserIdentifier {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl AsRef<str> for CommunicationUserIdentifier {
    fn as_ref(&self) -> &str {
        &self.id
    }
}

/// A phone number. Its raw id is `4:` followed by the number exactly as given.
#[derive(Clone, Debug)]
pub struct PhoneNumberIdentifier {
    /// The number, usually in E.164 form (`+14255550123`); kept as given, `+` or not.
    pub phone_number: String,
    /// True for a caller who withheld their number (raw id `4:anonymous`).
    pub is_anonymous: bool,
    /// The part after the last `_`, when the number carries one (`4:+14255550123_ab12`).
    pub asserted_id: Option<String>,
    /// A raw id to use instead of the one built from the number.
    pub raw_id: Option<String>,
}

impl PhoneNumberIdentifier {
    /// The number `phone_number`. `is_anonymous` and `asserted_id` are read from it the way
    /// a raw id is parsed: `anonymous` is anonymous, and text after the last `_` is the
    /// asserted id.
    pub fn new(phone_number: impl Into<String>) -> Self {
        let phone_number = phone_number.into();
        let is_anonymous = phone_number == raw_id::ANONYMOUS_PHONE_NUMBER;
        let asserted_id = if is_anonymous {
            None
        } else {
            raw_id::asserted_id(&phone_number).map(str::to_owned)
        };
        Self {
            phone_number,
            is_anonymous,
            asserted_id,
            raw_id: None,
        }
    }

    /// The raw id: the explicit one when set, else `4:{phone_number}`.
    pub fn raw_id(&self) -> String {
        self.raw_id
            .clone()
            .unwrap_or_else(|| raw_id::phone_number(&self.phone_number))
    }
}

/// A Microsoft Teams user, by Entra object id (or a visitor id when anonymous).
#[derive(Clone, Debug)]
pub struct MicrosoftTeamsUserIdentifier {
    /// The user's Entra object id, or the visitor id of an anonymous user.
    pub user_id: String,
    /// True for an anonymous Teams meeting visitor (raw id `8:teamsvisitor:…`).
    pub is_anonymous: bool,
    /// The cloud the user belongs to; ignored for anonymous users.
    pub cloud: CommunicationCloudEnvironment,
    /// A raw id to use instead of the one built from the fields.
    pub raw_id: Option<String>,
}

impl MicrosoftTeamsUserIdentifier {
    /// The non-anonymous public-cloud Teams user `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            is_anonymous: false,
            cloud: CommunicationCloudEnvironment::Public,
            raw_id: None,
        }
    }

    /// The same user in `cloud`.
    pub fn with_cloud(mut self, cloud: CommunicationCloudEnvironment) -> Self {
        self.cloud = cloud;
        self
    }

    /// The same id as an anonymous visitor.
    pub fn anonymous(mut self) -> Self {
        self.is_anonymous = true;
        self
    }

    /// The raw id: the explicit one when set, else `8:teamsvisitor:{id}` when anonymous,
    /// else `8:orgid:`, `8:dod:` or `8:gcch:` by cloud.
    pub fn raw_id(&self) -> String {
        self.raw_id.clone().unwrap_or_else(|| {
            raw_id::microsoft_teams_user(&self.user_id, self.is_anonymous, self.cloud)
        })
    }
}

/// A Microsoft Teams application (a bot or app), by app id.
#[derive(Clone, Debug)]
pub struct MicrosoftTeamsAppIdentifier {
    /// The app's id.
    pub app_id: String,
    /// The cloud the app belongs to.
    pub cloud: CommunicationCloudEnvironment,
    /// A raw id to use instead of the one built from the fields.
    pub raw_id: Option<String>,
}

impl MicrosoftTeamsAppIdentifier {
    /// The public-cloud Teams app `app_id`.
    pub fn new(app_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            cloud: CommunicationCloudEnvironment::Public,
            raw_id: None,
        }
    }

    /// The same app in `cloud`.
    pub fn with_cloud(mut self, cloud: CommunicationCloudEnvironment) -> Self {
        self.cloud = cloud;
        self
    }

    /// The raw id: the explicit one when set, else `28:orgid:`, `28:dod:` or `28:gcch:` by
    /// cloud, followed by the app id.
    pub fn raw_id(&self) -> String {
        self.raw_id
            .clone()
            .unwrap_or_else(|| raw_id::microsoft_teams_app(&self.app_id, self.cloud))
    }
}

/// A Teams user acting through a Communication Services resource (Teams Phone extensibility).
#[derive(Clone, Debug)]
pub struct TeamsExtensionUserIdentifier {
    /// The Teams user's Entra object id.
    pub user_id: String,
    /// The user's Entra tenant id.
    pub tenant_id: String,
    /// The Communication Services resource id.
    pub resource_id: String,
    /// The cloud the user belongs to.
    pub cloud: CommunicationCloudEnvironment,
    /// A raw id to use instead of the one built from the fields.
    pub raw_id: Option<String>,
}

impl TeamsExtensionUserIdentifier {
    /// The public-cloud user `user_id` of tenant `tenant_id`, through resource `resource_id`.
    /// (The arguments come in the order of the wire model; the raw id lists them the other
    /// way round: `8:acs:{resource_id}_{tenant_id}_{user_id}`.)
    pub fn new(
        user_id: impl Into<String>,
        tenant_id: impl Into<String>,
        resource_id: impl Into<String>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            tenant_id: tenant_id.into(),
            resource_id: resource_id.into(),
            cloud: CommunicationCloudEnvironment::Public,
            raw_id: None,
        }
    }

    /// The same user in `cloud`.
    pub fn with_cloud(mut self, cloud: CommunicationCloudEnvironment) -> Self {
        self.cloud = cloud;
        self
    }

    /// The raw id: the explicit one when set, else `8:acs:`, `8:dod-acs:` or `8:gcch-acs:`
    /// by cloud, followed by `{resource_id}_{tenant_id}_{user_id}`.
    pub fn raw_id(&self) -> String {
        self.raw_id.clone().unwrap_or_else(|| {
            raw_id::teams_extension_user(
                &self.resource_id,
                &self.tenant_id,
                &self.user_id,
                self.cloud,
            )
        })
    }
}

/// An identifier of a kind this crate does not model; the raw id is all there is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnknownIdentifier {
    /// The raw id.
    pub id: String,
}

impl UnknownIdentifier {
    /// The identifier with raw id `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// Any participant, typed by kind.
///
/// ```
/// use acs_common::{CommunicationCloudEnvironment, CommunicationIdentifier};
///
/// let parsed = CommunicationIdentifier::from_raw_id("8:gcch:45ab");
/// let CommunicationIdentifier::MicrosoftTeamsUser(user) = &parsed else { panic!() };
/// assert_eq!(user.user_id, "45ab");
/// assert_eq!(user.cloud, CommunicationCloudEnvironment::Gcch);
/// assert_eq!(parsed.raw_id(), "8:gcch:45ab");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CommunicationIdentifier {
    /// A Communication Services user.
    CommunicationUser(CommunicationUserIdentifier),
    /// A phone number.
    PhoneNumber(PhoneNumberIdentifier),
    /// A Microsoft Teams user.
    MicrosoftTeamsUser(MicrosoftTeamsUserIdentifier),
    /// A Microsoft Teams application.
    MicrosoftTeamsApp(MicrosoftTeamsAppIdentifier),
    /// A Teams user acting through a Communication Services resource.
    TeamsExtensionUser(TeamsExtensionUserIdentifier),
    /// Anything else, kept as its raw id.
    Unknown(UnknownIdentifier),
}

impl CommunicationIdentifier {
    /// Parses a raw id. Never fails: a raw id that matches no known shape becomes
    /// [`CommunicationIdentifier::Unknown`], and `from_raw_id(s).raw_id() == s` for every `s`.
    ///
    /// The rules: `4:` starts a phone number. Anything else must be exactly three
    /// `:`-separated segments, matched on the first two: `8:teamsvisitor:`, `8:orgid:`,
    /// `8:dod:`, `8:gcch:` (Teams users); `8:acs:`, `8:dod-acs:`, `8:gcch-acs:` (a Teams
    /// extension user when the rest is three `_`-separated parts, else a Communication
    /// Services user); `8:spool:` (a Communication Services user); `28:orgid:`, `28:dod:`,
    /// `28:gcch:` (Teams apps).
    pub fn from_raw_id(raw_id: &str) -> Self {
        raw_id::parse(raw_id)
    }

    /// The raw id: an explicit one when the identifier carries it, else the one its kind
    /// and fields give.
    pub fn raw_id(&self) -> String {
        match self {
            Self::CommunicationUser(user) => user.id.clone(),
            Self::PhoneNumber(phone) => phone.raw_id(),
            Self::MicrosoftTeamsUser(user) => user.raw_id(),
            Self::MicrosoftTeamsApp(app) => app.raw_id(),
            Self::TeamsExtensionUser(user) => user.raw_id(),
            Self::Unknown(unknown) => unknown.id.clone(),
        }
    }

    /// The kind's name on the wire: `communicationUser`, `phoneNumber`,
    /// `microsoftTeamsUser`, `microsoftTeamsApp`, `teamsExtensionUser` or `unknown`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CommunicationUser(_) => crate::model::kind::COMMUNICATION_USER,
            Self::PhoneNumber(_) => crate::model::kind::PHONE_NUMBER,
            Self::MicrosoftTeamsUser(_) => crate::model::kind::MICROSOFT_TEAMS_USER,
            Self::MicrosoftTeamsApp(_) => crate::model::kind::MICROSOFT_TEAMS_APP,
            Self::TeamsExtensionUser(_) => crate::model::kind::TEAMS_EXTENSION_USER,
            Self::Unknown(_) => crate::model::kind::UNKNOWN,
        }
    }
}

impl fmt::Display for CommunicationIdentifier {
    /// Writes the raw id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw_id())
    }
}

impl FromStr for CommunicationIdentifier {
    type Err = Infallible;

    /// Same as [`CommunicationIdentifier::from_raw_id`].
    fn from_str(raw_id: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_raw_id(raw_id))
    }
}

/// Equality and hashing by raw id, for the enum and for the structs whose raw id may be
/// explicit.
macro_rules! by_raw_id {
    ($($ty:ty),+) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.raw_id() == other.raw_id()
            }
        }

        impl Eq for $ty {}

        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.raw_id().hash(state);
            }
        }
    )+};
}

by_raw_id!(
    CommunicationIdentifier,
    PhoneNumberIdentifier,
    MicrosoftTeamsUserIdentifier,
    MicrosoftTeamsAppIdentifier,
    TeamsExtensionUserIdentifier
);

macro_rules! into_identifier {
    ($($variant:ident($ty:ty)),+) => {$(
        impl From<$ty> for CommunicationIdentifier {
            fn from(identifier: $ty) -> Self {
                Self::$variant(identifier)
            }
        }
    )+};
}

into_identifier!(
    CommunicationUser(CommunicationUserIdentifier),
    PhoneNumber(PhoneNumberIdentifier),
    MicrosoftTeamsUser(MicrosoftTeamsUserIdentifier),
    MicrosoftTeamsApp(MicrosoftTeamsAppIdentifier),
    TeamsExtensionUser(TeamsExtensionUserIdentifier),
    Unknown(UnknownIdentifier)
);

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn explicit_raw_id_wins_and_decides_equality() {
        let mut phone = PhoneNumberIdentifier::new("+14255550123");
        assert_eq!(phone.raw_id(), "4:+14255550123");
        phone.raw_id = Some("4:+14255550123_x".to_owned());
        assert_eq!(phone.raw_id(), "4:+14255550123_x");

        let built = CommunicationIdentifier::from(MicrosoftTeamsUserIdentifier::new("45ab"));
        let parsed = CommunicationIdentifier::from_raw_id("8:orgid:45ab");
        assert_eq!(built, parsed);

        let mut other_cloud = MicrosoftTeamsUserIdentifier::new("45ab")
            .with_cloud(CommunicationCloudEnvironment::Dod);
        assert_ne!(CommunicationIdentifier::from(other_cloud.clone()), parsed);
        other_cloud.raw_id = Some("8:orgid:45ab".to_owned());
        assert_eq!(CommunicationIdentifier::from(other_cloud), parsed);

        let set: HashSet<_> = [built.clone(), parsed, built].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn constructors_build_the_documented_raw_ids() {
        let cases: [(CommunicationIdentifier, &str); 9] = [
            (
                CommunicationUserIdentifier::new("8:acs:r_u").into(),
                "8:acs:r_u",
            ),
            (
                PhoneNumberIdentifier::new("14255550123").into(),
                "4:14255550123",
            ),
            (
                MicrosoftTeamsUserIdentifier::new("a").anonymous().into(),
                "8:teamsvisitor:a",
            ),
            (
                MicrosoftTeamsUserIdentifier::new("a")
                    .with_cloud(CommunicationCloudEnvironment::Gcch)
                    .into(),
                "8:gcch:a",
            ),
            (MicrosoftTeamsAppIdentifier::new("b").into(), "28:orgid:b"),
            (
                MicrosoftTeamsAppIdentifier::new("b")
                    .with_cloud(CommunicationCloudEnvironment::Dod)
                    .into(),
                "28:dod:b",
            ),
            (
                TeamsExtensionUserIdentifier::new("u", "t", "r").into(),
                "8:acs:r_t_u",
            ),
            (
                TeamsExtensionUserIdentifier::new("u", "t", "r")
                    .with_cloud(CommunicationCloudEnvironment::Gcch)
                    .into(),
                "8:gcch-acs:r_t_u",
            ),
            (UnknownIdentifier::new("48:x").into(), "48:x"),
        ];
        for (identifier, raw_id) in cases {
            assert_eq!(identifier.raw_id(), raw_id);
            assert_eq!(identifier.to_string(), raw_id);
            assert_eq!(CommunicationIdentifier::from_raw_id(raw_id), identifier);
        }
    }

    #[test]
    fn phone_constructor_reads_anonymous_and_asserted_id() {
        let anonymous = PhoneNumberIdentifier::new("anonymous");
        assert!(anonymous.is_anonymous);
        assert_eq!(anonymous.asserted_id, None);

        let asserted = PhoneNumberIdentifier::new("+14255550123_ab12");
        assert!(!asserted.is_anonymous);
        assert_eq!(asserted.asserted_id.as_deref(), Some("ab12"));
    }

    #[test]
    fn communication_user_reads_like_a_string() {
        let user = CommunicationUserIdentifier::from("8:acs:a b/c?d");
        assert_eq!(user.id(), "8:acs:a b/c?d");
        assert_eq!(user.as_ref(), "8:acs:a b/c?d");
        assert_eq!(user.to_string(), "8:acs:a b/c?d");
        assert_eq!(user.into_id(), "8:acs:a b/c?d");
    }
}
