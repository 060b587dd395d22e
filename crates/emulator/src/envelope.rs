//! Error answers in the service's envelope, `{"error":{"code","message","target"?}}`.
//!
//! Every refusal the emulator gives — routing, authentication, api-version, validation,
//! unknown identities — is an [`ApiError`]; the request pipeline turns it into a response
//! with `Content-Type: application/json` (no charset, as the service sends on errors). The
//! codes and messages the live service is known to use are reproduced exactly; the others
//! are chosen here and listed in the crate documentation.

use acs_identity_models::{CommunicationError, CommunicationErrorResponse};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};

/// A refusal, with the status and the envelope to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) target: Option<&'static str>,
    /// The `Allow` header of a 405.
    pub(crate) allow: Option<HeaderValue>,
}

impl ApiError {
    /// A refusal without a target.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            target: None,
            allow: None,
        }
    }

    /// A 400 `ValidationError` naming the offending member.
    pub(crate) fn validation(message: impl Into<String>, target: &'static str) -> Self {
        Self {
            target: Some(target),
            ..Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
        }
    }

    /// A 401 `Denied`, the service's answer to requests it cannot authenticate.
    pub(crate) fn denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Denied", message)
    }

    /// 404 for a path that matches no operation.
    pub(crate) fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "No HTTP resource was found that matches the request URI.",
        )
    }

    /// 405 for a known path with a method it does not serve.
    pub(crate) fn method_not_allowed(method: &str, allow: &'static str) -> Self {
        Self {
            allow: Some(HeaderValue::from_static(allow)),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!(
                    "The requested resource does not support http method '{}'.",
                    truncate(method)
                ),
            )
        }
    }

    /// 413 for a body over the limit.
    pub(crate) fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than the {limit} bytes allowed."),
        )
    }

    /// 400 for a body that is not JSON, or not the JSON shape the operation takes.
    pub(crate) fn malformed_body(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestBody",
            format!("The request body is not valid: {detail}."),
        )
    }

    /// 401 for an identity id that belongs to another resource (or is not an ACS id).
    pub(crate) fn identity_not_owned() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "IdentityNotOwned",
            "Provided identity doesn't belong to the resource.",
        )
    }

    /// 404 for an identity of this resource that does not exist (never did, or deleted).
    pub(crate) fn identity_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "IdentityNotFound",
            "Provided identity doesn't exist.",
        )
    }

    /// The JSON envelope.
    pub(crate) fn body(&self) -> Bytes {
        let envelope = CommunicationErrorResponse {
            error: CommunicationError {
                code: self.code.to_owned(),
                message: self.message.clone(),
                target: self.target.map(str::to_owned),
                details: None,
                inner_error: None,
            },
        };
        // Serializing plain strings into JSON cannot fail; fall back to a fixed body anyway.
        serde_json::to_vec(&envelope)
            .map(Bytes::from)
            .unwrap_or_else(|_| {
                Bytes::from_static(br#"{"error":{"code":"InternalError","message":"error"}}"#)
            })
    }
}

/// Shortens client-supplied text before it is echoed in a message.
pub(crate) fn truncate(text: &str) -> &str {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_carry_code_message_and_target() {
        let error = ApiError::validation("Scopes: The Scopes field is required.", "Scopes");

        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            error.body(),
            r#"{"error":{"code":"ValidationError","message":"Scopes: The Scopes field is required.","target":"Scopes"}}"#
        );
    }

    #[test]
    fn errors_without_target_leave_it_out() {
        let body = ApiError::identity_not_owned().body();

        assert_eq!(
            body,
            r#"{"error":{"code":"IdentityNotOwned","message":"Provided identity doesn't belong to the resource."}}"#
        );
    }

    #[test]
    fn echoed_text_is_truncated_on_a_char_boundary() {
        let long = "é".repeat(100);
        assert_eq!(truncate(&long).chars().count(), 64);
        assert_eq!(truncate("GET"), "GET");
    }
}
