//! Running one conformance script (JavaScript or Python) and judging how it ended.
//!
//! Both scripts speak the same small protocol: the connection string and the run's choices
//! come in through environment variables, every case prints one line, and the last line is
//! `N passed, M failed`. This module starts the script with a time limit, echoes its output,
//! reads the summary and turns the whole into a verdict; `node` and `python` only say which
//! interpreter runs which file.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

use super::process::ChildGuard;

/// The closing line of a script: `N passed, M failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Summary {
    passed: u32,
    failed: u32,
}

impl Summary {
    /// Reads a summary line; any other line gives `None`.
    fn parse(line: &str) -> Option<Self> {
        let (passed, failed) = line.trim_end().split_once(", ")?;
        let passed = passed.strip_suffix(" passed")?.parse().ok()?;
        let failed = failed.strip_suffix(" failed")?.parse().ok()?;
        Some(Self { passed, failed })
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// Which cases a script runs and how much it shows.
#[derive(Debug, Clone, Default)]
pub(super) struct Selection {
    /// Only the cases whose name contains this text.
    pub(super) filter: Option<String>,
    /// Also show the exchanges of passing cases.
    pub(super) verbose: bool,
}

impl Selection {
    /// Passes the selection to a script through its environment.
    pub(super) fn apply(&self, command: &mut Command) {
        match &self.filter {
            Some(filter) => command.env("ACS_CONFORMANCE_FILTER", filter),
            None => command.env_remove("ACS_CONFORMANCE_FILTER"),
        };
        command.env(
            "ACS_CONFORMANCE_VERBOSE",
            if self.verbose { "1" } else { "0" },
        );
    }
}

/// How a run of a conformance script ended.
#[derive(Debug)]
pub(super) struct ScriptRun {
    /// The exit status; `None` when the script was stopped at its time limit.
    status: Option<ExitStatus>,
    /// The last summary line it printed.
    summary: Option<Summary>,
    /// Its time limit.
    timeout: Duration,
}

impl ScriptRun {
    /// The summary of a run that finished, exited 0 and reported no failure; otherwise
    /// what went wrong.
    ///
    /// # Errors
    ///
    /// For any other run, saying which of those failed.
    pub(super) fn outcome(&self) -> Result<Summary, String> {
        let Some(status) = self.status else {
            return Err(format!(
                "did not finish within {} s and was stopped",
                self.timeout.as_secs()
            ));
        };
        match self.summary {
            Some(summary) if status.success() && summary.failed == 0 => Ok(summary),
            Some(summary) if status.success() => Err(format!("{summary}")),
            Some(summary) => Err(format!("{summary} (exit {status})")),
            None if status.success() => Err("printed no `N passed, M failed` line".to_owned()),
            None => Err(format!("failed ({status}) before its summary")),
        }
    }
}

/// Runs a prepared script `command` (program, arguments and environment set), echoing its
/// stdout, and stops it when it runs past `timeout`.
///
/// # Errors
///
/// When the interpreter cannot be started or waited for; a failing script is a
/// [`ScriptRun`].
pub(super) fn run(
    name: &'static str,
    mut command: Command,
    timeout: Duration,
) -> Result<ScriptRun, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let child = command
        .spawn()
        .map_err(|error| format!("cannot run {name}: {error}"))?;
    let mut script = ChildGuard::new(name, child);

    let stdout = script
        .child_mut()
        .stdout
        .take()
        .ok_or_else(|| format!("{name}'s stdout is not piped"))?;
    let echo = thread::spawn(move || {
        let mut summary = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            summary = Summary::parse(&line).or(summary);
        }
        summary
    });

    let status = script
        .wait_for(timeout)
        .map_err(|error| format!("cannot wait for {name}: {error}"))?;
    script.stop();
    let summary = echo.join().ok().flatten();
    Ok(ScriptRun {
        status,
        summary,
        timeout,
    })
}

#[cfg(test)]
#[cfg(unix)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_is_read() {
        assert_eq!(
            Summary::parse("12 passed, 3 failed"),
            Some(Summary {
                passed: 12,
                failed: 3
            })
        );
        assert_eq!(Summary::parse("ok 12 passed, 3 failed"), None);
        assert_eq!(Summary::parse("FAIL x: 1 passed, 2 failed later"), None);
    }

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_clean_run_is_a_success() {
        let run = run(
            "sh",
            shell("echo 'ok a'; echo '1 passed, 0 failed'"),
            Duration::from_secs(10),
        );
        assert_eq!(
            run.unwrap().outcome().unwrap().to_string(),
            "1 passed, 0 failed"
        );
    }

    #[test]
    fn failures_missing_summaries_and_hangs_are_not() {
        let limit = Duration::from_secs(10);
        let failed = run("sh", shell("echo '1 passed, 2 failed'; exit 1"), limit).unwrap();
        assert!(failed.outcome().unwrap_err().contains("1 passed, 2 failed"));
        let silent = run("sh", shell("exit 0"), limit).unwrap();
        assert!(silent.outcome().is_err());
        let lying = run("sh", shell("echo '3 passed, 0 failed'; exit 2"), limit).unwrap();
        assert!(lying.outcome().is_err());
        let hung = run("sh", shell("exec sleep 30"), Duration::from_millis(200)).unwrap();
        assert!(hung.outcome().unwrap_err().contains("stopped"));
    }
}
