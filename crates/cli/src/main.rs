//! `acs-identity`: a command-line tool for operators of Azure Communication Services
//! Identity, on top of the `acs-identity` client (and, with `--emulator`, the `acs-emulator`
//! library).
//!
//! `args.rs` declares the command line, `commands.rs` makes the one client call a command
//! stands for, and `output.rs` prints its result as JSON or a table. This file wires them:
//! parse, run on a Tokio runtime, print, and map the outcome to an exit code (0 success,
//! 1 a service or transport failure, 2 a usage error). Everything printed, to stdout or
//! stderr, passes through a redactor of the secrets the user gave the tool.

mod args;
mod commands;
mod output;

use std::io::Write as _;
use std::process::ExitCode;

use crate::output::Redactor;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let environment: Vec<(String, String)> = std::env::vars().collect();
    let redactor = Redactor::from_invocation(&args, &environment);

    let cli = match args::parse(&args) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with code 0; real usage errors to stderr with 2.
            let text = redactor.redact(&error.render().to_string());
            if error.use_stderr() {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };

    match runtime.block_on(commands::run(&cli)) {
        Ok(record) => {
            let text = redactor.redact(&record.render(cli.output));
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("error: {}", redactor.redact(failure.message()));
            ExitCode::from(failure.exit_code())
        }
    }
}
