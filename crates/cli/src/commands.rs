//! Runs one parsed command: connects a [`CommunicationIdentityClient`] (to the resource of
//! the connection string, or to an emulator started in this process), makes the one call
//! the command stands for and turns its result into a [`Record`].
//!
//! Failures come back as [`Failure`], which knows its exit code: a value refused before
//! sending ([`ErrorKind::InvalidInput`]) is a usage error (2), anything the service or the
//! network did is 1.

use std::sync::Arc;

use acs_emulator::Emulator;
use acs_identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions, CommunicationUserIdentifier,
    CommunicationUserToken, CreateUserAndTokenOptions, Error, ErrorKind,
    GetTokenForTeamsUserOptions, GetTokenOptions, HyperTransport, Secret, TeamsExtensionAssignment,
    TeamsExtensionAssignmentOptions, TokenLifetime, Transport,
};

use crate::args::{
    AssignmentCommand, CONNECTION_STRING_ENV, Cli, Command, TeamsExtensionCommand, TokenCommand,
    UserCommand,
};
use crate::output::Record;

/// Why a command failed, with the exit code it ends with.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line or a value in it cannot be used; exit code 2.
    Usage(String),
    /// The call failed at the service or on the way to it; exit code 1.
    Call(String),
}

impl Failure {
    /// The process exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Call(_) => 1,
        }
    }

    /// The text printed to stderr (before redaction).
    pub(crate) fn message(&self) -> &str {
        match self {
            Failure::Usage(message) | Failure::Call(message) => message,
        }
    }

    /// The failure for a client error: the error's own text (status, service code and
    /// message for an answer of the service), the endpoint for a transport failure, which
    /// otherwise would not say where, and the client request id for support cases.
    fn from_call(error: Error, endpoint: &url::Url) -> Self {
        let mut message = error.to_string();
        if matches!(
            error.kind(),
            ErrorKind::Connection | ErrorKind::Io | ErrorKind::Timeout
        ) {
            message.push_str(&format!(" (endpoint {endpoint})"));
        }
        if let Some(id) = error.client_request_id() {
            message.push_str(&format!(" (client request id {id})"));
        }
        if error.kind() == &ErrorKind::InvalidInput {
            Failure::Usage(message)
        } else {
            Failure::Call(message)
        }
    }
}

/// The client a command talks through, and the emulator behind it when there is one.
struct Connection {
    client: CommunicationIdentityClient,
    /// Kept alive for as long as the client is used; dropping it stops the server.
    _emulator: Option<Emulator>,
}

/// The default transport, also trusting the CA certificates of the PEM file at `path`.
fn transport_trusting(path: &std::path::Path) -> Result<Arc<dyn Transport>, Failure> {
    let pem = std::fs::read(path).map_err(|error| {
        Failure::Usage(format!("cannot read --ca-cert {}: {error}", path.display()))
    })?;
    let transport = HyperTransport::builder()
        .add_root_certificate_pem(&pem)
        .and_then(|builder| builder.build())
        .map_err(|error| {
            Failure::Usage(format!("cannot use --ca-cert {}: {error}", path.display()))
        })?;
    Ok(Arc::new(transport))
}

async fn connect(cli: &Cli) -> Result<Connection, Failure> {
    let mut options = CommunicationIdentityClientOptions {
        api_version: cli.api_version.unwrap_or_default(),
        ..Default::default()
    };
    if let Some(path) = &cli.ca_cert {
        options.client_options.transport = Some(transport_trusting(path)?);
    }

    if cli.emulator {
        let emulator = Emulator::start()
            .await
            .map_err(|error| Failure::Call(format!("could not start the emulator: {error}")))?;
        let client = CommunicationIdentityClient::from_connection_string(
            &emulator.connection_string(),
            options,
        )
        .map_err(|error| Failure::from_call(error, &emulator.endpoint()))?;
        return Ok(Connection {
            client,
            _emulator: Some(emulator),
        });
    }

    let connection_string = cli.connection_string.as_deref().unwrap_or_default();
    if connection_string.trim().is_empty() {
        return Err(Failure::Usage(format!(
            "no resource to talk to: pass --connection-string, set {CONNECTION_STRING_ENV}, \
             or try the tool with --emulator"
        )));
    }
    let client = CommunicationIdentityClient::from_connection_string(connection_string, options)
        .map_err(|error| {
            // The parser's messages name the problem and never the key.
            Failure::Usage(format!("the connection string cannot be used: {error}"))
        })?;
    Ok(Connection {
        client,
        _emulator: None,
    })
}

/// Runs `cli.command` and returns what to print.
pub(crate) async fn run(cli: &Cli) -> Result<Record, Failure> {
    let connection = connect(cli).await?;
    let client = &connection.client;

    call(client, cli)
        .await
        .map_err(|error| Failure::from_call(error, client.endpoint()))
}

/// The one client call `cli.command` stands for.
async fn call(client: &CommunicationIdentityClient, cli: &Cli) -> Result<Record, Error> {
    let show = cli.show_token;
    match &cli.command {
        Command::User(UserCommand::Create { scopes, expires_in }) => {
            if scopes.is_empty() {
                let user = client.create_user().await?;
                return Ok(Record::default().field("user", user.id()));
            }
            // Built with `with_*`: the `preview` feature of acs-identity adds a member.
            let options = match lifetime(*expires_in)? {
                Some(lifetime) => CreateUserAndTokenOptions::default().with_expires_in(lifetime),
                None => CreateUserAndTokenOptions::default(),
            };
            let created = client.create_user_and_token(scopes, options).await?;
            Ok(user_token(&created, show))
        }
        Command::User(UserCommand::Delete { user }) => {
            let user = CommunicationUserIdentifier::new(user.as_str());
            client.delete_user(&user).await?;
            Ok(Record::default()
                .field("user", user.id())
                .field("deleted", true))
        }
        Command::Token(TokenCommand::Issue {
            user,
            scopes,
            expires_in,
        }) => {
            let user = CommunicationUserIdentifier::new(user.as_str());
            let options = GetTokenOptions {
                expires_in: lifetime(*expires_in)?,
            };
            let token = client.get_token(&user, scopes, options).await?;
            Ok(Record::default()
                .field("user", user.id())
                .token(token.token.expose(), show)
                .expires_on(token.expires_on))
        }
        Command::Token(TokenCommand::Revoke { user }) => {
            let user = CommunicationUserIdentifier::new(user.as_str());
            client.revoke_tokens(&user).await?;
            Ok(Record::default()
                .field("user", user.id())
                .field("revoked", true))
        }
        Command::Token(TokenCommand::GetForTeamsUser {
            aad_token,
            client_id,
            user_object_id,
        }) => {
            let options = GetTokenForTeamsUserOptions::new(
                aad_token.as_str(),
                client_id.as_str(),
                user_object_id.as_str(),
            );
            let token = client.get_token_for_teams_user(options).await?;
            Ok(Record::default()
                .token(token.token.expose(), show)
                .expires_on(token.expires_on))
        }
        Command::TeamsExtension(TeamsExtensionCommand::Assignment(command)) => {
            assignment(client, command).await
        }
        Command::TeamsExtension(TeamsExtensionCommand::Exchange { entra_token }) => {
            let exchanged = client
                .exchange_teams_extension_token(&Secret::new(entra_token.as_str()))
                .await?;
            Ok(user_token(&exchanged, show))
        }
    }
}

async fn assignment(
    client: &CommunicationIdentityClient,
    command: &AssignmentCommand,
) -> Result<Record, Error> {
    match command {
        AssignmentCommand::Show(principal) => {
            let found = client
                .get_teams_extension_assignment(&principal.tenant_id, &principal.object_id)
                .await?;
            Ok(assignment_record(&found))
        }
        AssignmentCommand::Create {
            principal,
            principal_type,
            client_ids,
        } => {
            let mut options = TeamsExtensionAssignmentOptions::new((*principal_type).into());
            if !client_ids.is_empty() {
                options = options.with_client_ids(client_ids.iter().cloned());
            }
            let result = client
                .create_or_replace_teams_extension_assignment(
                    &principal.tenant_id,
                    &principal.object_id,
                    options,
                )
                .await?;
            Ok(assignment_record(&result.assignment).field("created", result.created))
        }
        AssignmentCommand::Delete(principal) => {
            client
                .delete_teams_extension_assignment(&principal.tenant_id, &principal.object_id)
                .await?;
            Ok(Record::default()
                .field("tenantId", principal.tenant_id.as_str())
                .field("objectId", principal.object_id.as_str())
                .field("deleted", true))
        }
    }
}

fn lifetime(minutes: Option<u32>) -> Result<Option<TokenLifetime>, Error> {
    minutes.map(TokenLifetime::from_minutes).transpose()
}

fn user_token(created: &CommunicationUserToken, show: bool) -> Record {
    Record::default()
        .field("user", created.user.id())
        .token(created.access_token.token.expose(), show)
        .expires_on(created.access_token.expires_on)
}

fn assignment_record(assignment: &TeamsExtensionAssignment) -> Record {
    Record::default()
        .field("tenantId", assignment.tenant_id.as_str())
        .field("objectId", assignment.object_id.as_str())
        .field("principalType", assignment.principal_type.to_string())
        .field(
            "clientIds",
            assignment.client_ids.clone().unwrap_or_default(),
        )
}
