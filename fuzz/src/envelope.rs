//! The shape every emulator answer must have, whatever the request.
//!
//! The emulator documents that failures carry the service's error envelope,
//! `{"error":{"code":"…","message":"…"}}` with a JSON content type, and that successes carry
//! a JSON body (200, 201) or none (204). [`check`] states that as one predicate so the
//! request and JWT targets report a malformed answer the same way.

use http::Method;
use serde_json::Value;

use crate::loopback::Answer;

/// Checks `answer` to a `method` request; `Err` says what is wrong with it.
///
/// # Errors
///
/// A description of the first broken rule: a failure without the envelope, a JSON content
/// type or a non-empty `code`, a success whose body is not JSON, or a 204 with a body.
pub fn check(method: &Method, answer: &Answer) -> Result<(), String> {
    let status = answer.status;
    let body = String::from_utf8_lossy(&answer.body);
    let content_type = answer
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();

    if status.is_success() {
        if status == http::StatusCode::NO_CONTENT {
            return if answer.body.is_empty() {
                Ok(())
            } else {
                Err(format!("204 with a body: {body:?}"))
            };
        }
        if *method == Method::HEAD && answer.body.is_empty() {
            return Ok(());
        }
        return match serde_json::from_slice::<Value>(&answer.body) {
            Ok(Value::Object(_)) => Ok(()),
            _ => Err(format!(
                "{status} whose body is not a JSON object: {body:?}"
            )),
        };
    }

    if !(status.is_client_error() || status.is_server_error()) {
        return Err(format!("unexpected status {status}"));
    }
    if *method == Method::HEAD && answer.body.is_empty() {
        return Ok(());
    }
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "{status} with content type {content_type:?}: {body:?}"
        ));
    }
    let envelope: Value = serde_json::from_slice(&answer.body)
        .map_err(|error| format!("{status} whose body is not JSON ({error}): {body:?}"))?;
    let code = envelope["error"]["code"].as_str().unwrap_or_default();
    let message = envelope["error"]["message"].as_str();
    if code.is_empty() || message.is_none() {
        return Err(format!("{status} without an error envelope: {body:?}"));
    }
    Ok(())
}
