//! HTTPS: an emulator started with TLS serves signed requests to clients that trust its CA,
//! over HTTP/1.1 and over HTTP/2 chosen by ALPN; clients that do not trust it fail the
//! handshake without disturbing anyone else; and the binary's `--tls --ca-cert-out` writes
//! the CA certificate and prints an `https://` connection string.
//!
//! The client side is rustls with the ring provider and hyper's connection-level client,
//! independent of the project's transport.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use acs_emulator::{Emulator, Error, TlsOptions};
use bytes::Bytes;
use common::{Call, LATEST, connection_line, signed_request};
use http::{StatusCode, Version};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

const BINARY: &str = env!("CARGO_BIN_EXE_acs-emulator");

async fn start_tls() -> Emulator {
    Emulator::builder()
        .tls(TlsOptions::default())
        .start()
        .await
        .unwrap()
}

/// A client configuration trusting `ca_pem` only (nothing at all when `None`) and offering
/// `alpn`.
fn client_config(ca_pem: Option<&str>, alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    if let Some(pem) = ca_pem {
        for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.add(certificate.unwrap()).unwrap();
        }
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

async fn connect(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    TlsConnector::from(config).connect(server_name, tcp).await
}

fn loopback_name() -> ServerName<'static> {
    ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into())
}

fn create() -> Call {
    Call::post(format!("/identities?api-version={LATEST}"))
}

/// Sends a signed create over HTTP/1.1 on `stream` and returns the status and body.
async fn create_http1(
    stream: TlsStream<TcpStream>,
    addr: SocketAddr,
    key: &str,
) -> (StatusCode, Bytes) {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender
        .send_request(signed_request(addr, key, &create()))
        .await
        .unwrap();
    assert_eq!(response.version(), Version::HTTP_11);
    let status = response.status();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

fn created_id(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    json["identity"]["id"].as_str().unwrap().to_owned()
}

/// A file name of this test run's scratch directory.
fn scratch_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", uuid::Uuid::new_v4()))
}

#[tokio::test]
async fn a_tls_emulator_has_an_https_endpoint_and_a_ca_certificate() {
    let emulator = start_tls().await;

    assert_eq!(emulator.endpoint().scheme(), "https");
    assert_eq!(
        emulator.endpoint().as_str(),
        format!("https://127.0.0.1:{}/", emulator.local_addr().port())
    );
    assert!(
        emulator
            .connection_string()
            .starts_with("endpoint=https://127.0.0.1:")
    );
    let pem = emulator.ca_certificate_pem().unwrap();
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(certificates.len(), 1);

    let plain = Emulator::start().await.unwrap();
    assert_eq!(plain.endpoint().scheme(), "http");
    assert_eq!(plain.ca_certificate_pem(), None);
}

#[tokio::test]
async fn a_client_trusting_the_ca_creates_over_http1() {
    let emulator = start_tls().await;
    let ca = emulator.ca_certificate_pem().unwrap();
    let addr = emulator.local_addr();

    let stream = connect(
        addr,
        client_config(Some(&ca), &[b"http/1.1"]),
        loopback_name(),
    )
    .await
    .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (status, body) = create_http1(stream, addr, emulator.access_key()).await;

    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    assert!(emulator.identity_exists(&created_id(&body)));
}

#[tokio::test]
async fn the_certificate_names_localhost_too() {
    let emulator = start_tls().await;
    let ca = emulator.ca_certificate_pem().unwrap();

    let stream = connect(
        emulator.local_addr(),
        client_config(Some(&ca), &[]),
        ServerName::try_from("localhost").unwrap(),
    )
    .await
    .unwrap();
    let (status, _) = create_http1(stream, emulator.local_addr(), emulator.access_key()).await;

    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_certificate_names_ipv6_loopback_too() {
    let started = Emulator::builder()
        .host(IpAddr::V6(Ipv6Addr::LOCALHOST))
        .tls(TlsOptions::default())
        .start()
        .await;
    let emulator = match started {
        Ok(emulator) => emulator,
        // A host without IPv6 loopback cannot run this check.
        Err(Error::Bind(error)) => {
            eprintln!("skipped: cannot bind [::1]: {error}");
            return;
        }
        Err(error) => panic!("{error}"),
    };
    let ca = emulator.ca_certificate_pem().unwrap();
    assert_eq!(
        emulator.endpoint().as_str(),
        format!("https://[::1]:{}/", emulator.local_addr().port())
    );

    let stream = connect(
        emulator.local_addr(),
        client_config(Some(&ca), &[]),
        ServerName::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST).into()),
    )
    .await
    .unwrap();
    let (status, _) = create_http1(stream, emulator.local_addr(), emulator.access_key()).await;

    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_client_offering_h2_gets_http2() {
    let emulator = start_tls().await;
    let ca = emulator.ca_certificate_pem().unwrap();
    let addr = emulator.local_addr();

    let stream = connect(
        addr,
        client_config(Some(&ca), &[b"h2", b"http/1.1"]),
        loopback_name(),
    )
    .await
    .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut request = signed_request(addr, emulator.access_key(), &create());
    // HTTP/2 carries the authority in the URI.
    *request.uri_mut() = format!("https://{addr}{}", request.uri()).parse().unwrap();
    let response = sender.send_request(request).await.unwrap();

    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(emulator.identity_exists(&created_id(&body)));
}

#[tokio::test]
async fn a_client_not_trusting_the_ca_fails_the_handshake_and_others_are_served() {
    let emulator = start_tls().await;
    let ca = emulator.ca_certificate_pem().unwrap();
    let addr = emulator.local_addr();

    // No roots at all, then another emulator's CA: both refuse the certificate.
    let refused = connect(addr, client_config(None, &[]), loopback_name()).await;
    assert!(refused.is_err(), "{refused:?}");
    let other = start_tls().await.ca_certificate_pem().unwrap();
    let refused = connect(addr, client_config(Some(&other), &[]), loopback_name()).await;
    let error = refused.err().unwrap().to_string();
    assert!(error.contains("certificate"), "{error}");

    // Plain HTTP on the TLS port is no handshake either.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer).await;
    assert!(!answer.starts_with(b"HTTP/1.1"), "{answer:?}");

    // A connection held open mid-handshake does not block others either.
    let _stalled = TcpStream::connect(addr).await.unwrap();

    let stream = connect(addr, client_config(Some(&ca), &[]), loopback_name())
        .await
        .unwrap();
    let (status, _) = create_http1(stream, addr, emulator.access_key()).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_ca_certificate_is_written_where_asked() {
    let path = scratch_path("ca.pem");

    let emulator = Emulator::builder()
        .tls(TlsOptions {
            ca_cert_out: Some(path.clone()),
        })
        .start()
        .await
        .unwrap();

    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(Some(written), emulator.ca_certificate_pem());
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_missing_directory_for_the_ca_certificate_is_an_error() {
    let path = scratch_path("absent").join("ca.pem");

    let error = Emulator::builder()
        .tls(TlsOptions {
            ca_cert_out: Some(path.clone()),
        })
        .start()
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::CaCertOut { path: p, .. } if *p == path),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("directory must exist"),
        "{error}"
    );
}

#[tokio::test]
async fn the_binary_serves_https_and_writes_the_ca_certificate() {
    let path = scratch_path("binary-ca.pem");
    let mut child = tokio::process::Command::new(BINARY)
        .args([
            "--port",
            "0",
            "--access-key",
            "aw==",
            "--tls",
            "--ca-cert-out",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();

    let (connection_string, addr) = connection_line(&first);
    assert!(
        connection_string.starts_with("endpoint=https://127.0.0.1:"),
        "{first}"
    );
    assert!(connection_string.ends_with("/;accesskey=aw=="), "{first}");

    // The file is complete before the line is printed.
    let ca = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        CertificateDer::pem_slice_iter(ca.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .len(),
        1
    );
    let stream = connect(addr, client_config(Some(&ca), &[]), loopback_name())
        .await
        .unwrap();
    let (status, _) = create_http1(stream, addr, "aw==").await;
    assert_eq!(status, StatusCode::CREATED);

    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().await.unwrap().success());
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn ca_cert_out_without_tls_is_a_usage_error() {
    let output = tokio::process::Command::new(BINARY)
        .args(["--port", "0", "--ca-cert-out", "ca.pem"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--tls"), "{stderr}");
}
