//! The state file over restarts: identities, custom ids, revocations and assignments
//! survive, tokens issued before a restart still verify, and a corrupt file stops the start
//! with an error that names it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use acs_emulator::{Emulator, EntraTokenOptions, Error};
use common::{Auth, Call, LATEST, encoded, send, send_to};
use http::{Method, StatusCode};

/// A fresh directory under the system's temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("acs-emulator-state-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_restart_keeps_identities_tokens_revocations_and_assignments() {
    let scratch = Scratch::new();
    let path = scratch.file("state.json");

    let emulator = Emulator::builder().state_file(&path).start().await.unwrap();
    let access_key = emulator.access_key().to_owned();
    let resource_id = emulator.resource_id().to_owned();
    let created = send(
        &emulator,
        Call::post("/identities?api-version=2025-03-02-preview")
            .body(r#"{"customId":"alice","createTokenWithScopes":["chat"]}"#),
    )
    .await
    .json();
    let alice = created["identity"]["id"].as_str().unwrap().to_owned();
    let token = created["accessToken"]["token"].as_str().unwrap().to_owned();
    let revoked = common::create_user(&emulator).await;
    let revoked_token = send(
        &emulator,
        Call::post(format!(
            "/identities/{}/:issueAccessToken?api-version={LATEST}",
            encoded(&revoked)
        ))
        .body(r#"{"scopes":["voip"]}"#),
    )
    .await
    .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &emulator,
        Call::post(format!(
            "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
            encoded(&revoked)
        )),
    )
    .await;
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let object = "1c9d2b3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
    let assignment = format!(
        "/access/teamsExtension/tenants/{tenant}/assignments/{object}?api-version={LATEST}"
    );
    send(
        &emulator,
        Call::new(Method::PUT, assignment.clone()).body(r#"{"principalType":"user"}"#),
    )
    .await;
    let entra = emulator.issue_entra_token(EntraTokenOptions::teams_extension(tenant, object));
    emulator.shutdown().await;

    // The file is JSON, and no temporary file is left next to it.
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["resourceId"], resource_id.as_str());
    assert_eq!(std::fs::read_dir(&scratch.0).unwrap().count(), 1);

    let restarted = Emulator::builder().state_file(&path).start().await.unwrap();
    assert_eq!(restarted.access_key(), access_key);
    assert_eq!(restarted.resource_id(), resource_id);
    assert!(restarted.identity_exists(&alice));
    assert!(restarted.identity_exists(&revoked));
    assert!(restarted.is_token_valid(&token));
    assert!(!restarted.is_token_valid(&revoked_token));

    // Old signatures still work, the custom id still maps, the assignment is still there,
    // and an Entra token minted before the restart still exchanges.
    let again = send_to(
        restarted.local_addr(),
        &access_key,
        Call::post("/identities?api-version=2025-03-02-preview").body(r#"{"customId":"alice"}"#),
    )
    .await;
    assert_eq!(again.json()["identity"]["id"], alice.as_str());
    let reply = send(&restarted, Call::new(Method::GET, assignment)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send(
        &restarted,
        Call::post(format!(
            "/access/teamsExtension/:exchangeAccessToken?api-version={LATEST}"
        ))
        .body("{}")
        .auth(Auth::Bearer(entra.token.clone())),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    // Tokens issued after the restart are numbered after the old ones: revoking now
    // invalidates the old token too.
    send(
        &restarted,
        Call::post(format!(
            "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
            encoded(&alice)
        )),
    )
    .await;
    assert!(!restarted.is_token_valid(&token));
}

#[tokio::test]
async fn a_missing_file_is_an_empty_state_and_is_written_at_start() {
    let scratch = Scratch::new();
    let path = scratch.file("new.json");

    let emulator = Emulator::builder().state_file(&path).start().await.unwrap();
    assert!(emulator.identities().is_empty());
    assert!(path.exists());

    let id = emulator.create_identity();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains(&id));
}

#[tokio::test]
async fn a_corrupt_file_stops_the_start_naming_the_file() {
    let scratch = Scratch::new();
    let path = scratch.file("corrupt.json");
    std::fs::write(&path, b"{\"format\":1,\"identities\":[").unwrap();

    let error = Emulator::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::StateFile { .. }), "{error:?}");
    assert!(error.to_string().contains("corrupt.json"), "{error}");
}

#[tokio::test]
async fn a_file_of_another_resource_is_refused_and_a_given_key_wins() {
    let scratch = Scratch::new();
    let path = scratch.file("state.json");
    let first = Emulator::builder().state_file(&path).start().await.unwrap();
    let resource_id = first.resource_id().to_owned();
    first.shutdown().await;

    let error = Emulator::builder()
        .state_file(&path)
        .resource_id("00000000-0000-0000-0000-000000000000")
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("resource id"), "{error}");

    let key = "ZW11bGF0b3ItdGVzdC1hY2Nlc3Mta2V5LTAxMjM0NTY3ODk=";
    let second = Emulator::builder()
        .state_file(&path)
        .access_key(key)
        .start()
        .await
        .unwrap();
    assert_eq!(second.resource_id(), resource_id);
    assert_eq!(second.access_key(), key);
    second.shutdown().await;
    let third = Emulator::builder().state_file(&path).start().await.unwrap();
    assert_eq!(third.access_key(), key);
}

#[tokio::test]
async fn faulted_requests_do_not_change_the_file() {
    let scratch = Scratch::new();
    let path = scratch.file("state.json");
    let emulator = Emulator::builder()
        .state_file(&path)
        .fault("op=create,status=503".parse().unwrap())
        .start()
        .await
        .unwrap();
    let before = std::fs::read(&path).unwrap();

    let reply = send(
        &emulator,
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test]
async fn the_binary_keeps_users_across_restarts_and_refuses_a_corrupt_file() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    const BINARY: &str = env!("CARGO_BIN_EXE_acs-emulator");
    let scratch = Scratch::new();
    let path = scratch.file("binary.json");
    let key = "aw==";

    let run = || {
        tokio::process::Command::new(BINARY)
            .args(["--port", "0", "--access-key", key, "--state"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let address = |line: String| common::connection_line(&line).1;

    let mut first = run();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let addr = address(lines.next_line().await.unwrap().unwrap());
    let created = send_to(
        addr,
        key,
        Call::post(format!("/identities?api-version={LATEST}")),
    )
    .await;
    let id = created.json()["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    first.kill().await.unwrap();

    let mut second = run();
    let mut lines = BufReader::new(second.stdout.take().unwrap()).lines();
    let addr = address(lines.next_line().await.unwrap().unwrap());
    let revoke = send_to(
        addr,
        key,
        Call::post(format!(
            "/identities/{}/:revokeAccessTokens?api-version={LATEST}",
            encoded(&id)
        )),
    )
    .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    second.kill().await.unwrap();

    std::fs::write(&path, b"not json").unwrap();
    let output = tokio::process::Command::new(BINARY)
        .args(["--port", "0", "--state"])
        .arg(&path)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("binary.json"));
}
