//! A received HTTP response, fully buffered.
//!
//! The transport reads the whole body before handing the [`Response`] back up the pipeline,
//! so policies can inspect it (retry reads `Retry-After`, clients parse JSON) without
//! streaming concerns. Bodies of Identity responses are small.
//!
//! `Debug` shows the status and headers (credential headers as `***`) and only the length
//! of the body, which often holds an access token.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::headers::RedactedHeaders;
use crate::{Error, ErrorKind, Result};

/// An HTTP response with its body in memory.
///
/// ```
/// use acs_core_http::{HeaderMap, Response, StatusCode};
///
/// let response = Response::new(StatusCode::CREATED, HeaderMap::new(), r#"{"id":"8:acs:1"}"#);
/// let value: serde_json::Value = response.json()?;
/// assert_eq!(value["id"], "8:acs:1");
/// # Ok::<(), acs_core_http::Error>(())
/// ```
#[derive(Clone)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The `x-ms-client-request-id` the request carried, for errors built from this
    /// response when the service does not echo it.
    sent_client_request_id: Option<Arc<str>>,
}

impl Response {
    /// A response from its parts.
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
            sent_client_request_id: None,
        }
    }

    /// The `x-ms-client-request-id` the request carried, when it went through a
    /// [`crate::policies::ClientRequestIdPolicy`] (every pipeline has one).
    /// [`Error::from_response`] falls back on it when the service echoes no id.
    pub fn sent_client_request_id(&self) -> Option<&str> {
        self.sent_client_request_id.as_deref()
    }

    /// Records the id the request carried (see [`Self::sent_client_request_id`]).
    pub fn with_sent_client_request_id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.sent_client_request_id = Some(id.into());
        self
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Mutable access to the response headers.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Consumes the response, returning the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// Consumes the response, returning its status, headers and body.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, Bytes) {
        (self.status, self.headers, self.body)
    }

    /// Parses the body as JSON.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DataConversion`] when the body is not JSON of the expected shape. The
    /// message names the JSON problem, never the body's content.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let message = format!(
                "could not parse the {} response body as JSON ({} at line {}, column {})",
                self.status.as_u16(),
                classify(&e),
                e.line(),
                e.column()
            );
            Error::with_source(ErrorKind::DataConversion, message, e)
        })
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status.as_u16())
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

fn classify(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "read failure",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected shape",
        serde_json::error::Category::Eof => "unexpected end",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Token {
        token: String,
    }

    #[test]
    fn bad_json_is_a_data_conversion_error_without_the_body() {
        let response = Response::new(StatusCode::OK, HeaderMap::new(), r#"{"token": 42}"#);
        let Err(error) = response.json::<Token>() else {
            panic!("parsed a bad body")
        };
        assert_eq!(error.kind(), &ErrorKind::DataConversion);
        assert!(error.to_string().contains("unexpected shape"), "{error}");

        let response = Response::new(StatusCode::OK, HeaderMap::new(), "eyJhbGciOi.not-json");
        let Err(error) = response.json::<Token>() else {
            panic!("parsed a bad body")
        };
        assert!(!error.to_string().contains("eyJhbGciOi"));
        assert_eq!(response.into_body(), "eyJhbGciOi.not-json");
    }

    #[test]
    fn debug_shows_the_body_length_only() {
        let body = r#"{"token":"eyJhbGciOi-secret","expiresOn":"2026-12-04T14:08:39Z"}"#;
        let response = Response::new(StatusCode::OK, HeaderMap::new(), body);
        let printed = format!("{response:?}");
        assert!(!printed.contains("eyJhbGciOi"), "{printed}");
        assert!(
            printed.contains("200") && printed.contains("bytes"),
            "{printed}"
        );
    }
}
