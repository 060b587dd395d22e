//! The default transport over TLS to a server on 127.0.0.1.
//!
//! The server is a few lines of blocking rustls (ring provider) on a thread, answering one
//! HTTP/1.1 request per connection. `fixtures/` holds a test-only CA and a `localhost` /
//! `127.0.0.1` certificate it issued (P-256, valid until 2126); the key protects nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;

use acs_core_http::{ErrorKind, HyperTransport, Method, Request, Transport};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CA_PEM: &[u8] = include_bytes!("fixtures/test-ca.pem");
const LEAF_PEM: &[u8] = include_bytes!("fixtures/localhost.pem");
const LEAF_KEY_PEM: &[u8] = include_bytes!("fixtures/localhost.key.pem");

/// Serves `connections` TLS connections, each answering `200 tls-ok`, then stops.
fn serve_tls(connections: usize) -> SocketAddr {
    let chain = vec![CertificateDer::from_pem_slice(LEAF_PEM).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(LEAF_KEY_PEM).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        for tcp in listener.incoming().take(connections) {
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, tcp.unwrap());
            let mut received = Vec::new();
            let mut buffer = [0u8; 1024];
            while !received.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => received.extend_from_slice(&buffer[..n]),
                }
            }
            if received.is_empty() {
                continue;
            }
            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\ntls-ok";
            let _ = tls.write_all(reply);
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    address
}

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
async fn refuses_a_certificate_from_an_unknown_issuer() {
    let address = serve_tls(1);
    let transport = HyperTransport::new().unwrap();
    let request = Request::new(Method::GET, format!("https://{address}/").parse().unwrap());
    let error = transport.send(&request).await.unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::Connection, "{error:?}");
}
