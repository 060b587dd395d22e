//! Node.js for the conformance task: checking the toolchain, installing the official SDK into
//! the scratch folder, and preparing the command that runs the JavaScript script.
//!
//! The project's `conformance/js/package.json` pins the SDK; it is copied into the scratch
//! folder and installed there with npm, so that no `node_modules` or lockfile ever lands in
//! the source tree. The install is skipped when the pinned version is already present.

use std::fs;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::ChildGuard;
use super::script::Selection;

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
pub(crate) struct InstalledSdk {
    /// The npm package name.
    pub(crate) name: &'static str,
    /// Its installed version.
    pub(crate) version: String,
}

/// Checks that `node` runs and is recent enough.
///
/// # Errors
///
/// When `node` is missing from PATH, fails to run, or is older than Node.js 20.
pub(crate) fn require_node() -> Result<(), String> {
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
pub(crate) fn install_sdk(manifest: &Path, js_dir: &Path) -> Result<InstalledSdk, String> {
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

/// The command that runs the JavaScript conformance script `script` with the SDK installed
/// in `js_dir`, against `connection_string`; `ca_file` is a PEM file of extra CAs to trust
/// (given to Node.js as `NODE_EXTRA_CA_CERTS`), for an https emulator.
pub(super) fn script_command(
    script: &Path,
    js_dir: &Path,
    connection_string: &str,
    ca_file: Option<&Path>,
    selection: &Selection,
) -> Command {
    let mut command = Command::new("node");
    command
        .arg(script)
        .current_dir(js_dir)
        .env("ACS_CONNECTION_STRING", connection_string)
        .env("ACS_CONFORMANCE_JS_DIR", js_dir);
    // Without a CA of ours, whatever the environment already trusts stays in force.
    if let Some(ca_file) = ca_file {
        command.env("NODE_EXTRA_CA_CERTS", ca_file);
    }
    selection.apply(&mut command);
    command
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
