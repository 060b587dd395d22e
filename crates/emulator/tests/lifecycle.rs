//! Starting, stopping and concurrency: the server's life rather than its answers, and the
//! `acs-emulator` binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::Stdio;

use acs_core_auth::ConnectionString;
use acs_emulator::{Emulator, Error};
use common::{Call, LATEST, connection_line, create_user, encoded, send, send_to};
use http::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A loopback address of this file's own (`127.0.77.n`): the tests that check a port is closed
/// after the emulator stops must not see the port handed straight to another test's emulator
/// on `127.0.0.1`, which the system is free to do with a just-freed port.
fn private_loopback(n: u8) -> std::net::IpAddr {
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 77, n))
}

/// Whether connecting to `addr` is eventually refused once the server has stopped.
///
/// Not a timing assertion: the listening socket is closed when the server stops, but a
/// process another test spawns at that moment holds a copy of every descriptor between its
/// fork and its exec, and the kernel keeps accepting into the backlog until that copy is
/// gone too. So the check retries, for up to 10 seconds.
async fn eventually_refused(addr: SocketAddr) -> bool {
    for _ in 0..1000 {
        if TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn the_connection_string_parses_and_names_the_port() {
    let emulator = Emulator::builder()
        .access_key("dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm")
        .start()
        .await
        .unwrap();
    let port = emulator.local_addr().port();

    assert_eq!(
        emulator.connection_string(),
        format!("endpoint=http://127.0.0.1:{port}/;accesskey=dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm")
    );
    let parsed = ConnectionString::parse(&emulator.connection_string()).unwrap();
    assert_eq!(parsed.endpoint(), &emulator.endpoint());
    assert_eq!(emulator.access_key(), "dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm");
    assert!(!format!("{emulator:?}").contains("dGVzdGtleS0wMTIz"));
}

#[tokio::test]
async fn bad_settings_do_not_start() {
    assert!(matches!(
        Emulator::builder().access_key("not base64!").start().await,
        Err(Error::InvalidAccessKey(_))
    ));
    assert!(matches!(
        Emulator::builder().access_key("").start().await,
        Err(Error::InvalidAccessKey(_))
    ));
    assert!(matches!(
        Emulator::builder()
            .resource_id("has_underscore")
            .start()
            .await,
        Err(Error::InvalidResourceId)
    ));

    let first = Emulator::start().await.unwrap();
    let taken = Emulator::builder()
        .port(first.local_addr().port())
        .start()
        .await;
    assert!(matches!(taken, Err(Error::Bind(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_make_fifty_users() {
    let emulator = std::sync::Arc::new(Emulator::start().await.unwrap());

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let emulator = std::sync::Arc::clone(&emulator);
            tokio::spawn(async move { create_user(&emulator).await })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap());
    }

    assert_eq!(ids.len(), 50);
    assert_eq!(emulator.identities().len(), 50);
    assert_eq!(emulator.requests().len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issue_revoke_and_delete_stay_consistent() {
    let emulator = std::sync::Arc::new(Emulator::start().await.unwrap());
    let id = create_user(&emulator).await;

    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let emulator = std::sync::Arc::clone(&emulator);
            let id = id.clone();
            tokio::spawn(async move {
                let target = match n % 3 {
                    0 => format!(
                        "/identities/{}/:issueAccessToken?api-version={LATEST}",
                        encoded(&id)
                    ),
                    1 => format!(
                        "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
                        encoded(&id)
                    ),
                    _ => format!("/identities?api-version={LATEST}"),
                };
                let reply =
                    send(&emulator, Call::post(target).body(r#"{"scopes":["chat"]}"#)).await;
                let token =
                    (n % 3 == 0).then(|| reply.json()["token"].as_str().unwrap().to_owned());
                (reply.status, token)
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        let (status, token) = task.await.unwrap();
        assert!(status.is_success(), "{status}");
        tokens.extend(token);
    }
    assert_eq!(tokens.len(), 10);

    // After a final revoke, no token issued so far is valid.
    let revoke = format!(
        "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
        encoded(&id)
    );
    assert_eq!(
        send(&emulator, Call::post(revoke)).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(tokens.iter().all(|token| !emulator.is_token_valid(token)));
}

#[tokio::test]
async fn dropping_the_emulator_closes_the_port_and_open_connections() {
    let emulator = Emulator::builder()
        .host(private_loopback(1))
        .start()
        .await
        .unwrap();
    let addr = emulator.local_addr();

    // An idle keep-alive connection, after one answered request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(
        format!("POST /nowhere HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 0\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 404");

    drop(emulator);

    assert!(eventually_refused(addr).await);
    let mut rest = Vec::new();
    // A guard against hanging, not a timing assertion: the aborted server drops the socket.
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        idle.read_to_end(&mut rest),
    )
    .await;
    assert!(closed.is_ok());
}

#[tokio::test]
async fn shutdown_stops_the_server_gracefully() {
    let emulator = Emulator::builder()
        .host(private_loopback(2))
        .start()
        .await
        .unwrap();
    let addr = emulator.local_addr();
    create_user(&emulator).await;

    emulator.shutdown().await;
    assert!(eventually_refused(addr).await);
}

#[tokio::test]
async fn the_binary_prints_its_connection_string_then_serves_until_sigterm() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(["--port", "0", "--host", "127.0.0.1", "--access-key", "aw=="])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();

    let (connection_string, addr) = connection_line(&first);
    assert!(
        connection_string.starts_with("endpoint=http://127.0.0.1:"),
        "{first}"
    );
    assert!(connection_string.ends_with("/;accesskey=aw=="), "{first}");
    assert_ne!(addr.port(), 0);
    let reply = send_to(
        addr,
        "aw==",
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);

    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn the_binary_refuses_a_bad_access_key() {
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(["--port", "0", "--access-key", "not base64!"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(!status.success());
}

#[tokio::test]
async fn the_request_log_keeps_the_newest_requests_up_to_its_limit() {
    let emulator = Emulator::builder()
        .request_log_limit(Some(2))
        .start()
        .await
        .unwrap();
    let ids = [
        create_user(&emulator).await,
        create_user(&emulator).await,
        create_user(&emulator).await,
    ];

    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(emulator.identities().len(), 3, "{ids:?}");

    let none = Emulator::builder()
        .request_log_limit(Some(0))
        .start()
        .await
        .unwrap();
    create_user(&none).await;
    assert!(none.requests().is_empty());
    assert_eq!(none.identities().len(), 1);
}
