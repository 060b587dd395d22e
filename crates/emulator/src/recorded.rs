//! The request log: one entry per request the emulator received, faulted or not.
//!
//! Tests read it through [`Emulator::requests`](crate::Emulator::requests) to count attempts
//! (did the client retry?), to see which api-version, client request id and date each
//! attempt carried, whether each was signed correctly, and which fault it met. Entries hold
//! no credentials and no bodies.

use std::fmt;

use crate::operation::Operation;

/// How a request authenticated (or tried to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: HMAC-SHA256 …` with the access key.
    Hmac,
    /// `Authorization: Bearer …` with a test Entra token.
    Bearer,
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Hmac => "HMAC-SHA256",
            Self::Bearer => "Bearer",
        })
    }
}

/// One received request (one attempt, for a client that retries).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The path as received (still percent-encoded), without the query.
    pub path: String,
    /// The operation the request routed to; `None` for an unknown path or method.
    pub operation: Option<Operation>,
    /// The `api-version` query value, if any.
    pub api_version: Option<String>,
    /// The `x-ms-client-request-id` header, if any.
    pub client_request_id: Option<String>,
    /// The `x-ms-date` header, if any (a client re-signing each attempt sends a fresh one).
    pub x_ms_date: Option<String>,
    /// The scheme of the `Authorization` header, when it named one the emulator knows.
    pub auth_scheme: Option<AuthScheme>,
    /// Whether the request authenticated (for HMAC: the signature verified). `false` also
    /// when authentication was not reached, e.g. for an unknown route.
    pub signature_valid: bool,
    /// Why authentication failed, when it was tried and failed.
    pub auth_error: Option<String>,
    /// The fault injected into this request, in the `--fault` grammar (e.g.
    /// `status=503,retry-after=1` or `kind=reset`); `None` when it was served normally.
    pub fault: Option<String>,
    /// The status code sent; 0 when no response was sent (a reset or a hang).
    pub status: u16,
}
