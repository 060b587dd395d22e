//! The client against the in-process emulator (`acs-emulator`), which shares no
//! request-building code with it: every operation with HMAC and with a bearer token minted by
//! the emulator, key rotation, and the errors only the server can decide (unknown, foreign
//! and deleted users; bad Teams tokens and mismatched app or user ids).

#![allow(clippy::unwrap_used, clippy::expect_used)]
// `..Default::default()` fills the option members the `preview` feature adds.
#![allow(clippy::needless_update)]

use std::sync::Arc;

use acs_emulator::{AuthScheme, Emulator, EntraTokenOptions, ManualClock};
use acs_identity::{
    ApiVersion, AzureKeyCredential, ClientOptions, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationIdentityTokenScope as Scope,
    CommunicationUserIdentifier, CreateUserAndTokenOptions, Error, ErrorKind,
    GetTokenForTeamsUserOptions, GetTokenOptions, RetryOptions, StaticTokenCredential,
    TokenLifetime,
};
use time::{Duration, OffsetDateTime};

/// The emulator's pinned time: now, in whole seconds (tokens carry whole seconds), so that
/// expiries can be compared exactly and the client's `x-ms-date` is inside the skew window.
fn pinned_now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

async fn start() -> (Emulator, OffsetDateTime) {
    let now = pinned_now();
    let emulator = Emulator::builder()
        .clock(ManualClock::new(now))
        .start()
        .await
        .unwrap();
    (emulator, now)
}

fn options(api_version: ApiVersion) -> CommunicationIdentityClientOptions {
    CommunicationIdentityClientOptions {
        api_version,
        client_options: ClientOptions {
            retry: RetryOptions::none(),
            ..Default::default()
        },
    }
}

fn hmac_client(emulator: &Emulator) -> CommunicationIdentityClient {
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        options(ApiVersion::default()),
    )
    .unwrap()
}

fn lifetime(minutes: u32) -> Option<TokenLifetime> {
    Some(TokenLifetime::from_minutes(minutes).unwrap())
}

fn assert_service_error(err: &Error, status: u16, code: &str) {
    assert_eq!(*err.kind(), ErrorKind::HttpResponse, "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
    assert_eq!(
        err.service_error().map(|e| e.code.as_str()),
        Some(code),
        "{err:?}"
    );
}

fn assert_validation_error(err: &Error, message: &str, target: &str) {
    assert_service_error(err, 400, "ValidationError");
    let service = err.service_error().unwrap();
    assert_eq!(service.message, message);
    assert_eq!(service.target.as_deref(), Some(target));
}

/// Runs every operation once and checks each result against the emulator's own state.
async fn exercise_every_operation(
    emulator: &Emulator,
    client: &CommunicationIdentityClient,
    now: OffsetDateTime,
) {
    let user = client.create_user().await.unwrap();
    assert!(
        user.id()
            .starts_with(&format!("8:acs:{}_", emulator.resource_id())),
        "{user}"
    );
    assert!(emulator.identity_exists(user.id()));

    let token = client
        .get_token(
            &user,
            &[Scope::Chat, Scope::Voip],
            GetTokenOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        token.expires_on,
        now + Duration::minutes(1440),
        "default lifetime"
    );
    let claims = emulator.token_claims(token.token.expose()).unwrap();
    assert_eq!(claims.user_id, user.id());
    assert_eq!(claims.scopes, ["chat", "voip"]);
    assert!(emulator.is_token_valid(token.token.expose()));

    let short = client
        .get_token(
            &user,
            &[Scope::ChatJoin],
            GetTokenOptions {
                expires_in: lifetime(60),
            },
        )
        .await
        .unwrap();
    assert_eq!(short.expires_on, now + Duration::minutes(60));

    let both = client
        .create_user_and_token(
            &[Scope::VoipJoin, Scope::ChatJoinLimited],
            CreateUserAndTokenOptions {
                expires_in: lifetime(1440),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(emulator.identity_exists(both.user.id()));
    assert_eq!(both.access_token.expires_on, now + Duration::minutes(1440));
    let claims = emulator
        .token_claims(both.access_token.token.expose())
        .unwrap();
    assert_eq!(claims.user_id, both.user.id());
    assert_eq!(claims.scopes, ["voip.join", "chat.join.limited"]);

    client.revoke_tokens(&user).await.unwrap();
    assert!(!emulator.is_token_valid(token.token.expose()));
    assert!(!emulator.is_token_valid(short.token.expose()));
    assert!(
        emulator.is_token_valid(both.access_token.token.expose()),
        "other user untouched"
    );
    let after = client
        .get_token(&user, &[Scope::Chat], Default::default())
        .await
        .unwrap();
    assert!(
        emulator.is_token_valid(after.token.expose()),
        "tokens issued after revoke work"
    );

    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    let teams = client
        .get_token_for_teams_user(GetTokenForTeamsUserOptions::new(
            entra.token.clone(),
            entra.app_id.clone(),
            entra.object_id.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(teams.expires_on, entra.expires_on);
    let claims = emulator.token_claims(teams.token.expose()).unwrap();
    assert_eq!(claims.user_id, format!("8:orgid:{}", entra.object_id));

    client.delete_user(&user).await.unwrap();
    client.delete_user(&both.user).await.unwrap();
    assert!(!emulator.identity_exists(user.id()));
    assert!(
        !emulator.is_token_valid(after.token.expose()),
        "deleting revokes"
    );
    assert!(!emulator.is_token_valid(both.access_token.token.expose()));
}

#[tokio::test]
async fn every_operation_with_hmac() {
    let (emulator, now) = start().await;
    exercise_every_operation(&emulator, &hmac_client(&emulator), now).await;

    // Nine calls, nine requests, each signed correctly.
    let requests = emulator.requests();
    assert_eq!(requests.len(), 9, "{requests:#?}");
    for request in &requests {
        assert_eq!(request.auth_scheme, Some(AuthScheme::Hmac), "{request:?}");
        assert!(request.signature_valid, "{request:?}");
        assert_eq!(request.api_version.as_deref(), Some("2026-09-23"));
        assert!(request.client_request_id.is_some());
    }
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert!(paths[1].starts_with("/identities/8%3Aacs%3A"), "{paths:?}");
    assert!(paths[1].ends_with("/:issueAccessToken"), "{paths:?}");
}

#[tokio::test]
async fn every_operation_with_an_emulator_minted_bearer_token() {
    let (emulator, now) = start().await;
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    let credential = Arc::new(StaticTokenCredential::new(
        entra.token.clone(),
        entra.expires_on,
    ));
    let client = CommunicationIdentityClient::with_token_credential(
        emulator.endpoint().as_str(),
        credential,
        options(ApiVersion::default()),
    )
    .unwrap();

    exercise_every_operation(&emulator, &client, now).await;
    for request in emulator.requests() {
        assert_eq!(request.auth_scheme, Some(AuthScheme::Bearer), "{request:?}");
        assert!(request.signature_valid, "{request:?}");
    }
}

#[tokio::test]
async fn bearer_token_for_another_audience_is_refused() {
    let (emulator, _) = start().await;
    let entra = emulator.issue_entra_token(EntraTokenOptions {
        audience: "https://auth.msft.communication.azure.com".into(),
        ..Default::default()
    });
    let credential = Arc::new(StaticTokenCredential::new(entra.token, entra.expires_on));
    let client = CommunicationIdentityClient::with_token_credential(
        emulator.endpoint().as_str(),
        credential,
        options(ApiVersion::default()),
    )
    .unwrap();
    let err = client.create_user().await.unwrap_err();
    assert_service_error(&err, 401, "Denied");
}

#[tokio::test]
async fn every_api_version_is_accepted() {
    let (emulator, _) = start().await;
    for version in ApiVersion::ALL {
        let client = CommunicationIdentityClient::from_connection_string(
            &emulator.connection_string(),
            options(version),
        )
        .unwrap();
        let user = client.create_user().await.unwrap();
        client
            .get_token(&user, &[Scope::Chat], Default::default())
            .await
            .unwrap();
        client.delete_user(&user).await.unwrap();
        let last = emulator.requests().pop().unwrap();
        assert_eq!(last.api_version.as_deref(), Some(version.as_str()));
    }
}

#[tokio::test]
async fn rotated_key_is_used_by_the_next_request() {
    let (emulator, _) = start().await;
    let credential = AzureKeyCredential::new(emulator.access_key()).unwrap();
    let client = CommunicationIdentityClient::new(
        emulator.endpoint().as_str(),
        credential.clone(),
        options(ApiVersion::default()),
    )
    .unwrap();
    client.create_user().await.unwrap();

    // A well-formed key of the wrong resource: the signature no longer verifies.
    credential.update("d3Jvbmcta2V5LXdyb25nLWtleQ==").unwrap();
    let err = client.create_user().await.unwrap_err();
    assert_service_error(&err, 401, "Denied");
    assert!(
        !format!("{err} {err:?}").contains("d3Jvbmcta2V5"),
        "{err:?}"
    );

    credential.update(emulator.access_key()).unwrap();
    client.create_user().await.unwrap();
}

#[tokio::test]
async fn unknown_and_deleted_users_are_not_found() {
    let (emulator, _) = start().await;
    let client = hmac_client(&emulator);

    let unknown = CommunicationUserIdentifier::new(format!(
        "8:acs:{}_00000000-0000-0000-0000-000000000001",
        emulator.resource_id()
    ));
    let deleted = client.create_user().await.unwrap();
    client.delete_user(&deleted).await.unwrap();

    for user in [&unknown, &deleted] {
        let err = client
            .get_token(user, &[Scope::Chat], Default::default())
            .await
            .unwrap_err();
        assert_service_error(&err, 404, "IdentityNotFound");
        let err = client.revoke_tokens(user).await.unwrap_err();
        assert_service_error(&err, 404, "IdentityNotFound");
        let err = client.delete_user(user).await.unwrap_err();
        assert_service_error(&err, 404, "IdentityNotFound");
    }
}

#[tokio::test]
async fn users_of_another_resource_are_not_owned() {
    let (emulator, _) = start().await;
    let client = hmac_client(&emulator);
    let foreign = CommunicationUserIdentifier::new(
        "8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000",
    );

    let err = client
        .get_token(&foreign, &[Scope::Chat], Default::default())
        .await
        .unwrap_err();
    assert_service_error(&err, 401, "IdentityNotOwned");
    let err = client.revoke_tokens(&foreign).await.unwrap_err();
    assert_service_error(&err, 401, "IdentityNotOwned");
    let err = client.delete_user(&foreign).await.unwrap_err();
    assert_service_error(&err, 401, "IdentityNotOwned");
}

#[tokio::test]
async fn unknown_scope_is_left_to_the_service() {
    let (emulator, _) = start().await;
    let client = hmac_client(&emulator);
    let user = client.create_user().await.unwrap();
    let err = client
        .get_token(&user, &[Scope::from("pstn")], Default::default())
        .await
        .unwrap_err();
    assert_service_error(&err, 400, "ValidationError");
    assert_eq!(
        err.service_error().unwrap().target.as_deref(),
        Some("Scopes")
    );
}

#[tokio::test]
async fn teams_exchange_errors_come_from_the_server() {
    let (emulator, _) = start().await;
    let client = hmac_client(&emulator);
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    let exchange = |token: &str, app: &str, user: &str| {
        client.get_token_for_teams_user(GetTokenForTeamsUserOptions::new(token, app, user))
    };

    for bad_token in ["", "invalid"] {
        let err = exchange(bad_token, &entra.app_id, &entra.object_id)
            .await
            .unwrap_err();
        assert_service_error(&err, 401, "InvalidAccessToken");
    }
    let expired = emulator.issue_entra_token(EntraTokenOptions {
        lifetime: Duration::minutes(-5),
        ..Default::default()
    });
    let err = exchange(&expired.token, &expired.app_id, &expired.object_id)
        .await
        .unwrap_err();
    assert_service_error(&err, 401, "InvalidAccessToken");

    let other_guid = "81e78ca8-ade5-4998-9c05-1e17f850fcfe";
    let err = exchange(&entra.token, other_guid, &entra.object_id)
        .await
        .unwrap_err();
    assert_validation_error(&err, "AAD application is not the expected one.", "appId");
    let err = exchange(&entra.token, "invalid", &entra.object_id)
        .await
        .unwrap_err();
    assert_validation_error(&err, "Provided AppId has invalid format.", "appId");

    let err = exchange(&entra.token, &entra.app_id, other_guid)
        .await
        .unwrap_err();
    assert_validation_error(
        &err,
        "Provided AAD token issued for unexpected user.",
        "userId",
    );
    let err = exchange(&entra.token, &entra.app_id, "invalid")
        .await
        .unwrap_err();
    assert_validation_error(&err, "Provided UserId has invalid format.", "userId");

    // The Entra token never shows in an error.
    assert!(!format!("{err} {err:?}").contains(&entra.token));
}
