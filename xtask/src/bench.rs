//! The micro-benchmarks: `cargo xtask bench` measures them, `--smoke` only proves they run.
//!
//! The benchmarks are divan bench targets of three crates (signing and the pipeline in
//! acs-core-http, the wire models in acs-identity-models, a whole client call in
//! acs-identity); docs/performance.md says what each measures and what the numbers mean.
//! A measuring run builds them with the bench profile and runs one crate at a time, so
//! that benchmarks never compete with each other for the machine's cores. The smoke run is
//! `cargo test` of the same targets: divan runs each benchmark exactly once when it is not
//! started with `--bench`, in the test profile the gate has already built, so CI learns
//! that every benchmark compiles and completes without spending time measuring.

use std::process::Command;
use std::time::Instant;

use crate::TaskResult;

/// Every bench target, with the package that owns it.
const BENCHES: &[(&str, &str)] = &[
    ("acs-core-http", "signing"),
    ("acs-core-http", "pipeline"),
    ("acs-identity-models", "models"),
    ("acs-identity", "client"),
];

/// Arguments of the `bench` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Run every benchmark once, unoptimised and unmeasured, to prove it builds and runs.
    #[arg(long)]
    smoke: bool,
    /// Only the bench targets of these packages (acs-core-http, acs-identity-models,
    /// acs-identity).
    #[arg(long = "package", short = 'p', value_delimiter = ',')]
    packages: Vec<String>,
    /// Extra arguments for divan, after `--` (for example a name filter or
    /// `--sample-count 20`); ignored with `--smoke`.
    #[arg(last = true)]
    divan_args: Vec<String>,
}

/// Runs the smoke check or the measuring run.
pub(crate) fn run(args: Args) -> TaskResult {
    let selected = select(&args.packages)?;
    if args.smoke {
        return smoke(&selected);
    }
    measure(&selected, &args.divan_args)
}

/// The bench targets of the chosen packages; all of them when none is named.
fn select(packages: &[String]) -> Result<Vec<(&'static str, &'static str)>, String> {
    if let Some(unknown) = packages
        .iter()
        .find(|name| !BENCHES.iter().any(|(package, _)| package == name))
    {
        return Err(format!(
            "no benchmarks in package `{unknown}`; the packages with benchmarks are \
             acs-core-http, acs-identity-models and acs-identity"
        ));
    }
    Ok(BENCHES
        .iter()
        .copied()
        .filter(|(package, _)| packages.is_empty() || packages.iter().any(|name| name == package))
        .collect())
}

/// One `cargo test` over every selected bench target: each benchmark runs once.
fn smoke(selected: &[(&'static str, &'static str)]) -> TaskResult {
    let mut args = vec!["test".to_owned(), "--locked".to_owned()];
    for (package, bench) in selected {
        args.extend(["-p".to_owned(), (*package).to_owned()]);
        args.extend(["--bench".to_owned(), (*bench).to_owned()]);
    }
    cargo("smoke", &args)
}

/// `cargo bench` for one package at a time, printing divan's tables as they come.
fn measure(selected: &[(&'static str, &'static str)], divan_args: &[String]) -> TaskResult {
    let mut packages: Vec<&str> = selected.iter().map(|(package, _)| *package).collect();
    packages.dedup();
    for package in packages {
        let mut args = vec![
            "bench".to_owned(),
            "--locked".to_owned(),
            "-p".to_owned(),
            package.to_owned(),
        ];
        for (_, bench) in selected.iter().filter(|(owner, _)| *owner == package) {
            args.extend(["--bench".to_owned(), (*bench).to_owned()]);
        }
        if !divan_args.is_empty() {
            args.push("--".to_owned());
            args.extend(divan_args.iter().cloned());
        }
        cargo(package, &args)?;
    }
    Ok(())
}

/// Runs the cargo that started this task with `args` in the workspace root.
fn cargo(label: &str, args: &[String]) -> TaskResult {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask bench: {label}: {program} {}", args.join(" "));
    let started = Instant::now();
    let status = Command::new(&program)
        .args(args)
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|error| format!("could not start `{program}`: {error}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("bench {label} failed after {seconds:.0} s ({status})").into());
    }
    eprintln!("xtask bench: {label} passed ({seconds:.0} s)");
    Ok(())
}
