//! Test servers on 127.0.0.1 shared by the integration tests of this crate.
//!
//! `serve_tls` is a few lines of blocking rustls (ring provider) on a thread, answering one
//! HTTP/1.1 request per connection. `fixtures/` holds a test-only CA and a `localhost` /
//! `127.0.0.1` certificate it issued (P-256, valid until 2126); the key protects nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub const CA_PEM: &[u8] = include_bytes!("../fixtures/test-ca.pem");
const LEAF_PEM: &[u8] = include_bytes!("../fixtures/localhost.pem");
const LEAF_KEY_PEM: &[u8] = include_bytes!("../fixtures/localhost.key.pem");

/// A rustls server configuration with the `localhost` certificate, offering `alpn`.
pub fn server_config(alpn: &[u8]) -> Arc<rustls::ServerConfig> {
    let chain = vec![CertificateDer::from_pem_slice(LEAF_PEM).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(LEAF_KEY_PEM).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![alpn.to_vec()];
    Arc::new(config)
}

/// Serves `connections` TLS connections, each answering `200 tls-ok`, then stops.
pub fn serve_tls(connections: usize) -> SocketAddr {
    let config = server_config(b"http/1.1");

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
