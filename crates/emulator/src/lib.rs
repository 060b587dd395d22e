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
//! Served for api-versions 2021-03-07, 2022-06-01, 2022-10-01, 2023-10-01,
//! 2025-03-02-preview, 2025-06-30 and 2026-09-23 ([`ApiVersion::ALL`]; see
//! [`ApiVersionPolicy`] to narrow or widen the set):
//!
//! | operation | versions | success |
//! | --- | --- | --- |
//! | `POST /identities` | all | 201 |
//! | `POST /identities/{id}/:issueAccessToken` | all | 200 |
//! | `POST /identities/{id}/:revokeAccessTokens` | all | 204 |
//! | `DELETE /identities/{id}` | all | 204 |
//! | `GET /identities/{id}` | 2025-03-02-preview | 200 |
//! | `POST /teamsUser/:exchangeAccessToken` | 2022-06-01 on | 200 |
//! | `POST /access/teamsExtension/:exchangeAccessToken` | preview, 2025-06-30 on | 200 |
//! | `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}` | preview, 2025-06-30 on | 200 |
//! | `PUT` on that path | preview, 2025-06-30 on | 201 created, 200 replaced |
//! | `DELETE` on that path | preview, 2025-06-30 on | 204 |
//!
//! And by member:
//!
//! | member | versions | before |
//! | --- | --- | --- |
//! | `expiresInMinutes` (create, issue) | 2022-10-01 on, preview | ignored |
//! | scopes `chat.join`, `chat.join.limited`, `voip.join` | 2023-10-01 on, preview | 400 `ValidationError` on `Scopes` |
//! | `customId` (create) | 2025-03-02-preview | ignored, as the service ignores members its model lacks |
//! | `customId`, `lastTokenIssuedAt` (identity) | 2025-03-02-preview | not sent |
//!
//! An operation the requested version lacks is answered like an unsupported version on
//! that route: 400 `UnsupportedApiVersion`, with `api-supported-versions` listing the
//! versions that have it (as ASP.NET-style version routing answers; the live service's
//! exact answer is not documented).
//!
//! The create body is optional; without `createTokenWithScopes` (absent, `null` or empty)
//! only the identity is returned. The id may arrive percent-encoded (`8%3Aacs%3A…`) or raw.
//!
//! In the preview, `customId` (1 to 256 characters, else 400 `ValidationError` on
//! `CustomId`) maps to one identity: creating again with the same custom id returns the
//! same identity, 201 each time, until it is deleted (then the custom id is free again).
//! `lastTokenIssuedAt` is the issue time of the identity's newest token (issue, create with
//! scopes, Teams Extension exchange).
//!
//! # Teams Extension
//!
//! Assignments are kept per tenant and object id, which must be GUIDs (else 400
//! `ValidationError` on `tenantId` / `objectId`; compared regardless of case, answered in
//! lower case). `PUT` takes `{principalType, clientIds?}`; `principalType` is an open enum
//! (`user`, `resourceAccount`, `teamsResourceAccount`, … are all kept as sent), required
//! and non-empty (400 on `PrincipalType`); `clientIds` is a list of non-empty strings (400
//! on `ClientIds`). `GET` and `DELETE` of a missing assignment are 404
//! `AssignmentNotFound`.
//!
//! The exchange takes no access key: its credential is the user's Entra token as
//! `Authorization: Bearer …`, minted by [`Emulator::issue_entra_token`] with
//! [`EntraTokenOptions::teams_extension`] (audience [`TEAMS_EXTENSION_AUDIENCE`],
//! [`TEAMS_EXTENSION_SCOPE`] in `scp`). A token not minted here, expired, not yet valid,
//! for another audience, without that permission, or whose `tid` / `oid` are not GUIDs is
//! a 401 `InvalidAccessToken` (so is an HMAC-signed request). Then the `(tid, oid)` pair
//! must have an assignment, and if the assignment lists `clientIds`, the token's `appid`
//! must be among them; otherwise 403 `Forbidden`. The answer is 200
//! `{identity: {id: "8:acs:<resourceId>_<tid>_<oid>"}, accessToken}`, the token with
//! scope `voip` and the Entra token's expiry. The identity exists from its first exchange
//! and can then be revoked, deleted or read like any other.
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
//! * The Teams Extension exchange only: the user's Entra token, as above.
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
//! * `customId` out of bounds: 400 `ValidationError` on `CustomId`; the Teams Extension
//!   answers are listed in [Teams Extension](#teams-extension).
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
//! for `8:orgid:<oid>`, with scopes `chat,voip`, and expire with the Entra token; those of
//! the Teams Extension exchange are for `8:acs:<resourceId>_<tid>_<oid>`, with scope
//! `voip`, and expire with the Entra token too. Check
//! tokens with [`Emulator::is_token_valid`] and read them with [`Emulator::token_claims`].
//! [`Emulator::connections_accepted`] counts the TCP connections the server accepted, to
//! check that a client reuses its connections.
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
//! # HTTPS
//!
//! [`EmulatorBuilder::tls`] (the binary's `--tls`) serves HTTPS instead of HTTP. At start
//! the emulator generates an ECDSA P-256 certificate authority and, signed by it, a
//! server certificate for `127.0.0.1`, `::1` and `localhost`, valid from an hour before
//! start for 30 days. Nothing is read from disk, and the CA's key never leaves the
//! process, so the CA vouches for this instance only. TLS 1.2 and 1.3 are served (rustls
//! with the ring provider), with `h2` and `http/1.1` offered by ALPN. The endpoint and the
//! connection string then read `https://127.0.0.1:PORT/`. Clients trust
//! [`Emulator::ca_certificate_pem`], or the file named by [`TlsOptions::ca_cert_out`]
//! (`--ca-cert-out PATH`), which is written before `start` returns — so before the binary
//! prints its first line — into a directory that must exist. A failed handshake ends that
//! connection only.
//!
//! ```no_run
//! # async fn run() -> Result<(), acs_emulator::Error> {
//! use acs_emulator::{Emulator, TlsOptions};
//!
//! let emulator = Emulator::builder()
//!     .tls(TlsOptions { ca_cert_out: Some("ca.pem".into()) })
//!     .start()
//!     .await?;
//! let ca_pem = emulator.ca_certificate_pem().unwrap_or_default();
//! // Trust ca_pem in the client, e.g. with acs-core-http's
//! // HyperTransport::builder().add_root_certificate_pem(ca_pem.as_bytes()).
//! # drop(ca_pem);
//! # Ok(())
//! # }
//! ```
//!
//! # State file
//!
//! By default everything lives in memory. With [`EmulatorBuilder::state_file`] (the
//! binary's `--state PATH`) the state is loaded from a JSON file at start and written back
//! after every change, atomically (a temporary file in the same directory, flushed, then
//! renamed over the old one), so a restart — even after a kill — loses no identity. The
//! file holds the identities with their custom ids, revocation marks and last token
//! times, the Teams Extension assignments, the next token number, and the secrets that
//! keep earlier answers valid: the resource id, the access key, and the secrets that sign
//! access tokens and test Entra tokens, so tokens issued before a restart still verify
//! (and revoking after it still invalidates them). Being secret, the file is created
//! readable by its owner only (on Unix). A missing file starts an empty state (and is
//! written at once, so an unwritable path fails the start); a file that cannot be read or
//! parsed stops the start with [`Error::StateFile`], which names the file but never
//! quotes it. A configured access key replaces the stored one (and is saved); a
//! configured resource id must equal the stored one. The request log and fault rules are
//! not kept.
//!
//! ```no_run
//! # async fn run() -> Result<(), acs_emulator::Error> {
//! let emulator = acs_emulator::Emulator::builder()
//!     .state_file("emulator-state.json")
//!     .start()
//!     .await?;
//! # drop(emulator);
//! # Ok(())
//! # }
//! ```
//!
//! # Not emulated
//!
//! The Entra ID operations of the preview (`/access/entra/…`), real throttling (429 only as
//! an injected fault) and the delay the service allows before a revocation propagates.

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
mod persist;
mod random;
mod recorded;
mod response;
mod router;
mod server;
mod service;
mod state;
mod tls;
mod tokens;
mod versions;

pub use crate::builder::{
    DEFAULT_CLOCK_SKEW, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS, EmulatorBuilder,
};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::emulator::Emulator;
pub use crate::entra::{
    COMMUNICATION_AUDIENCE, EntraToken, EntraTokenOptions, TEAMS_EXTENSION_AUDIENCE,
    TEAMS_EXTENSION_SCOPE,
};
pub use crate::error::{Error, Result};
pub use crate::faults::{Fault, FaultRule, FaultWhen, Operation, RetryAfterHint};
pub use crate::recorded::{AuthScheme, RecordedRequest};
pub use crate::tls::TlsOptions;
pub use crate::tokens::AccessTokenClaims;
pub use crate::versions::{ApiVersion, ApiVersionPolicy, UnknownApiVersion};
