//! Inputs the `models` fuzz target found, kept as tests.
//!
//! Each test replays one file of `fuzz/regressions/models/` (copied inline, so the crate's
//! tests need nothing outside it) and checks the property the fuzz target checks: what
//! decodes must encode, and decode back to an equal value. A bug a test shows is fixed
//! before the test lands.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use acs_identity_models::{
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenResult,
};

/// Decodes `json` as a token (alone and inside a result); if that works, the value must
/// encode and come back equal.
fn assert_decodes_only_what_encodes(json: &str) {
    if let Ok(token) = serde_json::from_str::<CommunicationIdentityAccessToken>(json) {
        let encoded = serde_json::to_string(&token)
            .unwrap_or_else(|error| panic!("{json} decoded but does not encode: {error}"));
        let back: CommunicationIdentityAccessToken = serde_json::from_str(&encoded).unwrap();
        assert_eq!(back, token);
    }
    let result = format!(r#"{{"identity":{{"id":"8:acs:r_u"}},"accessToken":{json}}}"#);
    if let Ok(value) = serde_json::from_str::<CommunicationIdentityAccessTokenResult>(&result) {
        let encoded = serde_json::to_string(&value)
            .unwrap_or_else(|error| panic!("{result} decoded but does not encode: {error}"));
        let back: CommunicationIdentityAccessTokenResult = serde_json::from_str(&encoded).unwrap();
        assert_eq!(back, value);
    }
}

// Once encoding panicked on a UTC moment after 9999-12-31; decoding now refuses it.
#[test]
fn expires_on_past_year_9999_in_utc() {
    // fuzz/regressions/models/expires-on-past-year-9999-in-utc
    assert_decodes_only_what_encodes(
        r#"{"token":"t","expiresOn":"9999-12-31T23:59:59.9999999-01:00"}"#,
    );
}

// Once decoding accepted a UTC year of -1 that encoding then refused; decoding refuses it.
#[test]
fn expires_on_before_year_0_in_utc() {
    // fuzz/regressions/models/expires-on-before-year-0-in-utc
    assert_decodes_only_what_encodes(r#"{"token":"t","expiresOn":"0000-01-01T00:00:00+01:00"}"#);
}

#[test]
fn the_extreme_years_in_utc_round_trip() {
    assert_decodes_only_what_encodes(
        r#"{"token":"t","expiresOn":"9999-12-31T23:59:59.9999999+00:00"}"#,
    );
    assert_decodes_only_what_encodes(r#"{"token":"t","expiresOn":"0000-01-01T00:00:00Z"}"#);
}
