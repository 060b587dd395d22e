//! Names of the headers the pipeline reads and writes.
//!
//! Policies and clients share these constants so that a header is spelled one way
//! everywhere. Names are lower case, as HTTP/2 requires and `http` stores them.

use std::fmt;

use http::{HeaderMap, HeaderName};

/// Correlates all attempts of one logical call; echoed by the service.
pub const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
/// The request time that HMAC signing covers, in IMF-fixdate form.
pub const X_MS_DATE: HeaderName = HeaderName::from_static("x-ms-date");
/// Base64 SHA-256 of the request body, covered by the HMAC signature.
pub const X_MS_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-ms-content-sha256");
/// Milliseconds to wait before retrying (Azure extension).
pub const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
/// Milliseconds to wait before retrying (Azure extension, `x-ms-` form).
pub const X_MS_RETRY_AFTER_MS: HeaderName = HeaderName::from_static("x-ms-retry-after-ms");
/// The service's correlation vector.
pub const MS_CV: HeaderName = HeaderName::from_static("ms-cv");

/// Headers whose values are credentials whatever the sensitivity flag says: never printed
/// by `Debug` or the logging policy, whatever its allow-list.
pub(crate) const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// `Debug` for a header map that prints `***` for credentials and values marked sensitive,
/// used by the `Debug` of requests and responses.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || CREDENTIAL_HEADERS.contains(&name.as_str()) {
                map.entry(&name.as_str(), &"***");
            } else {
                map.entry(&name.as_str(), value);
            }
        }
        map.finish()
    }
}
