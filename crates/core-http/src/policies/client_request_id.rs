//! Stamps each logical call with an `x-ms-client-request-id`.
//!
//! Runs once per call, before retry, so every attempt of the call carries the same id and
//! the service's logs can tie them together. The id is, in order of preference: a header the
//! caller already set on the request, the id in the [`Context`], or a fresh UUID v4. The
//! response remembers it ([`Response::sent_client_request_id`]), so that an error built from
//! the response names it even when the service does not echo it.

use async_trait::async_trait;
use http::HeaderValue;

use crate::headers::CLIENT_REQUEST_ID;
use crate::{Context, Error, ErrorKind, Next, Policy, Request, Response, Result};

/// Sets `x-ms-client-request-id` once per call.
#[derive(Debug, Clone, Default)]
pub struct ClientRequestIdPolicy;

impl ClientRequestIdPolicy {
    /// The policy.
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl Policy for ClientRequestIdPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        if let Some(existing) = request.headers().get(CLIENT_REQUEST_ID) {
            let id = existing.to_str().map_err(|_| {
                Error::new(
                    ErrorKind::InvalidInput,
                    "x-ms-client-request-id is not visible ASCII",
                )
            })?;
            let ctx = ctx.clone().with_client_request_id(id);
            return run_and_record(&ctx, request, next).await;
        }

        let id = match ctx.client_request_id() {
            Some(id) => id.to_owned(),
            // A version 4 UUID from the thread's fast generator: the id must be unique, not
            // unpredictable, and this avoids a system call for random bytes on every call.
            None => uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
                .into_uuid()
                .to_string(),
        };
        let value = HeaderValue::from_str(&id).map_err(|_| {
            Error::new(
                ErrorKind::InvalidInput,
                "the client request id is not a valid header value",
            )
        })?;
        request.insert_header(CLIENT_REQUEST_ID, value);
        let ctx = ctx.clone().with_client_request_id(id);
        run_and_record(&ctx, request, next).await
    }
}

/// Runs the rest of the pipeline and records the call's id on its response, so that an
/// error built from the response names it even when the service does not echo it.
async fn run_and_record(ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
    let response = next.run(ctx, request).await?;
    Ok(match ctx.shared_client_request_id() {
        Some(id) => response.with_sent_client_request_id(id),
        None => response,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::test_support::{ScriptedTransport, run_chain};
    use std::sync::Arc;

    #[tokio::test]
    async fn generates_a_uuid_v4_per_call() {
        let transport = ScriptedTransport::always_ok();
        let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(ClientRequestIdPolicy::new())];
        run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();
        run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();

        let ids = transport.header_values(CLIENT_REQUEST_ID.as_str());
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1]);
        for id in ids {
            assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        }
    }

    #[tokio::test]
    async fn an_error_from_the_response_names_the_sent_id_when_none_is_echoed() {
        use crate::test_support::Step;

        let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(ClientRequestIdPolicy::new())];
        let transport = ScriptedTransport::new([Step::status(500)]);
        let response = run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();
        let sent = transport.header_values(CLIENT_REQUEST_ID.as_str());
        assert_eq!(response.sent_client_request_id(), Some(sent[0].as_str()));
        let error = Error::from_response(&response);
        assert_eq!(error.client_request_id(), Some(sent[0].as_str()));

        // An echoed id wins over the sent one.
        let transport =
            ScriptedTransport::new([Step::with_header(500, "x-ms-client-request-id", "echoed")]);
        let response = run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();
        assert_eq!(
            Error::from_response(&response).client_request_id(),
            Some("echoed")
        );
    }

    #[tokio::test]
    async fn uses_the_context_id_or_an_existing_header() {
        let transport = ScriptedTransport::always_ok();
        let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(ClientRequestIdPolicy::new())];
        let ctx = Context::new().with_client_request_id("caller-chosen");
        run_chain(&policies, &transport, &ctx).await.unwrap();
        assert_eq!(
            transport.header_values("x-ms-client-request-id"),
            ["caller-chosen"]
        );

        let transport = ScriptedTransport::always_ok();
        let mut request = crate::test_support::request();
        request.insert_header(CLIENT_REQUEST_ID, HeaderValue::from_static("from-header"));
        crate::test_support::run_chain_with(&policies, &transport, &ctx, request)
            .await
            .unwrap();
        assert_eq!(
            transport.header_values("x-ms-client-request-id"),
            ["from-header"]
        );
    }

    #[tokio::test]
    async fn an_invalid_context_id_is_an_error() {
        let transport = ScriptedTransport::always_ok();
        let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(ClientRequestIdPolicy::new())];
        let ctx = Context::new().with_client_request_id("bad\nid");
        let error = run_chain(&policies, &transport, &ctx).await.unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput);
        assert_eq!(transport.attempts(), 0);
    }
}
