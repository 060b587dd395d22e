//! Node.js for the conformance task: checking the toolchain, installing the official SDK into
//! the scratch folder, and running the conformance script with a time limit.
//!
//! The project's `conformance/js/package.json` pins the SDK; it is copied into the scratch
//! folder and installed there with npm, so that no `node_modules` or lockfile ever lands in
//! the source tree. The install is skipped when the pinned version is already present.

use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

use super::process::ChildGuard;
use crate::TaskResult;

/// The package under test.
const SDK_PACKAGE: &str = "@azure/communication-identity";

/// The oldest Node.js that the SDK's dependencies support.
const MIN_NODE_MAJOR: u32 = 20;

/// How long `npm install` may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);

/// What to tell someone who lacks a tool.
const INSTALL_HINT: &str =
    "install Node.js 20 or newer together with npm (for example `apt-get install nodejs npm`)";

/// The SDK found in the scratch folder.
#[derive(Debug)]
pub(super) struct InstalledSdk {
    /// The npm package name.
    pub(super) name: &'static str,
    /// Its installed version.
    pub(super) version: String,
}

/// Checks that `node` runs and is recent enough.
///
/// # Errors
///
/// When `node` is missing from PATH, fails to run, or is older than Node.js 20.
pub(super) fn require_node() -> Result<(), String> {
    let version = tool_version("node")?;
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_NODE_MAJOR => Ok(()),
        Some(_) => Err(format!(
            "Node.js {version} is too old for the SDK: {INSTALL_HINT}"
        )),
        None => Err(format!("cannot read the Node.js version from `{version}`")),
    }
}

/// The first line that `<tool> --version` prints.
fn tool_version(tool: &str) -> Result<String, String> {
    let output = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => format!("`{tool}` was not found on PATH: {INSTALL_HINT}"),
            _ => format!("cannot run `{tool} --version`: {error}"),
        })?;
    if !output.status.success() {
        return Err(format!(
            "`{tool} --version` failed ({}): {INSTALL_HINT}",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.lines().next().unwrap_or_default().trim().to_owned())
}

/// Makes sure the scratch folder `js_dir` holds the SDK version pinned in `manifest`.
///
/// # Errors
///
/// When the manifest cannot be read or pins no exact version, npm is missing, or the install
/// fails, times out or leaves another version behind.
pub(super) fn install_sdk(manifest: &Path, js_dir: &Path) -> Result<InstalledSdk, String> {
    let text = fs::read_to_string(manifest)
        .map_err(|error| format!("cannot read {}: {error}", manifest.display()))?;
    let pinned = pinned_version(&text).ok_or_else(|| {
        format!(
            "{} must pin {SDK_PACKAGE} to an exact version",
            manifest.display()
        )
    })?;

    fs::create_dir_all(js_dir)
        .map_err(|error| format!("cannot create {}: {error}", js_dir.display()))?;
    let scratch_manifest = js_dir.join("package.json");
    if fs::read_to_string(&scratch_manifest).ok().as_deref() != Some(text.as_str()) {
        fs::write(&scratch_manifest, &text)
            .map_err(|error| format!("cannot write {}: {error}", scratch_manifest.display()))?;
    }

    if installed_version(js_dir).as_deref() != Some(pinned.as_str()) {
        npm_install(js_dir, &pinned)?;
    }
    match installed_version(js_dir) {
        Some(version) if version == pinned => Ok(InstalledSdk {
            name: SDK_PACKAGE,
            version,
        }),
        found => Err(format!(
            "after npm install, {} holds {SDK_PACKAGE} {}, not {pinned}",
            js_dir.display(),
            found.as_deref().unwrap_or("(nothing)")
        )),
    }
}

/// Runs `npm install` in the scratch folder, bounded by [`INSTALL_TIMEOUT`].
fn npm_install(js_dir: &Path, pinned: &str) -> Result<(), String> {
    tool_version("npm")?;
    println!(
        "conformance: npm install {SDK_PACKAGE}@{pinned} into {}",
        js_dir.display()
    );
    let child = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(js_dir)
        .current_dir(js_dir)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run npm: {error}"))?;
    let mut npm = ChildGuard::new("npm", child);
    match npm.wait_for(INSTALL_TIMEOUT) {
        Ok(Some(status)) if status.success() => Ok(()),
        Ok(Some(status)) => Err(format!(
            "`npm install` failed ({status}); it needs access to the npm registry"
        )),
        Ok(None) => Err(format!(
            "`npm install` did not finish within {} s",
            INSTALL_TIMEOUT.as_secs()
        )),
        Err(error) => Err(format!("cannot wait for npm: {error}")),
    }
}

/// The exact version that a package.json gives the SDK, e.g. `1.3.1` (ranges are refused).
fn pinned_version(manifest: &str) -> Option<String> {
    let manifest: serde_json::Value = serde_json::from_str(manifest).ok()?;
    let version = manifest["dependencies"][SDK_PACKAGE].as_str()?;
    let exact = version.split('.').count() == 3
        && version
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    exact.then(|| version.to_owned())
}

/// The version of the SDK installed under `js_dir`, if any.
fn installed_version(js_dir: &Path) -> Option<String> {
    let manifest = js_dir
        .join("node_modules")
        .join(SDK_PACKAGE)
        .join("package.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(manifest).ok()?).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

/// The closing line of the script: `N passed, M failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Summary {
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

/// How a run of the conformance script ended.
#[derive(Debug)]
pub(super) struct ScriptRun {
    /// The exit status; `None` when the script was stopped at its time limit.
    status: Option<ExitStatus>,
    /// The last summary line it printed.
    summary: Option<Summary>,
}

impl ScriptRun {
    /// Success only for a script that finished, exited 0 and reported no failure.
    ///
    /// # Errors
    ///
    /// Otherwise, saying which of those went wrong.
    pub(super) fn verdict(&self, timeout: Duration) -> TaskResult {
        let Some(status) = self.status else {
            return Err(format!(
                "the conformance script did not finish within {} s and was stopped",
                timeout.as_secs()
            )
            .into());
        };
        match self.summary {
            Some(summary) if status.success() && summary.failed == 0 => Ok(()),
            Some(summary) => Err(format!("conformance failed: {summary}").into()),
            None if status.success() => {
                Err("the conformance script printed no `N passed, M failed` line".into())
            }
            None => {
                Err(format!("the conformance script failed ({status}) before its summary").into())
            }
        }
    }
}

/// Which cases the script runs and how much it shows.
#[derive(Debug, Default)]
pub(super) struct Selection {
    /// Only the cases whose name contains this text.
    pub(super) filter: Option<String>,
    /// Also show the exchanges of passing cases.
    pub(super) verbose: bool,
}

/// Runs the conformance script against `connection_string`, echoing its output, and stops it
/// when it runs past `timeout`.
///
/// # Errors
///
/// When `node` cannot be started or waited for; a failing script is a [`ScriptRun`].
pub(super) fn run_script(
    script: &Path,
    js_dir: &Path,
    connection_string: &str,
    selection: Selection,
    timeout: Duration,
) -> Result<ScriptRun, String> {
    let mut command = Command::new("node");
    command
        .arg(script)
        .current_dir(js_dir)
        .env("ACS_CONNECTION_STRING", connection_string)
        .env("ACS_CONFORMANCE_JS_DIR", js_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match selection.filter {
        Some(filter) => command.env("ACS_CONFORMANCE_FILTER", filter),
        None => command.env_remove("ACS_CONFORMANCE_FILTER"),
    };
    command.env(
        "ACS_CONFORMANCE_VERBOSE",
        if selection.verbose { "1" } else { "0" },
    );
    let child = command
        .spawn()
        .map_err(|error| format!("cannot run node {}: {error}", script.display()))?;
    let mut node = ChildGuard::new("node", child);

    let stdout = node
        .child_mut()
        .stdout
        .take()
        .ok_or_else(|| "node's stdout is not piped".to_owned())?;
    let echo = thread::spawn(move || {
        let mut summary = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            summary = Summary::parse(&line).or(summary);
        }
        summary
    });

    let status = node
        .wait_for(timeout)
        .map_err(|error| format!("cannot wait for node: {error}"))?;
    node.stop();
    let summary = echo.join().ok().flatten();
    Ok(ScriptRun { status, summary })
}

#[cfg(test)]
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

    #[test]
    fn only_an_exact_version_is_a_pin() {
        let manifest = |version: &str| {
            format!(r#"{{"dependencies":{{"@azure/communication-identity":"{version}"}}}}"#)
        };
        assert_eq!(pinned_version(&manifest("1.3.1")).as_deref(), Some("1.3.1"));
        for range in ["^1.3.1", "~1.3.1", "1.3", "latest", "1.3.1-beta.1", "1..1"] {
            assert_eq!(pinned_version(&manifest(range)), None, "{range}");
        }
    }

    #[test]
    fn the_project_manifest_pins_1_3_1() {
        let manifest = crate::workspace_root().join("conformance/js/package.json");
        let text = fs::read_to_string(manifest).unwrap();
        assert_eq!(pinned_version(&text).as_deref(), Some("1.3.1"));
    }
}
