//! The `bench-compare` task: the same access token call, driven at fixed concurrency through
//! a raw hyper floor, our `CommunicationIdentityClient`, and the official JavaScript and
//! Python SDKs, all against one emulator process on loopback.
//!
//! The task builds the emulator and the `load` example of `acs-identity` in release mode,
//! installs the official SDKs with the conformance task's installers (into the same scratch
//! folders under `target/conformance`), starts one plain-http emulator on 127.0.0.1 with a
//! fixed access key and a fixed-body hyper server ([`fixed_server`]), creates one user
//! through our client, and then runs each driver as its own process ([`driver`]): per
//! round, per concurrency, every client once, and the raw driver once more against the
//! fixed-body server. Rounds alternate the order of the drivers (forward, then reversed)
//! so that none always runs first. Every driver prints one JSON line (calls, seconds,
//! p50_ms, p99_ms); the task adds the process's peak RSS and the TCP connections the
//! emulator accepted from it ([`connections`]), and prints ([`report`]) one table of the
//! median rounds with each client's throughput as a ratio of the raw floor's, a table of
//! the emulator against the fixed-body server, and the verdicts on the goals. Every
//! process is bounded in time and owned by a guard.

mod connections;
mod driver;
mod fixed_server;
mod report;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::conformance::emulator::{self, Serve};
use crate::conformance::{node, python, target_dir};
use crate::{TaskResult, workspace_root};
use connections::ConnectionCounter;
use fixed_server::FixedServer;
use report::{Run, Sample};

/// The access key the emulator checks signatures with: fixed, so runs are alike.
const ACCESS_KEY: &str = "YmVuY2gtY29tcGFyZS1hY2Nlc3Mta2V5LTAxMjM0NTY3";

/// The emulator's log filter: warnings, plus the one event per accepted connection that
/// the connection counts are read from.
const EMULATOR_LOG_FILTER: &str = "acs_emulator=warn,acs_emulator::connections=debug";

/// How long the task waits for the emulator to log the task's own probe connection.
const MARK_WAIT: Duration = Duration::from_secs(5);

/// Arguments of the `bench-compare` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Calls per client and concurrency.
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    /// Calls in flight at once, as a comma list; each value is one round of every client.
    #[arg(long, value_delimiter = ',', default_value = "1,64")]
    concurrency: Vec<usize>,
    /// Rounds of every driver at every concurrency; the tables show each client's median
    /// round by calls/s, and its range. On a shared 2-core machine 3 gives steadier numbers.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
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
    /// The raw driver against the fixed-body server instead of the emulator.
    FixedBody,
}

impl Client {
    /// Every driver, in the order of a forward round and of the tables.
    const ALL: [Client; 5] = [
        Self::Raw,
        Self::Ours,
        Self::Js,
        Self::Python,
        Self::FixedBody,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Raw => "raw hyper (floor)",
            Self::Ours => "acs-identity (Rust)",
            Self::Js => "@azure/communication-identity (JS)",
            Self::Python => "azure-communication-identity (Python)",
            Self::FixedBody => "raw hyper → fixed-body server",
        }
    }
}

/// The drivers of round `round` (counted from 0): forward on even rounds, reversed on odd.
fn round_order(round: usize) -> Vec<Client> {
    let mut order = Client::ALL.to_vec();
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// Where the task finds what it runs.
struct Tools {
    load: PathBuf,
    js_dir: Result<PathBuf, String>,
    python: Result<PathBuf, String>,
}

/// Runs the task.
pub(crate) fn run(args: Args) -> TaskResult {
    if args.calls == 0 || args.rounds == 0 || args.concurrency.contains(&0) {
        return Err("--calls, --rounds and every --concurrency value must be at least 1".into());
    }
    let root = workspace_root();
    let target = target_dir(&root);
    let scratch = target.join("bench-compare");
    let timeout = Duration::from_secs(args.timeout);

    build_release(&root)?;
    let tools = prepare(&root, &target);

    // `running` and `fixed` live until the end of `run`: dropping them stops the servers.
    let binary = target.join("release").join(executable("acs-emulator"));
    let emulator_log = scratch.join("emulator.log");
    let running = emulator::start_with(
        &binary,
        &Serve::Http,
        &emulator_log,
        &["--host", "127.0.0.1", "--access-key", ACCESS_KEY],
        EMULATOR_LOG_FILTER,
    )?;
    let connection_string = running.connection_string().to_owned();
    let endpoint = emulator::endpoint_of(&connection_string);
    let address =
        socket_address(&endpoint).ok_or("the emulator does not serve plain http on 127.0.0.1")?;
    let fixed = FixedServer::start(&tools.load, &scratch.join("fixed-body-server.log"))?;
    let fixed_connection_string = format!("endpoint={};accesskey={ACCESS_KEY}", fixed.endpoint());
    println!("bench-compare: fixed-body server at {}", fixed.endpoint());
    let user = create_user(&tools.load, &connection_string, &scratch, timeout)?;

    let mut bench = Bench {
        tools: &tools,
        root: &root,
        scratch: &scratch,
        user: &user,
        calls: args.calls,
        timeout,
        emulator: &connection_string,
        fixed: &fixed_connection_string,
        counter: ConnectionCounter::start(&emulator_log, address, MARK_WAIT),
    };
    let mut runs = Vec::new();
    for round in 0..args.rounds {
        for &concurrency in &args.concurrency {
            for client in round_order(round) {
                println!(
                    "bench-compare: round {}/{}: {} x{concurrency}, {} calls",
                    round + 1,
                    args.rounds,
                    client.label(),
                    args.calls
                );
                runs.push(bench.run(client, concurrency, round));
            }
        }
    }
    drop(fixed);
    drop(running);

    let summaries = report::summarize(&runs);
    println!();
    if args.rounds > 1 {
        println!("median of {} rounds by calls/s", args.rounds);
        println!();
    }
    print!("{}", report::table(&summaries, args.rounds));
    println!();
    println!("the emulator's own cost: the raw driver against it and against a fixed-body server");
    println!();
    print!("{}", report::emulator_table(&summaries));
    println!();
    print!("{}", report::verdicts(&summaries));
    if runs.iter().any(|run| run.result.is_err()) {
        return Err("some drivers failed; their rows show why".into());
    }
    Ok(())
}

/// What every driver run shares.
struct Bench<'a> {
    tools: &'a Tools,
    root: &'a Path,
    scratch: &'a Path,
    user: &'a str,
    calls: usize,
    timeout: Duration,
    /// The emulator's connection string.
    emulator: &'a str,
    /// The fixed-body server's connection string.
    fixed: &'a str,
    counter: ConnectionCounter,
}

impl Bench<'_> {
    /// Runs `client`'s driver once at `concurrency` in round `round` (from 0), with its
    /// log in `target/bench-compare/<client>-<concurrency>-round<N>.log`.
    fn run(&mut self, client: Client, concurrency: usize, round: usize) -> Run {
        let connection_string = if client == Client::FixedBody {
            self.fixed
        } else {
            self.emulator
        };
        let log = self
            .scratch
            .join(format!("{client:?}-{concurrency}-round{}.log", round + 1).to_lowercase());
        let measured = driver_command(
            client,
            self.tools,
            self.root,
            concurrency,
            self.calls,
            self.user,
        )
        .and_then(|mut command| {
            command.env("ACS_CONNECTION_STRING", connection_string);
            driver::run(command, &log, self.timeout)
        });
        // Counted whether the driver succeeded or not, so that the next count starts here.
        let connections = if client == Client::FixedBody {
            None
        } else {
            self.counter.opened_since_last()
        };
        if let Err(error) = &measured {
            eprintln!("bench-compare: {}: {error}", client.label());
        }
        Run {
            client,
            concurrency,
            result: measured.map(|measurement| Sample {
                measurement,
                connections,
            }),
        }
    }
}

/// The socket address of an `http://127.0.0.1:PORT/` endpoint.
fn socket_address(endpoint: &str) -> Option<SocketAddr> {
    endpoint
        .strip_prefix("http://")?
        .strip_suffix('/')
        .filter(|authority| authority.starts_with("127.0.0.1:"))?
        .parse()
        .ok()
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
        Client::Raw | Client::FixedBody | Client::Ours => {
            let mut command = Command::new(&tools.load);
            let mode = if client == Client::Ours {
                "client"
            } else {
                "raw"
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

/// `name` with the platform's executable suffix.
fn executable(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rounds_alternate_the_order_of_the_drivers() {
        assert_eq!(round_order(0), Client::ALL);
        let mut reversed = Client::ALL;
        reversed.reverse();
        assert_eq!(round_order(1), reversed);
        assert_eq!(round_order(2), Client::ALL);
    }

    #[test]
    fn the_emulator_address_is_read_from_a_loopback_endpoint() {
        assert_eq!(
            socket_address("http://127.0.0.1:4321/"),
            Some("127.0.0.1:4321".parse().unwrap())
        );
        assert_eq!(socket_address("https://127.0.0.1:4321/"), None);
        assert_eq!(socket_address("http://10.0.0.1:4321/"), None);
        assert_eq!(socket_address("http://127.0.0.1/"), None);
    }
}
