//! Sets the `User-Agent` header that tells the service which SDK is calling.
//!
//! The value is `[<application id> ]azsdk-rust-<crate>/<version> (<os>; <arch>)`. The
//! application id is the caller's own product name; it is validated when the policy is
//! built (at most 24 characters, HTTP token characters only), so a bad value is an error
//! from the client constructor rather than a panic or a malformed header later.

use async_trait::async_trait;
use http::HeaderValue;
use http::header::USER_AGENT;

use crate::{Context, Error, ErrorKind, Next, Policy, Request, Response, Result, UserAgentOptions};

/// Longest application id accepted.
const MAX_APPLICATION_ID_LEN: usize = 24;

/// Sets `User-Agent` once per call.
#[derive(Debug, Clone)]
pub struct UserAgentPolicy {
    value: HeaderValue,
}

impl UserAgentPolicy {
    /// A policy for the crate `crate_name` at `crate_version`.
    ///
    /// ```
    /// use acs_core_http::{UserAgentOptions, policies::UserAgentPolicy};
    ///
    /// let options = UserAgentOptions { application_id: Some("my-app/1.0".into()) };
    /// let policy = UserAgentPolicy::new("acs-identity", "0.1.0", &options)?;
    /// assert!(policy.value().starts_with("my-app/1.0 azsdk-rust-acs-identity/0.1.0 ("));
    ///
    /// let options = UserAgentOptions { application_id: Some("has space".into()) };
    /// assert!(UserAgentPolicy::new("acs-identity", "0.1.0", &options).is_err());
    /// # Ok::<(), acs_core_http::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when the application id is empty, longer than 24
    /// characters or contains characters outside an HTTP token (spaces, control characters,
    /// separators), or when the crate name or version cannot appear in a header.
    pub fn new(crate_name: &str, crate_version: &str, options: &UserAgentOptions) -> Result<Self> {
        let product = format!(
            "azsdk-rust-{crate_name}/{crate_version} ({}; {})",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        let value = match &options.application_id {
            Some(application_id) => {
                validate_application_id(application_id)?;
                format!("{application_id} {product}")
            }
            None => product,
        };
        let value = HeaderValue::from_str(&value).map_err(|_| {
            Error::new(
                ErrorKind::InvalidInput,
                "the user agent is not a valid header value",
            )
        })?;
        Ok(Self { value })
    }

    /// The header value this policy sets.
    pub fn value(&self) -> &str {
        // Built from a `&str` that `HeaderValue::from_str` accepted, so it is visible ASCII.
        self.value.to_str().unwrap_or_default()
    }
}

fn validate_application_id(application_id: &str) -> Result<()> {
    if application_id.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the application id is empty",
        ));
    }
    if application_id.chars().count() > MAX_APPLICATION_ID_LEN {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("the application id is longer than {MAX_APPLICATION_ID_LEN} characters"),
        ));
    }
    // Allow `/` too, so the id can be a product token such as `my-app/1.0`.
    if let Some(bad) = application_id.chars().find(|c| !is_tchar(*c) && *c != '/') {
        let reason = if bad.is_whitespace() {
            "whitespace"
        } else if bad.is_control() {
            "a control character"
        } else {
            "a character not allowed in an HTTP token"
        };
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("the application id contains {reason}"),
        ));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[async_trait]
impl Policy for UserAgentPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: Next<'_>) -> Result<Response> {
        request.insert_header(USER_AGENT, self.value.clone());
        next.run(ctx, request).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::test_support::{ScriptedTransport, run_chain};
    use std::sync::Arc;

    fn with_id(id: &str) -> UserAgentOptions {
        UserAgentOptions {
            application_id: Some(id.to_owned()),
        }
    }

    #[test]
    fn formats_the_product_token() {
        let policy =
            UserAgentPolicy::new("acs-identity", "1.2.3", &UserAgentOptions::default()).unwrap();
        let expected = format!(
            "azsdk-rust-acs-identity/1.2.3 ({}; {})",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        assert_eq!(policy.value(), expected);

        let policy = UserAgentPolicy::new("acs-identity", "1.2.3", &with_id("backend")).unwrap();
        assert_eq!(policy.value(), format!("backend {expected}"));
    }

    #[test]
    fn application_ids_are_validated_without_panicking() {
        for good in ["a", "my-app", "my_app.v2/1.0", "exactly-24-characters-xx"] {
            assert!(
                UserAgentPolicy::new("c", "1", &with_id(good)).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "",
            "has space",
            "tab\there",
            "new\nline",
            "é",
            "semi;colon",
            "paren(",
            &"x".repeat(25),
        ] {
            let error = UserAgentPolicy::new("c", "1", &with_id(bad)).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn replaces_an_existing_user_agent() {
        let transport = ScriptedTransport::always_ok();
        let policy = UserAgentPolicy::new("c", "1", &UserAgentOptions::default()).unwrap();
        let policies: Vec<Arc<dyn Policy>> = vec![Arc::new(policy.clone())];
        let mut request = crate::test_support::request();
        request.insert_header(USER_AGENT, HeaderValue::from_static("old"));
        crate::test_support::run_chain_with(&policies, &transport, &Context::new(), request)
            .await
            .unwrap();
        assert_eq!(transport.header_values("user-agent"), [policy.value()]);
        run_chain(&policies, &transport, &Context::new())
            .await
            .unwrap();
    }
}
