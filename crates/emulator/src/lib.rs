//! An in-memory Azure Communication Services Identity service, served on loopback.
//!
//! The emulator answers the Identity REST API the way the live service does — HMAC
//! signatures checked to the byte, the service's error envelopes, codes and messages,
//! JWT access tokens with service-like claims, revocation and deletion — so that clients
//! can be tested without a cloud resource. It shares no request-building code with the
//! project's client: it depends only on the wire models and on the access-key decoding of
//! `acs-core-auth`. It runs in-process for tests, or as the `acs-emulator` binary for other
//! languages' SDKs.
//!
//! ```no_run
//! # async fn run() -> Result<(), acs_emulator::Error> {
//! let emulator = acs_emulator::Emulator::start().await?;
//! let connection_string = emulator.connection_string();
//! // endpoint=http://127.0.0.1:PORT/;accesskey=KEY — hand it to any Identity client.
//! # drop(connection_string);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Operations
//!
//! Served for api-versions 2021-03-07, 2022-06-01, 2022-10-01, 2023-10-01, 2025-06-30 and
//! 2026-09-23 (see [`ApiVersionPolicy`] to narrow or widen the set):
//!
//! | operation | success |
//! | --- | --- |
//! | `POST /identities` | 201 |
//! | `POST /identities/{id}/:issueAccessToken` | 200 |
//! | `POST /identities/{id}/:revokeAccessTokens` | 204 |
//! | `DELETE /identities/{id}` | 204 |
//! | `POST /teamsUser/:exchangeAccessToken` (from 2022-06-01) | 200 |
//!
//! The create body is optional; without `createTokenWithScopes` (absent, `null` or empty)
//! only the identity is returned. The id may arrive percent-encoded (`8%3Aacs%3A…`) or raw.
//! Versions switch features: `expiresInMinutes` is read from 2022-10-01 (and ignored
//! before), the `chat.join`, `chat.join.limited` and `voip.join` scopes are accepted from
//! 2023-10-01 (a 400 `ValidationError` on `Scopes` before).
//!
//! # Authentication
//!
//! * `Authorization: HMAC-SHA256 SignedHeaders=…&Signature=…`, where `SignedHeaders` is
//!   `x-ms-date;host;x-ms-content-sha256` or the older `date;host;x-ms-content-sha256`
//!   (the date is read from the header it names). The string to sign uses the request
//!   target exactly as received and the `Host` header as received. The content hash must be
//!   the SHA-256 of the received body, and the date within the clock-skew window (15
//!   minutes by default, either way).
//! * `Authorization: Bearer <token>` with a token from [`Emulator::issue_entra_token`]
//!   (signature, `aud` = [`COMMUNICATION_AUDIENCE`], `nbf` and `exp` are checked).
//!
//! # Answers where the service's behaviour is not documented
//!
//! The codes and messages observed on the live service are reproduced exactly. Where no
//! observation exists, the emulator answers as follows:
//!
//! * Bad signature: 401 `Denied`, "Denied by the resource provider.".
//! * Other authentication failures (no header, unknown scheme, bad `SignedHeaders`, a date
//!   missing, unparsable or outside the window, a bearer token not minted here, expired or
//!   for another audience): 401 `Denied`, with a message naming the problem.
//! * An id of another resource, or a string that is not an ACS id: 401 `IdentityNotOwned`,
//!   "Provided identity doesn't belong to the resource." (as observed for foreign ids).
//! * An unknown or deleted identity of this resource (issue, revoke, delete): 404
//!   `IdentityNotFound`.
//! * Missing `api-version`: 400 `ApiVersionUnspecified`. Unsupported: 400
//!   `UnsupportedApiVersion`, "The HTTP resource that matches the request URI '…' does not
//!   support the API version '…'.".
//! * Unknown path: 404 `NotFound`. Wrong method: 405 `MethodNotAllowed`, with `Allow`.
//! * A body that is not JSON, or not a JSON object: 400 `InvalidRequestBody`. Over the limit
//!   (64 KiB by default): 413 `RequestEntityTooLarge`.
//! * An unknown scope, or one that is not a string: 400 `ValidationError` on `Scopes`, on
//!   create as on issue. `expiresInMinutes` that is not a 32-bit integer: 400
//!   `ValidationError` on `ExpiresInMinutes`. On create it is range-checked even without
//!   scopes.
//! * Teams exchange without `userId`: 400 `ValidationError`, "UserId: The UserId field is
//!   required.", on `UserId` (mirroring the observed `AppId` answer).
//!
//! Checks run in this order: route, body size, authentication, fault rules, api-version,
//! then the operation's own validation. On an identity operation the ownership check comes
//! first, then body validation, then existence.
//!
//! Responses carry `api-supported-versions` (on every known route, errors included),
//! `MS-CV`, `X-Processing-Time`, `Date` (from the emulator's clock) and
//! `x-ms-client-request-id`, echoed whenever the request has one — with or without
//! `x-ms-return-client-request-id`, as the live service echoes it to clients that do not
//! ask. `Content-Type` is `application/json; charset=utf-8` on success and
//! `application/json` on errors.
//!
//! # Tokens
//!
//! Access tokens are HS256 JWTs under a secret of this emulator instance, with claims like
//! the service's: `skypeid` (the user id without `8:`, e.g. `acs:<resource>_<suffix>`),
//! `scp` (1792), `csi` (issue time as a string), `iat`, `exp`, `acsScope`
//! (comma-separated), `resourceId`, `resourceLocation`, `rgn`, plus `jti` (an issue-order
//! number). Token times are whole seconds, so `exp` equals the `expiresOn` of the response
//! (printed with seven fractional digits and `+00:00`). The default lifetime is 1440
//! minutes. Revoking invalidates every token issued before it (not those issued later);
//! deleting an identity invalidates all of its tokens. Tokens from the Teams exchange are
//! for `8:orgid:<oid>`, with scopes `chat,voip`, and expire with the Entra token. Check
//! tokens with [`Emulator::is_token_valid`] and read them with [`Emulator::token_claims`].
//!
//! # Fault injection
//!
//! Rules in [`faults`] make chosen requests fail: 429 or 503 with a retry hint
//! (`Retry-After` in seconds — any text, e.g. `0.941641` — or as an HTTP date,
//! `retry-after-ms`, `x-ms-retry-after-ms`), 500/502/504 with error envelopes, a connection
//! reset before any response, a reset after the operation ran (the identity exists, the
//! client never hears of it), a request that hangs until the client leaves, a body shorter
//! than its `Content-Length`, or an HTML page instead of JSON. A rule picks requests by
//! operation, by count (the first N) and by a seeded fraction. A faulted request changes
//! nothing unless the fault says the service acted.
//!
//! ```no_run
//! # async fn run() -> Result<(), acs_emulator::Error> {
//! use acs_emulator::{Emulator, FaultRule};
//!
//! let rule: FaultRule = "op=create,first=2,status=503,retry-after=0.941641"
//!     .parse()
//!     .expect("a valid spec");
//! let emulator = Emulator::builder().fault(rule).fault_seed(42).start().await?;
//! // … two creates answer 503, the third succeeds; emulator.requests() shows all three.
//! emulator.clear_faults();
//! # Ok(())
//! # }
//! ```
//!
//! The binary takes the same rules as repeated `--fault SPEC` flags (and `--fault-seed N`);
//! the grammar is in [`faults`] and in `acs-emulator --help`. A spec that does not parse
//! is reported with the pair at fault, and the process exits with status 2.
//!
//! # Request log
//!
//! [`Emulator::requests`] holds one [`RecordedRequest`] per attempt, faulted or not:
//! method, path, [`Operation`], api-version, client request id, `x-ms-date`, the
//! authentication scheme and whether it verified, the injected fault (in the grammar's
//! words) and the status sent (0 when none was). [`Emulator::identities`] lists the
//! identities that exist.
//!
//! # Limits
//!
//! Request bodies: 64 KiB by default ([`EmulatorBuilder::max_body_bytes`]), more is 413.
//! HTTP/1.1 heads: at most 100 headers and 32 KiB of request line and headers, more is a
//! 431 from the HTTP layer. HTTP/2: a 32 KiB header list and 100 concurrent streams per
//! connection. A client has 30 seconds ([`EmulatorBuilder::header_read_timeout`]) to send a
//! complete request head — from connecting, and on a kept-alive HTTP/1.1 connection from
//! the previous answer, so idle connections are closed after it too. At most 1024
//! connections are served at once ([`EmulatorBuilder::max_connections`]); more wait in the
//! listen backlog. Malformed JSON and unknown routes get the service's error envelope; no
//! request makes the emulator panic.
//!
//! # Not emulated
//!
//! The Teams Extension and Entra-assignment operations, the preview-only `customId` and
//! `GET /identities/{id}`, HTTPS, real throttling (429 only as an injected fault) and the
//! delay the service allows before a revocation propagates.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod auth;
mod builder;
mod clock;
mod connection;
mod emulator;
mod entra;
mod envelope;
mod error;
pub mod faults;
mod handlers;
mod http_date;
mod identifiers;
mod jwt;
mod operation;
mod random;
mod recorded;
mod response;
mod router;
mod server;
mod service;
mod state;
mod tokens;
mod versions;

pub use crate::builder::{
    DEFAULT_CLOCK_SKEW, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS, EmulatorBuilder,
};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::emulator::Emulator;
pub use crate::entra::{COMMUNICATION_AUDIENCE, EntraToken, EntraTokenOptions};
pub use crate::error::{Error, Result};
pub use crate::faults::{Fault, FaultRule, FaultWhen, Operation, RetryAfterHint};
pub use crate::recorded::{AuthScheme, RecordedRequest};
pub use crate::tokens::AccessTokenClaims;
pub use crate::versions::{ApiVersion, ApiVersionPolicy, UnknownApiVersion};
