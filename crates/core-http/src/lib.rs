//! The HTTP pipeline shared by Azure Communication Services clients.
//!
//! This layer sits between the credentials of `acs-core-auth` and service clients such as
//! `acs-identity`, and knows nothing about any one service. A client builds a [`Request`],
//! sends it through a [`Pipeline`] of [`Policy`] steps and gets a buffered [`Response`]:
//!
//! - per call: [`policies::ClientRequestIdPolicy`] (one `x-ms-client-request-id` for all
//!   attempts) and [`policies::UserAgentPolicy`];
//! - [`policies::RetryPolicy`]: exponential backoff with jitter, `Retry-After` aware, a
//!   per-try timeout and a deadline for the whole call; calls marked non-idempotent
//!   through [`Context::with_idempotent`] are only repeated when the service cannot have
//!   acted (rules in [`policies::retry`]);
//! - per try: [`policies::HmacAuthenticationPolicy`] (access-key signing, see [`hmac`]) or
//!   [`policies::BearerTokenPolicy`] (Entra ID), then [`policies::LoggingPolicy`];
//! - [`policies::TransportPolicy`] with a [`Transport`], by default [`HyperTransport`]
//!   (response bodies capped at 16 MiB unless
//!   [`HyperTransportBuilder::max_response_body_bytes`] says otherwise).
//!
//! Failures are one opaque [`Error`] with an [`ErrorKind`] (and, for transport failures,
//! a [`SendState`]); error statuses become errors through [`Error::from_response`], which
//! reads the service's JSON error envelope. [`check_endpoint_scheme`] keeps clients off
//! plain `http` except to loopback hosts or with
//! [`ClientOptions::allow_insecure_http`].
//!
//! ```
//! use std::sync::Arc;
//! use acs_core_auth::AzureKeyCredential;
//! use acs_core_http::policies::HmacAuthenticationPolicy;
//! use acs_core_http::{
//!     async_trait, ClientOptions, Context, Error, HeaderMap, Method, Pipeline, Policy, Request,
//!     Response, Result, StatusCode, Transport,
//! };
//!
//! /// Answers every request itself, standing in for the network.
//! #[derive(Debug)]
//! struct Canned;
//!
//! #[async_trait]
//! impl Transport for Canned {
//!     async fn send(&self, request: &Request) -> Result<Response> {
//!         assert!(request.headers().contains_key("authorization"));
//!         let body = r#"{"identity":{"id":"8:acs:1"}}"#;
//!         Ok(Response::new(StatusCode::CREATED, HeaderMap::new(), body))
//!     }
//! }
//!
//! # async fn run() -> std::result::Result<(), Box<dyn std::error::Error>> {
//! let credential = AzureKeyCredential::new("pw==")?;
//! let auth: Arc<dyn Policy> = Arc::new(HmacAuthenticationPolicy::new(credential));
//! let options = ClientOptions { transport: Some(Arc::new(Canned)), ..Default::default() };
//! let pipeline = Pipeline::new("my-client", "0.1.0", options, Vec::new(), vec![auth])?;
//!
//! let url = "https://contoso.communication.azure.com/identities?api-version=2026-09-23";
//! let mut request = Request::new(Method::POST, url.parse()?);
//! let response = pipeline.send(&Context::new(), &mut request).await?;
//! if !response.status().is_success() {
//!     return Err(Error::from_response(&response).into());
//! }
//! let created: serde_json::Value = response.json()?;
//! assert_eq!(created["identity"]["id"], "8:acs:1");
//! # Ok(())
//! # }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod context;
mod endpoint;
mod error;
pub mod headers;
pub mod hmac;
mod options;
mod pipeline;
pub mod policies;
mod policy;
mod request;
mod response;
mod service_error;
mod transport;

#[cfg(test)]
mod test_support;

pub use async_trait::async_trait;
pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
pub use url::Url;

pub use acs_core_auth::{Clock, ManualClock, SystemClock};
pub use context::Context;
pub use endpoint::check_endpoint_scheme;
pub use error::{Error, ErrorKind, Result, SendState};
pub use options::{ClientOptions, LoggingOptions, RetryOptions, UserAgentOptions};
pub use pipeline::Pipeline;
pub use policy::{Next, Policy};
pub use request::Request;
pub use response::Response;
pub use service_error::ServiceError;
pub use transport::{HyperTransport, HyperTransportBuilder, Transport};
