//! Wire models of the Azure Communication Services Identity REST API.
//!
//! This crate is plain data: serde structs and open enums for the JSON bodies the service
//! takes and returns, the limits it enforces, and static metadata about its operations. It
//! sits between the HTTP core (which knows nothing about identity) and the client and
//! emulator crates, which both speak the wire format through these types.
//!
//! Almost everything here lives in `generated.rs`, written by `cargo xtask codegen` from the
//! project's API description in `api/identity.toml`; edit the description, not the file. Only
//! this root and [`datetime`], the timestamp format of `expiresOn`, are written by hand.
//!
//! Decoding is lenient the way the service's clients need: unknown JSON members are ignored,
//! unknown enum strings survive as `Other(String)`, and timestamps accept any RFC 3339
//! precision and offset. Fields that carry tokens print as `***` in `Debug`.
//!
//! The feature `preview` adds what only the preview API version `2025-03-02-preview` has:
//! `customId` on [`CommunicationIdentityCreateRequest`], `customId` and `lastTokenIssuedAt`
//! on [`CommunicationIdentity`], the `GET /identities/{id}` operation record, the version
//! constant and the custom id length limits. Without it those members are unknown and, like
//! any unknown member, ignored when reading. Code that must build either way constructs
//! such models with `new(..)` or `..Default::default()` rather than a full struct literal.
//!
//! Besides the wire types, the description yields constants both sides share:
//! [`constraints`] (request limits), [`api_versions`], [`service`] and [`operations`]
//! (method, path, bodies, success statuses and first API version of each call).
//!
//! # Examples
//!
//! ```
//! use acs_identity_models::{
//!     CommunicationIdentityAccessTokenRequest, CommunicationIdentityTokenScope, constraints,
//!     operations,
//! };
//!
//! let body = CommunicationIdentityAccessTokenRequest {
//!     scopes: vec![CommunicationIdentityTokenScope::Chat],
//!     expires_in_minutes: Some(constraints::EXPIRES_IN_MINUTES_MIN),
//! };
//! let json = serde_json::to_string(&body)?;
//! assert_eq!(json, r#"{"scopes":["chat"],"expiresInMinutes":60}"#);
//!
//! let issue = operations::ISSUE_ACCESS_TOKEN;
//! assert_eq!((issue.method, issue.path), ("POST", "/identities/{id}/:issueAccessToken"));
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod datetime;
mod generated;

pub use generated::*;
