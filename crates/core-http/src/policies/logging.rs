//! Logs each attempt's request and response at `debug` level, with secrets redacted.
//!
//! A per-try policy, placed after authentication so it shows what goes on the wire. Each
//! line carries structured fields: method, URL, attempt, client request id, then status
//! and elapsed time. Header values are printed only for names on an allow-list (content
//! type, request ids, `retry-after`, …); every other value, `authorization` included, is
//! printed as `REDACTED`. In the URL only the `api-version` query value survives by
//! default. Bodies are never logged. Allow-lists grow through [`LoggingOptions`], but a
//! value marked sensitive and the credential headers (`authorization`,
//! `proxy-authorization`, `cookie`, `set-cookie`) stay redacted even when allowed.

use std::collections::HashSet;
use std::fmt::Write as _;

use async_trait::async_trait;
use http::HeaderMap;
use tokio::time::Instant;
use tracing::debug;
use url::Url;

use crate::headers::CREDENTIAL_HEADERS;
use crate::{Context, LoggingOptions, Next, Policy, Request, Response, Result};

/// Printed instead of a value that is not allowed.
const REDACTED: &str = "REDACTED";

/// Header names whose values are safe to print.
const DEFAULT_ALLOWED_HEADERS: &[&str] = &[
    "accept",
    "api-supported-versions",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "date",
    "etag",
    "expires",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "last-modified",
    "ms-cv",
    "pragma",
    "request-id",
    "retry-after",
    "retry-after-ms",
    "server",
    "traceparent",
    "tracestate",
    "transfer-encoding",
    "user-agent",
    "www-authenticate",
    "x-ms-client-request-id",
    "x-ms-request-id",
    "x-ms-retry-after-ms",
    "x-ms-return-client-request-id",
    "x-processing-time",
];

/// Query parameters whose values are safe to print.
const DEFAULT_ALLOWED_QUERY_PARAMS: &[&str] = &["api-version"];

/// Logs requests and responses with redaction.
#[derive(Debug, Clone)]
pub struct LoggingPolicy {
    allowed_headers: HashSet<String>,
    allowed_query_params: HashSet<String>,
}

impl LoggingPolicy {
    /// A policy allowing the defaults plus what `options` adds.
    pub fn new(options: &LoggingOptions) -> Self {
        let lower = |names: &[&str], extra: &[String]| {
            names
                .iter()
                .map(|name| name.to_ascii_lowercase())
                .chain(extra.iter().map(|name| name.to_ascii_lowercase()))
                .collect()
        };
        Self {
            allowed_headers: lower(DEFAULT_ALLOWED_HEADERS, &options.additional_allowed_headers),
            allowed_query_params: lower(
                DEFAULT_ALLOWED_QUERY_PARAMS,
                &options.additional_allowed_query_params,
            ),
        }
    }

    /// `url` without user information or fragment, disallowed query values replaced.
    pub fn sanitize_url(&self, url: &Url) -> String {
        let mut clean = url.clone();
        // Removing user information only fails for URLs that cannot have any.
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        clean.set_fragment(None);

        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(name, value)| {
                    let keep = self
                        .allowed_query_params
                        .contains(&name.to_ascii_lowercase());
                    let value = if keep {
                        value.into_owned()
                    } else {
                        REDACTED.to_owned()
                    };
                    (name.into_owned(), value)
                })
                .collect();
            clean.query_pairs_mut().clear().extend_pairs(pairs);
        }
        clean.into()
    }

    /// `name: value` pairs separated by `, `, with disallowed values replaced.
    pub fn sanitize_headers(&self, headers: &HeaderMap) -> String {
        let mut out = String::new();
        for (name, value) in headers {
            if !out.is_empty() {
                out.push_str(", ");
            }
            let allowed = self.allowed_headers.contains(name.as_str())
                && !value.is_sensitive()
                && !CREDENTIAL_HEADERS.contains(&name.as_str());
            let shown = if allowed {
                value.to_str().unwrap_or("<non-ASCII>")
            } else {
                REDACTED
            };
            let _ = write!(out, "{name}: {shown}");
        }
        out
    }
}

impl Default for LoggingPolicy {
    fn default() -> Self {
        Self::new(&LoggingOptions::default())
    }
}

#[async_trait]
impl Policy for LoggingPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        // Sanitizing the URL and headers costs allocations on every attempt; skip it when no
        // subscriber would record the events.
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return next.run(ctx, request).await;
        }

        let url = self.sanitize_url(request.url());
        let client_request_id = ctx.client_request_id().unwrap_or_default().to_owned();
        debug!(
            method = %request.method(),
            url = %url,
            attempt = ctx.attempt(),
            client_request_id = %client_request_id,
            headers = %self.sanitize_headers(request.headers()),
            "sending request"
        );

        let started = Instant::now();
        let outcome = next.run(ctx, request).await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &outcome {
            Ok(response) => debug!(
                status = response.status().as_u16(),
                url = %url,
                attempt = ctx.attempt(),
                client_request_id = %client_request_id,
                elapsed_ms,
                headers = %self.sanitize_headers(response.headers()),
                "received response"
            ),
            Err(error) => debug!(
                error = %error,
                url = %url,
                attempt = ctx.attempt(),
                client_request_id = %client_request_id,
                elapsed_ms,
                "request failed"
            ),
        }
        outcome
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "logging_tests.rs"]
mod tests;
