//! The `fuzz` task: builds each libFuzzer target in `fuzz/` and runs it for a fixed time.
//!
//! The targets live in their own cargo project (`fuzz/`, outside the workspace), built by
//! `cargo fuzz` with coverage instrumentation and no sanitizer (`-s none`), which works on
//! the stable toolchain. Each run starts from the committed seeds in `fuzz/corpus/` (one
//! folder per input format, most targets having their own) and the reproducers of past
//! crashes in `fuzz/regressions/<target>/`; what libFuzzer discovers goes to a scratch
//! corpus under `fuzz/target/corpus/<target>/`, so committed files never change. A
//! dictionary in `fuzz/dicts/`, if there is one for the format, feeds the mutator the words
//! the format is made of. Targets run one after another, one job each.
//!
//! The task fails when any target fails to build or crashes, and says where libFuzzer saved
//! the crashing input and how to replay it. With `--seconds 0` it only replays the seeds and
//! regressions (`-runs=0`), a quick check that old crashes stay fixed. It is not part of
//! `cargo xtask test`: a full run takes minutes.

mod toolchain;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{TaskResult, workspace_root};

use self::toolchain::{RunLog, Sanitizer};

/// Arguments of the `fuzz` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Seconds to fuzz each target; 0 replays the seeds and regressions only.
    #[arg(long, value_name = "N", default_value_t = 60)]
    seconds: u64,

    /// Run only this target (repeatable); the default is every target.
    #[arg(long, value_name = "NAME")]
    target: Vec<String>,

    /// Sanitizer to build with. `none` works on stable; `address` needs a nightly
    /// compiler, or the task sets RUSTC_BOOTSTRAP=1 on stable.
    #[arg(long, value_enum, default_value_t = Sanitizer::None)]
    sanitizer: Sanitizer,

    /// Seconds one input may run before libFuzzer reports it as a hang.
    #[arg(long, value_name = "N", default_value_t = 30)]
    input_timeout: u64,
}

/// One fuzz target: its name (the binary in `fuzz/Cargo.toml`), the cargo features it
/// needs, and the folder of `fuzz/corpus/` its seeds are in (targets that read the same
/// input format share one).
struct Target {
    name: &'static str,
    features: &'static [&'static str],
    seeds: &'static str,
}

/// Every target, in the order they run.
const TARGETS: &[Target] = &[
    Target {
        name: "connection_string",
        features: &[],
        seeds: "connection_string",
    },
    Target {
        name: "retry_after",
        features: &["core-http"],
        seeds: "retry_after",
    },
    Target {
        name: "jwt_expiry",
        features: &["emulator"],
        seeds: "jwt_expiry",
    },
    Target {
        name: "token_credential",
        features: &["common"],
        seeds: "jwt_expiry",
    },
    Target {
        name: "models",
        features: &[],
        seeds: "models",
    },
    Target {
        name: "emulator_request",
        features: &["emulator"],
        seeds: "emulator_request",
    },
];

/// How one target's run ended.
enum Outcome {
    Passed(RunLog),
    BuildFailed,
    Crashed(RunLog),
}

/// Runs the selected targets and reports on each.
pub(crate) fn run(args: Args) -> TaskResult {
    let fuzz_dir = workspace_root().join("fuzz");
    let targets = select(&args.target)?;
    toolchain::check()?;

    let mut outcomes = Vec::new();
    for target in targets {
        let started = Instant::now();
        let outcome = if build(&fuzz_dir, target, args.sanitizer)? {
            fuzz(&fuzz_dir, target, &args)?
        } else {
            Outcome::BuildFailed
        };
        report(target, &outcome, started.elapsed().as_secs());
        outcomes.push((target.name, outcome));
    }

    eprintln!("xtask fuzz summary:");
    let mut failed = Vec::new();
    for (name, outcome) in &outcomes {
        let line = match outcome {
            Outcome::Passed(log) => format!("passed  {name}: {}", log.stats()),
            Outcome::BuildFailed => format!("FAILED  {name}: did not build"),
            Outcome::Crashed(log) => format!(
                "CRASHED {name}: input saved to {}",
                log.crash_input
                    .as_deref()
                    .unwrap_or("(no input saved; see the log)")
            ),
        };
        eprintln!("  {line}");
        if !matches!(outcome, Outcome::Passed(_)) {
            failed.push(*name);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")).into())
    }
}

/// The targets named on the command line, or all of them.
fn select(names: &[String]) -> Result<Vec<&'static Target>, String> {
    if names.is_empty() {
        return Ok(TARGETS.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            TARGETS.iter().find(|t| t.name == name).ok_or_else(|| {
                let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                format!(
                    "unknown fuzz target `{name}`; the targets are {}",
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// The `cargo fuzz` arguments shared by `build` and `run`.
fn common_args(target: &Target, sanitizer: Sanitizer) -> Vec<String> {
    let mut args = vec![
        "--fuzz-dir".to_owned(),
        "fuzz".to_owned(),
        "--sanitizer".to_owned(),
        sanitizer.as_str().to_owned(),
    ];
    if !target.features.is_empty() {
        args.push("--features".to_owned());
        args.push(target.features.join(","));
    }
    args
}

fn cargo_fuzz(sanitizer: Sanitizer) -> Command {
    let mut command = Command::new(toolchain::cargo());
    command.arg("fuzz").current_dir(workspace_root());
    if sanitizer.needs_bootstrap() {
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    command
}

/// Builds one target; `Ok(false)` when the build fails (its output went to the terminal).
fn build(fuzz_dir: &Path, target: &Target, sanitizer: Sanitizer) -> Result<bool, String> {
    eprintln!("xtask fuzz: building {}", target.name);
    let status = cargo_fuzz(sanitizer)
        .arg("build")
        .args(common_args(target, sanitizer))
        .arg(target.name)
        .status()
        .map_err(|error| format!("could not start `cargo fuzz build`: {error}"))?;
    if !fuzz_dir.join("fuzz_targets").is_dir() {
        return Err(format!("no fuzz targets under {}", fuzz_dir.display()));
    }
    Ok(status.success())
}

/// Fuzzes one target for the requested time; its output goes to a log file.
fn fuzz(fuzz_dir: &Path, target: &Target, args: &Args) -> Result<Outcome, String> {
    let scratch = fuzz_dir.join("target").join("corpus").join(target.name);
    let logs = fuzz_dir.join("target").join("logs");
    for dir in [&scratch, &logs] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let log_path = logs.join(format!("{}.log", target.name));
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;

    // libFuzzer adds new inputs to the first directory only: the scratch one.
    let mut corpora: Vec<PathBuf> = vec![scratch];
    for dir in [
        fuzz_dir.join("corpus").join(target.seeds),
        fuzz_dir.join("regressions").join(target.name),
    ] {
        if dir.is_dir() {
            corpora.push(dir);
        }
    }
    let mut libfuzzer = vec![
        format!("-timeout={}", args.input_timeout),
        "-rss_limit_mb=4096".to_owned(),
        "-print_final_stats=1".to_owned(),
    ];
    let dictionary = fuzz_dir
        .join("dicts")
        .join(format!("{}.dict", target.seeds));
    if dictionary.is_file() {
        libfuzzer.push(format!("-dict={}", dictionary.display()));
    }
    if args.seconds == 0 {
        libfuzzer.push("-runs=0".to_owned());
    } else {
        libfuzzer.push(format!("-max_total_time={}", args.seconds));
    }

    eprintln!(
        "xtask fuzz: running {} for {} s (log: {})",
        target.name,
        args.seconds,
        log_path.display()
    );
    let status = cargo_fuzz(args.sanitizer)
        .arg("run")
        .args(common_args(target, args.sanitizer))
        .arg(target.name)
        .args(&corpora)
        .arg("--")
        .args(&libfuzzer)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .status()
        .map_err(|error| format!("could not start `cargo fuzz run`: {error}"))?;

    let text = fs::read_to_string(&log_path).unwrap_or_default();
    let run_log = RunLog::parse(&text, log_path);
    if status.success() && run_log.crash_input.is_none() {
        Ok(Outcome::Passed(run_log))
    } else {
        Ok(Outcome::Crashed(run_log))
    }
}

/// Prints what happened to one target, with the way to replay a crash.
fn report(target: &Target, outcome: &Outcome, seconds: u64) {
    match outcome {
        Outcome::Passed(log) => {
            eprintln!(
                "xtask fuzz: {} passed ({seconds} s with the build): {}",
                target.name,
                log.stats()
            );
        }
        Outcome::BuildFailed => eprintln!("xtask fuzz: {} did not build", target.name),
        Outcome::Crashed(log) => {
            eprintln!(
                "xtask fuzz: {} CRASHED; last lines of its log:",
                target.name
            );
            for line in log.tail(40) {
                eprintln!("    {line}");
            }
            let features = if target.features.is_empty() {
                String::new()
            } else {
                format!(" --features {}", target.features.join(","))
            };
            match &log.crash_input {
                Some(input) => eprintln!(
                    "xtask fuzz: crash input saved to {input}\n  replay:   cargo fuzz run \
                     --fuzz-dir fuzz -s none{features} {name} {input}\n  minimize: cargo \
                     fuzz tmin --fuzz-dir fuzz -s none{features} {name} {input}\n  then \
                     keep it as fuzz/regressions/{name}/<what-it-shows> with a regression test",
                    name = target.name
                ),
                None => eprintln!(
                    "xtask fuzz: no crash input was saved; full log: {}",
                    log.path.display()
                ),
            }
        }
    }
}
