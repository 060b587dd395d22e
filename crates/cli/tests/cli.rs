//! Runs the `acs-identity` binary against an emulator started in the test process, for
//! every verb and both output formats, and checks exit codes, messages and that no secret
//! reaches stdout or stderr unless `--show-token` asks for the token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use acs_emulator::{Emulator, EntraTokenOptions};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_acs-identity");
const ENV: &str = "COMMUNICATION_SERVICES_CONNECTION_STRING";

/// What one run of the binary printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    fn both(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs the binary with `args`, the connection string (if any) in the environment.
async fn run_with<A: AsRef<str>>(connection_string: Option<String>, args: &[A]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.as_ref().to_owned()).collect();
    let output: Output = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(BINARY);
        command.args(&args).env_remove(ENV);
        if let Some(value) = connection_string {
            command.env(ENV, value);
        }
        command.output().unwrap()
    })
    .await
    .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs the binary against `emulator` and checks that its key was printed nowhere.
async fn run<A: AsRef<str>>(emulator: &Emulator, args: &[A]) -> Run {
    let result = run_with(Some(emulator.connection_string()), args).await;
    assert!(
        !result.both().contains(emulator.access_key()),
        "the access key was printed: {}",
        result.both()
    );
    result
}

async fn start() -> Emulator {
    Emulator::start().await.unwrap()
}

fn assert_hidden(value: &Value) {
    let token = value["token"].as_str().unwrap();
    assert!(
        token.starts_with("<hidden: ") && token.ends_with(" chars>"),
        "{token}"
    );
}

fn unknown_user(emulator: &Emulator) -> String {
    format!("8:acs:{}_{}", emulator.resource_id(), uuid::Uuid::new_v4())
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_without_scopes_prints_only_the_user() {
    let emulator = start().await;

    let json = run(&emulator, &["user", "create"]).await.json();
    let user = json["user"].as_str().unwrap();
    assert!(emulator.identity_exists(user));
    assert_eq!(json.as_object().unwrap().len(), 1, "{json}");

    let table = run(&emulator, &["user", "create", "--output", "table"]).await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", table.stdout);
    assert!(lines[0].starts_with("FIELD") && lines[0].ends_with("VALUE"));
    let id = lines[1].strip_prefix("user").unwrap().trim();
    assert!(emulator.identity_exists(id), "{id}");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_with_scopes_hides_the_token_unless_asked() {
    let emulator = start().await;

    let hidden = run(
        &emulator,
        &["user", "create", "--scope", "chat", "--scope", "voip"],
    )
    .await;
    let json = hidden.json();
    assert_hidden(&json);
    assert!(emulator.identity_exists(json["user"].as_str().unwrap()));
    assert!(json["expiresOn"].as_str().unwrap().ends_with('Z'), "{json}");
    // No JWT (they start with `eyJ`) anywhere.
    assert!(!hidden.both().contains("eyJ"), "{}", hidden.both());

    let shown = run(
        &emulator,
        &[
            "user",
            "create",
            "--scope",
            "chat,voip",
            "--expires-in",
            "90",
            "--show-token",
        ],
    )
    .await
    .json();
    let token = shown["token"].as_str().unwrap();
    assert!(emulator.is_token_valid(token), "{shown}");
    let claims = emulator.token_claims(token).unwrap();
    assert_eq!(claims.user_id, shown["user"].as_str().unwrap());

    let table = run(
        &emulator,
        &["user", "create", "--scope", "chat", "-o", "table"],
    )
    .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("<hidden: "), "{}", table.stdout);
    assert!(table.stdout.contains("expiresOn"), "{}", table.stdout);
    assert!(!table.stdout.contains("eyJ"), "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_issued_and_revoked_and_users_deleted() {
    let emulator = start().await;
    let user = emulator.create_identity();

    let issued = run(
        &emulator,
        &["token", "issue", "--user", &user, "--scope", "chat"],
    )
    .await
    .json();
    assert_eq!(issued["user"], user.as_str());
    assert_hidden(&issued);

    let shown = run(
        &emulator,
        &[
            "token",
            "issue",
            "--user",
            &user,
            "--scope",
            "voip",
            "--expires-in",
            "60",
            "--show-token",
            "-o",
            "table",
        ],
    )
    .await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let token_line = shown
        .stdout
        .lines()
        .find(|line| line.starts_with("token"))
        .unwrap();
    let token = token_line.strip_prefix("token").unwrap().trim();
    assert!(emulator.is_token_valid(token));

    let revoked = run(&emulator, &["token", "revoke", "--user", &user])
        .await
        .json();
    assert_eq!(revoked["user"], user.as_str());
    assert_eq!(revoked["revoked"], true);
    assert!(!emulator.is_token_valid(token));

    let table = run(
        &emulator,
        &["token", "revoke", "--user", &user, "-o", "table"],
    )
    .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("revoked  true"), "{}", table.stdout);

    let deleted = run(&emulator, &["user", "delete", "--user", &user])
        .await
        .json();
    assert_eq!(deleted["deleted"], true);
    assert!(!emulator.identity_exists(&user));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_user_is_a_service_error_with_status_and_code() {
    let emulator = start().await;
    let user = unknown_user(&emulator);

    for args in [
        vec!["user", "delete", "--user", &user],
        vec!["token", "revoke", "--user", &user],
        vec!["token", "issue", "--user", &user, "--scope", "chat"],
    ] {
        let failed = run(&emulator, &args).await;
        assert_eq!(failed.code, 1, "{args:?}: {}", failed.both());
        assert!(failed.stdout.is_empty(), "{}", failed.stdout);
        assert!(failed.stderr.starts_with("error: "), "{}", failed.stderr);
        assert!(failed.stderr.contains("404"), "{}", failed.stderr);
        assert!(
            failed.stderr.contains("IdentityNotFound"),
            "{}",
            failed.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_connection_strings_are_refused_without_echoing_the_key() {
    // Not base64: refused before anything is sent, as a usage error.
    let secret = "not-base64-secret!!";
    let failed = run_with(
        Some(format!("endpoint=http://127.0.0.1:9/;accesskey={secret}")),
        &["user", "create"],
    )
    .await;
    assert_eq!(failed.code, 2, "{}", failed.both());
    assert!(
        failed.stderr.contains("connection string"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("base64"), "{}", failed.stderr);
    assert!(!failed.both().contains(secret), "{}", failed.both());

    // The same on the command line, in both spellings.
    for args in [
        vec![
            "--connection-string",
            "endpoint=http://127.0.0.1:9/;accesskey=not-base64-secret!!",
            "user",
            "create",
        ],
        vec![
            "--connection-string=endpoint=http://127.0.0.1:9/;accesskey=not-base64-secret!!",
            "user",
            "create",
        ],
    ] {
        let failed = run_with(None, &args).await;
        assert_eq!(failed.code, 2, "{}", failed.both());
        assert!(!failed.both().contains(secret), "{}", failed.both());
    }

    // No endpoint at all.
    let failed = run_with(
        Some("accesskey=c2VjcmV0LWtleQ==".to_owned()),
        &["user", "create"],
    )
    .await;
    assert_eq!(failed.code, 2, "{}", failed.both());
    assert!(failed.stderr.contains("endpoint"), "{}", failed.stderr);
    assert!(
        !failed.both().contains("c2VjcmV0LWtleQ"),
        "{}",
        failed.both()
    );

    // No connection string: a usage error that says what to do.
    let failed = run_with(None, &["user", "create"]).await;
    assert_eq!(failed.code, 2, "{}", failed.both());
    assert!(failed.stderr.contains(ENV), "{}", failed.stderr);
    assert!(failed.stderr.contains("--emulator"), "{}", failed.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_a_service_error_that_does_not_echo_it() {
    let emulator = start().await;
    let wrong_key = "d3Jvbmcta2V5LWZvci10aGlzLWVtdWxhdG9y";
    let connection_string = format!("endpoint={};accesskey={wrong_key}", emulator.endpoint());

    let failed = run_with(Some(connection_string.clone()), &["user", "create"]).await;
    assert_eq!(failed.code, 1, "{}", failed.both());
    assert!(failed.stderr.contains("401"), "{}", failed.stderr);
    assert!(!failed.both().contains(wrong_key), "{}", failed.both());
    assert!(!failed.both().contains(emulator.access_key()));

    let failed = run_with(
        None,
        &["--connection-string", &connection_string, "user", "create"],
    )
    .await;
    assert_eq!(failed.code, 1, "{}", failed.both());
    assert!(!failed.both().contains(wrong_key), "{}", failed.both());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_a_transport_error_naming_the_endpoint() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let key = "c2VjcmV0LWtleS1mb3ItYS1jbG9zZWQtcG9ydA==";
    let failed = run_with(
        Some(format!("endpoint=http://127.0.0.1:{port}/;accesskey={key}")),
        &["user", "delete", "--user", "8:acs:someone"],
    )
    .await;
    assert_eq!(failed.code, 1, "{}", failed.both());
    assert!(
        failed.stderr.contains("connection error"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains(&format!("127.0.0.1:{port}")),
        "{}",
        failed.stderr
    );
    assert!(!failed.both().contains(key), "{}", failed.both());
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2_before_anything_is_sent() {
    let emulator = start().await;
    let user = emulator.create_identity();

    let cases: Vec<Vec<&str>> = vec![
        vec![
            "token",
            "issue",
            "--user",
            &user,
            "--scope",
            "chat",
            "--expires-in",
            "59",
        ],
        vec![
            "token",
            "issue",
            "--user",
            &user,
            "--scope",
            "chat",
            "--expires-in",
            "1441",
        ],
        vec!["user", "create", "--scope", "chat", "--expires-in", "30"],
        // A lifetime needs a token to apply to.
        vec!["user", "create", "--expires-in", "60"],
        // Scopes are required for a token.
        vec!["token", "issue", "--user", &user],
        vec!["token", "issue", "--user", &user, "--scope", ""],
        vec!["--api-version", "1999-01-01", "user", "create"],
        // A lifetime the chosen api-version cannot carry.
        vec![
            "--api-version",
            "2021-03-07",
            "token",
            "issue",
            "--user",
            &user,
            "--scope",
            "chat",
            "--expires-in",
            "60",
        ],
        // Teams Extension needs 2025-06-30.
        vec![
            "--api-version",
            "2023-10-01",
            "teams-extension",
            "assignment",
            "show",
            "--tenant-id",
            "t",
            "--object-id",
            "o",
        ],
        vec!["user", "frobnicate"],
        vec!["teams-extension", "assignment", "show", "--tenant-id", "t"],
    ];
    for args in &cases {
        let failed = run(&emulator, args).await;
        assert_eq!(failed.code, 2, "{args:?}: {}", failed.both());
        assert!(failed.stdout.is_empty(), "{args:?}: {}", failed.stdout);
        assert!(
            failed.stderr.contains("error"),
            "{args:?}: {}",
            failed.stderr
        );
    }
    let range = run(
        &emulator,
        &[
            "token",
            "issue",
            "--user",
            &user,
            "--scope",
            "chat",
            "--expires-in",
            "59",
        ],
    )
    .await;
    assert!(range.stderr.contains("60..=1440"), "{}", range.stderr);
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());

    // An older api-version that has what the command needs is fine.
    let older = run(
        &emulator,
        &[
            "--api-version",
            "2021-03-07",
            "token",
            "issue",
            "--user",
            &user,
            "--scope",
            "chat",
        ],
    )
    .await
    .json();
    assert_hidden(&older);
    let sent = emulator.requests().last().unwrap().api_version.clone();
    assert_eq!(sent.as_deref(), Some("2021-03-07"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_teams_user_token_is_exchanged_without_printing_either_token() {
    let emulator = start().await;
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());

    let args = [
        "token",
        "get-for-teams-user",
        "--aad-token",
        &entra.token,
        "--client-id",
        &entra.app_id,
        "--user-object-id",
        &entra.object_id,
    ];
    let exchanged = run(&emulator, &args).await;
    let json = exchanged.json();
    assert_hidden(&json);
    assert!(json.get("expiresOn").is_some(), "{json}");
    assert!(!exchanged.both().contains(&entra.token));
    assert!(!exchanged.both().contains("eyJ"), "{}", exchanged.both());

    let mut shown_args = args.to_vec();
    shown_args.extend(["--show-token", "-o", "table"]);
    let shown = run(&emulator, &shown_args).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let token = shown
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("token"))
        .unwrap()
        .trim();
    assert!(emulator.is_token_valid(token), "{}", shown.stdout);
    assert!(!shown.both().contains(&entra.token));

    // The service refuses a client id that is not the token's.
    let wrong = run(
        &emulator,
        &[
            "token",
            "get-for-teams-user",
            "--aad-token",
            &entra.token,
            "--client-id",
            "00000000-0000-0000-0000-000000000000",
            "--user-object-id",
            &entra.object_id,
        ],
    )
    .await;
    assert_eq!(wrong.code, 1, "{}", wrong.both());
    assert!(wrong.stderr.contains("HTTP 4"), "{}", wrong.stderr);
    assert!(!wrong.both().contains(&entra.token), "{}", wrong.both());
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_extension_assignments_and_exchange() {
    let emulator = start().await;
    let tenant = uuid::Uuid::new_v4().to_string();
    let object = uuid::Uuid::new_v4().to_string();
    let entra = emulator.issue_entra_token(EntraTokenOptions::teams_extension(&tenant, &object));
    let principal = [
        "--tenant-id",
        tenant.as_str(),
        "--object-id",
        object.as_str(),
    ];
    let with = |verb: &'static str, extra: &[&'static str]| -> Vec<String> {
        let mut args = vec![
            "teams-extension".to_owned(),
            "assignment".to_owned(),
            verb.to_owned(),
        ];
        args.extend(principal.iter().map(|s| (*s).to_owned()));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };

    // Nothing yet.
    let args = with("show", &[]);
    let missing = run(&emulator, &args).await;
    assert_eq!(missing.code, 1, "{}", missing.both());
    assert!(missing.stderr.contains("404"), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("AssignmentNotFound"),
        "{}",
        missing.stderr
    );

    // Created, then replaced.
    let mut args = with("create", &[]);
    args.extend(["--client-id".to_owned(), entra.app_id.clone()]);
    let created = run(&emulator, &args).await.json();
    assert_eq!(created["created"], true);
    assert_eq!(created["tenantId"], tenant.as_str());
    assert_eq!(created["objectId"], object.as_str());
    assert_eq!(created["principalType"], "user");
    assert_eq!(created["clientIds"], serde_json::json!([entra.app_id]));

    let mut args = with(
        "create",
        &["--principal-type", "resourceAccount", "-o", "table"],
    );
    args.extend(["--client-id".to_owned(), format!("{},other", entra.app_id)]);
    let replaced = run(&emulator, &args).await;
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    assert!(
        replaced.stdout.contains("created        false"),
        "{}",
        replaced.stdout
    );
    assert!(
        replaced.stdout.contains("principalType  resourceAccount"),
        "{}",
        replaced.stdout
    );
    assert!(
        replaced
            .stdout
            .contains(&format!("clientIds      {}, other", entra.app_id)),
        "{}",
        replaced.stdout
    );

    // Back to a user, so the exchange accepts the user token.
    let mut args = with("create", &["--principal-type", "user"]);
    args.extend(["--client-id".to_owned(), entra.app_id.clone()]);
    assert_eq!(run(&emulator, &args).await.json()["created"], false);

    let shown = run(&emulator, &with("show", &[])).await.json();
    assert_eq!(shown["principalType"], "user");
    assert!(shown.get("created").is_none(), "{shown}");

    let exchange = run(
        &emulator,
        &["teams-extension", "exchange", "--entra-token", &entra.token],
    )
    .await;
    let exchanged = exchange.json();
    assert_hidden(&exchanged);
    let expected_user = format!("8:acs:{}_{tenant}_{object}", emulator.resource_id());
    assert_eq!(exchanged["user"], expected_user.as_str());
    assert!(!exchange.both().contains(&entra.token));

    let deleted = run(&emulator, &with("delete", &[])).await.json();
    assert_eq!(deleted["deleted"], true);
    let again = run(&emulator, &with("delete", &["-o", "table"])).await;
    assert_eq!(again.code, 1, "{}", again.both());
    assert!(
        again.stderr.contains("AssignmentNotFound"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_embedded_emulator_works_and_help_warns_about_its_state() {
    let created = run_with(None, &["--emulator", "user", "create", "--scope", "chat"]).await;
    let json = created.json();
    assert!(json["user"].as_str().unwrap().starts_with("8:acs:"));
    assert_hidden(&json);
    assert!(!created.both().contains("accesskey"), "{}", created.both());

    // --emulator and a connection string on the command line exclude each other ...
    let both = run_with(
        Some("endpoint=http://127.0.0.1:9/;accesskey=c2VjcmV0LWtleQ==".to_owned()),
        &["--emulator", "--connection-string", "x", "user", "create"],
    )
    .await;
    assert_eq!(both.code, 2, "{}", both.both());
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
    assert!(!both.both().contains("c2VjcmV0"), "{}", both.both());

    // ... but one in the environment gives way to --emulator.
    let from_environment = run_with(
        Some("endpoint=http://127.0.0.1:9/;accesskey=c2VjcmV0LWtleQ==".to_owned()),
        &["--emulator", "user", "create", "--scope", "chat"],
    )
    .await;
    assert_eq!(from_environment.code, 0, "{}", from_environment.both());
    assert!(
        from_environment.json()["user"]
            .as_str()
            .unwrap()
            .starts_with("8:acs:")
    );

    let help = run_with(None, &["--help"]).await;
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("--emulator"), "{}", help.stdout);
    assert!(help.stdout.contains("lost"), "{}", help.stdout);
    assert!(help.stdout.contains("--show-token"), "{}", help.stdout);

    // The help never shows the value of the connection string's variable.
    let help = run_with(
        Some("endpoint=http://127.0.0.1:9/;accesskey=c2VjcmV0LWtleQ==".to_owned()),
        &["user", "create", "--help"],
    )
    .await;
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(!help.both().contains("c2VjcmV0LWtleQ"), "{}", help.both());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_emulator_is_reached_with_its_ca_certificate_and_refused_without() {
    let emulator = Emulator::builder()
        .tls(acs_emulator::TlsOptions::default())
        .start()
        .await
        .unwrap();
    let ca = std::env::temp_dir().join(format!("acs-cli-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, emulator.ca_certificate_pem().unwrap()).unwrap();

    let trusted = run(
        &emulator,
        &["user", "create", "--ca-cert", ca.to_str().unwrap()],
    )
    .await;
    assert_eq!(trusted.code, 0, "{}", trusted.both());
    let user: Value = serde_json::from_str(&trusted.stdout).unwrap();
    assert!(user["user"].as_str().unwrap().starts_with("8:acs:"));

    let untrusted = run(&emulator, &["user", "create"]).await;
    assert_eq!(untrusted.code, 1, "{}", untrusted.both());
    assert!(
        untrusted.stderr.contains("TLS handshake failed"),
        "{}",
        untrusted.stderr
    );

    let missing = run(
        &emulator,
        &["user", "create", "--ca-cert", "/nonexistent/ca.pem"],
    )
    .await;
    assert_eq!(missing.code, 2, "{}", missing.both());
    assert!(missing.stderr.contains("--ca-cert"), "{}", missing.stderr);

    std::fs::remove_file(&ca).unwrap();
    assert!(emulator.identities().len() == 1);
}
