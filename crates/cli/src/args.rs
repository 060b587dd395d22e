//! The command line of `acs-identity`: global connection and output options, and one
//! subcommand per operation of the Identity service, named after the verbs of the Azure
//! CLI's `communication identity` commands.
//!
//! Everything that can be checked without the service is checked here by clap (required
//! flags, the token lifetime range, the api-version), so a mistake ends with exit code 2
//! before any request is sent. `commands.rs` turns the parsed values into client calls.

use acs_identity::{ApiVersion, CommunicationIdentityTokenScope, TeamsExtensionPrincipalType};
use clap::parser::ValueSource;
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};

/// The environment variable read when `--connection-string` is not given.
pub(crate) const CONNECTION_STRING_ENV: &str = "COMMUNICATION_SERVICES_CONNECTION_STRING";

const AFTER_HELP: &str = "\
Connection:
  The resource comes from --connection-string or, preferably (a command line is visible to
  other users of the machine), from COMMUNICATION_SERVICES_CONNECTION_STRING.
  --emulator starts an in-memory emulator inside this process instead. Its state is lost
  when the command ends, so it is only for trying the tool: a user created by one command
  does not exist for the next.

Output:
  JSON by default (fields user, token, expiresOn, tenantId, objectId, principalType,
  clientIds, created, deleted, revoked), or a two-column table with --output table.
  Access tokens are secrets: unless --show-token is given, `token` reads
  \"<hidden: N chars>\". The access key and the connection string are never printed.

Exit codes:
  0 success; 1 the service answered with an error, or it could not be reached (the message
  has the HTTP status and the service's code and message); 2 a usage error or a value
  refused before anything was sent (bad flags, bad connection string, a lifetime outside
  60..=1440 minutes).";

/// Manage users and access tokens of Azure Communication Services Identity.
/// Parses the command line. `--emulator` and `--connection-string` exclude each other only
/// when both are on the command line: a connection string from the environment gives way
/// to `--emulator` (clap's own conflict check would count the environment too).
///
/// # Errors
///
/// clap's error for a command line that does not parse, help and version included.
pub(crate) fn parse(args: &[String]) -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(args)?;
    let typed = matches.value_source("connection_string") == Some(ValueSource::CommandLine);
    if typed && matches.get_flag("emulator") {
        return Err(command.error(
            clap::error::ErrorKind::ArgumentConflict,
            "the argument '--emulator' cannot be used with '--connection-string'",
        ));
    }
    Cli::from_arg_matches(&matches)
}

#[derive(Debug, Parser)]
#[command(name = "acs-identity", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// The resource's connection string (endpoint=https://...;accesskey=...).
    #[arg(
        long,
        global = true,
        env = CONNECTION_STRING_ENV,
        hide_env_values = true
    )]
    pub(crate) connection_string: Option<String>,

    /// Run against an emulator embedded in this process; its state is lost when the command
    /// ends, so this is for trying the tool.
    #[arg(long, global = true)]
    pub(crate) emulator: bool,

    /// Also trust the CA certificates in this PEM file (for example the one `acs-emulator
    /// --tls --ca-cert-out PATH` writes).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) ca_cert: Option<std::path::PathBuf>,

    /// The REST api-version to speak (default: the newest stable one).
    #[arg(long, global = true, value_parser = parse_api_version)]
    pub(crate) api_version: Option<ApiVersion>,

    /// How to print the result.
    #[arg(long, short, global = true, value_enum, default_value_t = OutputFormat::Json)]
    pub(crate) output: OutputFormat,

    /// Print issued access tokens in full (they are hidden otherwise).
    #[arg(long, global = true)]
    pub(crate) show_token: bool,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// One JSON object on one line.
    Json,
    /// A two-column table of field and value.
    Table,
}

/// The top-level command groups.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create or delete users.
    #[command(subcommand)]
    User(UserCommand),
    /// Issue, revoke or exchange access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Teams Extension (Teams Phone extensibility): assignments and the token exchange.
    #[command(subcommand)]
    TeamsExtension(TeamsExtensionCommand),
}

/// `user ...`
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create a user; with --scope also issue it a token in the same request.
    Create {
        /// Scopes of a token to issue with the user (chat, voip, chat.join,
        /// chat.join.limited, voip.join); repeat or separate with commas.
        #[arg(long = "scope", value_delimiter = ',', value_parser = parse_scope)]
        scopes: Vec<CommunicationIdentityTokenScope>,
        /// Lifetime of the token in minutes (60 to 1440; default: the service's, 24 hours).
        #[arg(long, value_name = "MINUTES", requires = "scopes", value_parser = lifetime_minutes())]
        expires_in: Option<u32>,
    },
    /// Delete a user and revoke all its tokens.
    Delete {
        /// The user's id (8:acs:...).
        #[arg(long)]
        user: String,
    },
}

/// `token ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue an access token for an existing user.
    Issue {
        /// The user's id (8:acs:...).
        #[arg(long)]
        user: String,
        /// Scopes of the token (chat, voip, chat.join, chat.join.limited, voip.join); repeat
        /// or separate with commas.
        #[arg(long = "scope", required = true, value_delimiter = ',', value_parser = parse_scope)]
        scopes: Vec<CommunicationIdentityTokenScope>,
        /// Lifetime of the token in minutes (60 to 1440; default: the service's, 24 hours).
        #[arg(long, value_name = "MINUTES", value_parser = lifetime_minutes())]
        expires_in: Option<u32>,
    },
    /// Revoke every token issued to a user so far.
    Revoke {
        /// The user's id (8:acs:...).
        #[arg(long)]
        user: String,
    },
    /// Exchange a Teams user's Microsoft Entra ID token for a Communication Services token.
    GetForTeamsUser {
        /// The Teams user's Entra ID access token (a secret; never printed).
        #[arg(long, env = "ACS_TEAMS_USER_AAD_TOKEN", hide_env_values = true)]
        aad_token: String,
        /// The client (application) id the Entra token was issued to.
        #[arg(long)]
        client_id: String,
        /// The Teams user's Entra object id.
        #[arg(long)]
        user_object_id: String,
    },
}

/// `teams-extension ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TeamsExtensionCommand {
    /// Show, create or replace, and delete the assignment of a principal.
    #[command(subcommand)]
    Assignment(AssignmentCommand),
    /// Exchange a Teams Phone user's Entra token for a Communication Services token.
    Exchange {
        /// The user's Entra ID token for the Teams Extension audience (a secret; never
        /// printed).
        #[arg(long, env = "ACS_TEAMS_EXTENSION_ENTRA_TOKEN", hide_env_values = true)]
        entra_token: String,
    },
}

/// `teams-extension assignment ...`
#[derive(Debug, Subcommand)]
pub(crate) enum AssignmentCommand {
    /// Show the assignment of a principal (exit 1 with 404 when there is none).
    Show(Principal),
    /// Create the assignment of a principal, or replace it.
    Create {
        /// Whose assignment.
        #[command(flatten)]
        principal: Principal,
        /// Whether the principal is a user or a resource account.
        #[arg(long, value_enum, default_value_t = PrincipalKind::User)]
        principal_type: PrincipalKind,
        /// Client ids of the Entra applications allowed to act for the principal; repeat or
        /// separate with commas.
        #[arg(long = "client-id", value_name = "CLIENT_ID", value_delimiter = ',')]
        client_ids: Vec<String>,
    },
    /// Delete the assignment of a principal.
    Delete(Principal),
}

/// The principal an assignment belongs to.
#[derive(Debug, Args)]
pub(crate) struct Principal {
    /// The Entra tenant id.
    #[arg(long)]
    pub(crate) tenant_id: String,
    /// The Entra object id of the user or resource account.
    #[arg(long)]
    pub(crate) object_id: String,
}

/// The principal types the service knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum PrincipalKind {
    /// A Teams user.
    User,
    /// A Teams resource account.
    #[value(name = "resourceAccount", alias = "resource-account")]
    ResourceAccount,
}

impl From<PrincipalKind> for TeamsExtensionPrincipalType {
    fn from(kind: PrincipalKind) -> Self {
        match kind {
            PrincipalKind::User => TeamsExtensionPrincipalType::User,
            PrincipalKind::ResourceAccount => TeamsExtensionPrincipalType::ResourceAccount,
        }
    }
}

/// Token lifetimes the service accepts, in minutes.
fn lifetime_minutes() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(60..=1440)
}

fn parse_api_version(value: &str) -> Result<ApiVersion, String> {
    value
        .parse()
        .map_err(|error: acs_identity::Error| error.message().to_owned())
}

/// Any non-empty scope; the service decides which it knows, so a new one needs no new
/// release of the tool.
fn parse_scope(value: &str) -> Result<CommunicationIdentityTokenScope, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("a scope cannot be empty".to_owned());
    }
    Ok(CommunicationIdentityTokenScope::from(trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
