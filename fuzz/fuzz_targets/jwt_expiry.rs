//! Fuzzes the emulator's decoding of JWT claims and expiry, through its public surface.
//!
//! The Teams user exchange (`POST /teamsUser/:exchangeAccessToken`) is where the emulator
//! reads a token it did not mint: it decodes the claims without a signature, takes `exp`
//! (an integer, or a float rounded down) as the expiry, and compares `appid`/`oid` with the
//! body. The input is text, so seeds are readable (the form is described in
//! [`acs_fuzz::token_text`]).
//!
//! The token goes into a signed exchange; [`Emulator::token_claims`] and
//! [`Emulator::is_token_valid`] get the same string directly. For every input:
//!
//! - nothing panics, and the answer is a success or the error envelope;
//! - a failure on the token itself is 401 `InvalidAccessToken`;
//! - when an independent reading of the claims says the token is well formed, unexpired by
//!   a minute or more, and issued to the body's app and user, the exchange succeeds, and
//!   the ACS token it returns expires exactly at `exp`, is valid, and reads back with that
//!   expiry and the user `8:orgid:<oid>`.
//!
//! The client side's decoding (`acs-common`'s token credential) has its own target,
//! `token_credential`, on the same inputs.

#![no_main]

use acs_fuzz::envelope;
use acs_fuzz::loopback::{Outgoing, harness, request_target};
use acs_fuzz::token_text::{APP_ID, TokenInput, USER_ID, strict_claims, strict_expiry};
use acs_identity_models::CommunicationIdentityAccessToken;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let emulator = harness.emulator();
    let now = OffsetDateTime::now_utc().unix_timestamp();

    let input = TokenInput::parse(&String::from_utf8_lossy(data));
    let token = input.token.clone();
    // The direct hooks must refuse what they did not mint, and never panic.
    if emulator.token_claims(&token).is_some() || emulator.is_token_valid(&token) {
        panic!("a token the emulator did not mint was accepted: {token:?}");
    }

    let mut body = serde_json::Map::new();
    body.insert("token".into(), Value::String(token.clone()));
    if let Some(value) = &input.app_id {
        body.insert("appId".into(), Value::String(value.clone()));
    }
    if let Some(value) = &input.user_id {
        body.insert("userId".into(), Value::String(value.clone()));
    }
    let mut outgoing = Outgoing {
        method: Method::POST,
        target: request_target("/teamsUser/:exchangeAccessToken?api-version=2026-09-23"),
        headers: vec![(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        )],
        body: Bytes::from(Value::Object(body).to_string()),
    };
    harness.sign(&mut outgoing, OffsetDateTime::now_utc());
    let answer = harness.send(&outgoing);
    emulator.clear_requests();
    if let Err(problem) = envelope::check(&Method::POST, &answer) {
        panic!("exchange of {token:?}: {problem}");
    }

    let expected = expected_expiry(&token, now, &input);
    if answer.status == StatusCode::UNAUTHORIZED {
        let code: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        assert_eq!(code["error"]["code"], "InvalidAccessToken", "{code}");
    }
    let Some(exp) = expected else {
        return;
    };
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{token:?} should exchange: {answer:?}"
    );
    let issued: CommunicationIdentityAccessToken = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|error| panic!("exchange answer does not decode: {error}"));
    assert_eq!(
        issued.expires_on.unix_timestamp(),
        exp,
        "expiresOn is not exp"
    );
    let claims = emulator
        .token_claims(&issued.token)
        .unwrap_or_else(|| panic!("the exchanged token does not read back"));
    assert_eq!(claims.expires_on, issued.expires_on);
    assert_eq!(claims.user_id, format!("8:orgid:{USER_ID}"));
    assert!(emulator.is_token_valid(&issued.token));
});

/// The `exp` an exchange must succeed with, read independently of the emulator: `None`
/// unless the token is strictly well formed ([`strict_expiry`]), `exp` is a minute or more
/// in the future, the token is within the emulator's size limit, and `appid`/`oid` equal
/// the body's GUIDs.
fn expected_expiry(token: &str, now: i64, input: &TokenInput) -> Option<i64> {
    if input.app_id.as_deref() != Some(APP_ID) || input.user_id.as_deref() != Some(USER_ID) {
        return None;
    }
    let claims = strict_claims(token)?;
    if claims.get("appid").and_then(Value::as_str) != Some(APP_ID)
        || claims.get("oid").and_then(Value::as_str) != Some(USER_ID)
    {
        return None;
    }
    let exp = strict_expiry(token)?;
    (exp > now + 60 && token.len() <= 16 * 1024).then_some(exp)
}
