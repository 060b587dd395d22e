//! Counting connections: [`Emulator::connections_accepted`] counts every TCP connection the
//! server accepted — kept-alive requests do not add to it, new connections do, TLS ones and
//! silent ones too — and the binary logs one line per connection, with the running count,
//! under its own target.
//!
//! Nothing here waits on a clock: every count is read after a response on the connection
//! it is about (or on a later one), and the emulator counts a connection before serving it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;
use std::sync::Arc;

use acs_emulator::{Emulator, TlsOptions};
use bytes::Bytes;
use common::{Call, LATEST, send, signed_request};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

fn create() -> Call {
    Call::post(format!("/identities?api-version={LATEST}"))
}

/// An HTTP/1.1 client connection over `stream`, driven in the background.
async fn http1<S>(stream: S) -> SendRequest<Full<Bytes>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

/// Sends `request` on `sender` and returns the status once the body is read.
async fn status_of(sender: &mut SendRequest<Full<Bytes>>, request: Request<Full<Bytes>>) -> u16 {
    sender.ready().await.unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    response.into_body().collect().await.unwrap();
    status.as_u16()
}

#[tokio::test]
async fn a_new_emulator_has_accepted_no_connection() {
    let emulator = Emulator::start().await.unwrap();

    assert_eq!(emulator.connections_accepted(), 0);
}

#[tokio::test]
async fn two_requests_on_one_kept_alive_connection_count_once() {
    let emulator = Emulator::start().await.unwrap();
    let addr = emulator.local_addr();
    let key = emulator.access_key().to_owned();
    let mut sender = http1(TcpStream::connect(addr).await.unwrap()).await;

    let first = status_of(&mut sender, signed_request(addr, &key, &create())).await;
    let second = status_of(&mut sender, signed_request(addr, &key, &create())).await;

    assert_eq!((first, second), (201, 201));
    assert_eq!(emulator.requests().len(), 2);
    assert_eq!(emulator.connections_accepted(), 1);
}

#[tokio::test]
async fn two_separate_connections_count_twice() {
    let emulator = Emulator::start().await.unwrap();

    // `send` opens a fresh connection for each request.
    assert_eq!(send(&emulator, create()).await.status, StatusCode::CREATED);
    assert_eq!(send(&emulator, create()).await.status, StatusCode::CREATED);

    assert_eq!(emulator.connections_accepted(), 2);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_counts_too() {
    let emulator = Emulator::start().await.unwrap();
    let silent = TcpStream::connect(emulator.local_addr()).await.unwrap();

    // The listener hands out connections in the order they were established, so once the
    // later one has its answer the silent one has been accepted as well.
    assert_eq!(send(&emulator, create()).await.status, StatusCode::CREATED);

    assert_eq!(emulator.connections_accepted(), 2);
    drop(silent);
}

#[tokio::test]
async fn tls_connections_are_counted() {
    let emulator = Emulator::builder()
        .tls(TlsOptions::default())
        .start()
        .await
        .unwrap();
    let addr = emulator.local_addr();
    let key = emulator.access_key().to_owned();
    let connector = TlsConnector::from(trusting(&emulator.ca_certificate_pem().unwrap()));
    let name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());

    let mut statuses = Vec::new();
    for _ in 0..2 {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let tls = connector.connect(name.clone(), tcp).await.unwrap();
        let mut sender = http1(tls).await;
        statuses.push(status_of(&mut sender, signed_request(addr, &key, &create())).await);
        statuses.push(status_of(&mut sender, signed_request(addr, &key, &create())).await);
    }

    assert_eq!(statuses, [201; 4]);
    assert_eq!(emulator.connections_accepted(), 2);
}

/// A rustls client configuration trusting `ca_pem` only, offering HTTP/1.1.
fn trusting(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

#[tokio::test]
async fn the_binary_logs_each_connection_with_the_running_count() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(["--port", "0", "--access-key", "aw=="])
        .env(
            "RUST_LOG",
            "acs_emulator=warn,acs_emulator::connections=debug",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = stdout.next_line().await.unwrap().unwrap();
    let (_, addr) = common::connection_line(&first);

    for _ in 0..2 {
        let reply = common::send_to(addr, "aw==", create()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }

    // The lines are written before each connection is served, so both are there; reading
    // the next two lines only waits for the pipe.
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut lines = Vec::new();
    for _ in 0..2 {
        lines.push(stderr.next_line().await.unwrap().unwrap());
    }
    for (line, count) in lines.iter().zip(1..) {
        assert!(line.contains("acs_emulator::connections"), "{line}");
        assert!(line.contains("accepted a connection"), "{line}");
        assert!(line.contains("peer=127.0.0.1:"), "{line}");
        assert!(line.ends_with(&format!("count={count}")), "{line}");
    }
    child.kill().await.unwrap();
}
