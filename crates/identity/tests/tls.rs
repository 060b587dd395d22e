//! The client over HTTPS against the emulator serving TLS: a transport that trusts the
//! emulator's generated CA (`HyperTransport::builder().add_root_certificate_pem`) carries
//! HMAC-signed and bearer-token calls; the default transport, which trusts only the public
//! roots, refuses the emulator's certificate before anything is sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use acs_emulator::{AuthScheme, Emulator, EntraTokenOptions, TlsOptions};
use acs_identity::{
    ClientOptions, CommunicationIdentityClient, CommunicationIdentityClientOptions,
    CommunicationIdentityTokenScope as Scope, ErrorKind, GetTokenOptions, HyperTransport,
    RetryOptions, StaticTokenCredential,
};

async fn start_tls() -> Emulator {
    Emulator::builder()
        .tls(TlsOptions::default())
        .start()
        .await
        .unwrap()
}

/// Client options whose transport trusts the emulator's CA.
fn trusting(emulator: &Emulator) -> CommunicationIdentityClientOptions {
    let ca = emulator.ca_certificate_pem().unwrap();
    let transport = HyperTransport::builder()
        .add_root_certificate_pem(ca.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            transport: Some(Arc::new(transport)),
            retry: RetryOptions::none(),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn create_get_token_delete(emulator: &Emulator, client: &CommunicationIdentityClient) {
    let user = client.create_user().await.unwrap();
    assert!(emulator.identity_exists(user.id()));

    let token = client
        .get_token(&user, &[Scope::Chat], GetTokenOptions::default())
        .await
        .unwrap();
    assert!(emulator.is_token_valid(token.token.expose()));

    client.delete_user(&user).await.unwrap();
    assert!(!emulator.identity_exists(user.id()));
    assert!(!emulator.is_token_valid(token.token.expose()));
}

#[tokio::test]
async fn hmac_calls_over_https() {
    let emulator = start_tls().await;
    assert!(
        emulator
            .connection_string()
            .starts_with("endpoint=https://")
    );
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        trusting(&emulator),
    )
    .unwrap();

    create_get_token_delete(&emulator, &client).await;

    let requests = emulator.requests();
    assert_eq!(requests.len(), 3);
    for request in requests {
        assert_eq!(request.auth_scheme, Some(AuthScheme::Hmac), "{request:?}");
        assert!(request.signature_valid, "{request:?}");
    }
}

#[tokio::test]
async fn bearer_token_calls_over_https() {
    let emulator = start_tls().await;
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    let credential = Arc::new(StaticTokenCredential::new(entra.token, entra.expires_on));
    let client = CommunicationIdentityClient::with_token_credential(
        emulator.endpoint().as_str(),
        credential,
        trusting(&emulator),
    )
    .unwrap();

    create_get_token_delete(&emulator, &client).await;

    for request in emulator.requests() {
        assert_eq!(request.auth_scheme, Some(AuthScheme::Bearer), "{request:?}");
        assert!(request.signature_valid, "{request:?}");
    }
}

#[tokio::test]
async fn the_default_transport_does_not_trust_the_emulator() {
    let emulator = start_tls().await;
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        CommunicationIdentityClientOptions {
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();

    let error = client.create_user().await.unwrap_err();

    assert_eq!(*error.kind(), ErrorKind::Connection, "{error:?}");
    // The reason is in the message, not only at the end of the source chain.
    let text = error.to_string();
    assert!(
        text.contains("TLS handshake failed") && text.contains("UnknownIssuer"),
        "{text}"
    );
    assert!(emulator.requests().is_empty());
    assert!(emulator.identities().is_empty());
}
