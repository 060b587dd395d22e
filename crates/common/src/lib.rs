//! Types every Azure Communication Services client shares: who a participant is, and the
//! user-side credential.
//!
//! This crate sits beside `acs-core-auth` (whose [`Secret`](acs_core_auth::Secret) and
//! [`AccessToken`](acs_core_auth::AccessToken) it uses) and below the service clients. Only
//! the Entra ID credential ([`entra`]) talks HTTP, through `acs-core-http`.
//!
//! - **Identifiers.** [`CommunicationIdentifier`] names a participant: a Communication
//!   Services user, a phone number, a Teams user, a Teams app or a Teams extension user,
//!   each its own struct. [`raw_id`](CommunicationIdentifier::raw_id) and
//!   [`from_raw_id`](CommunicationIdentifier::from_raw_id) convert to and from the string
//!   form services use (`8:acs:…`, `4:+1…`); identifiers are equal when their raw ids are.
//!   [`CommunicationIdentifierModel`] is the JSON shape, with conversions both ways.
//! - **User credential.** [`CommunicationTokenCredential`] holds a user's access token and
//!   refreshes it through a [`TokenRefresher`]: on demand within 2 minutes of expiry,
//!   proactively 10 minutes before. See the [`credential`] module for the rules.
//!
//! ```
//! use acs_common::{CommunicationIdentifier, CommunicationIdentifierModel};
//!
//! let phone = CommunicationIdentifier::from_raw_id("4:+14255550123");
//! assert_eq!(phone.kind(), "phoneNumber");
//!
//! let json = serde_json::to_value(CommunicationIdentifierModel::from(&phone))?;
//! assert_eq!(json["rawId"], "4:+14255550123");
//! assert_eq!(json["phoneNumber"]["value"], "+14255550123");
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod credential;
pub mod entra;
mod identifier;
mod model;
mod raw_id;

pub use credential::{
    Clock, CommunicationTokenCredential, CommunicationTokenRefreshOptions, ManualClock,
    ON_DEMAND_REFRESH_WINDOW, PROACTIVE_REFRESH_WINDOW, RefreshError, SystemClock, TokenRefresher,
    TokioClock, UserCredentialError, UserCredentialErrorKind,
};
pub use entra::{EntraTokenCredential, EntraTokenCredentialOptions};
pub use identifier::{
    CommunicationCloudEnvironment, CommunicationIdentifier, CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier, MicrosoftTeamsUserIdentifier, PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier, UnknownIdentifier,
};
pub use model::{
    CommunicationIdentifierModel, CommunicationUserIdentifierModel, IdentifierModelError,
    MicrosoftTeamsAppIdentifierModel, MicrosoftTeamsUserIdentifierModel,
    PhoneNumberIdentifierModel, TeamsExtensionUserIdentifierModel,
};
