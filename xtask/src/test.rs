//! The test gate: every check a change must pass, in the order CI runs them.
//!
//! Each step is a child process (`cargo fmt`, `cargo clippy`, `cargo test`, …) so that its output
//! streams straight to the terminal. The gate stops at the first failing step and names it; a
//! summary of the steps that ran is printed either way.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::TaskResult;

/// Arguments of the `test` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Steps to leave out, by name (fmt, fmt-fuzz, clippy, clippy-default-features, test, doc,
    /// codegen, quickstart, user-credential, conformance).
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
}

/// One step of the gate: a name and the command line that runs it.
struct Step {
    name: &'static str,
    program: String,
    args: Vec<&'static str>,
    env: Vec<(&'static str, &'static str)>,
}

impl Step {
    fn cargo(name: &'static str, args: &[&'static str]) -> Self {
        Self {
            name,
            program: cargo(),
            args: args.to_vec(),
            env: Vec::new(),
        }
    }

    fn with_env(mut self, key: &'static str, value: &'static str) -> Self {
        self.env.push((key, value));
        self
    }
}

/// The cargo that runs this task, so the gate uses the same toolchain.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn steps() -> Vec<Step> {
    vec![
        Step::cargo("fmt", &["fmt", "--all", "--check"]),
        // The fuzz targets are a workspace of their own, which `--all` does not reach (and
        // `--all` there would reach into this workspace's crates through path dependencies).
        Step::cargo(
            "fmt-fuzz",
            &["fmt", "--check", "--manifest-path", "fuzz/Cargo.toml"],
        ),
        Step::cargo(
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
        ),
        // Optional features (preview, azure-core) must not be needed to build cleanly.
        Step::cargo(
            "clippy-default-features",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
        ),
        Step::cargo(
            "test",
            &["test", "--workspace", "--all-features", "--locked"],
        ),
        Step::cargo(
            "doc",
            &[
                "doc",
                "--workspace",
                "--all-features",
                "--no-deps",
                "--locked",
            ],
        )
        .with_env("RUSTDOCFLAGS", "-D warnings"),
        Step::cargo("codegen", &["xtask", "codegen", "--check"]),
        Step::cargo("quickstart", &["run", "--quiet", "--example", "quickstart"])
            // The gate proves the embedded-emulator path; a real resource is opt-in.
            .with_env("COMMUNICATION_SERVICES_CONNECTION_STRING", ""),
        Step::cargo(
            "user-credential",
            &["run", "--quiet", "--example", "user_credential"],
        ),
        Step::cargo("conformance", &["xtask", "conformance"]),
    ]
}

/// Runs every step that is not skipped, stopping at the first failure.
pub(crate) fn run(args: Args) -> TaskResult {
    let root = crate::workspace_root();
    let known: Vec<&str> = steps().iter().map(|step| step.name).collect();
    if let Some(unknown) = args
        .skip
        .iter()
        .find(|name| !known.contains(&name.as_str()))
    {
        return Err(format!(
            "unknown step `{unknown}`; the steps are {}",
            known.join(", ")
        )
        .into());
    }

    let mut summary = Vec::new();
    if let Some(note) = shared_reference_note(&root)? {
        summary.push(note);
    }
    for step in steps() {
        if args.skip.iter().any(|name| name == step.name) {
            summary.push(format!("skipped {}", step.name));
            continue;
        }

        eprintln!(
            "xtask test: running {} ({} {})",
            step.name,
            step.program,
            step.args.join(" ")
        );
        let started = Instant::now();
        let mut command = Command::new(&step.program);
        command.args(&step.args).current_dir(&root);
        for (key, value) in &step.env {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        let status = command
            .status()
            .map_err(|error| format!("could not start `{}`: {error}", step.program))?;
        let seconds = started.elapsed().as_secs_f64();
        if !status.success() {
            summary.push(format!("FAILED {} ({seconds:.0} s)", step.name));
            print_summary(&summary);
            return Err(format!("step `{}` failed ({status})", step.name).into());
        }
        summary.push(format!("passed {} ({seconds:.0} s)", step.name));
    }

    print_summary(&summary);
    Ok(())
}

/// The live-service recordings are read from `../shared/reference` (or `$ACS_SHARED_DIR`)
/// at test time. Without them the replay test skips itself quietly, so the gate says so
/// out loud; under `CI=true` a missing folder is an error before anything runs.
fn shared_reference_note(root: &Path) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let shared = std::env::var_os("ACS_SHARED_DIR")
        .map_or_else(|| root.join("..").join("shared"), PathBuf::from);
    let recordings = shared.join("reference").join("recordings");
    if recordings.is_dir() {
        return Ok(None);
    }
    let in_ci = std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"));
    if in_ci {
        return Err(format!(
            "the recordings folder {} is missing; CI needs it (set ACS_SHARED_DIR)",
            recordings.display()
        )
        .into());
    }
    Ok(Some(format!(
        "note: {} not found, so the recording replay test skips itself (set ACS_SHARED_DIR)",
        recordings.display()
    )))
}

fn print_summary(summary: &[String]) {
    eprintln!("xtask test summary:");
    for line in summary {
        eprintln!("  {line}");
    }
}
