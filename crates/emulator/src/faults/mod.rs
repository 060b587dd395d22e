//! Fault injection: making the emulator fail on purpose, reproducibly.
//!
//! A client's retry and timeout logic is only as good as the failures it has been tested
//! against. Fault rules make the emulator answer chosen requests with a throttling or
//! server error, reset the connection, hang, cut a body short or serve an HTML page, so
//! tests can see exactly which attempts a client makes and what it does with each answer.
//!
//! Rules are given at start ([`EmulatorBuilder::fault`](crate::EmulatorBuilder::fault),
//! repeatable), replaced at run time ([`Emulator::set_faults`](crate::Emulator::set_faults),
//! [`Emulator::clear_faults`](crate::Emulator::clear_faults)), or passed to the binary as
//! `--fault SPEC` flags.
//!
//! ```no_run
//! use acs_emulator::faults::{Fault, FaultRule, FaultWhen, Operation, RetryAfterHint};
//!
//! # async fn run() -> Result<(), acs_emulator::Error> {
//! // The first two creates are throttled with a fractional Retry-After.
//! let emulator = acs_emulator::Emulator::builder()
//!     .fault(FaultRule::new(
//!         FaultWhen::default().on(Operation::CreateIdentity).first(2),
//!         Fault::status_with_hint(429, RetryAfterHint::Seconds("0.941641".into())),
//!     ))
//!     .fault_seed(7)
//!     .start()
//!     .await?;
//! // Same rule, from the grammar.
//! emulator.set_faults(vec!["op=create,first=2,status=429,retry-after=0.941641".parse().unwrap()]);
//! # Ok(())
//! # }
//! ```
//!
//! # Which requests are faulted
//!
//! Only requests that route to an [`Operation`] are considered; unknown paths and wrong
//! methods get their 404 or 405 as usual. The body is read and the authentication checked
//! first (so the log says whether each attempt was signed correctly), then the rules are
//! tried in order and the first whose conditions all hold fires; the fault is injected
//! whether or not authentication succeeded. A rule's `first = n` counts the requests that
//! reach it and match its operation — requests taken by an earlier rule do not reach it —
//! so rules listed in order can script a sequence (`first=1,status=503` then
//! `first=1,kind=reset`). `fraction` draws from a random sequence seeded with
//! [`EmulatorBuilder::fault_seed`](crate::EmulatorBuilder::fault_seed) (random when not
//! set; [`Emulator::fault_seed`](crate::Emulator::fault_seed) tells it), so a run with the
//! same seed and the same request order injects the same faults. Installing rules resets
//! the counts and restarts the sequence.
//!
//! Except [`Fault::ResetAfterProcessing`], a faulted request changes no state: no identity
//! is created or deleted, no token minted or revoked. Every attempt is logged, with the
//! fault in [`RecordedRequest::fault`](crate::RecordedRequest::fault) (in the grammar's
//! words) and status 0 when no response was sent.
//!
//! # The `--fault` grammar
//!
//! A spec is comma-separated `key=value` pairs; keys are case-insensitive, whitespace
//! around items is ignored, and a value in double quotes may hold commas.
//!
//! | key | value | meaning |
//! | --- | --- | --- |
//! | `op` | `create`, `delete`, `issue`, `revoke`, `exchange`, `get`, `extension-exchange`, `assignment-get`, `assignment-put`, `assignment-delete` (or `create-identity`, …) | only this operation |
//! | `first` | whole number | only the first N requests reaching the rule |
//! | `fraction` | 0 to 1 | only this share of requests (seeded) |
//! | `kind` | `status` (default), `reset`, `reset-after`, `hang`, `truncate`, `html` | the fault |
//! | `status` | 400 to 599 | the status of `kind=status` (default 503) or `kind=html` (default 502) |
//! | `retry-after` | any header text, e.g. `0.941641`, `"81,120"` | `Retry-After` as given |
//! | `retry-after-date` | RFC 3339, or a quoted HTTP date | `Retry-After` as an HTTP date |
//! | `retry-after-ms` | milliseconds | `retry-after-ms` |
//! | `x-ms-retry-after-ms` | milliseconds | `x-ms-retry-after-ms` |
//!
//! Without `kind`, a `status` or a retry hint implies `kind=status`; a spec must name a
//! fault. At most one retry hint, and only with `kind=status`. Examples:
//! `op=create,first=2,status=503,retry-after=0.941641`, `fraction=0.05,kind=reset`,
//! `kind=hang`, `kind=truncate`, `kind=html,status=502`, `retry-after-ms=20` (a 503).
//! `FaultRule` implements `FromStr` for this grammar and `Display` prints it back.

mod injector;
mod rule;
mod spec;
pub(crate) mod wire;

pub(crate) use self::injector::FaultInjector;
pub use self::rule::{Fault, FaultRule, FaultWhen, RetryAfterHint};
pub use self::spec::FaultSpecError;
pub use crate::operation::{Operation, UnknownOperation};
