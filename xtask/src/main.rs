//! Project automation for the workspace: code generation, the test gate and conformance runs.
//!
//! Run through the cargo alias in `.cargo/config.toml`, e.g. `cargo xtask test`. Every task is
//! an ordinary Rust function so it behaves the same on a laptop and in CI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod bench_compare;
mod codegen;
mod conformance;
mod fuzz;
mod spec_diff;
mod test;

/// The result type of every task.
pub(crate) type TaskResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "Automation for the ACS Rust SDK workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the micro-benchmarks (`--smoke`: run each once, unmeasured).
    Bench(bench::Args),
    /// Compare throughput, latency and memory with the official JS and Python SDKs.
    BenchCompare(bench_compare::Args),
    /// Generate the models crate from the API description.
    Codegen(codegen::Args),
    /// Run the official SDKs of other languages against the emulator.
    Conformance(conformance::Args),
    /// Run every check: fmt, clippy, tests, doctests, codegen freshness, conformance.
    Test(test::Args),
    /// Build and run the libFuzzer targets in fuzz/ for a fixed time each.
    Fuzz(fuzz::Args),
    /// Compare an upstream Swagger document with the API description.
    SpecDiff(spec_diff::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Bench(args) => bench::run(args),
        Command::BenchCompare(args) => bench_compare::run(args),
        Command::Codegen(args) => codegen::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Test(args) => test::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::SpecDiff(args) => spec_diff::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of the xtask package.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
