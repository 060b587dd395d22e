//! The open enums' string API and the generated constants: limits, API versions and the
//! per-operation records that clients and the emulator read instead of repeating them.

use std::collections::BTreeSet;

use acs_identity_models::{
    CommunicationIdentityAccessTokenRequest, CommunicationIdentityCreateRequest,
    CommunicationIdentityTokenScope as Scope, TeamsExtensionPrincipalType,
    TeamsUserExchangeTokenRequest, api_versions, constraints, operations, service,
};

#[test]
fn scopes_convert_to_and_from_their_wire_strings() {
    let pairs = [
        (Scope::Chat, "chat"),
        (Scope::Voip, "voip"),
        (Scope::ChatJoin, "chat.join"),
        (Scope::ChatJoinLimited, "chat.join.limited"),
        (Scope::VoipJoin, "voip.join"),
    ];
    for (scope, wire) in pairs.clone() {
        assert_eq!(scope.as_str(), wire);
        assert_eq!(scope.to_string(), wire);
        assert_eq!(Scope::from(wire), scope);
        assert_eq!(Scope::from(wire.to_owned()), scope);
        assert_eq!(wire.parse::<Scope>(), Ok(scope));
    }
    assert_eq!(Scope::KNOWN.len(), pairs.len());
}

#[test]
fn unknown_strings_become_other_and_keep_their_text() {
    let scope = Scope::from("Chat");
    assert_eq!(scope, Scope::Other("Chat".to_owned()));
    assert_eq!(scope.as_str(), "Chat");
    assert_eq!(scope.since(), None);
    let principal = TeamsExtensionPrincipalType::from(String::from("group"));
    assert_eq!(principal.to_string(), "group");
}

#[test]
fn enum_values_know_when_they_appeared() {
    assert_eq!(Scope::Chat.since(), Some(api_versions::V2021_03_07));
    assert_eq!(Scope::ChatJoin.since(), Some(api_versions::V2023_10_01));
    assert_eq!(
        Scope::ChatJoinLimited.since(),
        Some(api_versions::V2023_10_01)
    );
    assert_eq!(Scope::VoipJoin.since(), Some(api_versions::V2023_10_01));
    assert_eq!(
        TeamsExtensionPrincipalType::User.since(),
        Some(api_versions::V2025_06_30)
    );
}

#[test]
fn members_and_models_know_when_they_appeared() {
    assert_eq!(
        CommunicationIdentityCreateRequest::EXPIRES_IN_MINUTES_SINCE,
        api_versions::V2022_10_01
    );
    assert_eq!(
        CommunicationIdentityAccessTokenRequest::EXPIRES_IN_MINUTES_SINCE,
        api_versions::V2022_10_01
    );
    assert_eq!(
        TeamsUserExchangeTokenRequest::SINCE,
        api_versions::V2022_06_01
    );
}

#[test]
fn token_lifetime_limits_match_the_service() {
    assert_eq!(constraints::EXPIRES_IN_MINUTES_MIN, 60);
    assert_eq!(constraints::EXPIRES_IN_MINUTES_MAX, 1440);
    assert_eq!(constraints::EXPIRES_IN_MINUTES_DEFAULT, 1440);
}

#[test]
fn stable_versions_are_ordered_and_end_with_the_default() {
    assert_eq!(
        api_versions::STABLE,
        [
            "2021-03-07",
            "2022-06-01",
            "2022-10-01",
            "2023-10-01",
            "2025-06-30",
            "2026-09-23"
        ]
    );
    assert_eq!(api_versions::STABLE.last(), Some(&api_versions::DEFAULT));
    assert_eq!(api_versions::QUERY_PARAMETER, "api-version");
    assert!(api_versions::UNMODELLED.is_empty());
    assert!(api_versions::supports("2023-10-01", "2023-10-01"));
    assert!(!api_versions::supports("2022-10-01", "2023-10-01"));
    assert_eq!(
        service::BEARER_SCOPE,
        "https://communication.azure.com//.default"
    );
}

#[test]
fn every_operation_is_listed_once_with_consistent_facts() {
    assert_eq!(operations::ALL.len(), 9 + api_versions::PREVIEW.len());
    let names: BTreeSet<_> = operations::ALL.iter().map(|op| op.name).collect();
    assert_eq!(names.len(), operations::ALL.len());
    for operation in operations::ALL {
        for param in operation.path_params {
            assert!(
                operation.path.contains(&format!("{{{param}}}")),
                "{operation:?}"
            );
        }
        assert_eq!(
            operation.path.matches('{').count(),
            operation.path_params.len()
        );
        assert!(
            operation
                .success_statuses
                .iter()
                .all(|s| (200..300).contains(s))
        );
        assert!(operation.request_model.is_some() || !operation.request_required);
        assert!(
            api_versions::STABLE.contains(&operation.since)
                || api_versions::PREVIEW.contains(&operation.since),
            "{operation:?}"
        );
    }
}

#[test]
fn operation_records_match_the_rest_api() {
    let create = operations::CREATE_IDENTITY;
    assert_eq!((create.method, create.path), ("POST", "/identities"));
    assert!(!create.request_required);
    assert!(create.is_success(201) && !create.is_success(200));

    let issue = operations::ISSUE_ACCESS_TOKEN;
    assert_eq!(issue.path, "/identities/{id}/:issueAccessToken");
    assert_eq!(
        issue.response_model,
        Some("CommunicationIdentityAccessToken")
    );

    let upsert = operations::UPSERT_TEAMS_EXTENSION_ASSIGNMENT;
    assert_eq!(upsert.method, "PUT");
    assert_eq!(upsert.path_params, ["tenantId", "objectId"]);
    assert_eq!(upsert.success_statuses, [200, 201]);

    let exchange = operations::EXCHANGE_TEAMS_USER_ACCESS_TOKEN;
    assert!(!exchange.is_available_in("2021-03-07"));
    assert!(exchange.is_available_in("2022-06-01"));
    assert!(!operations::DELETE_TEAMS_EXTENSION_ASSIGNMENT.is_available_in("2023-10-01"));
    assert!(operations::DELETE_TEAMS_EXTENSION_ASSIGNMENT.is_available_in(api_versions::DEFAULT));
}

#[test]
fn preview_features_exist_only_in_the_preview_version() {
    let preview = "2025-03-02-preview";
    assert_eq!(api_versions::preview_baseline(preview), Some("2025-06-30"));
    assert_eq!(api_versions::preview_baseline("2026-09-23"), None);
    // The preview has everything of 2025-06-30, Teams Extension included ...
    for since in api_versions::STABLE.iter().take(5) {
        assert!(api_versions::supports(preview, since), "{since}");
    }
    assert!(operations::UPSERT_TEAMS_EXTENSION_ASSIGNMENT.is_available_in(preview));
    // ... but nothing newer, and its own additions exist in no stable version.
    assert!(!api_versions::supports(preview, "2026-09-23"));
    for stable in api_versions::STABLE {
        assert!(!api_versions::supports(stable, preview), "{stable}");
    }
}

#[cfg(feature = "preview")]
mod preview {
    use acs_identity_models::{
        CommunicationIdentity, CommunicationIdentityCreateRequest, api_versions, constraints,
        operations,
    };

    #[test]
    fn the_preview_surface_is_modelled() {
        assert_eq!(api_versions::PREVIEW, [api_versions::V2025_03_02_PREVIEW]);
        assert_eq!(constraints::CUSTOM_ID_MIN_LENGTH, 1);
        assert_eq!(constraints::CUSTOM_ID_MAX_LENGTH, 256);
        assert_eq!(
            CommunicationIdentityCreateRequest::CUSTOM_ID_SINCE,
            api_versions::V2025_03_02_PREVIEW
        );
        assert_eq!(
            CommunicationIdentity::LAST_TOKEN_ISSUED_AT_SINCE,
            api_versions::V2025_03_02_PREVIEW
        );

        let get = operations::GET_IDENTITY;
        assert_eq!((get.method, get.path), ("GET", "/identities/{id}"));
        assert_eq!(get.success_statuses, [200]);
        assert_eq!(get.response_model, Some("CommunicationIdentity"));
        assert!(get.is_available_in(api_versions::V2025_03_02_PREVIEW));
        assert!(!get.is_available_in(api_versions::DEFAULT));
        assert!(operations::ALL.contains(&get));
    }
}
