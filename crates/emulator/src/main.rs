//! The `acs-emulator` binary: the Identity emulator as a process, for any language's SDK.
//!
//! It prints one line on standard output, `ACS_CONNECTION_STRING=endpoint=…;accesskey=…`,
//! as soon as it listens (so a test harness can read the real port when given `--port 0`),
//! logs to standard error (filter with `RUST_LOG`, e.g. `RUST_LOG=acs_emulator=debug`), and
//! serves until SIGINT or SIGTERM, then shuts down gracefully and exits with status 0.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;

use acs_emulator::{ApiVersionPolicy, Emulator};
use clap::Parser;
use tracing::{error, info};

/// Serve the Azure Communication Services Identity API from memory.
#[derive(Debug, Parser)]
#[command(name = "acs-emulator", version, about)]
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
        .clock_skew(std::time::Duration::from_secs(args.clock_skew_secs));
    if let Some(key) = args.access_key {
        builder = builder.access_key(key);
    }
    if let Some(resource_id) = args.resource_id {
        builder = builder.resource_id(resource_id);
    }
    if args.lenient_api_versions {
        builder = builder.api_versions(ApiVersionPolicy::Lenient);
    }

    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(err) => {
            error!(error = %err, "the emulator did not start");
            return ExitCode::FAILURE;
        }
    };

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

    wait_for_signal().await;
    info!("shutting down");
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn wait_for_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    () = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(err) => {
                error!(error = %err, "cannot listen for SIGTERM");
                interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}
