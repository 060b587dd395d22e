//! The fixed-body server of `bench-compare`: `load serve-fixed`, a minimal hyper server that
//! answers every request with the same access token body.
//!
//! The raw driver against it measures HTTP on loopback alone; against the emulator, HTTP
//! plus the emulator's work. The task starts it once, reads its first stdout line
//! (`listening on http://ADDR/`) with a time limit, and keeps it in a [`ChildGuard`], so it
//! is stopped (SIGTERM, which ends it) on every way out. Its stderr goes to a log file.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::conformance::process::ChildGuard;

/// How long the server may take from spawn to printing its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// What its first stdout line starts with.
const PREFIX: &str = "listening on ";

/// A running fixed-body server; dropping it stops the process.
#[derive(Debug)]
pub(super) struct FixedServer {
    endpoint: String,
    _process: ChildGuard,
}

impl FixedServer {
    /// Starts `load serve-fixed`, logging its stderr to `log`.
    ///
    /// # Errors
    ///
    /// When it cannot start, exits, or prints no `listening on http://…/` line in time.
    pub(super) fn start(load: &Path, log: &Path) -> Result<Self, String> {
        if let Some(folder) = log.parent() {
            fs::create_dir_all(folder)
                .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        }
        let log_file = File::create(log)
            .map_err(|error| format!("cannot create {}: {error}", log.display()))?;
        let child = Command::new(load)
            .arg("serve-fixed")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", load.display()))?;
        let mut process = ChildGuard::new("fixed-body server", child);
        let stdout = process
            .child_mut()
            .stdout
            .take()
            .ok_or_else(|| "the fixed-body server's stdout is not piped".to_owned())?;

        // The thread keeps draining stdout, so the server never blocks on a full pipe.
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = sender.send(lines.next());
            for _ in lines {}
        });
        let line = match receiver.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            _ => {
                return Err(format!(
                    "the fixed-body server printed no address within {} s (log: {})",
                    STARTUP_TIMEOUT.as_secs(),
                    log.display()
                ));
            }
        };
        Ok(Self {
            endpoint: endpoint_of(&line)?,
            _process: process,
        })
    }

    /// The server's endpoint, `http://127.0.0.1:PORT/`.
    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// The endpoint on the server's first line.
fn endpoint_of(line: &str) -> Result<String, String> {
    line.trim_end()
        .strip_prefix(PREFIX)
        .filter(|endpoint| endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with('/'))
        .map(str::to_owned)
        .ok_or_else(|| format!("the fixed-body server printed `{line}`, not `{PREFIX}http://…/`"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_gives_the_endpoint() {
        assert_eq!(
            endpoint_of("listening on http://127.0.0.1:4321/\n").unwrap(),
            "http://127.0.0.1:4321/"
        );
        assert!(endpoint_of("listening on 127.0.0.1:4321").is_err());
        assert!(endpoint_of("ready").is_err());
    }
}
