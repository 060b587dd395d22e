//! Fuzzes `acs_core_auth::ConnectionString::parse` with any text.
//!
//! The bytes are tried as UTF-8 and, lossily converted, once more (so invalid UTF-8 still
//! reaches the parser as replacement characters). For every input:
//!
//! - parsing never panics;
//! - an error's `Display` and `Debug` never contain the access key (checked by writing a
//!   canary key into the input, so the fuzzer cannot make a message contain it by chance);
//! - a success has an `http`/`https` endpoint with a host, a key that decodes, a `Debug`
//!   without the key, and parses back to an equal value from its canonical
//!   `endpoint=…;accesskey=…` form.

#![no_main]

use acs_core_auth::ConnectionString;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    check(&String::from_utf8_lossy(data));
});

/// Stand-ins for the access key: one valid base64, one not. The harness writes them into
/// the input in place of every value given after `accesskey=`, so an error or `Debug`
/// output that contains one has echoed the key (the fuzzer never chooses them, so no
/// coincidence).
const CANARIES: [&str; 2] = ["Q2FuYXJ5LWtleS0xNzI5LXpx", "canary-not-base64-%%-Zx81"];

fn check(input: &str) {
    check_parse(input, None);
    if CANARIES.iter().any(|canary| input.contains(canary)) {
        return;
    }
    for canary in CANARIES {
        if let Some(with_canary) = replace_keys(input, canary) {
            check_parse(&with_canary, Some(canary));
        }
    }
}

/// Parses `input` and checks the outcome; `canary`, when given, is the key that must not
/// show anywhere.
fn check_parse(input: &str, canary: Option<&str>) {
    let leaks = |shown: &str| canary.is_some_and(|canary| shown.contains(canary));
    match ConnectionString::parse(input) {
        Err(error) => {
            for shown in [error.to_string(), format!("{error:?}")] {
                assert!(!leaks(&shown), "error {shown:?} repeats the access key");
            }
        }
        Ok(parsed) => {
            let endpoint = parsed.endpoint();
            assert!(matches!(endpoint.scheme(), "http" | "https"), "{endpoint}");
            assert!(endpoint.host_str().is_some_and(|host| !host.is_empty()));
            assert!(!parsed.credential().decoded_key().is_empty());

            let key = parsed.access_key().expose();
            let debug = format!("{parsed:?}");
            assert!(!leaks(&debug), "Debug {debug:?} shows the access key");

            // The canonical form holds the same values; skipped when the normalized URL
            // itself holds a `;`, which the format cannot carry.
            if !endpoint.as_str().contains(';') {
                let canonical = format!("endpoint={endpoint};accesskey={key}");
                let again = ConnectionString::parse(&canonical)
                    .unwrap_or_else(|error| panic!("{canonical:?} no longer parses: {error}"));
                assert_eq!(again.endpoint(), endpoint);
                assert_eq!(again.access_key().expose(), key);
            }
        }
    }
}

/// `input` with every value that follows `accesskey=` (in any case, anywhere: also where a
/// separator is missing, as in `endpoint=https://x/accesskey=…`) up to the next `;` replaced
/// by `canary`; `None` when there is no such value.
fn replace_keys(input: &str, canary: &str) -> Option<String> {
    const NAME: &str = "accesskey";
    let lower = input.to_ascii_lowercase();
    let (mut output, mut copied, mut replaced) = (String::new(), 0, false);
    let mut search = 0;
    while let Some(found) = lower[search..].find(NAME) {
        let name_end = search + found + NAME.len();
        search = name_end;
        // `accesskey`, blanks, `=`: the value starts after the `=`.
        let rest = &input[name_end..];
        let Some(after_blanks) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value_start = input.len() - after_blanks.len();
        let value_end = after_blanks
            .find(';')
            .map_or(input.len(), |at| value_start + at);
        if input[value_start..value_end].trim().is_empty() {
            continue;
        }
        output.push_str(&input[copied..value_start]);
        output.push_str(canary);
        copied = value_end;
        search = value_end;
        replaced = true;
    }
    output.push_str(&input[copied..]);
    replaced.then_some(output)
}
