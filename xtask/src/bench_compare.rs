//! The `bench-compare` task: the same access token call, driven at fixed concurrency through
//! a raw hyper floor, our `CommunicationIdentityClient`, and the official JavaScript and
//! Python SDKs, all against one emulator process on loopback.
//!
//! The task builds the emulator and the `load` example of `acs-identity` in release mode,
//! installs the official SDKs with the conformance task's installers (into the same scratch
//! folders under `target/conformance`), starts one plain-http emulator on 127.0.0.1 with a
//! fixed access key, creates one user through our client, and then, for each concurrency,
//! runs each driver as its own process ([`driver`]). Every driver prints one JSON line
//! (calls, seconds, p50_ms, p99_ms); the task adds the process's peak RSS and prints one
//! table with each client's throughput as a ratio of the raw floor's, plus a verdict on the
//! two throughput goals. Every process is bounded in time and owned by a guard.

mod driver;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::conformance::emulator::{self, Serve};
use crate::conformance::{node, python, target_dir};
use crate::{TaskResult, workspace_root};
use driver::Measurement;

/// The access key the emulator checks signatures with: fixed, so runs are alike.
const ACCESS_KEY: &str = "YmVuY2gtY29tcGFyZS1hY2Nlc3Mta2V5LTAxMjM0NTY3";

/// Arguments of the `bench-compare` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Calls per client and concurrency.
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    /// Calls in flight at once, as a comma list; each value is one round of every client.
    #[arg(long, value_delimiter = ',', default_value = "1,64")]
    concurrency: Vec<usize>,
    /// Seconds one driver process may run before it is stopped and counted as failed.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

/// One client the task measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Raw,
    Ours,
    Js,
    Python,
}

impl Client {
    fn label(self) -> &'static str {
        match self {
            Self::Raw => "raw hyper (floor)",
            Self::Ours => "acs-identity (Rust)",
            Self::Js => "@azure/communication-identity (JS)",
            Self::Python => "azure-communication-identity (Python)",
        }
    }
}

/// Where the task finds what it runs.
struct Tools {
    load: PathBuf,
    js_dir: Result<PathBuf, String>,
    python: Result<PathBuf, String>,
}

/// One row of the result table.
struct Row {
    client: Client,
    concurrency: usize,
    result: Result<Measurement, String>,
}

/// Runs the task.
pub(crate) fn run(args: Args) -> TaskResult {
    if args.calls == 0 || args.concurrency.contains(&0) {
        return Err("--calls and every --concurrency value must be at least 1".into());
    }
    let root = workspace_root();
    let target = target_dir(&root);
    let scratch = target.join("bench-compare");
    let timeout = Duration::from_secs(args.timeout);

    build_release(&root)?;
    let tools = prepare(&root, &target);

    // `running` lives until the end of `run`: dropping it stops the emulator.
    let binary = target.join("release").join(executable("acs-emulator"));
    let running = emulator::start_with(
        &binary,
        &Serve::Http,
        &scratch.join("emulator.log"),
        &["--host", "127.0.0.1", "--access-key", ACCESS_KEY],
        "acs_emulator=warn",
    )?;
    let connection_string = running.connection_string().to_owned();
    if !emulator::endpoint_of(&connection_string).starts_with("http://127.0.0.1:") {
        return Err("the emulator does not serve plain http on 127.0.0.1".into());
    }
    let user = create_user(&tools.load, &connection_string, &scratch, timeout)?;

    let mut rows = Vec::new();
    for &concurrency in &args.concurrency {
        for client in [Client::Raw, Client::Ours, Client::Js, Client::Python] {
            println!(
                "bench-compare: {} x{concurrency}, {} calls",
                client.label(),
                args.calls
            );
            let result = driver_command(client, &tools, &root, concurrency, args.calls, &user)
                .and_then(|mut command| {
                    command.env("ACS_CONNECTION_STRING", &connection_string);
                    let log = scratch.join(format!("{client:?}-{concurrency}.log").to_lowercase());
                    driver::run(command, &log, timeout)
                });
            if let Err(error) = &result {
                eprintln!("bench-compare: {}: {error}", client.label());
            }
            rows.push(Row {
                client,
                concurrency,
                result,
            });
        }
    }

    println!();
    print!("{}", table(&rows));
    println!();
    print!("{}", verdicts(&rows));
    if rows.iter().any(|row| row.result.is_err()) {
        return Err("some drivers failed; their rows show why".into());
    }
    Ok(())
}

/// Builds the emulator and the `load` example in release mode.
fn build_release(root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let arguments = [
        "build",
        "--release",
        "-p",
        "acs-emulator",
        "--bin",
        "acs-emulator",
        "-p",
        "acs-identity",
        "--example",
        "load",
    ];
    println!("bench-compare: cargo {}", arguments.join(" "));
    let status = Command::new(cargo)
        .current_dir(root)
        .args(arguments)
        .stdin(Stdio::null())
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the release build failed ({status})"))
    }
}

/// Finds the load driver and installs both official SDKs; an SDK that cannot be installed
/// only fails its own rows.
fn prepare(root: &Path, target: &Path) -> Tools {
    let scratch = target.join("conformance");
    let js_dir = scratch.join("js");
    let js_dir = node::require_node()
        .and_then(|()| node::install_sdk(&root.join("conformance/js/package.json"), &js_dir))
        .map(|installed| {
            println!("bench-compare: {} {}", installed.name, installed.version);
            js_dir
        });
    let python = python::install_sdk(
        &root.join("conformance/python/requirements.txt"),
        &scratch.join("py"),
    )
    .map(|installed| {
        println!("bench-compare: {} {}", installed.name, installed.version);
        installed.interpreter
    });
    Tools {
        load: target
            .join("release")
            .join("examples")
            .join(executable("load")),
        js_dir,
        python,
    }
}

/// Creates the one user every call issues tokens for, through our client.
fn create_user(
    load: &Path,
    connection_string: &str,
    scratch: &Path,
    timeout: Duration,
) -> Result<String, String> {
    let mut command = Command::new(load);
    command
        .arg("create-user")
        .env("ACS_CONNECTION_STRING", connection_string);
    let output = driver::run_for_output(command, &scratch.join("create-user.log"), timeout)?;
    let user = output.trim().to_owned();
    if user.is_empty() {
        return Err("`load create-user` printed no user id".to_owned());
    }
    Ok(user)
}

/// The command that runs `client`'s driver.
fn driver_command(
    client: Client,
    tools: &Tools,
    root: &Path,
    concurrency: usize,
    calls: usize,
    user: &str,
) -> Result<Command, String> {
    let (calls, concurrency) = (calls.to_string(), concurrency.to_string());
    let mut command = match client {
        Client::Raw | Client::Ours => {
            let mut command = Command::new(&tools.load);
            let mode = if client == Client::Raw {
                "raw"
            } else {
                "client"
            };
            command.args([mode, user, &calls, &concurrency]);
            command
        }
        Client::Js => {
            let js_dir = tools.js_dir.as_ref().map_err(Clone::clone)?;
            let mut command = Command::new("node");
            command
                .arg(root.join("bench/js/issue_token.mjs"))
                .current_dir(js_dir)
                .env("ACS_CONFORMANCE_JS_DIR", js_dir);
            command
        }
        Client::Python => {
            let interpreter = tools.python.as_ref().map_err(Clone::clone)?;
            let mut command = Command::new(interpreter);
            command
                .arg(root.join("bench/python/issue_token.py"))
                .env("PYTHONDONTWRITEBYTECODE", "1");
            command
        }
    };
    command
        .env("ACS_BENCH_USER", user)
        .env("ACS_BENCH_CALLS", &calls)
        .env("ACS_BENCH_CONCURRENCY", &concurrency);
    Ok(command)
}

/// The throughput of the raw floor at `concurrency`, when it ran.
fn floor(rows: &[Row], concurrency: usize) -> Option<f64> {
    throughput(rows, Client::Raw, concurrency)
}

/// The calls per second of `client` at `concurrency`, when it ran.
fn throughput(rows: &[Row], client: Client, concurrency: usize) -> Option<f64> {
    rows.iter()
        .find(|row| row.client == client && row.concurrency == concurrency)
        .and_then(|row| row.result.as_ref().ok())
        .map(Measurement::calls_per_second)
}

/// The result table, in Markdown so that it pastes into the docs.
fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "| client | concurrency | calls/s | p50 ms | p99 ms | peak RSS MiB | ratio to floor |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let _ = match &row.result {
            Ok(measurement) => {
                let ratio = floor(rows, row.concurrency)
                    .map(|floor| format!("{:.2}", measurement.calls_per_second() / floor))
                    .unwrap_or_else(|| "-".to_owned());
                writeln!(
                    text,
                    "| {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {ratio} |",
                    row.client.label(),
                    row.concurrency,
                    measurement.calls_per_second(),
                    measurement.p50_ms,
                    measurement.p99_ms,
                    measurement.peak_rss_mib(),
                )
            }
            Err(_) => writeln!(
                text,
                "| {} | {} | failed | - | - | - | - |",
                row.client.label(),
                row.concurrency
            ),
        };
    }
    text
}

/// The two throughput goals per concurrency: ours at least 0.9 × the floor, and at least
/// 5 × the JavaScript SDK.
fn verdicts(rows: &[Row]) -> String {
    let mut text = String::new();
    let mut concurrencies: Vec<usize> = rows.iter().map(|row| row.concurrency).collect();
    concurrencies.dedup();
    for concurrency in concurrencies {
        let ours = throughput(rows, Client::Ours, concurrency);
        let goal = |name: &str, other: Option<f64>, factor: f64| match (ours, other) {
            (Some(ours), Some(other)) => format!(
                "{name}: ours/{} = {:.2} ({})",
                if factor < 1.0 { "floor" } else { "js" },
                ours / other,
                if ours >= factor * other {
                    "met"
                } else {
                    "not met"
                }
            ),
            _ => format!("{name}: not measured"),
        };
        let _ = writeln!(
            text,
            "concurrency {concurrency}: {}; {}",
            goal(">= 0.9 x floor", floor(rows, concurrency), 0.9),
            goal(">= 5 x JS", throughput(rows, Client::Js, concurrency), 5.0),
        );
    }
    text
}

/// `name` with the platform's executable suffix.
fn executable(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}
