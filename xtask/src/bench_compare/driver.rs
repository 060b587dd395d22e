//! Running one load driver process of `bench-compare`: a time limit, its peak resident set
//! size, and the JSON line it prints.
//!
//! The driver's stdout is read on a thread (so it can never fill the pipe and block the
//! child), its stderr goes to a log file, and the process is owned by the conformance
//! task's [`ChildGuard`], so it is stopped on every way out. While it runs, the task reads
//! `VmHWM` (the kernel's high-water mark of the resident set) from `/proc/<pid>/status`
//! every 10 ms; the last value read before the process exits is its peak RSS. Where there
//! is no `/proc`, the peak is reported as 0.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::conformance::process::ChildGuard;

/// How often the driver's memory high-water mark is read.
const RSS_POLL_INTERVAL: Duration = Duration::from_millis(10);

/// What one driver run measured.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Measurement {
    /// Calls that completed.
    pub(super) calls: u64,
    /// Wall time of all calls, as the driver measured it.
    pub(super) seconds: f64,
    /// Median latency of one call.
    pub(super) p50_ms: f64,
    /// 99th percentile latency of one call.
    pub(super) p99_ms: f64,
    /// Peak resident set size of the driver process, in KiB.
    pub(super) peak_rss_kib: u64,
}

impl Measurement {
    /// Completed calls per second.
    pub(super) fn calls_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.calls as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// Peak RSS in MiB.
    pub(super) fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }
}

/// Runs a driver and parses its result line.
///
/// # Errors
///
/// When the driver cannot start, runs past `timeout`, exits with a failure, or prints no
/// result line.
pub(super) fn run(command: Command, log: &Path, timeout: Duration) -> Result<Measurement, String> {
    let (stdout, peak_rss_kib) = supervise(command, log, timeout)?;
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with('{'))
        .ok_or_else(|| format!("the driver printed no JSON line (log: {})", log.display()))?;
    let mut measurement = parse(line)?;
    measurement.peak_rss_kib = peak_rss_kib;
    Ok(measurement)
}

/// Runs a command with the same limits and returns its stdout.
///
/// # Errors
///
/// As [`run`], except that any output is accepted.
pub(super) fn run_for_output(
    command: Command,
    log: &Path,
    timeout: Duration,
) -> Result<String, String> {
    supervise(command, log, timeout).map(|(stdout, _)| stdout)
}

/// Starts `command`, watches its peak RSS, and returns its stdout once it exits well.
fn supervise(mut command: Command, log: &Path, timeout: Duration) -> Result<(String, u64), String> {
    if let Some(folder) = log.parent() {
        fs::create_dir_all(folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    }
    let log_file =
        File::create(log).map_err(|error| format!("cannot create {}: {error}", log.display()))?;
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .map_err(|error| format!("cannot start {:?}: {error}", command.get_program()))?;
    let mut process = ChildGuard::new("bench driver", child);
    let pid = process.child_mut().id();

    let (sender, receiver) = mpsc::channel();
    if let Some(mut stdout) = process.child_mut().stdout.take() {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            let _ = sender.send(text);
        });
    }

    let deadline = Instant::now() + timeout;
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(kib) = high_water_mark_kib(pid) {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        match process.child_mut().try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(error) => return Err(format!("cannot wait for the driver: {error}")),
        }
        if Instant::now() >= deadline {
            process.stop();
            return Err(format!(
                "the driver ran past {} s and was stopped (log: {})",
                timeout.as_secs(),
                log.display()
            ));
        }
        thread::sleep(RSS_POLL_INTERVAL);
    };
    if !status.success() {
        let reason = fs::read_to_string(log).unwrap_or_default();
        return Err(format!(
            "the driver failed ({status}): {}",
            reason.lines().last().unwrap_or("no message")
        ));
    }
    let stdout = receiver
        .recv_timeout(Duration::from_secs(5))
        .map_err(|_| "the driver's stdout did not close".to_owned())?;
    Ok((stdout, peak_rss_kib))
}

/// `VmHWM` of process `pid` in KiB, when `/proc` has it.
fn high_water_mark_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

/// The `VmHWM:` value of a `/proc/<pid>/status` text, in KiB.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Parses `{"calls":N,"seconds":S,"p50_ms":X,"p99_ms":Y}`.
fn parse(line: &str) -> Result<Measurement, String> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|error| format!("the driver's result line is not JSON: {error}"))?;
    let number = |name: &str| {
        value[name]
            .as_f64()
            .ok_or_else(|| format!("the driver's result line has no number `{name}`"))
    };
    Ok(Measurement {
        calls: value["calls"]
            .as_u64()
            .ok_or_else(|| "the driver's result line has no count `calls`".to_owned())?,
        seconds: number("seconds")?,
        p50_ms: number("p50_ms")?,
        p99_ms: number("p99_ms")?,
        peak_rss_kib: 0,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_high_water_mark_is_read_from_a_status_text() {
        let status = "Name:\tload\nVmPeak:\t  20000 kB\nVmHWM:\t    8421 kB\nVmRSS:\t 8000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(8421));
        assert_eq!(parse_vm_hwm("Name:\tload\n"), None);
    }

    #[test]
    fn a_result_line_parses_and_gives_a_rate() {
        let measurement =
            parse(r#"{"calls":2000,"seconds":0.5,"p50_ms":1.25,"p99_ms":4.0}"#).unwrap();
        assert_eq!(measurement.calls, 2000);
        assert!((measurement.calls_per_second() - 4000.0).abs() < 1e-9);
        assert!(parse(r#"{"calls":2000}"#).is_err());
    }
}
