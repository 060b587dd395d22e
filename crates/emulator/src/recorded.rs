//! The request log: one entry per request the emulator answered.
//!
//! Tests read it through [`Emulator::requests`](crate::Emulator::requests) to count attempts
//! (did the client retry?), to see which api-version and client request id went out, and to
//! check that signatures verified. Entries hold no credentials and no bodies.

use std::fmt;

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

/// One answered request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The path as received (still percent-encoded), without the query.
    pub path: String,
    /// The `api-version` query value, if any.
    pub api_version: Option<String>,
    /// The `x-ms-client-request-id` header, if any.
    pub client_request_id: Option<String>,
    /// The scheme of the `Authorization` header, when it named one the emulator knows.
    pub auth_scheme: Option<AuthScheme>,
    /// Whether the request authenticated (for HMAC: the signature verified). `false` also
    /// when authentication was not reached, e.g. for an unknown route.
    pub signature_valid: bool,
    /// Why authentication failed, when it was tried and failed.
    pub auth_error: Option<String>,
    /// The status code of the answer.
    pub status: u16,
}
