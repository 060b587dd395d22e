//! The `conformance` task: the official JavaScript and Python SDKs, run against the emulator
//! from outside.
//!
//! The task installs `@azure/communication-identity` (the version pinned in
//! `conformance/js/package.json`) with npm and `azure-communication-identity` (pinned in
//! `conformance/python/requirements.txt`) with pip into a virtualenv, both in scratch
//! folders under the target directory. It builds and starts the `acs-emulator` binary on a
//! free loopback port, serving https with a CA of its own that both SDKs are told to trust
//! and writing a test Entra token that both SDKs' token-credential clients present as a
//! bearer (or uses an endpoint that is already running), and runs
//! `conformance/js/identity.mjs` and then `conformance/python/identity.py` against it. Each script calls every method of
//! its SDK's client and prints one line per case; the task echoes those lines, prints a
//! summary per SDK and fails when either script reports a failure, exits non-zero or runs
//! past its time limit.
//!
//! The emulator and every tool are child processes owned by guards, so they are stopped on
//! every way out of the task, errors and panics included.

pub(crate) mod emulator;
pub(crate) mod node;
pub(crate) mod process;
pub(crate) mod python;
mod script;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::{TaskResult, workspace_root};
use emulator::Serve;
use script::{Selection, Summary};

/// Environment variable naming an already running emulator, as a connection string.
const CONNECTION_STRING_ENV: &str = "ACS_CONFORMANCE_CONNECTION_STRING";

/// Environment variable that tells both scripts which file holds the bearer token of their
/// token-credential clients; without it they skip those cases.
const ENTRA_TOKEN_FILE_ENV: &str = "ACS_CONFORMANCE_ENTRA_TOKEN_FILE";

/// Which official SDKs to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum SdkChoice {
    /// JavaScript, `@azure/communication-identity`.
    Js,
    /// Python, `azure-communication-identity`.
    Python,
    /// Both, JavaScript first.
    #[default]
    All,
}

impl SdkChoice {
    fn includes(self, sdk: Sdk) -> bool {
        matches!(
            (self, sdk),
            (Self::All, _) | (Self::Js, Sdk::Js) | (Self::Python, Sdk::Python)
        )
    }
}

/// One official SDK the task can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sdk {
    Js,
    Python,
}

impl fmt::Display for Sdk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` so that `{sdk:<6}` lines the summary up.
        f.pad(match self {
            Self::Js => "js",
            Self::Python => "python",
        })
    }
}

/// Arguments of the `conformance` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which SDKs to run.
    #[arg(long, value_enum, default_value_t = SdkChoice::All)]
    sdk: SdkChoice,

    /// Start the emulator on plain http instead of https. Python's `from_connection_string`
    /// always uses https, so its connection-string cases are skipped then.
    #[arg(long)]
    http: bool,

    /// Connection string of an Identity endpoint that is already running (also read from
    /// ACS_CONFORMANCE_CONNECTION_STRING); without it the task builds and starts the emulator.
    #[arg(long, value_name = "CONNECTION_STRING")]
    connection_string: Option<SecretArg>,

    /// PEM file of the CA behind the certificate of an https endpoint that is already
    /// running (ignored when the task starts the emulator, which writes its own).
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,

    /// File holding an Entra token that an endpoint that is already running accepts as a
    /// bearer credential (ignored when the task starts the emulator, which writes its own);
    /// without it the token-credential cases are skipped.
    #[arg(long, value_name = "PATH")]
    entra_token_file: Option<PathBuf>,

    /// Run only the cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,

    /// Show the requests and responses of passing cases too, not only of failing ones.
    #[arg(long)]
    verbose: bool,

    /// Seconds each conformance script may run before it is stopped and the task fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    timeout: u64,
}

impl Default for Args {
    /// A full run of every SDK against a freshly started https emulator, as `cargo xtask
    /// conformance` does.
    fn default() -> Self {
        Self {
            sdk: SdkChoice::All,
            http: false,
            connection_string: None,
            ca_cert: None,
            entra_token_file: None,
            filter: None,
            verbose: false,
            timeout: 120,
        }
    }
}

/// A command-line value that holds a secret: `Debug` never shows it.
#[derive(Clone)]
struct SecretArg(String);

impl FromStr for SecretArg {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_owned()))
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretArg(***)")
    }
}

/// A script ready to run: the SDK it drives, the installed package and what runs it.
#[derive(Debug)]
struct Prepared {
    sdk: Sdk,
    /// The package and version, e.g. `azure-communication-identity 1.5.0`.
    label: String,
    runner: Runner,
}

/// The interpreter and files of one script.
#[derive(Debug)]
enum Runner {
    Js {
        script: PathBuf,
        js_dir: PathBuf,
    },
    Python {
        interpreter: PathBuf,
        script: PathBuf,
    },
}

impl Prepared {
    /// The command that runs the script against `endpoint`.
    fn command(&self, endpoint: &Endpoint, selection: &Selection) -> std::process::Command {
        let connection_string = endpoint.connection_string.as_str();
        let ca_file = endpoint.ca_file.as_deref();
        let mut command = match &self.runner {
            Runner::Js { script, js_dir } => {
                node::script_command(script, js_dir, connection_string, ca_file, selection)
            }
            Runner::Python {
                interpreter,
                script,
            } => python::script_command(interpreter, script, connection_string, ca_file, selection),
        };
        // Both scripts read the token file themselves: the token never passes through an
        // environment variable or a command line, where other processes could see it.
        match &endpoint.entra_token_file {
            Some(path) => command.env(ENTRA_TOKEN_FILE_ENV, path),
            None => command.env_remove(ENTRA_TOKEN_FILE_ENV),
        };
        command
    }
}

/// The endpoint under test and what the scripts need to talk to it.
#[derive(Debug)]
struct Endpoint {
    connection_string: String,
    /// The PEM file of the CA behind an https endpoint's certificate.
    ca_file: Option<PathBuf>,
    /// The file holding a bearer token the endpoint accepts.
    entra_token_file: Option<PathBuf>,
    /// The emulator the task started, if it did; dropping it stops the emulator.
    _emulator: Option<emulator::RunningEmulator>,
}

/// How one SDK's run ended.
#[derive(Debug)]
struct Outcome {
    sdk: Sdk,
    label: String,
    result: Result<Summary, String>,
}

/// Runs the task.
pub(crate) fn run(args: Args) -> TaskResult {
    let root = workspace_root();
    let scratch = target_dir(&root).join("conformance");
    let selection = Selection {
        filter: args.filter.clone(),
        verbose: args.verbose,
    };

    // Install every chosen SDK first: an SDK that cannot be installed fails on its own, and
    // the others still run.
    let mut outcomes = Vec::new();
    let mut prepared = Vec::new();
    for sdk in [Sdk::Js, Sdk::Python] {
        if !args.sdk.includes(sdk) {
            continue;
        }
        match prepare(sdk, &root, &scratch) {
            Ok(ready) => prepared.push(ready),
            Err(error) => outcomes.push(Outcome {
                sdk,
                label: sdk.to_string(),
                result: Err(error),
            }),
        }
    }

    if !prepared.is_empty() {
        // `endpoint` lives until the end of this block: dropping it stops the emulator.
        let endpoint = endpoint(&args, &root, &scratch)?;
        let timeout = Duration::from_secs(args.timeout);
        for ready in &prepared {
            println!("conformance: running {} against the endpoint", ready.label);
            let command = ready.command(&endpoint, &selection);
            let result =
                script::run(script_name(ready.sdk), command, timeout).and_then(|run| run.outcome());
            outcomes.push(Outcome {
                sdk: ready.sdk,
                label: ready.label.clone(),
                result,
            });
        }
    }

    verdict(&outcomes)
}

/// Installs `sdk` and returns how to run its script.
fn prepare(sdk: Sdk, root: &Path, scratch: &Path) -> Result<Prepared, String> {
    match sdk {
        Sdk::Js => {
            let js_dir = scratch.join("js");
            node::require_node()?;
            let installed = node::install_sdk(&root.join("conformance/js/package.json"), &js_dir)?;
            let label = format!("{} {}", installed.name, installed.version);
            println!("conformance: {label} in {}", js_dir.display());
            let script = root.join("conformance/js/identity.mjs");
            Ok(Prepared {
                sdk,
                label,
                runner: Runner::Js { script, js_dir },
            })
        }
        Sdk::Python => {
            let venv_dir = scratch.join("py");
            let installed =
                python::install_sdk(&root.join("conformance/python/requirements.txt"), &venv_dir)?;
            let label = format!("{} {}", installed.name, installed.version);
            println!("conformance: {label} in {}", venv_dir.display());
            let script = root.join("conformance/python/identity.py");
            Ok(Prepared {
                sdk,
                label,
                runner: Runner::Python {
                    interpreter: installed.interpreter,
                    script,
                },
            })
        }
    }
}

/// The name of a script's interpreter, for messages.
fn script_name(sdk: Sdk) -> &'static str {
    match sdk {
        Sdk::Js => "node",
        Sdk::Python => "python",
    }
}

/// The endpoint to test: the given one, or a freshly started emulator (https when the
/// binary offers it and `--http` was not given) with a bearer token of its own.
fn endpoint(args: &Args, root: &Path, scratch: &Path) -> Result<Endpoint, String> {
    if let Some(connection_string) = given_connection_string(args.connection_string.clone()) {
        println!(
            "conformance: using the running endpoint {}",
            emulator::endpoint_of(&connection_string)
        );
        return Ok(Endpoint {
            connection_string,
            ca_file: args.ca_cert.clone(),
            entra_token_file: args.entra_token_file.clone(),
            _emulator: None,
        });
    }

    let binary = emulator::build(root)?;
    let serve = if args.http {
        Serve::Http
    } else {
        Serve::Https {
            ca_file: scratch.join("ca.pem"),
        }
    };
    let started = emulator::start(
        &binary,
        &serve,
        &scratch.join("emulator.log"),
        Some(&scratch.join("entra-token")),
    )?;
    Ok(Endpoint {
        connection_string: started.connection_string().to_owned(),
        ca_file: started.ca_file().map(Path::to_path_buf),
        entra_token_file: started.entra_token_file().map(Path::to_path_buf),
        _emulator: Some(started),
    })
}

/// Prints one line per SDK and fails when any of them failed.
fn verdict(outcomes: &[Outcome]) -> TaskResult {
    println!("conformance: summary");
    let mut failed = Vec::new();
    for Outcome { sdk, label, result } in outcomes {
        match result {
            Ok(summary) => println!("  {sdk:<6} ok      {summary} ({label})"),
            Err(why) => {
                println!("  {sdk:<6} FAILED  {why} ({label})");
                failed.push(sdk.to_string());
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("conformance failed for {}", failed.join(", ")).into())
    }
}

/// The connection string from the flag, else from the environment; blank counts as absent.
fn given_connection_string(flag: Option<SecretArg>) -> Option<String> {
    flag.map(|secret| secret.0)
        .or_else(|| std::env::var(CONNECTION_STRING_ENV).ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The cargo target directory: `CARGO_TARGET_DIR` when set, else `target/` at the root.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_arg_debug_hides_the_value() {
        let arg = SecretArg("endpoint=http://127.0.0.1:1/;accesskey=c2VjcmV0".to_owned());
        assert_eq!(format!("{arg:?}"), "SecretArg(***)");
    }

    #[test]
    fn blank_connection_string_counts_as_absent() {
        assert_eq!(
            given_connection_string(Some(SecretArg("  ".to_owned()))),
            None
        );
        assert_eq!(
            given_connection_string(Some(SecretArg(" endpoint=x;accesskey=y ".to_owned()))),
            Some("endpoint=x;accesskey=y".to_owned())
        );
    }
}
