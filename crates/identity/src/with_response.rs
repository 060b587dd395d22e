//! [`WithResponse`]: a call's value together with the HTTP status and headers it came with.
//!
//! Every client method `foo` has a `foo_with_response` twin that returns this instead of
//! the bare value; `foo` is `foo_with_response` followed by [`WithResponse::into_value`].
//! Both run the same code in the client (one generic send-check-decode step), so they
//! cannot drift apart. The headers are the service's, unchanged; the accessors read the
//! two that matter when reporting a problem: the client request id and `MS-CV`.

use acs_core_http::headers::{CLIENT_REQUEST_ID, MS_CV};
use acs_core_http::{HeaderMap, Response, StatusCode};

/// A successful call's value plus the status and headers of the response that carried it.
#[derive(Clone, Debug, PartialEq)]
pub struct WithResponse<T> {
    /// What the call returns: the same value the method without `_with_response` gives.
    pub value: T,
    /// The success status, for example 201 for a created user.
    pub status: StatusCode,
    /// Every response header, as received.
    pub headers: HeaderMap,
    /// The `x-ms-client-request-id` the request carried.
    sent_request_id: Option<String>,
}

impl<T> WithResponse<T> {
    /// Pairs `value` with the status and headers of `response`, and the id the request
    /// carried, kept only when the response echoes none.
    pub(crate) fn new(value: T, response: Response) -> Self {
        let echoed = response
            .headers()
            .get(&CLIENT_REQUEST_ID)
            .is_some_and(|value| value.to_str().is_ok());
        let sent_request_id = if echoed {
            None
        } else {
            response.sent_client_request_id().map(str::to_owned)
        };
        let (status, headers, _) = response.into_parts();
        Self {
            value,
            status,
            headers,
            sent_request_id,
        }
    }

    /// The call's `x-ms-client-request-id`: the one the service echoed, or, when it echoed
    /// none, the one the request carried (the pipeline gives every call one).
    pub fn client_request_id(&self) -> Option<&str> {
        self.header(&CLIENT_REQUEST_ID)
            .or(self.sent_request_id.as_deref())
    }

    /// The service's correlation vector (`MS-CV`), which its support staff ask for; `None`
    /// when the response has none (the emulator and mocks may leave it out).
    pub fn ms_cv(&self) -> Option<&str> {
        self.header(&MS_CV)
    }

    /// The value, without the response.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The same response around `f(value)`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> WithResponse<U> {
        WithResponse {
            value: f(self.value),
            status: self.status,
            headers: self.headers,
            sent_request_id: self.sent_request_id,
        }
    }

    fn header(&self, name: &acs_core_http::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use acs_core_http::HeaderValue;

    use super::*;

    #[test]
    fn accessors_prefer_the_echoed_id_and_read_ms_cv() {
        let mut headers = HeaderMap::new();
        headers.insert(CLIENT_REQUEST_ID, HeaderValue::from_static("echoed"));
        headers.insert(MS_CV, HeaderValue::from_static("cv.1"));
        let response =
            Response::new(StatusCode::CREATED, headers, "").with_sent_client_request_id("sent");
        let parts = WithResponse::new(7, response);
        assert_eq!(parts.client_request_id(), Some("echoed"));
        assert_eq!(parts.ms_cv(), Some("cv.1"));
        assert_eq!(parts.status, StatusCode::CREATED);
        let mapped = parts.map(|value| value * 2);
        assert_eq!(mapped.value, 14);
        assert_eq!(mapped.into_value(), 14);

        let bare =
            Response::new(StatusCode::OK, HeaderMap::new(), "").with_sent_client_request_id("sent");
        let parts = WithResponse::new((), bare);
        assert_eq!(parts.client_request_id(), Some("sent"));
        assert_eq!(parts.ms_cv(), None);
    }
}
