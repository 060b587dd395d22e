//! The fault types: which requests a rule picks and what happens to them.
//!
//! A [`FaultRule`] pairs a condition ([`FaultWhen`]) with a [`Fault`]. These are plain
//! values; the injector in this module's sibling decides, per request, which rule fires,
//! and the service turns the fault into bytes (or silence) on the wire. Each type prints
//! in the `--fault` grammar, so a rule, the log's `fault` field and the command line all
//! read the same.

use std::fmt;

use time::OffsetDateTime;

use crate::operation::Operation;

/// One fault rule: when it fires, and what it does. See the [module docs](crate::faults).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// Which requests the rule picks.
    pub when: FaultWhen,
    /// What happens to them.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule injecting `fault` when `when` holds.
    pub fn new(when: FaultWhen, fault: Fault) -> Self {
        Self { when, fault }
    }

    /// A rule injecting `fault` into every request it reaches.
    pub fn always(fault: Fault) -> Self {
        Self::new(FaultWhen::default(), fault)
    }
}

/// The conditions of a rule; every condition given must hold. The default has none, so it
/// picks every request that reaches the rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultWhen {
    /// Only requests routed to this operation.
    pub operation: Option<Operation>,
    /// Only the first `n` requests that reach the rule and match its operation (whether or
    /// not the fraction then picks them). `Some(0)` never fires.
    pub first: Option<u32>,
    /// Only this fraction of requests, drawn from the emulator's seeded random sequence
    /// (see [`EmulatorBuilder::fault_seed`](crate::EmulatorBuilder::fault_seed)). `0.0` or
    /// less (or NaN) never fires, `1.0` or more always does.
    pub fraction: Option<f64>,
}

impl FaultWhen {
    /// Only requests for `operation`.
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Only the first `n` requests that reach the rule.
    pub fn first(mut self, n: u32) -> Self {
        self.first = Some(n);
        self
    }

    /// Only a `fraction` of requests (between 0 and 1).
    pub fn fraction(mut self, fraction: f64) -> Self {
        self.fraction = Some(fraction);
        self
    }
}

/// What an injected fault does. Every fault but [`Fault::ResetAfterProcessing`] leaves the
/// emulator's state as it was: the service "did not act".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// An error answer with `status` and the service's error envelope (429
    /// `TooManyRequests`, 500 `InternalServerError`, 502 `BadGateway`, 503
    /// `ServiceUnavailable`, 504 `GatewayTimeout`, …), with an optional retry hint header.
    Status {
        /// The status code; one `http` cannot represent (below 100 or above 999) is sent
        /// as 500.
        status: u16,
        /// The retry hint header to add.
        retry_after: Option<RetryAfterHint>,
    },
    /// The connection is reset (RST on HTTP/1.1; the stream is reset on HTTP/2) before any
    /// response is sent.
    ResetConnection,
    /// The operation runs and changes state, then the connection is reset before the
    /// response is sent: the case where a client cannot know whether it succeeded.
    ResetAfterProcessing,
    /// No answer at all. The request is held until the client closes the connection (or
    /// resets the stream), the emulator shuts down, or 5 minutes pass; then the connection
    /// is closed without a response.
    Hang,
    /// The headers of a JSON answer (the operation's success status, 200 for those that
    /// answer 204) declaring `Content-Length: 512`, then the first 25 bytes of a body, then
    /// the connection closes.
    TruncatedBody,
    /// An HTML error page (`Content-Type: text/html`), as a gateway in front of the service
    /// would send, with `status`.
    HtmlErrorPage {
        /// The status code, as for [`Fault::Status`].
        status: u16,
    },
}

impl Fault {
    /// An error answer with `status` and no retry hint.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }

    /// An error answer with `status` and the retry hint `hint`.
    pub fn status_with_hint(status: u16, hint: RetryAfterHint) -> Self {
        Self::Status {
            status,
            retry_after: Some(hint),
        }
    }

    /// Whether the request is processed (and state changed) despite the fault.
    pub(crate) fn processes_request(&self) -> bool {
        matches!(self, Self::ResetAfterProcessing)
    }
}

/// A retry hint header on a [`Fault::Status`] answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfterHint {
    /// `Retry-After: <text>`, sent as given: normally whole seconds, but any text is
    /// allowed (`0.941641`, `-1`, `abc`, `81,120`) to test a client's parser. Text that
    /// cannot be a header value is left out.
    Seconds(String),
    /// `Retry-After: <HTTP-date>`, the time in IMF-fixdate form.
    HttpDate(OffsetDateTime),
    /// `retry-after-ms: <n>`.
    Millis(u64),
    /// `x-ms-retry-after-ms: <n>`.
    XMsMillis(u64),
}

impl RetryAfterHint {
    /// The header name this hint is sent in.
    pub fn header_name(&self) -> &'static str {
        match self {
            Self::Seconds(_) | Self::HttpDate(_) => "retry-after",
            Self::Millis(_) => "retry-after-ms",
            Self::XMsMillis(_) => "x-ms-retry-after-ms",
        }
    }

    /// The header value this hint is sent with.
    pub fn header_value(&self) -> String {
        match self {
            Self::Seconds(text) => text.clone(),
            Self::HttpDate(at) => crate::http_date::format(*at),
            Self::Millis(ms) | Self::XMsMillis(ms) => ms.to_string(),
        }
    }
}

/// Writes `value`, quoted when it holds a `,` (or would be trimmed) so the grammar reads it
/// back whole.
fn write_value(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    if value.contains(',') || value.trim() != value || value.is_empty() {
        write!(f, "\"{value}\"")
    } else {
        f.write_str(value)
    }
}

/// Prints the hint as its grammar key and value, e.g. `retry-after-ms=20`.
impl fmt::Display for RetryAfterHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seconds(text) => {
                f.write_str("retry-after=")?;
                write_value(f, text)
            }
            Self::HttpDate(_) => {
                f.write_str("retry-after-date=")?;
                write_value(f, &self.header_value())
            }
            Self::Millis(ms) => write!(f, "retry-after-ms={ms}"),
            Self::XMsMillis(ms) => write!(f, "x-ms-retry-after-ms={ms}"),
        }
    }
}

/// Prints the fault in the grammar, e.g. `status=503,retry-after=1` or `kind=reset`.
impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status {
                status,
                retry_after,
            } => {
                write!(f, "status={status}")?;
                match retry_after {
                    Some(hint) => write!(f, ",{hint}"),
                    None => Ok(()),
                }
            }
            Self::ResetConnection => f.write_str("kind=reset"),
            Self::ResetAfterProcessing => f.write_str("kind=reset-after"),
            Self::Hang => f.write_str("kind=hang"),
            Self::TruncatedBody => f.write_str("kind=truncate"),
            Self::HtmlErrorPage { status } => write!(f, "kind=html,status={status}"),
        }
    }
}

/// Prints the conditions in the grammar, e.g. `op=create,first=2`; empty when there are
/// none.
impl fmt::Display for FaultWhen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(op) = self.operation {
            parts.push(format!("op={op}"));
        }
        if let Some(n) = self.first {
            parts.push(format!("first={n}"));
        }
        if let Some(fraction) = self.fraction {
            parts.push(format!("fraction={fraction}"));
        }
        f.write_str(&parts.join(","))
    }
}

/// Prints the rule in the grammar the `--fault` flag reads, e.g.
/// `op=create,first=2,status=503,retry-after=0.941641`.
impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = self.when.to_string();
        if when.is_empty() {
            write!(f, "{}", self.fault)
        } else {
            write!(f, "{when},{}", self.fault)
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn rules_print_in_the_grammar() {
        let rule = FaultRule::new(
            FaultWhen::default().on(Operation::CreateIdentity).first(2),
            Fault::status_with_hint(503, RetryAfterHint::Seconds("0.941641".into())),
        );
        assert_eq!(
            rule.to_string(),
            "op=create,first=2,status=503,retry-after=0.941641"
        );
        assert_eq!(
            FaultRule::new(FaultWhen::default().fraction(0.05), Fault::ResetConnection).to_string(),
            "fraction=0.05,kind=reset"
        );
        assert_eq!(FaultRule::always(Fault::Hang).to_string(), "kind=hang");
        assert_eq!(
            Fault::HtmlErrorPage { status: 502 }.to_string(),
            "kind=html,status=502"
        );
    }

    #[test]
    fn hints_name_their_header_and_quote_commas() {
        let date = RetryAfterHint::HttpDate(datetime!(2015-10-21 07:28:00 UTC));
        assert_eq!(date.header_name(), "retry-after");
        assert_eq!(date.header_value(), "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(
            date.to_string(),
            "retry-after-date=\"Wed, 21 Oct 2015 07:28:00 GMT\""
        );
        assert_eq!(
            RetryAfterHint::Seconds("81,120".into()).to_string(),
            "retry-after=\"81,120\""
        );
        assert_eq!(
            RetryAfterHint::XMsMillis(5).header_name(),
            "x-ms-retry-after-ms"
        );
        assert_eq!(RetryAfterHint::Millis(20).to_string(), "retry-after-ms=20");
    }
}
