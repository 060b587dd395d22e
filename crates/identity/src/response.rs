//! Decoding the body of a success response.
//!
//! The client checks the status first (any other status becomes
//! [`Error::from_response`]); a success body that does not decode into the expected wire
//! model is a [`ErrorKind::DataConversion`] error that names the operation. The message says
//! where the JSON went wrong but never quotes it, because a body may hold an access token.

use acs_core_http::{Error, ErrorKind, Response};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// Decodes the body of `response`, the success answer of `operation`.
pub(crate) fn parse_body<T: DeserializeOwned>(
    response: &Response,
    operation: &str,
) -> Result<T, Error> {
    serde_json::from_slice(response.body()).map_err(|e| {
        let problem = match e.classify() {
            Category::Io => "could not be read",
            Category::Syntax => "is not valid JSON",
            Category::Data => "does not have the expected members",
            Category::Eof => "ends early",
        };
        Error::new(
            ErrorKind::DataConversion,
            format!(
                "the {operation} response body {problem} (line {}, column {}, status {})",
                e.line(),
                e.column(),
                response.status().as_u16()
            ),
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use acs_core_http::{HeaderMap, StatusCode};
    use acs_identity_models::CommunicationIdentityAccessToken;

    use super::*;

    #[test]
    fn errors_name_the_operation_but_not_the_body() {
        let body = r#"{"token":"eyJ-secret","expiresOn":42}"#;
        let response = Response::new(StatusCode::OK, HeaderMap::new(), body);
        let err =
            parse_body::<CommunicationIdentityAccessToken>(&response, "get_token").unwrap_err();
        assert_eq!(*err.kind(), ErrorKind::DataConversion);
        let text = format!("{err} {err:?}");
        assert!(
            text.contains("get_token") && text.contains("expected members"),
            "{text}"
        );
        assert!(!text.contains("eyJ-secret"), "{text}");

        let response = Response::new(StatusCode::CREATED, HeaderMap::new(), "");
        let err =
            parse_body::<CommunicationIdentityAccessToken>(&response, "create_user").unwrap_err();
        assert!(err.to_string().contains("ends early"), "{err}");
    }
}
