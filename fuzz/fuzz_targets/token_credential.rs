//! Fuzzes the client side's reading of access-token expiry: `acs-common`'s
//! `CommunicationTokenCredential::from_token_with_clock` and `get_token`.
//!
//! The credential reads `exp` from the token's payload, unverified, to know when to
//! refresh. Inputs are the text form of [`acs_fuzz::token_text`] (the same seeds as
//! `jwt_expiry`), read against a clock fixed at 2026-01-01. For every input:
//!
//! - nothing panics;
//! - a token the independent reading calls well formed ([`strict_expiry`]) is accepted;
//! - an accepted token is served unchanged, expires exactly at `exp` when that reading has
//!   one, and is refused as expired (not served) once that moment has passed;
//! - neither an error nor the credential's `Debug` shows the token: checked on a copy whose
//!   signature part is a canary the fuzzer does not choose, so no message can contain it by
//!   coincidence.

#![no_main]

use std::sync::{Arc, OnceLock};

use acs_common::{CommunicationTokenCredential, ManualClock, UserCredentialErrorKind};
use acs_fuzz::token_text::{TokenInput, strict_expiry};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use tokio::runtime::Runtime;

/// Stands in for the signature part in the secrecy check.
const CANARY: &str = "Q2FuYXJ5U2lnbmF0dXJlLTcxOTQ";

/// The clock of every credential: 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("fuzz harness: no Tokio runtime: {error}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let input = TokenInput::parse(&String::from_utf8_lossy(data));
    check(&input.token);
    if !input.token.contains(CANARY) {
        check_secrecy(&with_canary_signature(&input.token));
    }
});

fn clock() -> Arc<ManualClock> {
    let now = OffsetDateTime::from_unix_timestamp(NOW).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Arc::new(ManualClock::new(now))
}

/// The expiry properties for `token`.
fn check(token: &str) {
    let expected = strict_expiry(token);
    let credential = match CommunicationTokenCredential::from_token_with_clock(token, clock()) {
        Ok(credential) => credential,
        Err(error) => {
            assert!(
                expected.is_none(),
                "a well-formed token was refused: {error}"
            );
            return;
        }
    };
    match runtime().block_on(credential.get_token()) {
        Ok(served) => {
            assert_eq!(served.token.expose(), token, "the token was changed");
            assert!(
                served.expires_on.unix_timestamp() > NOW,
                "an expired token was served"
            );
            if let Some(exp) = expected {
                assert_eq!(served.expires_on.unix_timestamp(), exp, "expiry is not exp");
            }
        }
        Err(error) => {
            assert_eq!(
                error.kind(),
                UserCredentialErrorKind::TokenExpired,
                "{error}"
            );
            assert!(expected.is_none_or(|exp| exp <= NOW), "{error}");
        }
    }
}

/// No error and no `Debug` output for `token` (which ends in [`CANARY`]) shows the canary.
fn check_secrecy(token: &str) {
    let shown = match CommunicationTokenCredential::from_token_with_clock(token, clock()) {
        Err(error) => vec![error.to_string(), format!("{error:?}")],
        Ok(credential) => {
            let mut shown = vec![format!("{credential:?}")];
            match runtime().block_on(credential.get_token()) {
                Ok(served) => shown.push(format!("{served:?}")),
                Err(error) => shown.extend([error.to_string(), format!("{error:?}")]),
            }
            shown
        }
    };
    for text in shown {
        assert!(!text.contains(CANARY), "the token shows in {text:?}");
    }
}

/// `token` with its signature part (the third) replaced by [`CANARY`], or the canary added
/// as a part when there is none.
fn with_canary_signature(token: &str) -> String {
    let mut parts = token.splitn(3, '.');
    match (parts.next(), parts.next()) {
        (Some(header), Some(claims)) => format!("{header}.{claims}.{CANARY}"),
        _ => format!("{token}.{CANARY}"),
    }
}
