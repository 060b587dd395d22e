//! The whole client flow, with every log event and every printed value searched for secrets.
//!
//! All six operations run twice against the in-process emulator on 127.0.0.1: signed with
//! the access key of a connection string, then with an Entra token the emulator minted as
//! the bearer credential. Fault rules make some attempts fail so that calls are retried, and
//! some calls fail for good (a 500 on a create, a wrong key, an expired Entra token, a
//! deleted user, a mismatched Teams app id). A Teams Extension assignment is made and a
//! Teams Phone user's Entra token exchanged, which goes out as the request's own bearer
//! credential. A `tracing` subscriber at TRACE captures every
//! event on the test thread; the runtime has one thread, so that includes the emulator's
//! server and hyper's connection tasks. Then the access keys (base64 and decoded), every
//! signature and bearer token the client sent, every access token issued and every Entra
//! token must appear nowhere: not in the capture, and not in the `Debug` or `Display` of
//! any value or error the calls returned, nor of the clients, options and credentials.
//!
//! Signatures are taken from what the client sent (a per-try policy placed after signing
//! reads each attempt's `Authorization` header); the emulator's request log, which holds no
//! credentials, confirms that every attempt it received was seen there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::error::Error as _;
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use acs_core_auth::ConnectionString;
use acs_core_http::{Context, Next, Policy, Request, Response, async_trait};
use acs_emulator::{AuthScheme, Emulator, EntraToken, EntraTokenOptions, FaultRule};
use acs_identity::{
    AzureKeyCredential, ClientOptions, CommunicationIdentityClient,
    CommunicationIdentityClientOptions, CommunicationIdentityTokenScope as Scope,
    CommunicationUserIdentifier, CreateUserAndTokenOptions, Error, ErrorKind,
    GetTokenForTeamsUserOptions, GetTokenOptions, LoggingOptions, Secret, StaticTokenCredential,
    TeamsExtensionAssignmentOptions, TeamsExtensionPrincipalType, TokenCredential,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt as _;

use support::faults::fast_retry;

/// Printable once decoded, so that a leak of the decoded key is visible as text too.
const KEY_DECODED: &str = "decoded-access-key-for-the-secrets-flow-0123456789";
const WRONG_KEY_DECODED: &str = "a-key-the-emulator-does-not-know-9876543210";

/// Everything the subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Records the credential of every attempt as sent: the `Signature=` of an HMAC header or
/// the token of a bearer header. Runs after the authentication policy.
#[derive(Debug, Default)]
struct SentCredentials(Mutex<Vec<String>>);

impl SentCredentials {
    fn all(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Policy for SentCredentials {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: Next<'_>,
    ) -> acs_core_http::Result<Response> {
        let header = request
            .headers()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let credential = match header.split_once("Signature=") {
            Some((_, signature)) => Some(signature),
            None => header.strip_prefix("Bearer "),
        };
        if let Some(credential) = credential {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(credential.to_owned());
        }
        next.run(ctx, request).await
    }
}

/// Options that retry at once, log generously (a caller may allow the `Authorization`
/// header; it must stay redacted) and record what each attempt sent.
fn recording_options(sent: &Arc<SentCredentials>) -> CommunicationIdentityClientOptions {
    CommunicationIdentityClientOptions {
        client_options: ClientOptions {
            retry: fast_retry(3),
            logging: LoggingOptions {
                additional_allowed_headers: vec![
                    "authorization".into(),
                    "x-ms-content-sha256".into(),
                ],
                additional_allowed_query_params: vec!["api-version".into()],
            },
            per_try_policies: vec![sent.clone()],
            ..ClientOptions::default()
        },
        ..CommunicationIdentityClientOptions::default()
    }
}

/// What the flow printed and which secrets it met.
#[derive(Default)]
struct Flow {
    printed: String,
    secrets: Vec<String>,
}

impl Flow {
    /// Prints `value` the way an application might: `Debug`, pretty `Debug`.
    fn debug(&mut self, value: &dyn std::fmt::Debug) {
        let _ = writeln!(self.printed, "{value:?}\n{value:#?}");
    }

    /// Prints `value` with `Display` and `Debug`.
    fn show(&mut self, value: &(impl std::fmt::Display + std::fmt::Debug)) {
        let _ = writeln!(self.printed, "{value}");
        self.debug(value);
    }

    /// Prints an error, its `Display`, `Debug` and every source in its chain.
    fn error(&mut self, error: &Error) {
        self.show(error);
        let mut source = error.source();
        while let Some(cause) = source {
            let _ = writeln!(self.printed, "{cause}\n{cause:?}");
            source = cause.source();
        }
    }

    /// Prints a call's outcome, keeping any token it returned as a secret.
    fn outcome<T: std::fmt::Debug>(&mut self, result: &Result<T, Error>) {
        match result {
            Ok(value) => self.debug(value),
            Err(error) => self.error(error),
        }
    }

    fn secret_token(&mut self, token: &str) {
        self.secrets.push(token.to_owned());
        // The signature segment alone is what makes a JWT a credential.
        if let Some((_, signature)) = token.rsplit_once('.') {
            self.secrets.push(signature.to_owned());
        }
    }

    fn entra(&mut self, entra: &EntraToken) {
        self.secret_token(&entra.token);
        self.debug(entra);
    }
}

/// The six operations through `client`, with the retries the installed faults cause and
/// the errors a deleted user and a mismatched Teams app id cause.
async fn every_operation(
    flow: &mut Flow,
    client: &CommunicationIdentityClient,
    teams: &EntraToken,
) {
    let user = client.create_user().await;
    flow.outcome(&user);
    let user = user.unwrap();
    flow.show(&user);

    let both = client
        .create_user_and_token(&[Scope::Chat], CreateUserAndTokenOptions::default())
        .await;
    flow.outcome(&both);
    let both = both.unwrap();
    flow.secret_token(both.access_token.token.expose());
    flow.show(&both.user);
    flow.debug(&both.access_token);
    flow.show(&both.access_token.token);

    let token = client
        .get_token(
            &user,
            &[Scope::Chat, Scope::Voip],
            GetTokenOptions::default(),
        )
        .await;
    flow.outcome(&token);
    let token = token.unwrap();
    flow.secret_token(token.token.expose());
    flow.show(&token.token);

    let revoked = client.revoke_tokens(&user).await;
    flow.outcome(&revoked);
    revoked.unwrap();

    let exchange = GetTokenForTeamsUserOptions::new(
        teams.token.clone(),
        teams.app_id.clone(),
        teams.object_id.clone(),
    );
    flow.debug(&exchange);
    let teams_token = client.get_token_for_teams_user(exchange).await;
    flow.outcome(&teams_token);
    flow.secret_token(teams_token.unwrap().token.expose());

    let deleted = client.delete_user(&user).await;
    flow.outcome(&deleted);
    deleted.unwrap();
    let deleted = client.delete_user(&both.user).await;
    flow.outcome(&deleted);
    deleted.unwrap();

    // Errors the service decides: the user is gone, and the app id does not match.
    let gone = client
        .get_token(&user, &[Scope::Chat], GetTokenOptions::default())
        .await;
    assert_eq!(gone.as_ref().unwrap_err().status().unwrap().as_u16(), 404);
    flow.outcome(&gone);
    let mismatched = client
        .get_token_for_teams_user(GetTokenForTeamsUserOptions::new(
            teams.token.clone(),
            uuid::Uuid::new_v4().to_string(),
            teams.object_id.clone(),
        ))
        .await;
    assert_eq!(
        mismatched.as_ref().unwrap_err().status().unwrap().as_u16(),
        400
    );
    flow.outcome(&mismatched);
}

fn faults(specs: &[&str]) -> Vec<FaultRule> {
    specs.iter().map(|spec| spec.parse().unwrap()).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// The forms of an access key that must not appear.
fn key_forms(decoded: &str) -> Vec<String> {
    let base64 = STANDARD.encode(decoded);
    vec![
        decoded.to_owned(),
        base64.trim_end_matches('=').to_owned(),
        base64,
        hex(decoded.as_bytes()),
        // How `{:?}` prints the start of the key's bytes.
        format!("{:?}", &decoded.as_bytes()[..6])
            .trim_end_matches(']')
            .to_owned(),
    ]
}

#[tokio::test]
async fn no_secret_reaches_logs_or_printed_values_in_the_whole_flow() {
    let captured = Captured::default();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish()
        .set_default();

    let mut flow = Flow::default();
    let emulator = Emulator::builder()
        .access_key(STANDARD.encode(KEY_DECODED))
        .start()
        .await
        .unwrap();
    flow.debug(&emulator);
    let sent = Arc::new(SentCredentials::default());

    // Signed with the access key; the first create is throttled, the first issue reset
    // and the first revoke answered 500, so each of those is retried.
    emulator.set_faults(faults(&[
        "op=create,first=1,status=503,retry-after=0",
        "op=issue,first=1,kind=reset",
        "op=revoke,first=1,status=500",
        "op=exchange,first=1,kind=truncate",
    ]));
    let connection_string = emulator.connection_string();
    flow.debug(&ConnectionString::parse(&connection_string).unwrap());
    let options = recording_options(&sent);
    flow.debug(&options);
    let by_key =
        CommunicationIdentityClient::from_connection_string(&connection_string, options).unwrap();
    flow.debug(&by_key);
    let teams = emulator.issue_entra_token(EntraTokenOptions::default());
    flow.entra(&teams);
    every_operation(&mut flow, &by_key, &teams).await;

    // Creates answered 500, or cut off by a reset, are not retried; their errors (the
    // second with a chain of transport causes) are printed.
    emulator.set_faults(faults(&[
        "op=create,first=1,status=500",
        "op=create,first=1,kind=reset",
    ]));
    let refused = by_key.create_user().await;
    assert_eq!(
        refused.as_ref().unwrap_err().status().unwrap().as_u16(),
        500
    );
    flow.outcome(&refused);
    let reset = by_key
        .create_user_and_token(&[Scope::Voip], CreateUserAndTokenOptions::default())
        .await;
    assert_eq!(reset.as_ref().unwrap_err().kind(), &ErrorKind::Connection);
    flow.outcome(&reset);

    // A key the emulator does not know: every call is refused with 401.
    let wrong_key = AzureKeyCredential::new(STANDARD.encode(WRONG_KEY_DECODED)).unwrap();
    flow.debug(&wrong_key);
    flow.show(&wrong_key.key());
    let by_wrong_key = CommunicationIdentityClient::new(
        emulator.endpoint().as_str(),
        wrong_key,
        recording_options(&sent),
    )
    .unwrap();
    let denied = by_wrong_key.create_user().await;
    assert_eq!(denied.as_ref().unwrap_err().status().unwrap().as_u16(), 401);
    flow.outcome(&denied);

    // Teams Extension: the user token is the exchange's only credential, and the logging
    // options above allow the `Authorization` header; it must stay redacted all the same.
    let phone = emulator.issue_entra_token(EntraTokenOptions::teams_extension(
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
    ));
    flow.entra(&phone);
    let assignment = by_key
        .create_or_replace_teams_extension_assignment(
            &phone.tenant_id,
            &phone.object_id,
            TeamsExtensionAssignmentOptions::new(TeamsExtensionPrincipalType::User)
                .with_client_ids([phone.app_id.clone()]),
        )
        .await;
    flow.outcome(&assignment);
    assignment.unwrap();
    let phone_token = Secret::new(phone.token.clone());
    let exchanged = by_key.exchange_teams_extension_token(&phone_token).await;
    flow.outcome(&exchanged);
    let exchanged = exchanged.unwrap();
    flow.secret_token(exchanged.access_token.token.expose());
    flow.show(&exchanged.user);
    flow.debug(&exchanged.access_token);

    // Bearer: an Entra token the emulator minted; throttling and a 503 cause retries.
    emulator.set_faults(faults(&[
        "op=create,first=1,status=429,retry-after-ms=1",
        "op=issue,first=1,status=503",
        "op=delete,first=1,kind=reset",
    ]));
    let entra = emulator.issue_entra_token(EntraTokenOptions::default());
    flow.entra(&entra);
    let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new(
        entra.token.clone(),
        entra.expires_on,
    ));
    flow.debug(&credential);
    let by_token = CommunicationIdentityClient::with_token_credential(
        emulator.endpoint().as_str(),
        credential,
        recording_options(&sent),
    )
    .unwrap();
    flow.debug(&by_token);
    let teams = emulator.issue_entra_token(EntraTokenOptions::default());
    flow.entra(&teams);
    every_operation(&mut flow, &by_token, &teams).await;

    // An expired Entra token is refused with 401.
    let expired = emulator.issue_entra_token(EntraTokenOptions {
        lifetime: time::Duration::minutes(-5),
        ..EntraTokenOptions::default()
    });
    flow.entra(&expired);
    let by_expired = CommunicationIdentityClient::with_token_credential(
        emulator.endpoint().as_str(),
        Arc::new(StaticTokenCredential::new(
            expired.token.clone(),
            expired.expires_on,
        )),
        recording_options(&sent),
    )
    .unwrap();
    let denied = by_expired
        .revoke_tokens(&CommunicationUserIdentifier::new(
            emulator.create_identity(),
        ))
        .await;
    assert_eq!(denied.as_ref().unwrap_err().status().unwrap().as_u16(), 401);
    flow.outcome(&denied);

    // Every attempt the emulator received was seen by the recorder, and was retried where
    // the faults said.
    let log = emulator.requests();
    let sent = sent.all();
    assert_eq!(sent.len(), log.len(), "one recorded credential per attempt");
    assert_eq!(log.iter().filter(|r| r.fault.is_some()).count(), 9);
    for scheme in [AuthScheme::Hmac, AuthScheme::Bearer] {
        assert!(
            log.iter()
                .any(|r| r.auth_scheme == Some(scheme) && r.signature_valid)
        );
    }

    let mut forbidden = key_forms(KEY_DECODED);
    forbidden.extend(key_forms(WRONG_KEY_DECODED));
    forbidden.extend(sent);
    forbidden.append(&mut flow.secrets);

    let logs = captured.text();
    for expected in ["sending request", "retrying", "answered request", "DEBUG"] {
        assert!(
            logs.contains(expected),
            "the capture lacks `{expected}`:\n{logs}"
        );
    }
    for secret in &forbidden {
        assert!(secret.len() >= 16, "too short to search for: {secret:?}");
        assert!(
            !logs.contains(secret.as_str()),
            "the logs show `{secret}`:\n{logs}"
        );
        assert!(
            !flow.printed.contains(secret.as_str()),
            "a printed value shows `{secret}`:\n{}",
            flow.printed
        );
    }
}
