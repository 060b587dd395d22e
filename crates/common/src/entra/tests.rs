//! The Entra credential against a wiremock server on 127.0.0.1: the exact exchange request,
//! route selection, failures, caching and re-exchange, all on a [`ManualClock`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::error::Error as _;
use std::sync::Mutex as StdMutex;

use acs_core_auth::ManualClock;
use acs_core_http::RetryOptions;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::UserCredentialErrorKind;

const START: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);
const TEAMS_SCOPE: &str = "https://auth.msft.communication.azure.com/TeamsExtension.ManageCalls";

/// An unsigned JWT expiring at `expires_on`, tagged so tests can tell tokens apart.
fn acs_jwt(expires_on: OffsetDateTime, tag: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        json!({ "exp": expires_on.unix_timestamp(), "tag": tag })
            .to_string()
            .as_bytes(),
    );
    format!("{header}.{claims}.sig")
}

fn exchange_body(token: &str) -> serde_json::Value {
    json!({
        "identity": { "id": "8:acs:resource_tenant_oid" },
        "accessToken": { "token": token, "expiresOn": "2030-01-01T13:00:00.0000000+00:00" }
    })
}

/// An Entra ID credential whose token the test can swap, counting its calls.
#[derive(Debug)]
struct SwappableEntra {
    token: StdMutex<String>,
    scopes_seen: StdMutex<Vec<Vec<String>>>,
}

impl SwappableEntra {
    fn new(token: &str) -> Arc<Self> {
        Arc::new(Self {
            token: StdMutex::new(token.to_owned()),
            scopes_seen: StdMutex::new(Vec::new()),
        })
    }

    fn set(&self, token: &str) {
        *self.token.lock().unwrap() = token.to_owned();
    }
}

#[async_trait]
impl TokenCredential for SwappableEntra {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: TokenRequestOptions,
    ) -> Result<AccessToken, CredentialError> {
        self.scopes_seen
            .lock()
            .unwrap()
            .push(scopes.iter().map(|scope| (*scope).to_owned()).collect());
        let token = self.token.lock().unwrap().clone();
        if token.is_empty() {
            return Err(CredentialError::new("no Entra ID token available"));
        }
        Ok(AccessToken::new(token, START + Duration::hours(1)))
    }
}

fn options(server: &MockServer, entra: Arc<SwappableEntra>) -> EntraTokenCredentialOptions {
    EntraTokenCredentialOptions {
        client_options: ClientOptions {
            retry: RetryOptions::none(),
            ..ClientOptions::default()
        },
        ..EntraTokenCredentialOptions::new(server.uri(), entra)
    }
}

fn credential(options: EntraTokenCredentialOptions) -> (EntraTokenCredential, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let credential = EntraTokenCredential::with_clock(options, clock.clone()).unwrap();
    (credential, clock)
}

#[tokio::test]
async fn default_scope_exchanges_at_the_entra_route_with_the_exact_request() {
    let server = MockServer::start().await;
    let acs = acs_jwt(START + Duration::hours(1), "one");
    Mock::given(method("POST"))
        .and(path("/access/entra/:exchangeAccessToken"))
        .and(query_param("api-version", "2025-03-02-preview"))
        .and(header("authorization", "Bearer entra-1"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&acs)))
        .expect(1)
        .mount(&server)
        .await;

    let entra = SwappableEntra::new("entra-1");
    let (credential, _clock) = credential(options(&server, entra.clone()));
    assert_eq!(
        credential.exchange_endpoint(),
        ExchangeEndpoint::CommunicationClients
    );

    let token = credential.get_token().await.unwrap();
    assert_eq!(token.token.expose(), acs);
    assert_eq!(token.expires_on, START + Duration::hours(1));

    // Fresh: served from the cache, no second exchange (checked by `expect(1)`).
    let again = credential.get_token().await.unwrap();
    assert_eq!(again.token.expose(), acs);
    assert_eq!(
        entra.scopes_seen.lock().unwrap()[0],
        vec![DEFAULT_ENTRA_SCOPE.to_owned()]
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, b"{}");
}

#[tokio::test]
async fn teams_extension_scopes_use_the_teams_extension_route() {
    let server = MockServer::start().await;
    let acs = acs_jwt(START + Duration::hours(1), "teams");
    Mock::given(method("POST"))
        .and(path("/access/teamsExtension/:exchangeAccessToken"))
        .and(query_param("api-version", "2025-06-30"))
        .and(header("authorization", "Bearer entra-teams"))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&acs)))
        .expect(1)
        .mount(&server)
        .await;

    let entra = SwappableEntra::new("entra-teams");
    let (credential, _clock) = credential(EntraTokenCredentialOptions {
        scopes: vec![TEAMS_SCOPE.to_owned()],
        ..options(&server, entra.clone())
    });
    assert_eq!(
        credential.exchange_endpoint(),
        ExchangeEndpoint::TeamsExtension
    );
    assert_eq!(credential.get_token().await.unwrap().token.expose(), acs);
    assert_eq!(
        entra.scopes_seen.lock().unwrap()[0],
        vec![TEAMS_SCOPE.to_owned()]
    );
}

#[tokio::test]
async fn construction_refuses_bad_scopes_and_endpoints() {
    let entra = SwappableEntra::new("entra");
    let mixed = EntraTokenCredential::new(EntraTokenCredentialOptions {
        scopes: vec![
            TEAMS_SCOPE.to_owned(),
            "https://example.test/scope".to_owned(),
        ],
        ..EntraTokenCredentialOptions::new("https://res.communication.azure.com/", entra.clone())
    })
    .unwrap_err();
    assert_eq!(mixed.kind(), EntraCredentialErrorKind::InvalidScopes);
    assert_eq!(mixed.scope(), Some("https://example.test/scope"));

    let empty = EntraTokenCredential::new(EntraTokenCredentialOptions {
        scopes: Vec::new(),
        ..EntraTokenCredentialOptions::new("https://res.communication.azure.com/", entra.clone())
    })
    .unwrap_err();
    assert_eq!(empty.kind(), EntraCredentialErrorKind::InvalidScopes);

    let plain_http = EntraTokenCredential::new(EntraTokenCredentialOptions::new(
        "http://res.communication.azure.com/",
        entra.clone(),
    ))
    .unwrap_err();
    assert_eq!(plain_http.kind(), EntraCredentialErrorKind::InvalidEndpoint);

    let relative =
        EntraTokenCredential::new(EntraTokenCredentialOptions::new("not a url", entra.clone()))
            .unwrap_err();
    assert_eq!(relative.kind(), EntraCredentialErrorKind::InvalidEndpoint);
}

#[tokio::test]
async fn service_errors_fail_get_token_with_the_status_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": { "code": "InvalidAccessToken", "message": "Provided access token is not valid." }
        })))
        .mount(&server)
        .await;

    let (credential, _clock) = credential(options(&server, SwappableEntra::new("entra-secret")));
    let error = credential.get_token().await.unwrap_err();
    assert_eq!(error.kind(), UserCredentialErrorKind::RefreshFailed);

    let refresh = error
        .source()
        .and_then(|source| source.downcast_ref::<CredentialError>())
        .expect("the refresh error");
    assert!(
        refresh.message().contains("exchange"),
        "{}",
        refresh.message()
    );
    let http = refresh
        .source()
        .and_then(|source| source.downcast_ref::<acs_core_http::Error>())
        .expect("the HTTP error");
    assert_eq!(http.status().map(|status| status.as_u16()), Some(401));
    assert_eq!(
        http.service_error().map(|service| service.code.as_str()),
        Some("InvalidAccessToken")
    );
    for text in [
        format!("{error:?}"),
        error.to_string(),
        format!("{refresh:?}"),
    ] {
        assert!(!text.contains("entra-secret"), "{text}");
    }
}

#[tokio::test]
async fn entra_failures_and_bad_bodies_are_refresh_failures() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;

    let entra = SwappableEntra::new("");
    let (credential, _clock) = credential(options(&server, entra.clone()));
    let no_entra = credential.get_token().await.unwrap_err();
    assert_eq!(no_entra.kind(), UserCredentialErrorKind::RefreshFailed);
    assert!(server.received_requests().await.unwrap().is_empty());

    entra.set("entra-1");
    let bad_body = credential.get_token().await.unwrap_err();
    assert_eq!(bad_body.kind(), UserCredentialErrorKind::RefreshFailed);
}

#[tokio::test]
async fn an_expiring_token_is_exchanged_again_with_the_same_entra_token() {
    let server = MockServer::start().await;
    let first = acs_jwt(START + Duration::hours(1), "first");
    let second = acs_jwt(START + Duration::hours(2), "second");
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer entra-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&first)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer entra-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&second)))
        .expect(1)
        .mount(&server)
        .await;

    let (credential, clock) = credential(options(&server, SwappableEntra::new("entra-1")));
    assert_eq!(credential.get_token().await.unwrap().token.expose(), first);

    // Outside the 2-minute window: still cached.
    clock.advance(Duration::minutes(57));
    assert_eq!(credential.get_token().await.unwrap().token.expose(), first);

    // Inside it: exchanged again.
    clock.advance(Duration::minutes(2));
    assert_eq!(credential.get_token().await.unwrap().token.expose(), second);
}

#[tokio::test]
async fn a_new_entra_token_is_exchanged_even_while_the_old_result_is_fresh() {
    let server = MockServer::start().await;
    let first = acs_jwt(START + Duration::hours(1), "first");
    let second = acs_jwt(START + Duration::hours(1), "second");
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer entra-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&first)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("authorization", "Bearer entra-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&second)))
        .expect(1)
        .mount(&server)
        .await;

    let entra = SwappableEntra::new("entra-1");
    let (credential, _clock) = credential(options(&server, entra.clone()));
    assert_eq!(credential.get_token().await.unwrap().token.expose(), first);
    assert_eq!(credential.get_token().await.unwrap().token.expose(), first);

    entra.set("entra-2");
    assert_eq!(credential.get_token().await.unwrap().token.expose(), second);
    assert_eq!(credential.get_token().await.unwrap().token.expose(), second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_one_exchange() {
    let server = MockServer::start().await;
    let acs = acs_jwt(START + Duration::hours(1), "shared");
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(exchange_body(&acs))
                .set_delay(std::time::Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;

    let (credential, _clock) = credential(options(&server, SwappableEntra::new("entra-1")));
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let credential = credential.clone();
        calls.spawn(async move { credential.get_token().await });
    }
    while let Some(outcome) = calls.join_next().await {
        assert_eq!(outcome.unwrap().unwrap().token.expose(), acs);
    }
}

#[tokio::test]
async fn debug_never_shows_a_token() {
    let server = MockServer::start().await;
    let acs = acs_jwt(START + Duration::hours(1), "secret-acs");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(exchange_body(&acs)))
        .mount(&server)
        .await;

    let options = options(&server, SwappableEntra::new("entra-secret"));
    let (credential, _clock) = credential(options.clone());
    let token = credential.get_token().await.unwrap();
    for text in [
        format!("{credential:?}"),
        format!("{options:?}"),
        format!("{token:?}"),
    ] {
        assert!(!text.contains("entra-secret"), "{text}");
        assert!(!text.contains(&acs), "{text}");
    }
}
