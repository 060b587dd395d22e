//! Fuzzes JSON decoding of every `acs-identity-models` type, and the round trip back.
//!
//! Each input is offered to every model type (cheap, and one JSON document often fits
//! several). Whatever decodes must:
//!
//! - encode again without error (a value the decoder accepts but the encoder refuses is a
//!   bug: the client could not even log or re-send what it was given);
//! - decode from that encoding to an equal value, the only allowed loss being the
//!   documented truncation of timestamps to the service's 100 ns precision;
//! - encode to the same bytes the second time (the encoding is a fixed point);
//! - show no token in `Debug` (the output may not depend on the token).

#![no_main]

use std::fmt::Debug;

use acs_identity_models::{
    CommunicationError, CommunicationErrorResponse, CommunicationIdentity,
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenRequest,
    CommunicationIdentityAccessTokenResult, CommunicationIdentityCreateRequest,
    CommunicationIdentityTokenScope, TeamsExtensionAssignmentCreateOrUpdateRequest,
    TeamsExtensionAssignmentResponse, TeamsExtensionExchangeTokenRequest,
    TeamsExtensionPrincipalType, TeamsUserExchangeTokenRequest,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    round_trip::<CommunicationIdentityCreateRequest>(data, Clone::clone);
    round_trip::<CommunicationIdentityAccessTokenRequest>(data, Clone::clone);
    round_trip::<CommunicationIdentity>(data, Clone::clone);
    round_trip::<CommunicationIdentityAccessToken>(data, |token| {
        let mut token = token.clone();
        token.expires_on = truncated(token.expires_on);
        token
    });
    round_trip::<CommunicationIdentityAccessTokenResult>(data, |result| {
        let mut result = result.clone();
        if let Some(token) = &mut result.access_token {
            token.expires_on = truncated(token.expires_on);
        }
        result
    });
    round_trip::<TeamsUserExchangeTokenRequest>(data, Clone::clone);
    round_trip::<TeamsExtensionExchangeTokenRequest>(data, Clone::clone);
    round_trip::<TeamsExtensionAssignmentCreateOrUpdateRequest>(data, Clone::clone);
    round_trip::<TeamsExtensionAssignmentResponse>(data, Clone::clone);
    round_trip::<CommunicationErrorResponse>(data, Clone::clone);
    round_trip::<CommunicationError>(data, Clone::clone);
    round_trip::<CommunicationIdentityTokenScope>(data, Clone::clone);
    round_trip::<TeamsExtensionPrincipalType>(data, Clone::clone);

    if let Ok(token) = serde_json::from_slice::<CommunicationIdentityAccessToken>(data) {
        let other = CommunicationIdentityAccessToken {
            token: "other".into(),
            ..token.clone()
        };
        assert_eq!(
            format!("{token:?}"),
            format!("{other:?}"),
            "Debug shows the token"
        );
    }
    if let Ok(result) = serde_json::from_slice::<CommunicationIdentityAccessTokenResult>(data) {
        let mut other = result.clone();
        if let Some(token) = &mut other.access_token {
            token.token = "other".into();
        }
        assert_eq!(
            format!("{result:?}"),
            format!("{other:?}"),
            "Debug shows the token"
        );
    }
    if let Ok(request) = serde_json::from_slice::<TeamsUserExchangeTokenRequest>(data) {
        let other = TeamsUserExchangeTokenRequest {
            token: "other".into(),
            ..request.clone()
        };
        assert_eq!(
            format!("{request:?}"),
            format!("{other:?}"),
            "Debug shows the token"
        );
    }
});

/// Decodes `data` as `T` and, if that works, checks the round trip; `expected` maps the
/// decoded value to what decoding its encoding must give.
fn round_trip<T>(data: &[u8], expected: fn(&T) -> T)
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let type_name = std::any::type_name::<T>();
    let json = serde_json::to_vec(&value).unwrap_or_else(|error| {
        panic!("{type_name}: {value:?} decoded but does not encode: {error}")
    });
    let again: T = serde_json::from_slice(&json).unwrap_or_else(|error| {
        panic!(
            "{type_name}: own encoding {:?} does not decode: {error}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(
        again,
        expected(&value),
        "{type_name}: round trip changed the value"
    );
    let json_again = serde_json::to_vec(&again).unwrap_or_default();
    assert_eq!(
        json_again, json,
        "{type_name}: encoding is not a fixed point"
    );
}

/// `at` truncated to whole 100 ns, the precision the service writes.
fn truncated(at: OffsetDateTime) -> OffsetDateTime {
    let nanos = at.nanosecond();
    at.replace_nanosecond(nanos - nanos % 100).unwrap_or(at)
}
