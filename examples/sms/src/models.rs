//! The JSON the SMS API exchanges, as serde types.
//!
//! These are the wire shapes only; [`crate::SmsClient`] builds them from its arguments and
//! turns the response into [`crate::SmsSendResult`]s, so callers never handle them
//! directly. Members are camelCase on the wire; unknown response members are ignored and
//! optional ones may be missing, so a service that adds fields does not break the client.

use serde::{Deserialize, Serialize};

/// The body of `POST /sms`: one message from one number to one or more recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest<'a> {
    /// The sender: a phone number of the resource, in E.164 form.
    pub from: &'a str,
    /// Who receives the message.
    pub sms_recipients: Vec<SmsRecipient<'a>>,
    /// The text to send.
    pub message: &'a str,
    /// Delivery report and tag settings.
    pub sms_send_options: SmsSendOptions<'a>,
}

/// One recipient of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsRecipient<'a> {
    /// The recipient's phone number, in E.164 form.
    pub to: &'a str,
}

/// Per-message settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsSendOptions<'a> {
    /// Whether the service should raise a delivery report event for the message.
    pub enable_delivery_report: bool,
    /// A caller-chosen label echoed in delivery reports; left out when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<&'a str>,
}

/// The body of the `202 Accepted` answer: one entry per recipient.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageResponse {
    /// What happened for each recipient, in the order the service lists them.
    pub value: Vec<SendMessageResponseItem>,
}

/// The outcome for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageResponseItem {
    /// The recipient this entry is about.
    pub to: String,
    /// The id the service gave the message to this recipient, when it accepted it.
    #[serde(default)]
    pub message_id: Option<String>,
    /// The HTTP status the service would have answered for this recipient alone.
    pub http_status_code: u16,
    /// Whether the message to this recipient was accepted.
    pub successful: bool,
}
