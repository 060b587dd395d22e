//! The models against JSON as the service and the official SDKs write it.
//!
//! Every model is read from a literal body and written back, so both directions of the wire
//! format are pinned; the lenient parts (unknown members and enum values, `null` members,
//! timestamp precisions, the `innerError` spelling) and the masked `Debug` output are checked
//! alongside.

// `..Default::default()` fills the members the `preview` feature adds; without it there are
// none left to fill.
#![allow(clippy::needless_update)]
#![allow(clippy::unwrap_used)]

use acs_identity_models::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::macros::datetime;

/// Reads `json` into `T`, checks it equals `expected`, and checks that writing it back gives
/// exactly `json` again.
fn round_trip<T>(json: &str, expected: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let parsed: T = serde_json::from_str(json).unwrap();
    assert_eq!(&parsed, expected, "reading {json}");
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        json,
        "writing {expected:?}"
    );
}

fn token(raw: &str) -> CommunicationIdentityAccessToken {
    CommunicationIdentityAccessToken {
        token: raw.to_owned(),
        expires_on: datetime!(2022-11-16 09:48:02.7233445 UTC),
    }
}

#[test]
fn create_request_round_trips() {
    round_trip(
        r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#,
        &CommunicationIdentityCreateRequest {
            create_token_with_scopes: Some(vec![
                CommunicationIdentityTokenScope::Chat,
                CommunicationIdentityTokenScope::Voip,
            ]),
            expires_in_minutes: Some(60),
            ..Default::default()
        },
    );
}

#[test]
fn empty_create_request_is_an_empty_object() {
    round_trip("{}", &CommunicationIdentityCreateRequest::default());
}

#[test]
fn null_members_read_as_absent() {
    // The Python SDK sends explicit nulls when no scopes are given.
    let parsed: CommunicationIdentityCreateRequest =
        serde_json::from_str(r#"{"createTokenWithScopes":null,"expiresInMinutes":null}"#).unwrap();
    assert_eq!(parsed, CommunicationIdentityCreateRequest::default());
}

#[test]
fn access_token_request_omits_absent_lifetime() {
    round_trip(
        r#"{"scopes":["chat"]}"#,
        &CommunicationIdentityAccessTokenRequest {
            scopes: vec![CommunicationIdentityTokenScope::Chat],
            expires_in_minutes: None,
        },
    );
    round_trip(
        r#"{"scopes":["chat.join","chat.join.limited","voip.join"],"expiresInMinutes":1440}"#,
        &CommunicationIdentityAccessTokenRequest {
            scopes: vec![
                CommunicationIdentityTokenScope::ChatJoin,
                CommunicationIdentityTokenScope::ChatJoinLimited,
                CommunicationIdentityTokenScope::VoipJoin,
            ],
            expires_in_minutes: Some(1440),
        },
    );
}

#[test]
fn access_token_request_needs_scopes() {
    let error = serde_json::from_str::<CommunicationIdentityAccessTokenRequest>("{}").unwrap_err();
    assert!(error.to_string().contains("scopes"), "{error}");
}

#[test]
fn identity_round_trips() {
    round_trip(
        r#"{"id":"8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081"}"#,
        &CommunicationIdentity::new(
            "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081"
                .to_owned(),
        ),
    );
}

#[test]
fn access_token_round_trips_in_the_service_format() {
    round_trip(
        r#"{"token":"eyJ0.e30.sig","expiresOn":"2022-11-16T09:48:02.7233445+00:00"}"#,
        &token("eyJ0.e30.sig"),
    );
}

#[test]
fn escaped_plus_in_expiry_is_read() {
    // System.Text.Json escapes `+` as `\u002B`; the result must be the same instant.
    let parsed: CommunicationIdentityAccessToken = serde_json::from_str(
        r#"{"token":"t","expiresOn":"2022-11-16T09:48:02.7233445\u002B00:00"}"#,
    )
    .unwrap();
    assert_eq!(parsed, token("t"));
}

#[test]
fn every_expiry_precision_is_read_and_written_as_the_service_does() {
    let cases = [
        (
            "2022-11-16T09:48:02.7233445+00:00",
            "2022-11-16T09:48:02.7233445+00:00",
        ),
        (
            "2022-11-16T09:47:55.688402+00:00",
            "2022-11-16T09:47:55.6884020+00:00",
        ),
        (
            "2100-01-01T00:00:00.000Z",
            "2100-01-01T00:00:00.0000000+00:00",
        ),
        ("2100-01-01T00:00:00Z", "2100-01-01T00:00:00.0000000+00:00"),
        (
            "2100-01-01T02:00:00+02:00",
            "2100-01-01T00:00:00.0000000+00:00",
        ),
    ];
    for (given, written) in cases {
        let json = format!(r#"{{"token":"t","expiresOn":"{given}"}}"#);
        let parsed: CommunicationIdentityAccessToken = serde_json::from_str(&json).unwrap();
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            format!(r#"{{"token":"t","expiresOn":"{written}"}}"#)
        );
    }
}

#[test]
fn malformed_expiry_is_an_error() {
    let result = serde_json::from_str::<CommunicationIdentityAccessToken>(
        r#"{"token":"t","expiresOn":"tomorrow"}"#,
    );
    assert!(result.is_err());
}

#[test]
fn access_token_result_round_trips_with_and_without_token() {
    let identity = CommunicationIdentity::new("8:acs:r_u".to_owned());
    round_trip(
        r#"{"identity":{"id":"8:acs:r_u"}}"#,
        &CommunicationIdentityAccessTokenResult {
            identity: identity.clone(),
            access_token: None,
        },
    );
    round_trip(
        r#"{"identity":{"id":"8:acs:r_u"},"accessToken":{"token":"t","expiresOn":"2022-11-16T09:48:02.7233445+00:00"}}"#,
        &CommunicationIdentityAccessTokenResult {
            identity,
            access_token: Some(token("t")),
        },
    );
}

#[test]
fn teams_user_exchange_request_round_trips() {
    round_trip(
        r#"{"token":"entra-token","appId":"00000000-0000-0000-0000-000000000001","userId":"00000000-0000-0000-0000-000000000002"}"#,
        &TeamsUserExchangeTokenRequest {
            token: "entra-token".to_owned(),
            app_id: "00000000-0000-0000-0000-000000000001".to_owned(),
            user_id: "00000000-0000-0000-0000-000000000002".to_owned(),
        },
    );
}

#[test]
fn teams_extension_exchange_request_is_always_empty() {
    round_trip("{}", &TeamsExtensionExchangeTokenRequest {});
    let parsed: TeamsExtensionExchangeTokenRequest =
        serde_json::from_str(r#"{"anything":[1,2,3]}"#).unwrap();
    assert_eq!(serde_json::to_string(&parsed).unwrap(), "{}");
}

#[test]
fn teams_extension_assignment_models_round_trip() {
    round_trip(
        r#"{"principalType":"user","clientIds":["c1","c2"]}"#,
        &TeamsExtensionAssignmentCreateOrUpdateRequest {
            principal_type: TeamsExtensionPrincipalType::User,
            client_ids: Some(vec!["c1".to_owned(), "c2".to_owned()]),
        },
    );
    round_trip(
        r#"{"principalType":"resourceAccount"}"#,
        &TeamsExtensionAssignmentCreateOrUpdateRequest {
            principal_type: TeamsExtensionPrincipalType::ResourceAccount,
            client_ids: None,
        },
    );
    round_trip(
        r#"{"objectId":"o","tenantId":"t","principalType":"user","clientIds":["c"]}"#,
        &TeamsExtensionAssignmentResponse {
            object_id: "o".to_owned(),
            tenant_id: "t".to_owned(),
            principal_type: TeamsExtensionPrincipalType::User,
            client_ids: Some(vec!["c".to_owned()]),
        },
    );
}

#[test]
fn unknown_enum_values_survive_a_round_trip() {
    round_trip(
        r#"{"scopes":["chat","pstn.future"]}"#,
        &CommunicationIdentityAccessTokenRequest {
            scopes: vec![
                CommunicationIdentityTokenScope::Chat,
                CommunicationIdentityTokenScope::Other("pstn.future".to_owned()),
            ],
            expires_in_minutes: None,
        },
    );
    // A how-to on the public docs sends this spelling; it must not be refused.
    round_trip(
        r#"{"principalType":"teamsResourceAccount"}"#,
        &TeamsExtensionAssignmentCreateOrUpdateRequest {
            principal_type: TeamsExtensionPrincipalType::Other("teamsResourceAccount".to_owned()),
            client_ids: None,
        },
    );
}

/// Without the `preview` feature the preview members are unknown too, and ignored.
#[cfg(not(feature = "preview"))]
#[test]
fn unknown_members_are_ignored() {
    let parsed: CommunicationIdentityAccessTokenResult = serde_json::from_str(
        r#"{"identity":{"id":"8:acs:r_u","customId":"alice","lastTokenIssuedAt":"2025-01-01T00:00:00Z"},"futureMember":{"nested":true}}"#,
    )
    .unwrap();
    assert_eq!(parsed.identity.id, "8:acs:r_u");
    assert_eq!(parsed.access_token, None);
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        r#"{"identity":{"id":"8:acs:r_u"}}"#
    );
}

#[test]
fn error_envelope_with_details_and_inner_error_round_trips() {
    let json = r#"{"error":{"code":"ValidationError","message":"Invalid request.","target":"ExpiresInMinutes","details":[{"code":"OutOfRange","message":"Too large."}],"innererror":{"code":"ExpiresInMinutesInvalid","message":"Must be within [60, 1440].","innererror":{"code":"Deepest","message":"m"}}}}"#;
    let expected = CommunicationErrorResponse {
        error: CommunicationError {
            code: "ValidationError".to_owned(),
            message: "Invalid request.".to_owned(),
            target: Some("ExpiresInMinutes".to_owned()),
            details: Some(vec![CommunicationError {
                code: "OutOfRange".to_owned(),
                message: "Too large.".to_owned(),
                target: None,
                details: None,
                inner_error: None,
            }]),
            inner_error: Some(Box::new(CommunicationError {
                code: "ExpiresInMinutesInvalid".to_owned(),
                message: "Must be within [60, 1440].".to_owned(),
                target: None,
                details: None,
                inner_error: Some(Box::new(CommunicationError {
                    code: "Deepest".to_owned(),
                    message: "m".to_owned(),
                    target: None,
                    details: None,
                    inner_error: None,
                })),
            })),
        },
    };
    round_trip(json, &expected);
}

#[test]
fn inner_error_is_also_read_in_camel_case() {
    let parsed: CommunicationErrorResponse = serde_json::from_str(
        r#"{"error":{"code":"A","message":"a","innerError":{"code":"B","message":"b"}}}"#,
    )
    .unwrap();
    let inner = parsed.error.inner_error.unwrap();
    assert_eq!((inner.code.as_str(), inner.message.as_str()), ("B", "b"));
}

#[test]
fn minimal_error_envelope_parses() {
    let parsed: CommunicationErrorResponse = serde_json::from_str(
        r#"{"error":{"code":"Denied","message":"Request 'x-ms-content-sha256' differs from generated content hash."}}"#,
    )
    .unwrap();
    assert_eq!(parsed.error.code, "Denied");
    assert_eq!(
        (
            parsed.error.target,
            parsed.error.details,
            parsed.error.inner_error
        ),
        (None, None, None)
    );
}

#[test]
fn debug_never_shows_tokens() {
    let secret = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl";
    let printed = [
        format!("{:?}", token(secret)),
        format!("{:#?}", token(secret)),
        format!(
            "{:?}",
            CommunicationIdentityAccessTokenResult {
                identity: CommunicationIdentity::new("8:acs:r_u".to_owned()),
                access_token: Some(token(secret)),
            }
        ),
        format!(
            "{:?}",
            TeamsUserExchangeTokenRequest {
                token: secret.to_owned(),
                app_id: "app".to_owned(),
                user_id: "user".to_owned(),
            }
        ),
    ];
    for text in &printed {
        assert!(!text.contains(secret), "{text}");
        assert!(text.contains("token: ***"), "{text}");
    }
    assert!(printed[0].contains("expires_on"), "{}", printed[0]);
    assert!(printed[3].contains(r#"app_id: "app""#), "{}", printed[3]);
}

#[cfg(feature = "preview")]
mod preview {
    use super::*;

    #[test]
    fn create_request_carries_the_custom_id() {
        round_trip(
            r#"{"createTokenWithScopes":["chat"],"customId":"alice@contoso"}"#,
            &CommunicationIdentityCreateRequest {
                create_token_with_scopes: Some(vec![CommunicationIdentityTokenScope::Chat]),
                custom_id: Some("alice@contoso".to_owned()),
                ..Default::default()
            },
        );
    }

    #[test]
    fn identity_detail_round_trips() {
        let identity = CommunicationIdentity {
            custom_id: Some("alice@contoso".to_owned()),
            last_token_issued_at: Some(datetime!(2025-03-02 10:00:00.5 UTC)),
            ..CommunicationIdentity::new("8:acs:r_u".to_owned())
        };
        round_trip(
            r#"{"id":"8:acs:r_u","customId":"alice@contoso","lastTokenIssuedAt":"2025-03-02T10:00:00.5000000+00:00"}"#,
            &identity,
        );
        let bare: CommunicationIdentity =
            serde_json::from_str(r#"{"id":"8:acs:r_u","futureMember":1}"#).unwrap();
        assert_eq!(bare, CommunicationIdentity::new("8:acs:r_u".to_owned()));
    }
}
