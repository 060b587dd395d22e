//! [`SmsClient`]: construction from a connection string or an endpoint and key, and the
//! one operation, sending a message.
//!
//! Construction applies the two endpoint rules of the core crates
//! ([`acs_core_auth::parse_endpoint`] and [`check_endpoint_scheme`]) and builds one
//! [`Pipeline`] with [`HmacAuthenticationPolicy`] as its per-try policy, so each attempt
//! is signed afresh. [`SmsClient::send`] checks its input, builds the request
//! ([`Request::set_json`] sets the body and `content-type`), marks the call
//! non-idempotent (a repeated send is a second text message) and decodes the `202`.
//! Any other status becomes an [`Error`] that keeps the service's error code and message.

use std::fmt;
use std::sync::Arc;

use acs_core_auth::{AzureKeyCredential, ConnectionString, parse_endpoint};
use acs_core_http::policies::HmacAuthenticationPolicy;
use acs_core_http::{
    ClientOptions, Context, Error, ErrorKind, HeaderName, HeaderValue, Method, Pipeline, Policy,
    Request, StatusCode, Url, check_endpoint_scheme,
};

use crate::models::{
    SendMessageRequest, SendMessageResponse, SendMessageResponseItem, SmsRecipient, SmsSendOptions,
};

/// The `api-version` every request carries.
pub const API_VERSION: &str = "2021-03-07";

const ACCEPT: HeaderName = HeaderName::from_static("accept");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Options for [`SmsClient`]: today only the pipeline settings shared by every client.
#[derive(Debug, Clone, Default)]
pub struct SmsClientOptions {
    /// Retry, transport, user agent, logging and extra policies.
    pub client_options: ClientOptions,
}

/// Per-message settings for [`SmsClient::send`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Ask the service for a delivery report event. Default `false`.
    pub enable_delivery_report: bool,
    /// A label the service puts into delivery reports; `None` sends none.
    pub tag: Option<String>,
}

/// What the service did with the message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSendResult {
    /// The recipient's phone number.
    pub to: String,
    /// The service's id for this message, when it was accepted.
    pub message_id: Option<String>,
    /// The status the service reports for this recipient on its own.
    pub http_status_code: u16,
    /// Whether the message to this recipient was accepted.
    pub successful: bool,
}

impl From<SendMessageResponseItem> for SmsSendResult {
    fn from(item: SendMessageResponseItem) -> Self {
        Self {
            to: item.to,
            message_id: item.message_id,
            http_status_code: item.http_status_code,
            successful: item.successful,
        }
    }
}

/// A client for the SMS API of one Communication Services resource.
///
/// Cloning is cheap; clones share the pipeline and the credential. `Debug` shows the
/// endpoint only, never the key.
#[derive(Clone)]
pub struct SmsClient {
    endpoint: Url,
    pipeline: Arc<Pipeline>,
}

impl SmsClient {
    /// A client for the resource named by `connection_string`
    /// (`endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] for a malformed connection string (the message names the
    /// problem, never the key), or a plain `http` endpoint that is not loopback unless
    /// `options.client_options.allow_insecure_http` is set. Also any error building the
    /// pipeline (an invalid user agent application id, no default transport).
    pub fn from_connection_string(
        connection_string: &str,
        options: SmsClientOptions,
    ) -> Result<Self, Error> {
        let parsed = ConnectionString::parse(connection_string)?;
        Self::build(parsed.endpoint().clone(), parsed.credential(), options)
    }

    /// A client for `endpoint` (`https://<resource>.communication.azure.com/`) signing its
    /// requests with `credential`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when `endpoint` breaks the rule of
    /// [`acs_core_auth::parse_endpoint`] (not an absolute `http`/`https` URL with a host, or
    /// with a path, query, fragment or credentials), or is plain `http` to a host that is
    /// not loopback without `allow_insecure_http`. Also any error building the pipeline.
    pub fn new(
        endpoint: &str,
        credential: AzureKeyCredential,
        options: SmsClientOptions,
    ) -> Result<Self, Error> {
        let endpoint = parse_endpoint(endpoint)?;
        Self::build(endpoint, credential, options)
    }

    fn build(
        endpoint: Url,
        credential: AzureKeyCredential,
        options: SmsClientOptions,
    ) -> Result<Self, Error> {
        let client_options = options.client_options;
        check_endpoint_scheme(&endpoint, client_options.allow_insecure_http)?;

        // The signing policy dates each attempt by the call's clock, which the pipeline
        // takes from `client_options.clock`: a caller who injects one controls every
        // time-based decision of the client.
        let per_try: Vec<Arc<dyn Policy>> =
            vec![Arc::new(HmacAuthenticationPolicy::new(credential))];
        let pipeline = Pipeline::new(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            client_options,
            Vec::new(),
            per_try,
        )?;
        Ok(Self {
            endpoint,
            pipeline: Arc::new(pipeline),
        })
    }

    /// The resource endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Sends `message` from the resource's number `from` to every number in `to`, and
    /// returns one result per recipient.
    ///
    /// The service accepts or refuses each recipient on its own, so a call that succeeds
    /// may still hold results with `successful: false`. The call is not retried once the
    /// request may have reached the service (a retry could send the text twice): only
    /// connection failures before sending, and `429`/`503` answers that name a wait, are
    /// tried again.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidInput`], before anything is sent, when `from` is empty, `to`
    ///   is empty or holds an empty number.
    /// - [`ErrorKind::HttpResponse`] for any answer but `202 Accepted`; for an error status
    ///   [`Error::service_error`] holds the service's code and message.
    /// - [`ErrorKind::DataConversion`] when the `202` body is not the expected JSON.
    /// - Connection, I/O and timeout errors from the pipeline.
    pub async fn send(
        &self,
        from: &str,
        to: &[&str],
        message: &str,
        options: SendOptions,
    ) -> Result<Vec<SmsSendResult>, Error> {
        check_numbers(from, to)?;

        let body = SendMessageRequest {
            from,
            sms_recipients: to.iter().map(|&to| SmsRecipient { to }).collect(),
            message,
            sms_send_options: SmsSendOptions {
                enable_delivery_report: options.enable_delivery_report,
                tag: options.tag.as_deref(),
            },
        };
        let mut request = Request::new(Method::POST, self.send_url());
        request.insert_header(ACCEPT, JSON);
        request.set_json(&body)?;

        let context = Context::new().with_idempotent(false);
        let response = self.pipeline.send(&context, &mut request).await?;
        if response.status() != StatusCode::ACCEPTED {
            // Either error names the call's request id, echoed or not.
            return Err(if response.status().is_success() {
                Error::unexpected_status(&response, "send", StatusCode::ACCEPTED)
            } else {
                Error::from_response(&response)
            });
        }
        let decoded: SendMessageResponse = response.json()?;
        Ok(decoded.value.into_iter().map(SmsSendResult::from).collect())
    }

    /// `{endpoint}/sms?api-version=…`. The endpoint has no path, query or fragment
    /// ([`parse_endpoint`] and the connection-string parser refuse them), so setting both
    /// gives exactly this URL.
    fn send_url(&self) -> Url {
        let mut url = self.endpoint.clone();
        url.set_path("sms");
        url.set_query(Some(&format!("api-version={API_VERSION}")));
        url
    }
}

/// Refuses input the service would reject anyway, so nothing is sent (or paid for).
fn check_numbers(from: &str, to: &[&str]) -> Result<(), Error> {
    if from.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the sender number `from` is empty",
        ));
    }
    if to.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "a message needs at least one recipient",
        ));
    }
    if let Some(index) = to.iter().position(|number| number.trim().is_empty()) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("recipient {index} is an empty number"),
        ));
    }
    Ok(())
}

impl fmt::Debug for SmsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsClient")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn client() -> SmsClient {
        let credential = AzureKeyCredential::new("c2VjcmV0").unwrap();
        SmsClient::new(
            "https://contoso.communication.azure.com",
            credential,
            SmsClientOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn send_url_has_the_path_and_api_version() {
        assert_eq!(
            client().send_url().as_str(),
            "https://contoso.communication.azure.com/sms?api-version=2021-03-07"
        );
    }

    #[test]
    fn debug_shows_no_key() {
        let debug = format!("{:?}", client());
        assert!(debug.contains("contoso.communication.azure.com"));
        assert!(!debug.contains("c2VjcmV0"));
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused() {
        let credential = AzureKeyCredential::new("c2VjcmV0").unwrap();
        let error = SmsClient::new(
            "http://contoso.communication.azure.com",
            credential,
            SmsClientOptions::default(),
        )
        .unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    }

    #[test]
    fn an_endpoint_with_a_path_is_refused_both_ways() {
        let with_path = "endpoint=https://contoso.communication.azure.com/sms;accesskey=c2VjcmV0";
        let error =
            SmsClient::from_connection_string(with_path, SmsClientOptions::default()).unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput);

        let credential = AzureKeyCredential::new("c2VjcmV0").unwrap();
        let error = SmsClient::new(
            "https://contoso.communication.azure.com/sms",
            credential,
            SmsClientOptions::default(),
        )
        .unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::InvalidInput);
    }

    #[test]
    fn empty_inputs_are_refused() {
        for (from, to) in [("", &["+1"][..]), ("+1", &[][..]), ("+1", &["+2", " "][..])] {
            let error = check_numbers(from, to).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{from:?} {to:?}");
        }
        assert!(check_numbers("+1", &["+2"]).is_ok());
    }

    #[test]
    fn options_serialize_without_an_absent_tag() {
        let options = SmsSendOptions {
            enable_delivery_report: true,
            tag: None,
        };
        let json = serde_json::to_string(&options).unwrap();
        assert_eq!(json, r#"{"enableDeliveryReport":true}"#);
    }
}
