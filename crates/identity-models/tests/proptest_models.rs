//! Property tests of the wire models: JSON round trips of generated values.
//!
//! Every model gets a strategy for arbitrary valid values (any strings, scope lists with
//! known and unknown scopes, nested errors, timestamps at the service's 100 ns precision in
//! years 1..=9998 and any whole-minute offset). Each value must encode, decode back to an
//! equal value, and encode to the same bytes again; members the models do not know must be
//! ignored. The open enums must keep any string they do not know, exactly, through `From`,
//! `as_str`, `Display` and JSON.

// `..Default::default()` fills the members the `preview` feature adds; without it there are
// none left to fill.
#![allow(clippy::needless_update)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use acs_identity_models::{
    CommunicationError, CommunicationErrorResponse, CommunicationIdentity,
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenRequest,
    CommunicationIdentityAccessTokenResult, CommunicationIdentityCreateRequest,
    CommunicationIdentityTokenScope as Scope, TeamsExtensionAssignmentCreateOrUpdateRequest,
    TeamsExtensionAssignmentResponse, TeamsExtensionExchangeTokenRequest,
    TeamsExtensionPrincipalType as PrincipalType, TeamsUserExchangeTokenRequest,
};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::{OffsetDateTime, UtcOffset};

/// A string no known scope has.
fn unknown_scope() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("an unknown scope", |text| {
        Scope::KNOWN.iter().all(|known| known.as_str() != text)
    })
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        prop::sample::select(Scope::KNOWN),
        unknown_scope().prop_map(Scope::Other),
    ]
}

fn principal_type() -> impl Strategy<Value = PrincipalType> {
    prop_oneof![
        prop::sample::select(PrincipalType::KNOWN),
        any::<String>()
            .prop_filter("an unknown type", |text| {
                PrincipalType::KNOWN
                    .iter()
                    .all(|known| known.as_str() != text)
            })
            .prop_map(PrincipalType::Other),
    ]
}

/// A moment in 0001..=9998 at 100 ns precision, with any whole-minute offset.
fn timestamp() -> impl Strategy<Value = OffsetDateTime> {
    const YEAR_1: i64 = -62_135_596_800;
    const YEAR_9999: i64 = 253_370_764_800;
    (YEAR_1..YEAR_9999, 0..10_000_000u32, -1439..=1439i32).prop_map(|(seconds, ticks, minutes)| {
        let utc = OffsetDateTime::from_unix_timestamp(seconds)
            .unwrap()
            .replace_nanosecond(ticks * 100)
            .unwrap();
        utc.to_offset(UtcOffset::from_whole_seconds(minutes * 60).unwrap())
    })
}

fn access_token() -> impl Strategy<Value = CommunicationIdentityAccessToken> {
    (any::<String>(), timestamp())
        .prop_map(|(token, expires_on)| CommunicationIdentityAccessToken { token, expires_on })
}

fn error() -> impl Strategy<Value = CommunicationError> {
    let leaf = (any::<String>(), any::<String>(), of(any::<String>())).prop_map(
        |(code, message, target)| CommunicationError {
            code,
            message,
            target,
            details: None,
            inner_error: None,
        },
    );
    leaf.prop_recursive(3, 12, 3, |inner| {
        (
            any::<String>(),
            any::<String>(),
            of(any::<String>()),
            of(vec(inner.clone(), 0..3)),
            of(inner.prop_map(Box::new)),
        )
            .prop_map(
                |(code, message, target, details, inner_error)| CommunicationError {
                    code,
                    message,
                    target,
                    details,
                    inner_error,
                },
            )
    })
}

/// Encodes, decodes and encodes again: the value and the bytes must survive.
fn assert_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|error| panic!("{json} does not decode: {error}"));
    prop_assert_eq!(&back, value, "{}", &json);
    prop_assert_eq!(serde_json::to_string(&back).unwrap(), json.clone());

    // Members the model does not know are ignored.
    if let Value::Object(mut object) = serde_json::from_str::<Value>(&json).unwrap() {
        object.insert(
            "memberFromTheFuture".into(),
            serde_json::json!({"x": [1, null]}),
        );
        let extended: T = serde_json::from_value(Value::Object(object)).unwrap();
        prop_assert_eq!(&extended, value);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn create_requests_round_trip(
        create_token_with_scopes in of(vec(scope(), 0..6)),
        expires_in_minutes in of(any::<i32>()),
    ) {
        assert_round_trip(&CommunicationIdentityCreateRequest {
            create_token_with_scopes,
            expires_in_minutes,
            ..Default::default()
        })?;
    }

    #[test]
    fn token_requests_round_trip(
        scopes in vec(scope(), 0..6),
        expires_in_minutes in of(any::<i32>()),
    ) {
        assert_round_trip(&CommunicationIdentityAccessTokenRequest { scopes, expires_in_minutes })?;
    }

    #[test]
    fn identities_tokens_and_results_round_trip(
        id in any::<String>(),
        token in access_token(),
        with_token in any::<bool>(),
    ) {
        assert_round_trip(&CommunicationIdentity::new(id.clone()))?;
        assert_round_trip(&token)?;
        assert_round_trip(&CommunicationIdentityAccessTokenResult {
            identity: CommunicationIdentity::new(id),
            access_token: with_token.then_some(token),
        })?;
    }

    #[test]
    fn teams_bodies_round_trip(
        token in any::<String>(),
        app_id in any::<String>(),
        user_id in any::<String>(),
        principal_type in principal_type(),
        client_ids in of(vec(any::<String>(), 0..4)),
        object_id in any::<String>(),
        tenant_id in any::<String>(),
    ) {
        assert_round_trip(&TeamsUserExchangeTokenRequest { token, app_id, user_id })?;
        assert_round_trip(&TeamsExtensionExchangeTokenRequest {})?;
        assert_round_trip(&TeamsExtensionAssignmentCreateOrUpdateRequest {
            principal_type: principal_type.clone(),
            client_ids: client_ids.clone(),
        })?;
        assert_round_trip(&TeamsExtensionAssignmentResponse {
            object_id,
            tenant_id,
            principal_type,
            client_ids,
        })?;
    }

    #[test]
    fn errors_round_trip(error in error()) {
        assert_round_trip(&error)?;
        assert_round_trip(&CommunicationErrorResponse { error })?;
    }

    #[test]
    fn unknown_enum_strings_survive_exactly(text in unknown_scope()) {
        let scope = Scope::from(text.as_str());
        prop_assert_eq!(&scope, &Scope::Other(text.clone()));
        prop_assert_eq!(Scope::from(text.clone()), scope.clone());
        prop_assert_eq!(scope.as_str(), text.as_str());
        prop_assert_eq!(scope.to_string(), text.clone());

        let json = serde_json::to_string(&scope).unwrap();
        prop_assert_eq!(&json, &serde_json::to_string(&text).unwrap());
        prop_assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);

        let principal = PrincipalType::from(text.as_str());
        prop_assert_eq!(principal.as_str(), text.as_str());
        let json = serde_json::to_string(&principal).unwrap();
        prop_assert_eq!(serde_json::from_str::<PrincipalType>(&json).unwrap(), principal);
    }

    #[test]
    fn every_string_reads_back_as_itself(text in any::<String>()) {
        let scope = Scope::from(text.as_str());
        prop_assert_eq!(scope.as_str(), text.as_str());
        let principal = PrincipalType::from(text.clone());
        prop_assert_eq!(principal.as_str(), text.as_str());
    }

    #[test]
    fn debug_never_shows_tokens(token in "secret[a-z]{6,20}", at in timestamp()) {
        let issued = CommunicationIdentityAccessToken { token: token.clone(), expires_on: at };
        let shown = format!("{issued:?}");
        prop_assert!(!shown.contains(&token), "{}", shown);
        let result = CommunicationIdentityAccessTokenResult {
            identity: CommunicationIdentity::new("8:acs:r_u".into()),
            access_token: Some(issued),
        };
        let shown = format!("{result:?}");
        prop_assert!(!shown.contains(&token), "{}", shown);
        let exchange = TeamsUserExchangeTokenRequest {
            token: token.clone(),
            app_id: "a".into(),
            user_id: "u".into(),
        };
        let shown = format!("{exchange:?}");
        prop_assert!(!shown.contains(&token), "{}", shown);
    }
}
