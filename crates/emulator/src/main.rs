//! The `acs-emulator` binary: the Identity emulator as a process, for any language's SDK.
//!
//! It prints one line on standard output, `ACS_CONNECTION_STRING=endpoint=…;accesskey=…`,
//! as soon as it listens (so a test harness can read the real port when given `--port 0`),
//! logs to standard error (filter with `RUST_LOG`, e.g. `RUST_LOG=acs_emulator=debug`), and
//! serves until SIGINT or SIGTERM, then shuts down gracefully and exits with status 0.
//! With `--tls` it serves HTTPS under a CA generated at start (the line then reads
//! `endpoint=https://…`), and `--ca-cert-out PATH` writes that CA's certificate, before the
//! line is printed, for clients to trust.
//! `--entra-token-out PATH` writes a test Entra token minted by this instance (data-plane
//! audience, valid for 24 hours) to a file, also before the line is printed, so that a
//! process that reads the line can authenticate with `Authorization: Bearer` — an SDK
//! built on a token credential, say. The token is never printed or logged.
//! With `--state PATH` the state survives restarts (see the crate docs, "State file").
//! Bad flags (including a `--fault` spec that does not parse) are reported on standard
//! error with exit status 2; failing to start (a corrupt state file, or an Entra token
//! file that cannot be written, too) exits with status 1.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use acs_emulator::{ApiVersionPolicy, Emulator, EntraTokenOptions, FaultRule, TlsOptions};
use clap::Parser;
use tracing::{error, info};

/// How long the token written by `--entra-token-out` stays valid: a whole test run, however
/// slow, without a refresh.
const ENTRA_TOKEN_OUT_LIFETIME: time::Duration = time::Duration::hours(24);

/// The `--fault` grammar, shown at the end of `--help`.
const FAULT_HELP: &str = "\
FAULT SPECS (--fault, repeatable; rules are tried in order, the first that holds fires):
  comma-separated key=value pairs; double quotes let a value hold commas.
  conditions (all given must hold):
    op=create|delete|issue|revoke|exchange   only this operation; also get,
      extension-exchange, assignment-get, assignment-put, assignment-delete
    first=N                                  only the first N requests reaching the rule
    fraction=F                               only this share (0 to 1), seeded by --fault-seed
  fault:
    kind=status|reset|reset-after|hang|truncate|html   (default: status)
    status=NNN                 400-599; default 503 (status) or 502 (html)
    retry-after=TEXT           Retry-After sent as given, e.g. 0.941641 or \"81,120\"
    retry-after-date=DATE      Retry-After as an HTTP date (RFC 3339 or quoted HTTP date)
    retry-after-ms=N           retry-after-ms header
    x-ms-retry-after-ms=N      x-ms-retry-after-ms header
  kinds: status = error envelope; reset = connection reset, nothing done;
    reset-after = operation done, then reset; hang = no answer until the client leaves
    (at most 5 minutes); truncate = Content-Length larger than the body; html = HTML page.
  examples:
    --fault op=create,first=2,status=503,retry-after=0.941641
    --fault fraction=0.05,kind=reset   --fault kind=html,status=502   --fault retry-after-ms=20";

/// Serve the Azure Communication Services Identity API from memory.
#[derive(Debug, Parser)]
#[command(name = "acs-emulator", version, about, after_long_help = FAULT_HELP)]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,

    /// Base64 access key to check signatures with (default: a random key).
    #[arg(long)]
    access_key: Option<String>,

    /// Resource id embedded in user ids (default: a random GUID).
    #[arg(long)]
    resource_id: Option<String>,

    /// Allowed clock skew of signed requests, in seconds.
    #[arg(long, default_value_t = 900)]
    clock_skew_secs: u64,

    /// Serve unknown api-versions (e.g. previews) as the newest stable one.
    #[arg(long)]
    lenient_api_versions: bool,

    /// Inject a fault, e.g. `op=create,first=2,status=503,retry-after=0.941641` (repeatable;
    /// see --help for the grammar).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<FaultRule>,

    /// Seed of the random sequence `fraction=` draws from (default: random, and logged).
    #[arg(long, value_name = "N")]
    fault_seed: Option<u64>,

    /// Serve HTTPS, with a server certificate for 127.0.0.1, ::1 and localhost signed by a
    /// CA generated at start.
    #[arg(long)]
    tls: bool,

    /// With --tls: write the CA certificate (PEM) to this file before printing the
    /// connection string. The directory must exist.
    #[arg(long, value_name = "PATH", requires = "tls")]
    ca_cert_out: Option<PathBuf>,

    /// Keep the state (identities, custom ids, revocations, assignments, and the secrets
    /// that keep tokens valid) in this JSON file: loaded at start, rewritten after every
    /// change. A missing file starts empty; a corrupt one stops the start (status 1).
    #[arg(long = "state", value_name = "PATH")]
    state_file: Option<PathBuf>,

    /// Write a test Entra token for the data plane (audience https://communication.azure.com,
    /// valid for 24 hours, random user, application and tenant ids) to this file before
    /// printing the connection string, for clients that authenticate with `Authorization:
    /// Bearer`. The file is replaced, readable by its owner only on Unix; the directory must
    /// exist. The token is a secret: it is never printed or logged. A file that cannot be
    /// written stops the start (status 1).
    #[arg(long, value_name = "PATH")]
    entra_token_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("acs_emulator=info")),
        )
        .init();
    let args = Args::parse();

    let mut builder = Emulator::builder()
        .host(args.host)
        .port(args.port)
        .clock_skew(std::time::Duration::from_secs(args.clock_skew_secs))
        // Nothing outside this process can read the request log, and it would grow with
        // every request for as long as the binary runs (each request is still logged at
        // debug).
        .request_log_limit(Some(0));
    if let Some(key) = args.access_key {
        builder = builder.access_key(key);
    }
    if let Some(resource_id) = args.resource_id {
        builder = builder.resource_id(resource_id);
    }
    if args.lenient_api_versions {
        builder = builder.api_versions(ApiVersionPolicy::Lenient);
    }
    for rule in args.faults {
        builder = builder.fault(rule);
    }
    if let Some(seed) = args.fault_seed {
        builder = builder.fault_seed(seed);
    }
    if args.tls {
        builder = builder.tls(TlsOptions {
            ca_cert_out: args.ca_cert_out,
        });
    }
    if let Some(path) = args.state_file {
        builder = builder.state_file(path);
    }

    let stop = StopSignals::install();
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(err) => {
            error!(error = %err, "the emulator did not start");
            return ExitCode::FAILURE;
        }
    };

    // Like the CA certificate, the token file is complete before the connection string is
    // printed: a harness that waits for that line can read the file at once.
    if let Some(path) = &args.entra_token_out {
        let token = emulator.issue_entra_token(EntraTokenOptions {
            lifetime: ENTRA_TOKEN_OUT_LIFETIME,
            ..EntraTokenOptions::default()
        });
        if let Err(err) = write_secret_file(path, &token.token) {
            error!(path = %path.display(), error = %err, "cannot write the Entra token file");
            emulator.shutdown().await;
            return ExitCode::FAILURE;
        }
        info!(path = %path.display(), expires_on = %token.expires_on, "wrote an Entra token");
    }

    let mut stdout = std::io::stdout().lock();
    let printed = writeln!(
        stdout,
        "ACS_CONNECTION_STRING={}",
        emulator.connection_string()
    )
    .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(err) = printed {
        error!(error = %err, "could not write the connection string");
        return ExitCode::FAILURE;
    }
    info!(endpoint = %emulator.endpoint(), resource_id = emulator.resource_id(), "listening");
    for rule in emulator.faults() {
        info!(fault = %rule, seed = emulator.fault_seed(), "injecting faults");
    }

    stop.wait().await;
    info!("shutting down");
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Writes `secret` and a newline to `path`, replacing the file; on Unix the file is left
/// readable and writable by its owner only, whatever it was before.
fn write_secret_file(path: &Path, secret: &str) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let file = options.open(path)?;
        // `mode` applies to a new file only; an existing one keeps its bits otherwise.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        write_line(file, secret)
    }
    #[cfg(not(unix))]
    write_line(options.open(path)?, secret)
}

/// Writes `text` and a newline to `file` and flushes it to the system.
fn write_line(mut file: std::fs::File, text: &str) -> std::io::Result<()> {
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.flush()
}

/// The signals that stop the server. On Unix the handlers are installed when this is
/// made — before the connection string is printed — so a signal sent as soon as a harness
/// reads that line is not missed (and does not kill the process outright).
struct StopSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind, name: &str| match signal(kind) {
                Ok(listener) => Some(listener),
                Err(err) => {
                    error!(error = %err, "cannot listen for {name}");
                    None
                }
            };
            Self {
                interrupt: listen(SignalKind::interrupt(), "SIGINT"),
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
    async fn wait(self) {
        #[cfg(unix)]
        {
            async fn recv(listener: Option<tokio::signal::unix::Signal>) {
                match listener {
                    Some(mut listener) => {
                        listener.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = recv(self.interrupt) => {}
                () = recv(self.terminate) => {}
            }
        }
        #[cfg(not(unix))]
        if let Err(err) = tokio::signal::ctrl_c().await {
            error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}
