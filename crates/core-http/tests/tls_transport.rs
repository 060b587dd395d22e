//! The default transport over TLS to a server on 127.0.0.1 (see `common` for the server).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use acs_core_http::{ErrorKind, HyperTransport, Method, Request, SendState, Transport};

use common::{CA_PEM, serve_tls};

#[tokio::test]
async fn trusts_an_added_root_certificate() {
    let address = serve_tls(1);
    let transport = HyperTransport::builder()
        .add_root_certificate_pem(CA_PEM)
        .unwrap()
        .build()
        .unwrap();

    let request = Request::new(Method::GET, format!("https://{address}/").parse().unwrap());
    let response = transport.send(&request).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(&response.body()[..], b"tls-ok");
}

#[tokio::test]
async fn a_failed_handshake_is_a_connection_error_before_sending() {
    let address = serve_tls(1);
    let transport = HyperTransport::new().unwrap();
    let request = Request::new(Method::GET, format!("https://{address}/").parse().unwrap());
    let error = transport.send(&request).await.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection, "{error:?}");
    assert_eq!(error.send_state(), SendState::NotSent, "{error:?}");
}
