//! Inputs the `connection_string` fuzz target found, kept as tests.
//!
//! Each test replays one file of `fuzz/regressions/connection_string/` (copied inline, so
//! the crate's tests need nothing outside it) and checks the property the fuzz target
//! checks. A test stays `#[ignore]`d while the bug it shows is open; the fix removes the
//! attribute.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use acs_core_auth::ConnectionString;

/// The key, base64 of `secret-key-value`.
const KEY: &str = "c2VjcmV0LWtleS12YWx1ZQ==";

/// The endpoint's "without a path" error once quoted the path, and with the `;` before
/// `accesskey` missing, that path holds the key.
#[test]
fn key_after_a_missing_separator_is_not_echoed() {
    // fuzz/regressions/connection_string/key-after-missing-separator
    for separator in ["", " ", ",", "/"] {
        let input =
            format!("endpoint=https://x.communication.azure.com/{separator}accesskey={KEY}");
        let error = ConnectionString::parse(&input).unwrap_err();
        assert!(!error.to_string().contains(KEY), "{error}");
        assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    }
}

#[test]
fn the_separated_form_still_parses() {
    let input = format!("endpoint=https://x.communication.azure.com/;accesskey={KEY}");
    let parsed = ConnectionString::parse(&input).unwrap();
    assert_eq!(
        parsed.endpoint().as_str(),
        "https://x.communication.azure.com/"
    );
}
