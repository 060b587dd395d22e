//! The operations themselves, once a request is routed, authenticated and versioned.
//!
//! Each handler gets a [`Call`] (the resolved api-version, the body bytes, the current
//! time and the emulator's state) and answers a [`Reply`] or an [`ApiError`]. Bodies are
//! read as loose JSON first, so that a missing member, an explicit `null`, an empty list and
//! a value of the wrong type can each get the answer the service gives them, rather than
//! one generic deserialization error.

pub(crate) mod identities;
pub(crate) mod teams;
pub(crate) mod teams_extension;

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::envelope::ApiError;
use crate::service::Service;
use crate::versions::ApiVersion;

/// One routed request, as the handlers see it.
pub(crate) struct Call<'a> {
    /// The api-version the request is served with.
    pub(crate) version: ApiVersion,
    /// The received body.
    pub(crate) body: &'a [u8],
    /// The current time, read once per request.
    pub(crate) now: OffsetDateTime,
    /// Configuration, signers and state.
    pub(crate) service: &'a Service,
    /// The token of a `Bearer` `Authorization` header, if the request has one.
    pub(crate) bearer_token: Option<&'a str>,
}

/// A successful answer.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A JSON body with a status.
    Json(StatusCode, Bytes),
    /// 204 without a body.
    NoContent,
}

impl Reply {
    /// A JSON reply of `value`.
    pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Result<Self, ApiError> {
        serde_json::to_vec(value)
            .map(|body| Self::Json(status, Bytes::from(body)))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "The response could not be serialized.",
                )
            })
    }
}

/// The body as a JSON object; `None` for an empty body or a JSON `null`.
pub(crate) fn json_object(body: &[u8]) -> Result<Option<Map<String, Value>>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(Value::Null) => Ok(None),
        Ok(_) => Err(ApiError::malformed_body("expected a JSON object")),
        // Syntax errors name a line and column, never the offending text.
        Err(error) => Err(ApiError::malformed_body(error)),
    }
}

/// A member of `object`, matched case-insensitively as the service's JSON binding does;
/// an explicit `null` reads as absent.
pub(crate) fn member<'a>(object: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a Value> {
    let object = object?;
    object
        .get(name)
        .or_else(|| {
            object
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|value| !value.is_null())
}

/// `now` without its fraction of a second: token times are whole seconds.
pub(crate) fn whole_seconds(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bodies_and_null_read_as_no_object() {
        assert_eq!(json_object(b""), Ok(None));
        assert_eq!(json_object(b" \n"), Ok(None));
        assert_eq!(json_object(b"null"), Ok(None));
        assert!(json_object(b"{}").unwrap().is_some());
    }

    #[test]
    fn other_json_and_syntax_errors_are_malformed() {
        for body in [&b"[]"[..], b"\"x\"", b"{", b"{\"a\":}", b"\xff"] {
            let error = json_object(body).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST);
            assert_eq!(error.code, "InvalidRequestBody");
        }
    }

    #[test]
    fn members_match_case_insensitively_and_null_is_absent() {
        let object = json_object(br#"{"Scopes":["chat"],"expiresInMinutes":null}"#).unwrap();
        assert!(member(object.as_ref(), "scopes").is_some());
        assert!(member(object.as_ref(), "expiresInMinutes").is_none());
        assert!(member(None, "scopes").is_none());
    }
}
