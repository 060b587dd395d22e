//! Building and starting the `acs-emulator` binary for a conformance run.
//!
//! The binary is built with cargo (its path taken from cargo's own build messages, so any
//! target directory works), started with `--port 0` — and, for https, with `--tls
//! --ca-cert-out PATH` so the emulator writes the CA that signed its certificate where the
//! SDKs can be told to trust it; given a token file, also with `--entra-token-out PATH`, so
//! that it writes a bearer token of its own for clients built on a token credential — and
//! its first stdout line, which must be `ACS_CONNECTION_STRING=<connection string>`, is
//! read with a time limit. Both files are complete by then. The emulator's stderr goes to
//! a log file; its remaining stdout is drained so that it never blocks.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::process::ChildGuard;

/// How long the emulator may take from spawn to printing its connection string.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the emulator's first stdout line starts with.
const CONNECTION_STRING_PREFIX: &str = "ACS_CONNECTION_STRING=";

/// How the emulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Serve {
    /// Plain http.
    Http,
    /// https with a fresh CA, written as PEM to this file.
    Https {
        /// Where the emulator writes its CA certificate.
        ca_file: PathBuf,
    },
}

/// A running emulator; dropping it stops the process.
#[derive(Debug)]
pub(crate) struct RunningEmulator {
    connection_string: String,
    ca_file: Option<PathBuf>,
    entra_token_file: Option<PathBuf>,
    _process: ChildGuard,
}

impl RunningEmulator {
    /// The connection string the emulator printed.
    pub(crate) fn connection_string(&self) -> &str {
        &self.connection_string
    }

    /// The PEM file of the CA behind the emulator's certificate, when it serves https.
    pub(crate) fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The file holding an Entra token the emulator accepts as a bearer credential, when it
    /// was started with one.
    pub(crate) fn entra_token_file(&self) -> Option<&Path> {
        self.entra_token_file.as_deref()
    }
}

/// Starts the emulator `binary` on a free loopback port, serving as `serve` says and, when
/// `entra_token_file` is given, writing a bearer token there; then waits for its
/// connection string.
///
/// # Errors
///
/// When the binary cannot be started, or it exits, stays silent past the startup limit,
/// prints something other than a connection string of the expected scheme first, or (for
/// https) writes no CA file, or writes no token file when asked to.
pub(crate) fn start(
    binary: &Path,
    serve: &Serve,
    log_path: &Path,
    entra_token_file: Option<&Path>,
) -> Result<RunningEmulator, String> {
    // Per-request lines in the log help to explain a failing case.
    launch(
        binary,
        serve,
        log_path,
        &[],
        "acs_emulator=debug",
        entra_token_file,
    )
}

/// [`start`] with `extra_args` for the emulator and `default_log_filter` as its `RUST_LOG`
/// when the environment sets none (a benchmark wants no per-request log lines).
///
/// # Errors
///
/// As [`start`].
pub(crate) fn start_with(
    binary: &Path,
    serve: &Serve,
    log_path: &Path,
    extra_args: &[&str],
    default_log_filter: &str,
) -> Result<RunningEmulator, String> {
    launch(
        binary,
        serve,
        log_path,
        extra_args,
        default_log_filter,
        None,
    )
}

/// [`start_with`], and `--entra-token-out` when `entra_token_file` is given.
fn launch(
    binary: &Path,
    serve: &Serve,
    log_path: &Path,
    extra_args: &[&str],
    default_log_filter: &str,
    entra_token_file: Option<&Path>,
) -> Result<RunningEmulator, String> {
    if let Some(folder) = log_path.parent() {
        fs::create_dir_all(folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    }
    let log = File::create(log_path)
        .map_err(|error| format!("cannot create {}: {error}", log_path.display()))?;
    let mut command = Command::new(binary);
    command.args(["--port", "0"]).args(extra_args);
    if let Serve::Https { ca_file } = serve {
        // A CA left over from an earlier run must not pass for this run's.
        remove_stale(ca_file)?;
        command.arg("--tls").arg("--ca-cert-out").arg(ca_file);
    }
    if let Some(token_file) = entra_token_file {
        // Nor a token of an earlier emulator, which this one would refuse.
        remove_stale(token_file)?;
        command.arg("--entra-token-out").arg(token_file);
    }
    if std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", default_log_filter);
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
    let mut process = ChildGuard::new("acs-emulator", child);

    let line = first_stdout_line(&mut process, log_path)?;
    let connection_string = parse_startup_line(&line)?;
    let endpoint = endpoint_of(&connection_string);
    let ca_file = match serve {
        Serve::Http if endpoint.starts_with("http://") => None,
        Serve::Https { ca_file } if endpoint.starts_with("https://") => {
            if !ca_file.is_file() {
                return Err(format!(
                    "the emulator serves https but wrote no CA certificate to {}",
                    ca_file.display()
                ));
            }
            Some(ca_file.clone())
        }
        _ => {
            return Err(format!(
                "the emulator was started for {} but serves {endpoint}",
                if *serve == Serve::Http {
                    "http"
                } else {
                    "https"
                }
            ));
        }
    };
    if let Some(token_file) = entra_token_file
        && !token_file.is_file()
    {
        return Err(format!(
            "the emulator was asked for an Entra token but wrote none to {}",
            token_file.display()
        ));
    }
    println!(
        "conformance: emulator at {endpoint} (log: {})",
        log_path.display()
    );
    Ok(RunningEmulator {
        connection_string,
        ca_file,
        entra_token_file: entra_token_file.map(Path::to_path_buf),
        _process: process,
    })
}

/// Removes a file an earlier run may have left at `path`; a missing file is fine.
fn remove_stale(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(format!("cannot remove {}: {error}", path.display())),
    }
}

/// Runs `cargo build -p acs-emulator` and returns the path of the binary it produced.
///
/// # Errors
///
/// When cargo cannot run, the build fails or cargo names no executable.
pub(crate) fn build(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("conformance: cargo build -p acs-emulator");
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["build", "-p", "acs-emulator", "--bin", "acs-emulator"])
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build -p acs-emulator` failed ({})",
            output.status
        ));
    }
    executable_from_messages(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| "cargo built acs-emulator but reported no executable for it".to_owned())
}

/// Finds the `acs-emulator` executable in cargo's JSON build messages.
fn executable_from_messages(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == "acs-emulator")
        .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
        .next_back()
}

/// Reads the emulator's first stdout line, giving up after [`STARTUP_TIMEOUT`].
fn first_stdout_line(process: &mut ChildGuard, log_path: &Path) -> Result<String, String> {
    let stdout = process
        .child_mut()
        .stdout
        .take()
        .ok_or_else(|| "the emulator's stdout is not piped".to_owned())?;

    // The reader thread keeps draining stdout after the first line, so a chatty emulator
    // never blocks on a full pipe; it ends when the emulator closes stdout.
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = sender.send(lines.next());
        for _ in lines {}
    });

    let see_log = format!("see {}", log_path.display());
    match receiver.recv_timeout(STARTUP_TIMEOUT) {
        Ok(Some(Ok(line))) => Ok(line),
        Ok(Some(Err(error))) => Err(format!("cannot read the emulator's stdout: {error}")),
        Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            let status = process.wait_for(Duration::from_secs(1)).ok().flatten();
            let how =
                status.map_or_else(|| "closed stdout".to_owned(), |s| format!("exited ({s})"));
            Err(format!(
                "the emulator {how} before printing its connection string; {see_log}"
            ))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "the emulator printed no connection string within {} s; {see_log}",
            STARTUP_TIMEOUT.as_secs()
        )),
    }
}

/// Checks the startup line and returns the connection string in it.
fn parse_startup_line(line: &str) -> Result<String, String> {
    let line = line.trim_end();
    let Some(connection_string) = line.strip_prefix(CONNECTION_STRING_PREFIX) else {
        return Err(format!(
            "the emulator's first stdout line should start with `{CONNECTION_STRING_PREFIX}`, \
             but it is `{}`",
            redact(line)
        ));
    };
    let has_port = field(connection_string, "endpoint")
        .and_then(port_of)
        .is_some_and(|p| p != 0);
    let has_key = field(connection_string, "accesskey").is_some_and(|key| !key.is_empty());
    match (has_port, has_key) {
        (true, true) => Ok(connection_string.to_owned()),
        _ => Err(format!(
            "the emulator printed `{}`, not `endpoint=http(s)://127.0.0.1:PORT/;accesskey=KEY`",
            redact(connection_string)
        )),
    }
}

/// The explicit port of an `http(s)://host:port/` endpoint.
fn port_of(endpoint: &str) -> Option<u16> {
    let rest = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))?;
    let authority = rest.split('/').next()?;
    authority.rsplit_once(':')?.1.parse().ok()
}

/// The value of `name=` in a connection string (names compared without case).
fn field<'a>(connection_string: &'a str, name: &str) -> Option<&'a str> {
    connection_string.split(';').find_map(|segment| {
        let (key, value) = segment.split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The endpoint of a connection string, for messages (never the key).
pub(crate) fn endpoint_of(connection_string: &str) -> String {
    field(connection_string, "endpoint").map_or_else(|| "(no endpoint)".to_owned(), str::to_owned)
}

/// `text` with the value of every `accesskey=` replaced by `***`.
fn redact(text: &str) -> String {
    text.split(';')
        .map(|segment| match segment.split_once('=') {
            Some((key, _)) if key.trim().to_ascii_lowercase().ends_with("accesskey") => {
                format!("{key}=***")
            }
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn startup_line_gives_the_connection_string() {
        let line = "ACS_CONNECTION_STRING=endpoint=http://127.0.0.1:4567/;accesskey=a2V5\n";
        assert_eq!(
            parse_startup_line(line).unwrap(),
            "endpoint=http://127.0.0.1:4567/;accesskey=a2V5"
        );
    }

    #[test]
    fn bad_startup_lines_are_refused_without_the_key() {
        for line in [
            "listening on 127.0.0.1:4567",
            "ACS_CONNECTION_STRING=endpoint=http://127.0.0.1:0/;accesskey=c2VjcmV0",
            "ACS_CONNECTION_STRING=endpoint=http://127.0.0.1:4567/",
            "CONNECTION=endpoint=http://127.0.0.1:4567/;accesskey=c2VjcmV0",
        ] {
            let error = parse_startup_line(line).unwrap_err();
            assert!(!error.contains("c2VjcmV0"), "{error}");
        }
    }

    #[test]
    fn endpoint_of_never_shows_the_key() {
        let connection_string = "AccessKey=c2VjcmV0; Endpoint=http://127.0.0.1:1/";
        assert_eq!(endpoint_of(connection_string), "http://127.0.0.1:1/");
    }

    #[test]
    fn executable_is_taken_from_the_build_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"acs-core-auth"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"acs-emulator"},"#,
            r#""executable":"/t/debug/acs-emulator"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            executable_from_messages(messages),
            Some(PathBuf::from("/t/debug/acs-emulator"))
        );
    }
}
