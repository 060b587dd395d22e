//! Signs every attempt with the resource's access key (HMAC-SHA256).
//!
//! A per-try policy: each attempt gets a fresh `x-ms-date`, the body's
//! `x-ms-content-sha256` and an `Authorization: HMAC-SHA256 …` header over the method, the
//! encoded path and query as sent, the date, the host (with a non-default port) and the
//! content hash. Headers are inserted, so a retried request never carries two signatures.
//! The date comes from a [`Clock`] so tests can pin it. See [`crate::hmac`] for the pieces.
//!
//! Key material: the decoded key is borrowed from the credential, never copied; the HMAC
//! state wipes itself on drop (the `zeroize` feature of `hmac`/`sha2`), and so does the
//! buffer the signature is encoded into. The `Authorization` header value is the one
//! other copy of the signature, inside `http`'s shared bytes, which cannot be wiped; it is
//! marked sensitive so that `Debug` output shows `Sensitive` instead of it.

use std::sync::Arc;

use acs_core_auth::AzureKeyCredential;
use async_trait::async_trait;
use http::HeaderValue;
use http::header::AUTHORIZATION;
use time::OffsetDateTime;

use crate::headers::{X_MS_CONTENT_SHA256, X_MS_DATE};
use crate::hmac::{authorization_bytes, content_hash, format_date, string_to_sign_for};
use crate::{
    Clock, Context, Error, ErrorKind, Next, Policy, Request, Response, Result, SystemClock,
};

/// Adds the HMAC-SHA256 signature headers to every attempt.
#[derive(Debug, Clone)]
pub struct HmacAuthenticationPolicy {
    credential: AzureKeyCredential,
    /// `None`: the call's clock ([`Context::now`]).
    clock: Option<Arc<dyn Clock>>,
}

impl HmacAuthenticationPolicy {
    /// A policy signing with `credential` (rotations through
    /// [`AzureKeyCredential::update`] apply to the next attempt).
    pub fn new(credential: AzureKeyCredential) -> Self {
        Self {
            credential,
            clock: None,
        }
    }

    /// Takes the signing date from `clock`. Without one, a pipeline's calls are dated by
    /// the call's clock ([`Context::now`]: the pipeline options' clock, else the system
    /// clock), and [`Self::sign_request`] by the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sets the three signature headers on `request` for the current time.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when the URL has no host, or when the clock's time has
    /// no HTTP date (see [`format_date`]).
    pub fn sign_request(&self, request: &mut Request) -> Result<()> {
        let now = match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        };
        self.sign_request_at(request, now)
    }

    /// [`Self::sign_request`] dated `now`.
    fn sign_request_at(&self, request: &mut Request, now: OffsetDateTime) -> Result<()> {
        let url = request.url();
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "cannot sign a URL without a host",
            ));
        }

        let date = format_date(now);
        if date.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "the clock shows a time that cannot be written as an HTTP date",
            ));
        }
        let hash = content_hash(request.body());
        let to_sign = string_to_sign_for(request.method().as_str(), url, &date, &hash);
        let mut auth = HeaderValue::try_from(authorization_bytes(&self.credential, &to_sign))
            .map_err(|_| {
                Error::new(
                    ErrorKind::Other,
                    "the signature header is not visible ASCII",
                )
            })?;
        auth.set_sensitive(true);

        request.insert_header(X_MS_DATE, header_value(date)?);
        request.insert_header(X_MS_CONTENT_SHA256, header_value(hash)?);
        request.insert_header(AUTHORIZATION, auth);
        Ok(())
    }
}

/// Dates, base64 and the fixed prefix are all visible ASCII, so this only fails if that
/// invariant is broken; report it rather than panic.
fn header_value(value: String) -> Result<HeaderValue> {
    HeaderValue::try_from(value)
        .map_err(|_| Error::new(ErrorKind::Other, "a signature header is not visible ASCII"))
}

#[async_trait]
impl Policy for HmacAuthenticationPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        let now = match &self.clock {
            Some(clock) => clock.now(),
            None => ctx.now(),
        };
        self.sign_request_at(request, now)?;
        next.run(ctx, request).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::test_support::{ScriptedTransport, run_chain_with};
    use http::Method;
    use time::macros::datetime;

    #[tokio::test]
    async fn signs_like_the_published_js_sdk() {
        let credential = AzureKeyCredential::new("dGVzdGtleS0wMTIzNDU2Nzg5YWJjZGVm").unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:08:39 UTC)));
        let policy = HmacAuthenticationPolicy::new(credential).with_clock(clock);
        let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy)];
        let transport = ScriptedTransport::always_ok();

        let url = "https://contoso.communication.azure.com/identities/8%3Aacs%3Ares_user1/:issueAccessToken?api-version=2023-10-01";
        let mut request = Request::new(Method::POST, url.parse().unwrap());
        request.set_body(r#"{"scopes":["chat.join"],"expiresInMinutes":120}"#);
        run_chain_with(&policies, &transport, &Context::new(), request)
            .await
            .unwrap();

        let sent = &transport.requests()[0];
        assert_eq!(sent.headers()["x-ms-date"], "Fri, 04 Dec 2026 14:08:39 GMT");
        assert_eq!(
            sent.headers()["x-ms-content-sha256"],
            "TtMKKuiyP9/F1jOI7OfDBSJ5n4DKqURVFZodx8I86YE="
        );
        assert_eq!(
            sent.headers()["authorization"],
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=TKSxEl07hpZ5DAtT6TesnEQBo3aUm9fpM2mzCwBBK5Y="
        );
        assert!(sent.headers()["authorization"].is_sensitive());
    }

    #[test]
    fn re_signing_replaces_headers_and_follows_key_rotation() {
        let credential = AzureKeyCredential::new("aw==").unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2026-12-04 14:09:18 UTC)));
        let policy = HmacAuthenticationPolicy::new(credential.clone()).with_clock(clock.clone());
        let url = "https://localhost:8443/identities?api-version=2022-10-01";
        let mut request = Request::new(Method::POST, url.parse().unwrap());

        policy.sign_request(&mut request).unwrap();
        let first = request.headers()["authorization"].clone();
        assert_eq!(
            first,
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=16dcLUBlmTHf3gZdjJk8zXekTHSCHNkfx82LiW8/p7I="
        );

        clock.advance(time::Duration::seconds(1));
        policy.sign_request(&mut request).unwrap();
        for name in ["authorization", "x-ms-date", "x-ms-content-sha256"] {
            assert_eq!(request.headers().get_all(name).iter().count(), 1, "{name}");
        }
        assert_ne!(request.headers()["authorization"], first);
        assert_eq!(
            request.headers()["x-ms-date"],
            "Fri, 04 Dec 2026 14:09:19 GMT"
        );

        let before_rotation = request.headers()["authorization"].clone();
        credential.update("pw==").unwrap();
        policy.sign_request(&mut request).unwrap();
        assert_ne!(request.headers()["authorization"], before_rotation);
    }

    #[test]
    fn clocks_at_the_limits_of_time_give_an_error_not_a_panic() {
        use time::{PrimitiveDateTime, UtcOffset};

        let credential = AzureKeyCredential::new("aw==").unwrap();
        let url = "https://localhost/identities?api-version=2022-10-01";
        let east = UtcOffset::from_hms(14, 0, 0).unwrap();
        let west = UtcOffset::from_hms(-14, 0, 0).unwrap();

        // A four-digit year in UTC: signed.
        for now in [
            time::macros::datetime!(0000-01-01 00:00 UTC),
            PrimitiveDateTime::MAX.assume_utc(),
        ] {
            let policy = HmacAuthenticationPolicy::new(credential.clone())
                .with_clock(Arc::new(ManualClock::new(now)));
            let mut request = Request::new(Method::POST, url.parse().unwrap());
            policy.sign_request(&mut request).unwrap();
        }
        // A negative year, or outside the UTC range: refused.
        for now in [
            PrimitiveDateTime::MIN.assume_utc(),
            PrimitiveDateTime::MIN.assume_offset(east),
            PrimitiveDateTime::MAX.assume_offset(west),
        ] {
            assert_eq!(crate::hmac::format_date(now), "");
            let policy = HmacAuthenticationPolicy::new(credential.clone())
                .with_clock(Arc::new(ManualClock::new(now)));
            let mut request = Request::new(Method::POST, url.parse().unwrap());
            let error = policy.sign_request(&mut request).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput);
            assert!(request.headers().get("authorization").is_none());
        }
    }
}
