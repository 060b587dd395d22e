//! The `conformance` task: the official JavaScript SDK, run against the emulator from outside.
//!
//! The task installs `@azure/communication-identity` (the version pinned in
//! `conformance/js/package.json`) into a scratch folder under the target directory, builds and
//! starts the `acs-emulator` binary on a free loopback port (or uses an emulator that is already
//! running), and runs `conformance/js/identity.mjs` against it. The script calls every method
//! of the SDK's client and prints one line per case; the task echoes those lines and fails
//! when the script reports a failure, exits non-zero or runs past its time limit.
//!
//! The emulator is a child process owned by a guard, so it is stopped on every way out of the
//! task, errors and panics included.

mod emulator;
mod node;
mod process;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::{TaskResult, workspace_root};

/// Environment variable naming an already running emulator, as a connection string.
const CONNECTION_STRING_ENV: &str = "ACS_CONFORMANCE_CONNECTION_STRING";

/// Arguments of the `conformance` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Connection string of an Identity endpoint that is already running (also read from
    /// ACS_CONFORMANCE_CONNECTION_STRING); without it the task builds and starts the emulator.
    #[arg(long, value_name = "CONNECTION_STRING")]
    connection_string: Option<SecretArg>,

    /// Run only the cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,

    /// Show the requests and responses of passing cases too, not only of failing ones.
    #[arg(long)]
    verbose: bool,

    /// Seconds the conformance script may run before it is stopped and the task fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    timeout: u64,
}

impl Default for Args {
    /// A full run against a freshly started emulator, as `cargo xtask conformance` does.
    fn default() -> Self {
        Self {
            connection_string: None,
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

/// Runs the task.
pub(crate) fn run(args: Args) -> TaskResult {
    let root = workspace_root();
    let scratch = target_dir(&root).join("conformance");
    let js_dir = scratch.join("js");

    node::require_node()?;
    let sdk = node::install_sdk(&root.join("conformance/js/package.json"), &js_dir)?;
    println!(
        "conformance: {} {} in {}",
        sdk.name,
        sdk.version,
        js_dir.display()
    );

    // `_emulator` lives until the end of this function: dropping it stops the emulator.
    let (connection_string, _emulator) = match given_connection_string(args.connection_string) {
        Some(connection_string) => {
            println!(
                "conformance: using the running endpoint {}",
                emulator::endpoint_of(&connection_string)
            );
            (connection_string, None)
        }
        None => {
            let started = emulator::start(&root, &scratch.join("emulator.log"))?;
            (started.connection_string().to_owned(), Some(started))
        }
    };

    let script = root.join("conformance/js/identity.mjs");
    let timeout = Duration::from_secs(args.timeout);
    let selection = node::Selection {
        filter: args.filter,
        verbose: args.verbose,
    };
    let run = node::run_script(&script, &js_dir, &connection_string, selection, timeout)?;
    run.verdict(timeout)
}

/// The connection string from the flag, else from the environment; blank counts as absent.
fn given_connection_string(flag: Option<SecretArg>) -> Option<String> {
    flag.map(|secret| secret.0)
        .or_else(|| std::env::var(CONNECTION_STRING_ENV).ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The cargo target directory: `CARGO_TARGET_DIR` when set, else `target/` at the root.
fn target_dir(root: &Path) -> PathBuf {
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
