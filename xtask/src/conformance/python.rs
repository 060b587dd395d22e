//! Python for the conformance task: a scratch virtualenv holding the official SDK, and the
//! command that runs the Python conformance script with that virtualenv's interpreter.
//!
//! `conformance/python/requirements.txt` pins the SDK. The virtualenv lives in the scratch
//! folder under the target directory (`python3 -m venv`), the SDK is installed there with
//! the virtualenv's own pip, and nothing lands in the source tree or the system's Python.
//! The install is skipped when the pinned version is already there.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::ChildGuard;
use super::script::Selection;

/// The distribution under test.
const SDK_DISTRIBUTION: &str = "azure-communication-identity";

/// The interpreter that creates the virtualenv.
const SYSTEM_PYTHON: &str = "python3";

/// How long `python3 -m venv` may take.
const VENV_TIMEOUT: Duration = Duration::from_secs(120);

/// How long `pip install` may take in all.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);

/// pip's own limit per network operation, in seconds.
const PIP_SOCKET_TIMEOUT_SECS: &str = "30";

/// What to tell someone who lacks a tool.
const INSTALL_HINT: &str = "install Python 3.8 or newer with its venv module \
     (Debian/Ubuntu: `apt-get install python3 python3-venv`)";

/// The SDK found in the virtualenv.
#[derive(Debug)]
pub(crate) struct InstalledSdk {
    /// The distribution name.
    pub(crate) name: &'static str,
    /// Its installed version.
    pub(crate) version: String,
    /// The virtualenv's interpreter, which runs the script.
    pub(crate) interpreter: PathBuf,
}

/// Makes sure the virtualenv `venv_dir` exists and holds the SDK version pinned in
/// `requirements`.
///
/// # Errors
///
/// When the requirements file pins no exact version, `python3` or its venv module is
/// missing, or the install fails, times out or leaves another version behind.
pub(crate) fn install_sdk(requirements: &Path, venv_dir: &Path) -> Result<InstalledSdk, String> {
    let text = fs::read_to_string(requirements)
        .map_err(|error| format!("cannot read {}: {error}", requirements.display()))?;
    let pinned = pinned_version(&text).ok_or_else(|| {
        format!(
            "{} must pin {SDK_DISTRIBUTION} to an exact version (`{SDK_DISTRIBUTION}==X.Y.Z`)",
            requirements.display()
        )
    })?;

    let interpreter = interpreter_of(venv_dir);
    if !has_pip(&interpreter) {
        create_venv(venv_dir)?;
    }
    if installed_version(&interpreter).as_deref() != Some(pinned.as_str()) {
        pip_install(&interpreter, requirements, &pinned)?;
    }
    match installed_version(&interpreter) {
        Some(version) if version == pinned => Ok(InstalledSdk {
            name: SDK_DISTRIBUTION,
            version,
            interpreter,
        }),
        found => Err(format!(
            "after pip install, {} holds {SDK_DISTRIBUTION} {}, not {pinned}",
            venv_dir.display(),
            found.as_deref().unwrap_or("(nothing)")
        )),
    }
}

/// The command that runs the Python conformance script `script` with `interpreter` against
/// `connection_string`; `ca_file` is the PEM file of the CA to trust, for an https emulator.
pub(super) fn script_command(
    interpreter: &Path,
    script: &Path,
    connection_string: &str,
    ca_file: Option<&Path>,
    selection: &Selection,
) -> Command {
    let mut command = Command::new(interpreter);
    command
        .arg(script)
        .env("ACS_CONNECTION_STRING", connection_string)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(folder) = interpreter.parent() {
        command.current_dir(folder);
    }
    match ca_file {
        // The script hands it to the SDK as `connection_verify`.
        Some(ca_file) => command.env("ACS_CONFORMANCE_CA_FILE", ca_file),
        None => command.env_remove("ACS_CONFORMANCE_CA_FILE"),
    };
    selection.apply(&mut command);
    command
}

/// The interpreter of the virtualenv in `venv_dir`.
fn interpreter_of(venv_dir: &Path) -> PathBuf {
    if cfg!(windows) {
        venv_dir.join("Scripts").join("python.exe")
    } else {
        venv_dir.join("bin").join("python")
    }
}

/// Whether `interpreter` exists and has a working pip (a venv made without ensurepip lacks
/// one and is made again).
fn has_pip(interpreter: &Path) -> bool {
    Command::new(interpreter)
        .args(["-m", "pip", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Creates a fresh virtualenv in `venv_dir` with the system's `python3`.
fn create_venv(venv_dir: &Path) -> Result<(), String> {
    let version = Command::new(SYSTEM_PYTHON)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => {
                format!("`{SYSTEM_PYTHON}` was not found on PATH: {INSTALL_HINT}")
            }
            _ => format!("cannot run `{SYSTEM_PYTHON} --version`: {error}"),
        })?;
    if !version.status.success() {
        return Err(format!(
            "`{SYSTEM_PYTHON} --version` failed ({}): {INSTALL_HINT}",
            version.status
        ));
    }

    if venv_dir.exists() {
        fs::remove_dir_all(venv_dir)
            .map_err(|error| format!("cannot remove {}: {error}", venv_dir.display()))?;
    }
    println!(
        "conformance: {SYSTEM_PYTHON} -m venv {}",
        venv_dir.display()
    );
    let child = Command::new(SYSTEM_PYTHON)
        .args(["-m", "venv"])
        .arg(venv_dir)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run {SYSTEM_PYTHON}: {error}"))?;
    let mut venv = ChildGuard::new("python3 -m venv", child);
    match venv.wait_for(VENV_TIMEOUT) {
        Ok(Some(status)) if status.success() && has_pip(&interpreter_of(venv_dir)) => Ok(()),
        Ok(Some(status)) => Err(format!(
            "`{SYSTEM_PYTHON} -m venv` did not make a virtualenv with pip ({status}): \
             {INSTALL_HINT}"
        )),
        Ok(None) => Err(format!(
            "`{SYSTEM_PYTHON} -m venv` did not finish within {} s",
            VENV_TIMEOUT.as_secs()
        )),
        Err(error) => Err(format!("cannot wait for {SYSTEM_PYTHON}: {error}")),
    }
}

/// Installs the requirements with the virtualenv's pip, bounded by [`INSTALL_TIMEOUT`].
fn pip_install(interpreter: &Path, requirements: &Path, pinned: &str) -> Result<(), String> {
    println!("conformance: pip install {SDK_DISTRIBUTION}=={pinned}");
    let child = Command::new(interpreter)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(["--timeout", PIP_SOCKET_TIMEOUT_SECS, "--requirement"])
        .arg(requirements)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run pip: {error}"))?;
    let mut pip = ChildGuard::new("pip", child);
    match pip.wait_for(INSTALL_TIMEOUT) {
        Ok(Some(status)) if status.success() => Ok(()),
        Ok(Some(status)) => Err(format!(
            "`pip install` failed ({status}); it needs access to the Python package index"
        )),
        Ok(None) => Err(format!(
            "`pip install` did not finish within {} s",
            INSTALL_TIMEOUT.as_secs()
        )),
        Err(error) => Err(format!("cannot wait for pip: {error}")),
    }
}

/// The exact version that a requirements file gives the SDK, e.g. `1.5.0`.
fn pinned_version(requirements: &str) -> Option<String> {
    requirements
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .find_map(|line| {
            let (name, version) = line.split_once("==")?;
            let name = name.trim().to_ascii_lowercase().replace('_', "-");
            let version = version.trim();
            let exact = version.split('.').count() == 3
                && version
                    .split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            (name == SDK_DISTRIBUTION && exact).then(|| version.to_owned())
        })
}

/// The version of the SDK installed for `interpreter`, if any.
fn installed_version(interpreter: &Path) -> Option<String> {
    let output = Command::new(interpreter)
        .args([
            "-c",
            "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))",
        ])
        .arg(SDK_DISTRIBUTION)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !version.is_empty()).then_some(version)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_an_exact_version_is_a_pin() {
        assert_eq!(
            pinned_version("# the SDK\nazure-communication-identity==1.5.0\n").as_deref(),
            Some("1.5.0")
        );
        assert_eq!(
            pinned_version("Azure_Communication_Identity == 1.5.0  # pinned").as_deref(),
            Some("1.5.0")
        );
        for line in [
            "azure-communication-identity>=1.5.0",
            "azure-communication-identity==1.5",
            "azure-communication-identity==1.5.0b1",
            "azure-core==1.30.0",
            "",
        ] {
            assert_eq!(pinned_version(line), None, "{line}");
        }
    }

    #[test]
    fn the_project_requirements_pin_1_5_0() {
        let requirements = crate::workspace_root().join("conformance/python/requirements.txt");
        let text = fs::read_to_string(requirements).unwrap();
        assert_eq!(pinned_version(&text).as_deref(), Some("1.5.0"));
    }
}
