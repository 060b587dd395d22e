//! The `codegen` task: generates the models crate from the project's API description.
//!
//! `cargo xtask codegen` reads `api/identity.toml` (`codegen/description.rs`), validates it
//! (`codegen/validate.rs`), emits Rust with quote + syn + prettyplease (`codegen/emit.rs`,
//! with the wire types in `models.rs` and the constants in `metadata.rs`), normalises it with
//! rustfmt so it matches `cargo fmt` byte for byte, and writes
//! `crates/identity-models/src/generated.rs`. With `--check` nothing is written: the task
//! generates in memory and fails, naming the stale file and the command that fixes it, when
//! the file on disk differs. The test gate runs the check so a stale file cannot be merged.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::TaskResult;

mod description;
mod emit;
mod metadata;
mod models;
mod validate;

use description::Description;

/// The API description, relative to the workspace root.
const DESCRIPTION: &str = "api/identity.toml";

/// The generated file, relative to the workspace root.
const OUTPUT: &str = "crates/identity-models/src/generated.rs";

/// Arguments of the `codegen` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only check that the generated file is up to date; write nothing.
    #[arg(long)]
    check: bool,
}

/// Runs the task.
///
/// # Errors
///
/// Fails when the description is invalid, rustfmt cannot run, the file cannot be written, or
/// (with `--check`) the file on disk is stale.
pub(crate) fn run(args: Args) -> TaskResult {
    let root = crate::workspace_root();
    let generated = generate(&root)?;
    let output = root.join(OUTPUT);

    let on_disk = std::fs::read_to_string(&output).ok();
    if args.check {
        compare(OUTPUT, &generated, on_disk.as_deref())?;
        println!("{OUTPUT} is up to date with {DESCRIPTION}");
        return Ok(());
    }

    if on_disk.as_deref() == Some(generated.as_str()) {
        println!("{OUTPUT} is already up to date");
    } else {
        std::fs::write(&output, &generated)
            .map_err(|error| format!("cannot write {}: {error}", output.display()))?;
        println!("wrote {OUTPUT} from {DESCRIPTION}");
    }
    Ok(())
}

/// Reads and validates the description under `root` and returns the formatted source.
fn generate(root: &Path) -> Result<String, String> {
    let path = root.join(DESCRIPTION);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let description = Description::parse(&text)
        .map_err(|problems| format!("{DESCRIPTION} is invalid:\n{problems}"))?;
    let source = emit::emit(&description)?;
    rustfmt(&source, root)
}

/// Formats `source` with the workspace's rustfmt settings, as `cargo fmt` would.
fn rustfmt(source: &str, root: &Path) -> Result<String, String> {
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(&program)
        .args(["--edition", "2024", "--emit", "stdout", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            format!(
                "cannot run rustfmt ({error}); codegen needs it to match `cargo fmt`: \
                 install it with `rustup component add rustfmt`"
            )
        })?;

    // The child's stdin is taken so that dropping it closes the pipe before we wait.
    let mut stdin = child.stdin.take().ok_or("rustfmt stdin was not captured")?;
    let writer = {
        let source = source.to_owned();
        std::thread::spawn(move || stdin.write_all(source.as_bytes()))
    };
    let output = child
        .wait_with_output()
        .map_err(|error| format!("rustfmt did not finish: {error}"))?;
    writer
        .join()
        .map_err(|_| "the thread feeding rustfmt panicked".to_owned())?
        .map_err(|error| format!("cannot feed rustfmt: {error}"))?;

    if !output.status.success() {
        return Err(format!(
            "rustfmt rejected the generated code ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| "rustfmt printed non-UTF-8 output".to_owned())
}

/// Compares freshly generated text with the file on disk (`None` when it is missing).
///
/// Line endings are normalised first, so a checkout with CRLF endings is not reported.
///
/// # Errors
///
/// Returns a message naming `path`, the first differing line, and the command to run.
fn compare(path: &str, generated: &str, on_disk: Option<&str>) -> Result<(), String> {
    let fix = format!("run `cargo xtask codegen` to regenerate it from {DESCRIPTION}");
    let Some(on_disk) = on_disk else {
        return Err(format!("{path} is missing; {fix}"));
    };
    let on_disk = on_disk.replace("\r\n", "\n");
    if on_disk == generated {
        return Ok(());
    }

    let mut expected_lines = generated.lines();
    let mut actual_lines = on_disk.lines();
    let mut line = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(expected), Some(actual)) if expected == actual => line += 1,
            (expected, actual) => {
                return Err(format!(
                    "{path} is stale: it differs from what {DESCRIPTION} generates, first at \
                     line {line}\n  generated: {}\n  on disk:   {}\n{fix}",
                    expected.unwrap_or("<end of file>"),
                    actual.unwrap_or("<end of file>"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_text_passes() {
        assert_eq!(compare(OUTPUT, "a\nb\n", Some("a\nb\n")), Ok(()));
        assert_eq!(compare(OUTPUT, "a\nb\n", Some("a\r\nb\r\n")), Ok(()));
    }

    #[test]
    fn stale_file_fails_naming_the_file_line_and_command() {
        let error = compare(OUTPUT, "a\nb\nc\n", Some("a\nx\nc\n"))
            .err()
            .unwrap_or_default();
        assert!(
            error.contains("crates/identity-models/src/generated.rs is stale"),
            "{error}"
        );
        assert!(error.contains("line 2"), "{error}");
        assert!(error.contains("cargo xtask codegen"), "{error}");
    }

    #[test]
    fn truncated_or_missing_file_fails() {
        let error = compare(OUTPUT, "a\nb\n", Some("a\n"))
            .err()
            .unwrap_or_default();
        assert!(error.contains("<end of file>"), "{error}");
        let error = compare(OUTPUT, "a\n", None).err().unwrap_or_default();
        assert!(error.contains("is missing"), "{error}");
    }

    /// The committed description is valid and generates the committed file; this is the same
    /// check as `cargo xtask codegen --check`, so `cargo test` catches a stale file too.
    #[test]
    fn committed_file_is_up_to_date() {
        let root = crate::workspace_root();
        let generated = match generate(&root) {
            Ok(generated) => generated,
            // Without rustfmt the output cannot be compared; the task itself reports this.
            Err(error) if error.contains("cannot run rustfmt") => return,
            Err(error) => panic!("{error}"),
        };
        let on_disk = std::fs::read_to_string(root.join(OUTPUT)).ok();
        if let Err(error) = compare(OUTPUT, &generated, on_disk.as_deref()) {
            panic!("{error}");
        }
    }

    #[test]
    fn stale_output_is_detected_end_to_end() {
        let root = crate::workspace_root();
        let Ok(generated) = generate(&root) else {
            return;
        };
        let stale = generated.replacen("pub const EXPIRES_IN_MINUTES_MAX: i32 = 1440;", "", 1);
        assert_ne!(stale, generated, "the probe edit must change the file");
        let error = compare(OUTPUT, &generated, Some(&stale))
            .err()
            .unwrap_or_default();
        assert!(error.contains("is stale"), "{error}");
    }
}
