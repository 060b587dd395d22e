//! An outgoing HTTP request as policies see it.
//!
//! Clients build a [`Request`], the pipeline's policies add headers to it (request id, user
//! agent, signature), and the transport sends it. The body is fully buffered [`Bytes`], so
//! the retry policy can send the very same bytes again and signing can hash them.
//!
//! `Debug` shows the method, URL and headers, with credential headers as `***`, and only
//! the length of the body: bodies may carry tokens (the Teams token exchange sends one).

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use serde::Serialize;
use url::Url;

use crate::headers::RedactedHeaders;
use crate::{Error, ErrorKind, Result};

/// How many headers a new request has room for.
const INITIAL_HEADER_CAPACITY: usize = 12;

/// An HTTP request with a buffered body.
///
/// ```
/// use acs_core_http::{Method, Request};
///
/// let url = "https://contoso.communication.azure.com/identities?api-version=2026-09-23";
/// let mut request = Request::new(Method::POST, url.parse()?);
/// request.set_json(&serde_json::json!({ "createTokenWithScopes": ["chat"] }))?;
/// assert_eq!(request.headers()["content-type"], "application/json");
/// assert_eq!(&request.body()[..], br#"{"createTokenWithScopes":["chat"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Request {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Bytes,
}

impl Request {
    /// A request with no headers and an empty body.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            // Room for what a client and the pipeline add (accept, content type, request
            // id, user agent, the three signature headers, content length) without growing.
            headers: HeaderMap::with_capacity(INITIAL_HEADER_CAPACITY),
            body: Bytes::new(),
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL, already percent-encoded as it will be sent.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Mutable access to the URL (to set the query, for example).
    pub fn url_mut(&mut self) -> &mut Url {
        &mut self.url
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Mutable access to the request headers.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// Sets a header, replacing any value it had.
    pub fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// The `x-ms-client-request-id` this request carries, when it has a readable one.
    pub fn client_request_id(&self) -> Option<&str> {
        self.headers
            .get(crate::headers::CLIENT_REQUEST_ID)
            .and_then(|value| value.to_str().ok())
    }

    /// The body bytes (empty when there is none).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = body.into();
    }

    /// Serialises `value` as compact JSON into the body and sets
    /// `content-type: application/json`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DataConversion`] when `value` cannot be serialised.
    pub fn set_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let body = serde_json::to_vec(value).map_err(|e| {
            Error::with_source(
                ErrorKind::DataConversion,
                "could not serialise the request body",
                e,
            )
        })?;
        self.body = Bytes::from(body);
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn headers_are_replaced_not_appended() {
        let mut request = Request::new(Method::GET, "https://x/".parse().unwrap());
        request.insert_header(HeaderName::from_static("a"), HeaderValue::from_static("1"));
        request.insert_header(HeaderName::from_static("a"), HeaderValue::from_static("2"));
        assert_eq!(request.headers().get_all("a").iter().count(), 1);
        assert_eq!(request.headers()["a"], "2");
    }

    #[test]
    fn json_bodies_set_content_type_and_failures_are_data_conversion() {
        let mut request = Request::new(Method::POST, "https://x/".parse().unwrap());
        request.set_body("raw");
        assert_eq!(&request.body()[..], b"raw");

        let mut map = BTreeMap::new();
        map.insert(vec![1u8], 1);
        let error = request.set_json(&map).unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::DataConversion);
        assert_eq!(&request.body()[..], b"raw");
    }

    #[test]
    fn debug_hides_credentials_and_the_body() {
        let mut request = Request::new(Method::POST, "https://x/".parse().unwrap());
        request.insert_header(
            HeaderName::from_static("authorization"),
            HeaderValue::from_static("Bearer not-marked-sensitive"),
        );
        let mut signed = HeaderValue::from_static("sig-value");
        signed.set_sensitive(true);
        request.insert_header(HeaderName::from_static("x-signed"), signed);
        request.insert_header(
            HeaderName::from_static("x-plain"),
            HeaderValue::from_static("shown"),
        );
        request.set_body(r#"{"token":"entra-token-value"}"#);

        let printed = format!("{request:?}");
        for secret in ["not-marked-sensitive", "sig-value", "entra-token-value"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(
            printed.contains("shown") && printed.contains("<29 bytes>"),
            "{printed}"
        );
    }
}
