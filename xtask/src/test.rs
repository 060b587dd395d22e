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
    /// codegen, bench-smoke, quickstart, user-credential, conformance, spec-diff).
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
}

/// One step of the gate: a name and the command line that runs it.
struct Step {
    name: &'static str,
    program: String,
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
}

impl Step {
    fn cargo(name: &'static str, args: &[&str]) -> Self {
        Self {
            name,
            program: cargo(),
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
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

/// The upstream OpenAPI documents `spec-diff` checks the API description against.
const SPEC_VERSIONS: [&str; 3] = ["2023-10-01", "2025-03-02-preview", "2026-09-23"];

fn steps(shared: &Path) -> Vec<Step> {
    let spec = |version: &str| {
        shared
            .join("reference")
            .join("identity-spec")
            .join(version)
            .join("CommunicationIdentity.json")
    };
    let mut steps = vec![
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
        // Benchmarks are not tests; the gate only proves that each one builds and runs once.
        Step::cargo("bench-smoke", &["xtask", "bench", "--smoke"]),
        Step::cargo("quickstart", &["run", "--quiet", "--example", "quickstart"])
            // The gate proves the embedded-emulator path; a real resource is opt-in.
            .with_env("COMMUNICATION_SERVICES_CONNECTION_STRING", ""),
        Step::cargo(
            "user-credential",
            &["run", "--quiet", "--example", "user_credential"],
        ),
        Step::cargo("conformance", &["xtask", "conformance"]),
    ];

    // Every difference from an upstream document must be explained by the allow-list. The
    // documents live in the shared reference folder, like the recordings.
    for version in SPEC_VERSIONS {
        let path = spec(version);
        if path.is_file() {
            let mut step = Step::cargo("spec-diff", &["xtask", "spec-diff"]);
            step.args.push(path.display().to_string());
            steps.push(step);
        }
    }
    steps
}

/// Runs every step that is not skipped, stopping at the first failure.
pub(crate) fn run(args: Args) -> TaskResult {
    let root = crate::workspace_root();
    let shared = shared_dir(&root);
    let mut known: Vec<&str> = steps(&shared).iter().map(|step| step.name).collect();
    known.dedup();
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
    if let Some(note) = shared_reference_note(&shared)? {
        summary.push(note);
    }
    for step in steps(&shared) {
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
        let detail = if step.name == "spec-diff" {
            step.args
                .last()
                .map(|path| format!(" {path}"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        summary.push(format!("passed {}{detail} ({seconds:.0} s)", step.name));
    }

    print_summary(&summary);
    Ok(())
}

/// The shared reference folder: `$ACS_SHARED_DIR`, else `shared/` beside the checkout.
fn shared_dir(root: &Path) -> PathBuf {
    std::env::var_os("ACS_SHARED_DIR").map_or_else(|| root.join("..").join("shared"), PathBuf::from)
}

/// The live-service recordings and the upstream OpenAPI documents are read from the shared
/// reference folder at test time. Without them the replay test skips itself quietly and the
/// spec-diff steps are left out, so the gate says so out loud; under `CI=true` a missing
/// folder is an error before anything runs.
fn shared_reference_note(shared: &Path) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let recordings = shared.join("reference").join("recordings");
    if recordings.is_dir() {
        return Ok(None);
    }
    let in_ci = std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"));
    if in_ci {
        return Err(format!(
            "the reference folder {} is missing; CI needs it (set ACS_SHARED_DIR)",
            shared.join("reference").display()
        )
        .into());
    }
    Ok(Some(format!(
        "note: {} not found, so the recording replay and spec-diff checks are skipped (set \
         ACS_SHARED_DIR)",
        shared.join("reference").display()
    )))
}

fn print_summary(summary: &[String]) {
    eprintln!("xtask test summary:");
    for line in summary {
        eprintln!("  {line}");
    }
}
