//! Teams Extension and the preview operations of the client against the in-process
//! emulator, which shares no request-building code with it: the assignment lifecycle
//! (201 created, 200 replaced, 404 once deleted), the exchange of an emulator-minted Entra
//! user token (refused without an assignment, then answered with the user
//! `8:acs:<resource>_<tenant>_<object>`), and, with the `preview` feature, custom ids and
//! reading a user back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use acs_emulator::{Emulator, EntraTokenOptions, ManualClock};
use acs_identity::{
    ApiVersion, ClientOptions, CommunicationIdentityClient, CommunicationIdentityClientOptions,
    Error, ErrorKind, RetryOptions, Secret, TeamsExtensionAssignmentOptions,
    TeamsExtensionPrincipalType,
};
use time::OffsetDateTime;

/// An emulator whose clock is now in whole seconds, so the client's `x-ms-date` is inside
/// its skew window and token expiries compare exactly.
async fn start() -> Emulator {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    Emulator::builder()
        .clock(ManualClock::new(now))
        .start()
        .await
        .unwrap()
}

fn client(emulator: &Emulator, api_version: ApiVersion) -> CommunicationIdentityClient {
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        CommunicationIdentityClientOptions {
            api_version,
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                ..Default::default()
            },
        },
    )
    .unwrap()
}

fn assert_service_error(error: &Error, status: u16, code: &str) {
    assert_eq!(error.kind(), &ErrorKind::HttpResponse, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{error}");
    assert_eq!(
        error.service_error().map(|e| e.code.as_str()),
        Some(code),
        "{error}"
    );
}

#[tokio::test]
async fn assignments_are_created_replaced_read_and_deleted() {
    let emulator = start().await;
    let client = client(&emulator, ApiVersion::default());
    let tenant = uuid::Uuid::new_v4().to_string();
    let object = uuid::Uuid::new_v4().to_string();

    let missing = client
        .get_teams_extension_assignment(&tenant, &object)
        .await
        .unwrap_err();
    assert_service_error(&missing, 404, "AssignmentNotFound");

    let options = TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User)
        .with_client_ids(["app-1"]);
    let first = client
        .create_or_replace_teams_extension_assignment(&tenant, &object, options)
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.assignment.tenant_id, tenant);
    assert_eq!(first.assignment.object_id, object);

    let options =
        TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::ResourceAccount);
    let second = client
        .create_or_replace_teams_extension_assignment(&tenant, &object, options)
        .await
        .unwrap();
    assert!(!second.created);

    let read = client
        .get_teams_extension_assignment(&tenant, &object)
        .await
        .unwrap();
    assert_eq!(
        read.principal_type,
        TeamsExtensionPrincipalType::ResourceAccount
    );
    assert_eq!(read, second.assignment);

    client
        .delete_teams_extension_assignment(&tenant, &object)
        .await
        .unwrap();
    let gone = client
        .get_teams_extension_assignment(&tenant, &object)
        .await
        .unwrap_err();
    assert_service_error(&gone, 404, "AssignmentNotFound");
    let again = client
        .delete_teams_extension_assignment(&tenant, &object)
        .await
        .unwrap_err();
    assert_service_error(&again, 404, "AssignmentNotFound");
}

#[tokio::test]
async fn an_assigned_teams_phone_user_exchanges_its_entra_token() {
    let emulator = start().await;
    let client = client(&emulator, ApiVersion::default());
    let tenant = uuid::Uuid::new_v4().to_string();
    let object = uuid::Uuid::new_v4().to_string();
    let entra = emulator.issue_entra_token(EntraTokenOptions::teams_extension(&tenant, &object));
    let entra_token = Secret::new(entra.token.clone());

    // Without an assignment the service refuses the user.
    let refused = client
        .exchange_teams_extension_token(&entra_token)
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(403), "{refused}");

    let options = TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User)
        .with_client_ids([entra.app_id.clone()]);
    client
        .create_or_replace_teams_extension_assignment(&tenant, &object, options)
        .await
        .unwrap();

    let exchanged = client
        .exchange_teams_extension_token_with_response(&entra_token)
        .await
        .unwrap();
    let expected_id = format!("8:acs:{}_{tenant}_{object}", emulator.resource_id());
    assert_eq!(exchanged.value.user.id(), expected_id);
    assert!(!exchanged.value.access_token.token.expose().is_empty());
    assert_eq!(exchanged.value.access_token.expires_on, entra.expires_on);
    assert!(exchanged.client_request_id().is_some());

    // The exchanged user is an identity like any other.
    assert!(emulator.identity_exists(&expected_id));
    client.delete_user(&exchanged.value.user).await.unwrap();
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused_by_the_exchange() {
    let emulator = start().await;
    let client = client(&emulator, ApiVersion::default());
    // The default audience is the data plane's, not the Teams Extension's.
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    let error = client
        .exchange_teams_extension_token(&Secret::new(entra.token.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error}");
    assert!(!format!("{error} {error:?}").contains(&entra.token));
}

#[cfg(feature = "preview")]
mod preview {
    use acs_identity::{
        CommunicationIdentityTokenScope as Scope, CreateUserAndTokenOptions, CreateUserOptions,
        GetTokenOptions,
    };

    use super::*;

    const PREVIEW: ApiVersion = ApiVersion::V2025_03_02_Preview;

    #[tokio::test]
    async fn the_same_custom_id_gives_the_same_user_and_detail_reads_it_back() {
        let emulator = start().await;
        let client = client(&emulator, PREVIEW);

        let user = client
            .create_user_with(CreateUserOptions {
                custom_id: Some("alice@contoso".to_owned()),
            })
            .await
            .unwrap();
        let again = client
            .create_user_and_token(
                &[Scope::Chat],
                CreateUserAndTokenOptions::default().with_custom_id("alice@contoso"),
            )
            .await
            .unwrap();
        assert_eq!(again.user, user);

        let detail = client.get_user_detail(&user).await.unwrap();
        assert_eq!(detail.user, user);
        assert_eq!(detail.custom_id.as_deref(), Some("alice@contoso"));
        assert!(detail.last_token_issued_at.is_some());

        let plain = client.create_user().await.unwrap();
        assert_ne!(plain, user);
        let detail = client.get_user_detail(&plain).await.unwrap();
        assert_eq!(detail.custom_id, None);
        assert_eq!(detail.last_token_issued_at, None);
        client
            .get_token(&plain, &[Scope::Voip], GetTokenOptions::default())
            .await
            .unwrap();
        let detail = client.get_user_detail(&plain).await.unwrap();
        assert!(detail.last_token_issued_at.is_some());
    }

    #[tokio::test]
    async fn detail_of_a_deleted_user_is_a_typed_404() {
        let emulator = start().await;
        let client = client(&emulator, PREVIEW);
        let user = client.create_user().await.unwrap();
        client.delete_user(&user).await.unwrap();
        let error = client.get_user_detail(&user).await.unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::HttpResponse);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    }
}
