//! Building responses with the headers the service sends.
//!
//! Every answer carries `MS-CV` (a fresh correlation vector), `X-Processing-Time`, `Date`
//! (from the emulator's clock) and, when the request had one, the echoed
//! `x-ms-client-request-id` — always, whether or not `x-ms-return-client-request-id` asked
//! for it, as the live service does. Answers on a known route also list
//! `api-supported-versions`. Bodies are `application/json; charset=utf-8` on success and
//! `application/json` on errors; a 204 has neither body nor content type.

use std::time::Instant;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, DATE};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use time::OffsetDateTime;

use crate::envelope::ApiError;
use crate::{http_date, random};

/// The `x-ms-client-request-id` header.
pub(crate) const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const SUPPORTED_VERSIONS: HeaderName = HeaderName::from_static("api-supported-versions");
const CORRELATION_VECTOR: HeaderName = HeaderName::from_static("ms-cv");
const PROCESSING_TIME: HeaderName = HeaderName::from_static("x-processing-time");

const SUCCESS_TYPE: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");
const ERROR_TYPE: HeaderValue = HeaderValue::from_static("application/json");

/// Per-request values that go into the response headers.
pub(crate) struct ResponseContext {
    /// The `api-supported-versions` value, for a known route.
    pub(crate) supported_versions: Option<String>,
    /// The client request id to echo.
    pub(crate) client_request_id: Option<HeaderValue>,
    /// When the request arrived, for `X-Processing-Time`.
    pub(crate) started: Instant,
    /// The emulator's current time, for `Date`.
    pub(crate) now: OffsetDateTime,
}

impl ResponseContext {
    /// A JSON success answer.
    pub(crate) fn json(&self, status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
        self.build(status, Some((SUCCESS_TYPE, body)))
    }

    /// A 204 answer.
    pub(crate) fn no_content(&self) -> Response<Full<Bytes>> {
        self.build(StatusCode::NO_CONTENT, None)
    }

    /// An error answer in the envelope.
    pub(crate) fn error(&self, error: &ApiError) -> Response<Full<Bytes>> {
        let mut response = self.build(error.status, Some((ERROR_TYPE, error.body())));
        if let Some(allow) = &error.allow {
            response.headers_mut().insert(ALLOW, allow.clone());
        }
        response
    }

    /// An answer with `status` and, when given, a body with its content type.
    pub(crate) fn build(
        &self,
        status: StatusCode,
        body: Option<(HeaderValue, Bytes)>,
    ) -> Response<Full<Bytes>> {
        let mut headers = HeaderMap::new();
        if let Some(versions) = &self.supported_versions
            && let Ok(value) = HeaderValue::from_str(versions)
        {
            headers.insert(SUPPORTED_VERSIONS, value);
        }
        if let Ok(value) = HeaderValue::from_str(&random::correlation_vector()) {
            headers.insert(CORRELATION_VECTOR, value);
        }
        let elapsed = self.started.elapsed().as_millis();
        if let Ok(value) = HeaderValue::from_str(&format!("{elapsed}ms")) {
            headers.insert(PROCESSING_TIME, value);
        }
        if let Ok(value) = HeaderValue::from_str(&http_date::format(self.now)) {
            headers.insert(DATE, value);
        }
        if let Some(id) = &self.client_request_id {
            headers.insert(CLIENT_REQUEST_ID, id.clone());
        }

        let body = match body {
            Some((content_type, body)) => {
                headers.insert(CONTENT_TYPE, content_type);
                body
            }
            None => Bytes::new(),
        };
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}
