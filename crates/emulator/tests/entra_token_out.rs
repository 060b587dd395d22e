//! The binary's `--entra-token-out`: the file holds a bearer token this emulator accepts,
//! complete by the time the connection string is printed, and never shown on stdout or in
//! the log; a token changed in its signature is refused, and a file that cannot be written
//! stops the start.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::{Auth, Call, LATEST, connection_line, jwt_claims, send_to};
use http::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const BINARY: &str = env!("CARGO_BIN_EXE_acs-emulator");

/// The access key the binary is started with; bearer requests never use it.
const ACCESS_KEY: &str = "aw==";

/// A path of this test run's own under cargo's scratch folder for tests.
fn scratch_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", uuid::Uuid::new_v4()))
}

fn create_identity() -> Call {
    Call::post(format!("/identities?api-version={LATEST}")).body("{}")
}

/// `token` with the first character of its signature replaced by another one.
fn tampered(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let first = signature.chars().next().unwrap();
    let other = if first == 'A' { 'B' } else { 'A' };
    format!("{signed}.{other}{}", &signature[first.len_utf8()..])
}

#[tokio::test]
async fn the_token_file_authenticates_bearer_requests() {
    let path = scratch_path("entra-token");
    let mut child = tokio::process::Command::new(BINARY)
        .args([
            "--port",
            "0",
            "--access-key",
            ACCESS_KEY,
            "--entra-token-out",
        ])
        .arg(&path)
        // The most detailed log there is, to show that not even it carries the token.
        .env("RUST_LOG", "acs_emulator=trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).await.unwrap();

    // Complete as soon as the line is out: one JWT and a newline, for the owner only.
    let contents = std::fs::read_to_string(&path).unwrap();
    let token = contents.strip_suffix('\n').unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3, "not a JWT");
    assert!(!token.contains(char::is_whitespace));
    let claims = jwt_claims(&token);
    assert_eq!(claims["aud"], "https://communication.azure.com");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        24 * 60 * 60
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    let (_, addr) = connection_line(&first);

    let reply = send_to(
        addr,
        ACCESS_KEY,
        create_identity().auth(Auth::Bearer(token.clone())),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert!(
        reply.json()["identity"]["id"]
            .as_str()
            .unwrap()
            .starts_with("8:acs:")
    );

    let reply = send_to(
        addr,
        ACCESS_KEY,
        create_identity().auth(Auth::Bearer(tampered(&token))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);

    // Everything the process wrote, once it is gone: the token is in neither stream.
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .await
        .unwrap();
    let signature = token.rsplit('.').next().unwrap();
    for (stream, text) in [("stdout", format!("{first}{rest}")), ("stderr", log)] {
        assert!(!text.contains(signature), "the token is on {stream}");
    }
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn an_existing_token_file_is_replaced_and_made_private() {
    let path = scratch_path("entra-token-existing");
    std::fs::write(
        &path,
        "an older and much longer content than any token could be\n".repeat(50),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    let mut child = tokio::process::Command::new(BINARY)
        .args(["--port", "0", "--entra-token-out"])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .await
        .unwrap();
    assert!(first.starts_with("ACS_CONNECTION_STRING="), "{first}");

    let contents = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        contents.lines().count(),
        1,
        "the old content is still there"
    );
    assert_eq!(contents.trim_end().split('.').count(), 3, "not a JWT");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_token_file_that_cannot_be_written_stops_the_start() {
    let path = scratch_path("missing-folder").join("entra-token");
    let output = tokio::process::Command::new(BINARY)
        .args(["--port", "0", "--entra-token-out"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot write the Entra token file"),
        "{stderr}"
    );
    assert!(stderr.contains("entra-token"), "{stderr}");
    // A JWT's header starts with `eyJ` (`{"` in base64url); none may be in the message.
    assert!(!stderr.contains("eyJ"), "{stderr}");
    assert!(!path.exists());
}
