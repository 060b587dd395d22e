//! The binary's `--fault` and `--fault-seed` flags: rules given on the command line are
//! served, and a spec that does not parse stops the process with status 2 and a message
//! naming the problem.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;

use common::{Call, LATEST, connection_line, send_to};
use http::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};

const BINARY: &str = env!("CARGO_BIN_EXE_acs-emulator");

#[tokio::test]
async fn fault_flags_are_served() {
    let mut child = tokio::process::Command::new(BINARY)
        .args(["--port", "0", "--access-key", "aw==", "--fault-seed", "3"])
        .args([
            "--fault",
            "op=create,first=1,status=503,retry-after=0.941641",
        ])
        .args(["--fault", "op=delete,kind=html,status=502"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let (_, addr) = connection_line(&first);
    let create = || Call::post(format!("/identities?api-version={LATEST}"));

    let throttled = send_to(addr, "aw==", create()).await;
    assert_eq!(throttled.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(throttled.header("retry-after"), Some("0.941641"));
    assert_eq!(
        send_to(addr, "aw==", create()).await.status,
        StatusCode::CREATED
    );

    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test]
async fn a_bad_fault_spec_exits_with_status_2_and_says_why() {
    for (spec, expected) in [
        ("op=list,kind=reset", "op=list"),
        ("kind=explode", "unknown kind 'explode'"),
        ("status=200", "400 to 599"),
        ("op=create", "names no fault"),
    ] {
        let output = tokio::process::Command::new(BINARY)
            .args(["--port", "0", "--fault", spec])
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{spec}");
        assert!(output.stdout.is_empty(), "{spec}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--fault"), "{spec}: {stderr}");
        assert!(stderr.contains(expected), "{spec}: {stderr}");
    }

    let output = tokio::process::Command::new(BINARY)
        .args(["--port", "0", "--fault-seed", "minus-one"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn help_documents_the_grammar() {
    let output = tokio::process::Command::new(BINARY)
        .arg("--help")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--fault <SPEC>",
        "--fault-seed <N>",
        "kind=status|reset|reset-after|hang|truncate|html",
        "retry-after-ms=N",
        "op=create,first=2,status=503,retry-after=0.941641",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
