//! What the `fuzz` task needs from the machine, and what it reads back from libFuzzer.
//!
//! [`check`] looks for `cargo fuzz` and a C++ compiler (libfuzzer-sys compiles libFuzzer
//! from source) before anything is built, and says how to install what is missing.
//! [`RunLog`] pulls the few facts the task reports out of a run's output: where a crashing
//! input was written, and the final statistics.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The sanitizer a target is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Sanitizer {
    /// Coverage instrumentation only; works on the stable toolchain.
    None,
    /// AddressSanitizer; needs nightly features (RUSTC_BOOTSTRAP=1 on stable).
    Address,
}

impl Sanitizer {
    /// The value `cargo fuzz --sanitizer` takes.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Address => "address",
        }
    }

    /// Whether building needs nightly-only flags, which a stable compiler accepts only
    /// with RUSTC_BOOTSTRAP=1.
    pub(super) fn needs_bootstrap(self) -> bool {
        self == Self::Address && !rustc_is_nightly()
    }
}

/// The cargo that runs this task, so `cargo fuzz` uses the same toolchain.
pub(super) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Fails with installation advice when `cargo fuzz` or a C++ compiler is missing.
pub(super) fn check() -> Result<(), String> {
    let cargo_fuzz = Command::new(cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !cargo_fuzz.is_ok_and(|status| status.success()) {
        return Err(
            "`cargo fuzz` is not installed. Install it from crates.io with\n    \
             cargo install cargo-fuzz --locked\nIt works with the stable toolchain: the \
             targets are built with `--sanitizer none`."
                .to_owned(),
        );
    }

    let compiler = std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned());
    let cxx = Command::new(&compiler)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !cxx.is_ok_and(|status| status.success()) {
        return Err(format!(
            "no C++ compiler (`{compiler}`): libfuzzer-sys compiles libFuzzer from source. \
             Install one, e.g. `apt-get install g++`, or set CXX."
        ));
    }
    Ok(())
}

fn rustc_is_nightly() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    Command::new(rustc)
        .arg("--version")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("nightly"))
}

/// The facts of one run, read from its combined output.
#[derive(Debug)]
pub(super) struct RunLog {
    /// Where the output was written.
    pub(super) path: PathBuf,
    /// The file libFuzzer saved the crashing (or hanging) input to, if any.
    pub(super) crash_input: Option<String>,
    lines: Vec<String>,
    executions: Option<u64>,
    seconds: Option<u64>,
    coverage: Option<String>,
}

impl RunLog {
    /// Reads the facts out of `text`, the output written to `path`.
    pub(super) fn parse(text: &str, path: PathBuf) -> Self {
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let after = |prefix: &str| {
            lines.iter().rev().find_map(|line| {
                line.split_once(prefix)
                    .map(|(_, rest)| rest.trim().to_owned())
            })
        };
        let crash_input = after("Test unit written to ");
        let executions = after("stat::number_of_executed_units:").and_then(|v| v.parse().ok());
        // "Done 123 runs in 60 second(s)"
        let seconds = after("Done ").and_then(|rest| {
            let (_, time) = rest.split_once(" runs in ")?;
            time.split_whitespace().next()?.parse().ok()
        });
        let coverage = lines.iter().rev().find_map(|line| {
            let (_, rest) = line.split_once(" cov: ")?;
            let cov = rest.split_whitespace().next()?;
            let corpus = line
                .split_once(" corp: ")
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .unwrap_or("?");
            Some(format!("{cov} edges, corpus {corpus}"))
        });
        Self {
            path,
            crash_input,
            lines,
            executions,
            seconds,
            coverage,
        }
    }

    /// One line of statistics: executions, rate, coverage.
    pub(super) fn stats(&self) -> String {
        let executions = self
            .executions
            .map_or_else(|| "? runs".to_owned(), |n| format!("{n} runs"));
        let rate = match (self.executions, self.seconds) {
            (Some(n), Some(s)) if s > 0 => format!(" ({}/s)", n / s),
            _ => String::new(),
        };
        let coverage = self.coverage.as_deref().unwrap_or("no coverage line");
        format!("{executions}{rate}, {coverage}")
    }

    /// The last `count` lines of the output.
    pub(super) fn tail(&self, count: usize) -> &[String] {
        &self.lines[self.lines.len().saturating_sub(count)..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_crash_path_and_statistics() {
        let text = "#1024\tNEW    cov: 812 ft: 2001 corp: 55/1201b lim: 43 exec/s: 0\n\
            ==1== ERROR: libFuzzer: deadly signal\n\
            artifact_prefix='fuzz/artifacts/models/'; \
            Test unit written to fuzz/artifacts/models/crash-abc\n\
            stat::number_of_executed_units: 5000\n\
            Done 5000 runs in 5 second(s)\n";
        let log = RunLog::parse(text, PathBuf::from("x.log"));
        assert_eq!(
            log.crash_input.as_deref(),
            Some("fuzz/artifacts/models/crash-abc")
        );
        assert_eq!(
            log.stats(),
            "5000 runs (1000/s), 812 edges, corpus 55/1201b"
        );
        assert_eq!(log.tail(2).len(), 2);
    }

    #[test]
    fn a_quiet_log_has_no_crash() {
        let log = RunLog::parse("INFO: nothing\n", PathBuf::from("x.log"));
        assert!(log.crash_input.is_none());
        assert_eq!(log.stats(), "? runs, no coverage line");
    }
}
